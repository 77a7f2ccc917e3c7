"""Postures (issue 12): batteries of a catalog card (issue 18: rounds usable within the
raid), side names, the posture schema,
``validate`` telling scenarios, postures and sensor files apart, and wrong-kind messages."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from posture_builders import posture_dict

from shieldlab.cli.main import main
from shieldlab.errors import InputError
from shieldlab.scenario import load_scenario
from shieldlab.scenario.loader import builtin_dir
from shieldlab.stability.posture import (
    DEFAULT_RAID_DURATION_S,
    battery_card,
    builtin_posture,
    load_posture,
    parse_posture_text,
    posture_file_schema,
    reloads_in_time,
)

EXAMPLE = resources.files("shieldlab.stability").joinpath("postures", "example.yaml")
FOUR = builtin_dir() / "four-batteries.yaml"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _card_posture_text() -> str:
    """The built-in example with Blue as 4 S-400-class batteries, named Northland."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("blue:\n  offence:", "blue:\n  name: Northland\n  offence:", 1)
    text = text.replace(
        "  defence:\n    interceptors: 128\n    shots_per_threat: 2\n    sspk: 0.6\n",
        "  defence:\n    batteries: 4\n    card: s400-class-battery\n    shots_per_threat: 2\n",
        1,
    )
    text = text.replace("    interceptor_card: s400-class-long-range-interceptor\n", "", 1)
    assert "batteries: 4" in text and "Northland" in text
    return text


def _rounds(sc, *, with_reloads: bool) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rounds per interceptor type of one battery of the built scenario (hand count)."""
    n: dict[str, int] = {}
    for launcher in sc.batteries[0].launchers:
        for item in launcher.loadout:
            k = launcher.count * item.rounds * (1 + (launcher.reloads if with_reloads else 0))
            n[item.interceptor] = n.get(item.interceptor, 0) + k
    return n


def test_battery_card_counts_the_rounds_usable_within_the_raid() -> None:
    """Issue 18: 4 batteries of the card gave 448 interceptors, counting one reload per
    launcher that takes 1800 s, while the engine fires only the ready rounds. Counted by
    hand from four-batteries (4 x the same card, fully built): 56 ready rounds per battery
    (2 x 4 long, 4 x 4 medium, 2 x 4 short), 56 more in reloads of 1800 s."""
    sc = load_scenario(FOUR)
    assert len(sc.batteries) == 4
    ready = sum(_rounds(sc, with_reloads=False).values())
    every = sum(_rounds(sc, with_reloads=True).values())
    assert (ready, every) == (56, 112)
    assert {launcher.reload_time_s for launcher in sc.batteries[0].launchers} == {1800.0}
    bc = battery_card("s400-class-battery")  # default raid: 900 s, reloads too late
    assert (bc.interceptors, bc.ready_rounds, bc.reload_rounds_in_time) == (56, 56, 0)
    assert bc.reserve_too_late == 56 and bc.raid_duration_s == DEFAULT_RAID_DURATION_S
    p = parse_posture_text(_card_posture_text())
    assert p.blue.defence.interceptors == 4 * ready == 224  # was 448
    text = p.blue.defence.magazine_text()
    assert text == (
        "4 x s400-class-battery: 224 interceptors usable within the raid's 900 s (224 ready; "
        "224 reload rounds (1800 s per reload) arrive too late, not counted)"
    )
    # A raid as long as a reload: each launcher's one reload arrives in time.
    for d, usable in ((1799.0, 56), (1800.0, 112), (7200.0, 112)):
        assert battery_card("s400-class-battery", raid_duration_s=d).interceptors == usable
    long = parse_posture_text(
        _card_posture_text().replace(
            "    card: s400-class-battery\n",
            "    card: s400-class-battery\n    raid_duration_s: 2000\n",
            1,
        )
    )
    assert long.blue.defence.interceptors == 4 * every == 448
    assert "224 reload rounds arrive in time" in (long.blue.defence.magazine_text() or "")


def test_reloads_in_time_by_hand() -> None:
    # k-th reload of a launcher arrives k x R after its first load is fired at the earliest.
    assert reloads_in_time(1, 1800.0, 900.0) == 0
    assert reloads_in_time(1, 1800.0, 1800.0) == 1
    assert reloads_in_time(3, 600.0, 1500.0) == 2
    assert reloads_in_time(3, 600.0, 1e6) == 3
    assert reloads_in_time(2, 0.0, 1.0) == 2  # instant reloads: all of them


def test_the_magazine_is_stated_in_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(_card_posture_text())
    code, out, err = _run(["validate", str(f)], capsys)
    assert code == 0, err
    assert "224 interceptors usable within the raid's 900 s" in " ".join(out.split())
    code, out, err = _run(["stability", "restore", str(f)], capsys)
    assert code == 0, err
    assert "Northland defence: 4 x s400-class-battery: 224 interceptors usable" in " ".join(
        out.split()
    )
    code, out, err = _run(["stability", "race", str(f), "--json", "--periods", "2"], capsys)
    assert code == 0, err
    assert json.loads(out)["magazine"]["blue"].startswith("Northland defence: 4 x s400")
    # A magazine given without a card is refused: it is derived, never an input.
    bad = EXAMPLE.read_text(encoding="utf-8").replace(
        "    interceptors: 128\n",
        "    interceptors: 128\n    magazine: {ready: 1, "
        "reloads_in_time: 0, reserve_too_late: 0, raid_duration_s: 9}\n",
        1,
    )
    with pytest.raises(InputError) as exc:
        parse_posture_text(bad, file="p.yaml")
    assert exc.value.location.field == "blue.defence.magazine"


def test_battery_card_sspk_and_cost_are_round_weighted_means_of_its_interceptors() -> None:
    sc = load_scenario(FOUR)
    types = {t.name: t for t in sc.interceptor_types}
    for d, with_reloads in ((900.0, False), (1800.0, True)):
        n = _rounds(sc, with_reloads=with_reloads)
        total = sum(n.values())
        sspk = sum(k * types[name].sspk_for("ballistic") for name, k in n.items()) / total
        cost = sum(k * types[name].unit_cost_usd for name, k in n.items()) / total
        bc = battery_card("s400-class-battery", raid_duration_s=d)
        assert bc.sspk == pytest.approx(sspk, rel=1e-12)
        assert bc.unit_cost_usd == pytest.approx(cost, rel=1e-12)
    p = parse_posture_text(_card_posture_text())
    bc = battery_card("s400-class-battery")
    assert p.blue.defence.sspk == pytest.approx(bc.sspk, rel=1e-12)
    assert p.blue.costs.interceptor == pytest.approx(bc.unit_cost_usd, rel=1e-12)
    assert "battery card s400-class-battery" in p.blue.costs.source


def test_explicit_values_beat_the_card() -> None:
    text = _card_posture_text().replace(
        "    card: s400-class-battery\n", "    card: s400-class-battery\n    sspk: 0.9\n", 1
    )
    text = text.replace(
        "    decoy_card: generic-decoy\n",
        "    decoy_card: generic-decoy\n    interceptor: 5.0e5\n",
        1,
    )
    p = parse_posture_text(text)
    assert p.blue.defence.sspk == 0.9 and p.blue.costs.interceptor == 5.0e5


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("card: s400-class-battery", "card: generic-srbm", "blue.defence.card", "not a battery"),
        ("card: s400-class-battery", "card: no-such", "blue.defence.card", "no catalog card"),
        ("batteries: 4", "batteries: 2.5", "blue.defence.batteries", "whole number"),
        ("batteries: 4", "batteries: -1", "blue.defence.batteries", "[0, 10000]"),
        ("    card: s400-class-battery\n", "", "blue.defence.card", "give 'card'"),
        ("batteries: 4\n", "interceptors: 10\n", "blue.defence.batteries", "give 'batteries'"),
        (
            "batteries: 4\n",
            "batteries: 4\n    interceptors: 9\n",
            "blue.defence.interceptors",
            "disagrees",
        ),
    ],
)
def test_bad_battery_defences_name_the_field(old: str, new: str, field: str, words: str) -> None:
    text = _card_posture_text()
    assert old in text
    with pytest.raises(InputError) as exc:
        parse_posture_text(text.replace(old, new, 1), file="p.yaml")
    e = exc.value
    assert e.location.field == field, str(e)
    assert words in e.message
    assert e.location.line is not None


def test_side_names_are_used_in_tables_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        _card_posture_text().replace("red:\n  offence:", "red:\n  name: Southland\n  offence:", 1)
    )
    code, out, err = _run(["stability", "first-strike", str(f), "--steps", "3"], capsys)
    assert code == 0, err
    assert "Northland" in out and "Southland" in out
    code, out, err = _run(["stability", "race", str(f), "--json", "--periods", "3"], capsys)
    assert code == 0, err
    assert json.loads(out)["names"] == {"blue": "Northland", "red": "Southland"}


def test_same_name_on_both_sides_is_refused() -> None:
    text = _card_posture_text().replace(
        "red:\n  offence:", "red:\n  name: Northland\n  offence:", 1
    )
    with pytest.raises(InputError) as exc:
        parse_posture_text(text)
    assert exc.value.location.field == "red.name"


def test_unnamed_sides_keep_blue_and_red() -> None:
    p = builtin_posture()
    assert p.labels == {"blue": "blue", "red": "red"}


def test_existing_results_are_unchanged_by_the_new_fields() -> None:
    """The example gives its interceptors directly: no card, no name, same numbers."""
    p = builtin_posture()
    assert (p.blue.defence.interceptors, p.red.defence.interceptors) == (128, 256)
    assert (p.blue.defence.batteries, p.blue.defence.card, p.blue.name) == (None, None, None)


def test_posture_schema_accepts_the_shipped_and_card_postures() -> None:
    schema = posture_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    v.validate(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    v.validate(yaml.safe_load(_card_posture_text()))
    v.validate(posture_dict())
    bad = yaml.safe_load(_card_posture_text())
    del bad["blue"]["defence"]["batteries"]  # neither interceptors nor batteries
    assert not v.is_valid(bad)
    bad = yaml.safe_load(_card_posture_text())
    bad["blue"]["defence"]["card"] = "generic-srbm"
    assert not v.is_valid(bad)


def test_schema_posture_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["schema", "--posture"], capsys)
    assert code == 0, err
    assert json.loads(out)["title"].startswith("shieldlab posture file")
    target = tmp_path / "posture.schema.json"
    code, _, err = _run(["schema", "--posture", "--output", str(target)], capsys)
    assert code == 0, err
    assert json.loads(target.read_text()) == posture_file_schema()


def test_validate_tells_the_kinds_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["validate", str(EXAMPLE)], capsys)
    assert code == 0, err
    assert "posture 'notional-example'" in out
    f = tmp_path / "p.yaml"
    f.write_text(_card_posture_text())
    code, out, err = _run(["validate", str(f), "--json"], capsys)
    assert code == 0, err
    got = json.loads(out)
    assert got["kind"] == "posture" and got["sides"]["blue"]["name"] == "Northland"
    assert got["sides"]["blue"]["batteries"] == 4
    code, out, err = _run(["validate", str(FOUR), "--json"], capsys)
    assert code == 0 and json.loads(out)["kind"] == "scenario"
    s = tmp_path / "sensors.yaml"
    # With 'origin', which scenarios have too: found by the fuzz suite, it was taken for a
    # scenario (and refused by `track --sensors` as one).
    s.write_text(
        "origin: {lat_deg: 50.0, lon_deg: 20.0}\n"
        "sensors:\n  - id: R1\n    position_enu_m: [0, 0, 10]\n"
    )
    code, out, err = _run(["validate", str(s)], capsys)
    assert code == 0 and "sensor file, 1 sensors" in out, err
    bad = tmp_path / "bad.yaml"
    bad.write_text(_card_posture_text().replace("sspk: 0.7", "sspk: 7", 1))
    code, _, err = _run(["validate", str(bad)], capsys)
    assert code == 2 and "field 'red.defence.sspk'" in err and err.count("\n") == 1


def test_a_scenario_given_as_a_posture_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as exc:
        load_posture(FOUR)
    assert "this is a scenario, not a posture" in exc.value.message
    assert exc.value.location.file == str(FOUR) and exc.value.location.line is not None
    code, _, err = _run(["stability", "first-strike", str(FOUR)], capsys)
    assert code == 2 and "this is a scenario, not a posture" in err and err.count("\n") == 1


def test_a_posture_given_as_a_scenario_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as exc:
        load_scenario(Path(str(EXAMPLE)))
    assert "this is a posture, not a scenario" in exc.value.message
    assert exc.value.location.field == "blue"
    code, _, err = _run(["run", str(EXAMPLE), "--replications", "1"], capsys)
    assert code == 2 and "this is a posture, not a scenario" in err and err.count("\n") == 1


def test_a_posture_given_as_a_sensor_file_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    det = tmp_path / "d.csv"
    det.write_text("time_s,sensor_id,range_m,azimuth_deg,elevation_deg\n0,R1,1e4,10,5\n")
    code, _, err = _run(
        ["track", str(det), "--out", str(tmp_path / "o.csv"), "--sensors", str(EXAMPLE)], capsys
    )
    assert code == 2 and "this is a posture, not a sensor file" in err
    assert not (tmp_path / "o.csv").exists()


def test_validate_in_a_real_process() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("OK ") and "posture" in res.stdout


def test_attacker_may_be_named_by_display_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--attacker Northland`` (any case) is Blue; an unknown name lists the display names."""
    f = tmp_path / "named.yaml"
    f.write_text(
        _card_posture_text().replace("red:\n  offence:", "red:\n  name: Southland\n  offence:", 1)
    )
    code, out, err = _run(
        ["stability", "penetration", str(f), "--json", "--attacker", "southland"], capsys
    )
    assert code == 0, err
    assert json.loads(out)["attacker"] == "red"
    code, out, err = _run(
        ["stability", "restore", str(f), "--json", "--attacker", "Northland"], capsys
    )
    assert code == 0, err
    assert [r["attacker"] for r in json.loads(out)["results"]] == ["blue"]
    code, out, err = _run(["stability", "penetration", str(f), "--attacker", "Westland"], capsys)
    assert code == 2 and out == ""
    assert "--attacker" in err and "'Northland'" in err and "'Southland'" in err, err

"""Three or more sides (issue 18, item 5): the split rules by hand, pairs against the
two-sided model, the N-sided race reducing to the two-sided one, bad relations refused."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from posture_builders import posture_dict, side_dict

from shieldlab.errors import InputError
from shieldlab.stability.deterrence import missiles_needed
from shieldlab.stability.multi import (
    MultiPosture,
    allocation,
    builtin_multi_posture,
    multi_race,
    parse_multi_posture_text,
    restore_all,
)
from shieldlab.stability.penetration import DefenceModel, Requirement
from shieldlab.stability.posture import Posture
from shieldlab.stability.race import action_reaction


def perfect(launchers: int, interceptors: int, **over: object) -> dict:
    # Pk = 1, one shot, one warhead, expected requirement 10: need(I) = I + 10.
    d = side_dict(
        offence__launchers=launchers,
        defence__interceptors=interceptors,
        defence__sspk=1.0,
        defence__p_detect=1.0,
        defence__shots_per_threat=1,
        deterrence={"warheads": 10, "expected": 10.0},
        race__defence_fraction=0.5,
    )
    for key, value in over.items():
        block, field = key.split("__")
        d[block][field] = value
    return d


def three(blue: dict, red: dict, green: dict) -> MultiPosture:
    return MultiPosture.model_validate(
        {
            "schema_version": 1,
            "name": "t",
            "sides": {"blue": blue, "red": red, "green": green},
            "adversaries": {"blue": ["red", "green"], "red": ["blue"], "green": ["blue"]},
            "race": {"periods": 200},
        }
    )


def test_split_rules_by_hand() -> None:
    # Blue (100 missiles, 60 interceptors) faces Red (40, 30) and Green (20, 20), each of
    # which faces only Blue. Red and Green aim everything at Blue: 40 and 20 warheads, so
    # Blue's 60 interceptors split 40 / 20. Red's 30 and Green's 20 all face Blue, so Blue
    # needs 30 + 10 = 40 against Red and 20 + 10 = 30 against Green: 70 in all, and aims
    # 100 x 40/70 = 57 and 100 x 30/70 = 42 (rounded down). Red needs 40 + 10 = 50 > 40 and
    # Green 20 + 10 = 30 > 20: their deterrents fail, Blue's holds.
    mp = three(perfect(100, 60), perfect(40, 30), perfect(20, 20))
    a = allocation(mp)
    assert a.interceptors == {
        "blue": {"red": 40, "green": 20},
        "red": {"blue": 30},
        "green": {"blue": 20},
    }
    assert a.need == {"blue": {"red": 40, "green": 30}, "red": {"blue": 50}, "green": {"blue": 30}}
    assert a.missiles == {
        "blue": {"red": 57, "green": 42},
        "red": {"blue": 40},
        "green": {"blue": 20},
    }
    r = restore_all(mp)
    assert r["blue"].total_needed == 70 and r["blue"].deterrent_holds
    assert not r["red"].deterrent_holds and not r["green"].deterrent_holds
    assert r["blue"].lines(mp)[-1] == (
        "red, green deterred by blue's 100 missiles (70 needed against all at once): yes"
    )


def test_each_pair_is_the_two_sided_model_against_its_share() -> None:
    mp = builtin_multi_posture()
    a = allocation(mp)
    for x, advs in mp.adversaries.items():
        for y in advs:
            share = a.interceptors[y][x]
            pair = mp.pair(x, y, share)
            assert pair.red.defence.interceptors == share
            req = Requirement.from_posture(pair.blue.deterrence)
            d = DefenceModel.from_posture(pair.red.defence)
            w = pair.blue.offence.warheads_per_launcher
            assert a.need[x][y] == missiles_needed(d, req, w)
    # Blue between two neighbours: its 128 interceptors are split between them.
    assert sum(a.interceptors["blue"].values()) <= 128
    assert min(a.interceptors["blue"].values()) > 0


def test_two_sided_multi_race_is_the_alternating_race() -> None:
    d = posture_dict(perfect(100, 100), perfect(70, 20, race__defence_fraction=0.8))
    p = Posture.model_validate(d)
    mp = MultiPosture.model_validate(
        {
            "schema_version": 1,
            "name": "two",
            "sides": {"blue": copy.deepcopy(d["blue"]), "red": copy.deepcopy(d["red"])},
            "adversaries": {"blue": ["red"], "red": ["blue"]},
            "race": d["race"],
        }
    )
    for lam in (1.0, 0.5):
        two = action_reaction(p, adjustment=lam)
        many = multi_race(mp, adjustment=lam)
        assert many.missiles["blue"] == two.blue_missiles.tolist()
        assert many.interceptors["red"] == two.red_interceptors.tolist()
        assert many.missiles["red"] == two.red_missiles.tolist()
        assert many.outcome == two.outcome and many.periods_to_converge == two.periods_to_converge


def test_three_sided_race_settles_at_mutual_best_replies() -> None:
    mp = three(perfect(100, 60), perfect(40, 30), perfect(20, 20))
    res = multi_race(mp)
    assert res.outcome == "fixed point"
    # At the fixed point each side's missiles are its summed need (nobody wants to move).
    for s in mp.sides:
        assert res.missiles[s][-1] == res.needed[s] and res.deterrent_holds(s)


@pytest.mark.parametrize(
    ("adversaries", "field", "words"),
    [
        ({"blue": ["red", "green"], "red": ["blue"], "green": []}, "adversaries", "list its"),
        (
            {"blue": ["red", "green"], "red": ["blue"], "green": ["red"]},
            "adversaries.green",
            "symmetric",
        ),
        (
            {"blue": ["red", "gray"], "red": ["blue"], "green": ["blue"]},
            "adversaries.blue.1",
            "not another side",
        ),
    ],
)
def test_bad_relations_name_the_field(adversaries: dict, field: str, words: str) -> None:
    import yaml

    text = yaml.safe_dump(
        {
            "schema_version": 1,
            "name": "t",
            "sides": {k: side_dict() for k in ("blue", "red", "green")},
            "adversaries": adversaries,
        }
    )
    with pytest.raises(InputError) as exc:
        parse_multi_posture_text(text, file="m.yaml")
    assert exc.value.location.field == field, str(exc.value)
    assert words in exc.value.message and exc.value.location.line is not None


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from shieldlab.cli.main import main

    try:
        main(["stability", "sides", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sides_command_reads_the_builtin_three_sided_posture(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    code, out, err = _run(capsys, "--json", "--periods", "3")
    assert code == 0, err
    data = json.loads(out)
    assert data["adversaries"] == {"blue": ["red", "green"], "red": ["blue"], "green": ["blue"]}
    a = allocation(builtin_multi_posture())
    pairs = {(p["attacker"], p["defender"]): p for p in data["pairs"]}
    assert pairs[("red", "blue")]["share"] == a.interceptors["blue"]["red"]
    assert pairs[("blue", "red")]["needed"] == a.need["blue"]["red"] == 171
    code, out, err = _run(capsys, "--periods", "3")
    assert code == 0, err
    text = " ".join(out.split())
    assert "red, green deterred by blue's 200 missiles" in text
    assert "N-sided race does NOT settle (not settled)" in text  # 3 periods are too few


def test_sides_command_bad_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from importlib import resources

    src = resources.files("shieldlab.stability").joinpath("postures", "three-sides.yaml")
    f = tmp_path / "bad.yaml"
    f.write_text(src.read_text(encoding="utf-8").replace("  green: [blue]", "  green: [red]"))
    code, out, err = _run(capsys, str(f))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "bad.yaml:11, field 'adversaries.green'" in err

"""Property tests: valid scenarios survive a YAML round trip; junk input is only ever InputError."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_samples import BASE

from shieldlab.errors import InputError
from shieldlab.scenario import (
    Scenario,
    builtin_scenario,
    list_builtin_scenarios,
    load_scenario,
    scenario_from_data,
)
from shieldlab.scenario.yamlio import dump_yaml

_BASE_DATA: dict[str, Any] = yaml.safe_load(BASE)

finite = {"allow_nan": False, "allow_infinity": False}
prob = st.floats(0.0, 1.0, **finite)
pos = st.floats(1e-3, 1e7, **finite)
names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,20}", fullmatch=True)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    d = copy.deepcopy(_BASE_DATA)
    d["name"] = draw(names)
    d["fidelity"] = draw(st.sampled_from(["ideal", "measured"]))
    d["origin"] = {
        "lat_deg": draw(st.floats(-89.0, 89.0, **finite)),
        "lon_deg": draw(st.floats(-179.0, 179.0, **finite)),
        "alt_m": draw(st.floats(-100.0, 5000.0, **finite)),
    }
    asset = draw(names)
    d["assets"][0]["name"] = asset
    d["assets"][0]["value"] = draw(pos)
    for w in d["raid"]["waves"]:
        w["aimpoints"] = [asset]
    srbm, cm = d["threat_types"]
    srbm["rcs_m2"] = draw(pos)
    if draw(st.booleans()):
        srbm["flight_path_angle_deg"] = draw(st.floats(1.0, 89.0, **finite))
    # A level flight may last at most a day (model.MAX_FLIGHT_TIME_S): the 350 km route
    # of this wave needs more than ~4 m/s.
    cm["speed_mps"] = draw(st.floats(10.0, 1e7, **finite))
    if draw(st.booleans()):
        d["raid"]["waves"][1]["waypoints"] = [
            {"lat_deg": draw(st.floats(-19.0, -17.0, **finite)), "lon_deg": -14.5}
        ]
    cm["cruise_altitude_m"] = draw(st.floats(0.0, 20000.0, **finite))
    cm["lethal"] = draw(st.booleans())
    it = d["interceptor_types"][0]
    lo, hi = sorted(draw(st.lists(st.floats(1.0, 1e6, **finite), min_size=2, max_size=2)))
    it["min_range_m"], it["max_range_m"] = lo, hi
    it["sspk"] = {c: draw(prob) for c in ("ballistic", "cruise", "aircraft", "decoy")}
    it["reliability"] = draw(prob)
    radar = d["batteries"][0]["radars"][0]
    radar["pfa"] = draw(st.floats(1e-12, 0.5, **finite))
    radar["swerling"] = draw(st.sampled_from([0, 1]))
    radar["snr_ref_db"] = draw(st.floats(-50.0, 150.0, **finite))
    launcher = d["batteries"][0]["launchers"][0]
    launcher["count"] = draw(st.integers(1, 50))
    launcher["loadout"][0]["rounds"] = draw(st.integers(1, 64))
    launcher["reloads"] = draw(st.integers(0, 5))
    n = draw(st.integers(1, 20))
    d["raid"]["waves"][1]["count"] = n
    d["raid"]["waves"][1]["times_s"] = draw(
        st.lists(st.floats(0.0, 1e4, **finite), min_size=n, max_size=n)
    )
    m_of_n = sorted(draw(st.lists(st.integers(1, 10), min_size=2, max_size=2)))
    d["doctrine"] = {
        "salvo_size": draw(st.integers(1, 4)),
        "shoot_look_shoot": draw(st.booleans()),
        "c2_mode": draw(st.sampled_from(["centralised", "autonomous"])),
        "engagement_priority": draw(st.sampled_from(["layered", "time_to_impact", "asset_value"])),
        "track_initiation": {"m": m_of_n[0], "n": m_of_n[1]},
    }
    return d


def _roundtrip(scenario: Scenario, path: Path) -> Scenario:
    # shieldlab's dumper: PyYAML's writes the name "1e5" unquoted, which reads back as a number.
    path.write_text(dump_yaml(scenario.model_dump(mode="json")))
    return load_scenario(path)


def test_a_name_that_looks_like_a_number_round_trips(tmp_path: Path) -> None:
    data = copy.deepcopy(_BASE_DATA)
    data["name"] = "1e5"  # found by the property test below: was read back as 100000.0
    original = scenario_from_data(data)
    assert _roundtrip(original, tmp_path / "s.yaml") == original


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios())
def test_valid_scenarios_round_trip_through_yaml(tmp_path_factory, data: dict[str, Any]) -> None:
    original = scenario_from_data(data)
    again = _roundtrip(original, tmp_path_factory.mktemp("rt") / "s.yaml")
    assert again == original
    assert again.model_dump() == original.model_dump()


def test_builtin_scenarios_validate_and_round_trip(tmp_path: Path) -> None:
    built = list_builtin_scenarios()
    assert {"four-batteries", "single-battery", "closed-form"} <= {b.name for b in built}
    for b in built:
        assert b.description, b.name
        s = builtin_scenario(b.name)
        assert s.name == b.name
        # Compare content: the round-tripped file names no cards, so its provenance differs.
        assert _roundtrip(s, tmp_path / f"{b.name}.yaml").model_dump() == s.model_dump()


def test_four_batteries_is_the_mixed_64_threat_raid() -> None:
    s = builtin_scenario("four-batteries")
    assert len(s.batteries) == 4
    assert s.raid.total_threats == 64
    by_class: dict[str, int] = {}
    classes = {t.name: t.threat_class for t in s.threat_types}
    for w in s.raid.waves:
        by_class[classes[w.threat]] = by_class.get(classes[w.threat], 0) + w.count
    assert set(by_class) == {"ballistic", "cruise", "aircraft", "decoy"}
    lethal = {t.threat_class: t.lethal for t in s.threat_types}
    assert lethal == {"ballistic": True, "cruise": True, "aircraft": True, "decoy": False}
    assert all(a.name.startswith("blue-") for a in s.assets)


def test_top_level_load_scenario() -> None:
    import shieldlab
    from shieldlab.scenario.loader import builtin_dir

    s = shieldlab.load_scenario(builtin_dir() / "single-battery.yaml")
    assert s.model_dump() == builtin_scenario("single-battery").model_dump()


def test_unknown_builtin_lists_the_available_ones() -> None:
    try:
        builtin_scenario("five-batteries")
    except InputError as e:
        assert "unknown built-in scenario 'five-batteries'" in e.message
        assert "four-batteries" in e.message
    else:
        raise AssertionError("expected InputError")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300))
def test_arbitrary_text_is_a_scenario_or_an_input_error(tmp_path_factory, text: str) -> None:
    p = tmp_path_factory.mktemp("junk") / "s.yaml"
    p.write_text(text, encoding="utf-8")
    try:
        load_scenario(p)
    except InputError as e:
        assert e.location.file == str(p)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(0, len(BASE)), junk=st.sampled_from(["", ":", "- ", "{", "]", "\t", "'"]))
def test_damaged_scenarios_are_input_errors(tmp_path_factory, cut: int, junk: str) -> None:
    p = tmp_path_factory.mktemp("cut") / "s.yaml"
    p.write_text(BASE[:cut] + junk + BASE[cut:], encoding="utf-8")
    try:
        load_scenario(p)
    except InputError as e:
        assert e.location.file == str(p)
        assert e.message


def test_scenario_by_name_or_path(tmp_path: Path) -> None:
    from shieldlab.scenario import scenario_by_name_or_path

    assert scenario_by_name_or_path(None).name == "four-batteries"
    assert scenario_by_name_or_path("single-battery").name == "single-battery"
    p = tmp_path / "mine.yaml"
    p.write_text(BASE, encoding="utf-8")
    assert scenario_by_name_or_path(str(p)).name == "tiny"
    try:
        scenario_by_name_or_path("nine-batteries")
    except InputError as e:
        assert e.location.file == "nine-batteries"
        assert "no built-in scenario of that name" in e.message
        assert "four-batteries" in e.message
    else:
        raise AssertionError("expected InputError")
    try:
        scenario_by_name_or_path(str(tmp_path / "missing.yaml"))
    except InputError as e:
        assert e.message == "file not found"
    else:
        raise AssertionError("expected InputError")

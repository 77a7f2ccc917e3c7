"""Scenario model: valid files load; every class of bad value is one InputError at its line."""

from __future__ import annotations

import math

import pytest
from scenario_samples import BASE, line_of

from shieldlab.errors import InputError
from shieldlab.scenario import Scenario, load_scenario
from shieldlab.scenario.model import THREAT_CLASSES


def _load_err(write, text: str) -> InputError:
    p = write(text)
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    assert exc.value.location.file == str(p)
    return exc.value


def test_base_sample_is_valid(write) -> None:
    s = load_scenario(write(BASE))
    assert isinstance(s, Scenario)
    assert s.raid.total_threats == 6
    assert s.raid.waves[0].launch_times_s() == (0.0, 10.0, 20.0, 30.0)
    assert s.raid.waves[1].launch_times_s() == (0.0, 30.0)
    # Defaults filled from the class.
    srbm, cm = s.threat_types
    assert (srbm.trajectory, srbm.lethal, srbm.flight_path_angle_rad) == ("ballistic", True, None)
    assert (cm.trajectory, cm.speed_mps) == ("level", 240)
    lr = s.interceptor_types[0]
    assert [lr.sspk_for(c) for c in THREAT_CLASSES] == [0.5, 0.7, 0.8, 0.5]
    assert s.batteries[0].radars[0].swerling == 1
    assert s.doctrine.assigner == "greedy"
    assert s.fidelity == "ideal"
    assert s.asset_index("site-a") == 0
    assert s.threat_type_index("cm") == 1
    assert s.interceptor_type_index("lr") == 0


def test_models_are_frozen(write) -> None:
    s = load_scenario(write(BASE))
    with pytest.raises(Exception, match="frozen"):
        s.name = "other"  # type: ignore[misc]


def test_enu_of_origin_is_zero_and_north_is_north(write) -> None:
    s = load_scenario(write(BASE))
    e, n, u = s.enu(s.assets[0].position)
    assert math.hypot(e, n) < 1e-6 and abs(u) < 1e-6
    e, n, _ = s.enu(s.batteries[0].position)  # 0.1 deg north of the origin
    assert abs(e) < 1e-6 and 11_000 < n < 11_100


def test_raid_total_is_limited(write) -> None:
    waves = "".join(
        f"    - {{threat: srbm, count: 60000, launch_area: {{lat_deg: -16, lon_deg: {i}}},"
        " aimpoints: [site-a]}\n"
        for i in (-15, -14)
    )
    head = BASE[: BASE.index("raid:")]
    text = head + "raid:\n  waves:\n" + waves
    e = _load_err(write, text)
    assert e.message == "the raid has 120000 threats; the limit is 100000"
    assert e.location.field == "raid.waves"
    assert e.location.line == line_of(text, "  waves:")


def test_replace_revalidates(write) -> None:
    s = load_scenario(write(BASE))
    raid = s.raid.model_dump()
    raid["waves"][0]["count"] = 40
    s2 = s.replace(raid=raid)
    assert s2.raid.total_threats == 42
    raid["waves"][0]["aimpoints"] = ["nowhere"]
    with pytest.raises(Exception, match="names no asset"):
        s.replace(raid=raid)


# (description, old text, new text, expected field, message fragment, line needle)
BAD_VALUES = [
    (
        "unknown schema_version",
        "schema_version: 1",
        "schema_version: 2",
        "schema_version",
        "unsupported schema_version 2; this shieldlab reads schema_version 1",
        "schema_version",
    ),
    (
        "schema_version as a string",
        "schema_version: 1",
        "schema_version: '1'",
        "schema_version",
        "unsupported schema_version '1'",
        "schema_version",
    ),
    (
        "negative speed",
        "speed_mps: 240",
        "speed_mps: -240",
        "threat_types.1.speed_mps",
        "must be > 0 (got -240)",
        "speed_mps",
    ),
    (
        "zero interceptor speed",
        "avg_speed_mps: 1000",
        "avg_speed_mps: 0",
        "interceptor_types.0.avg_speed_mps",
        "must be > 0",
        "avg_speed_mps",
    ),
    (
        "probability above 1",
        "reliability: 0.9",
        "reliability: 1.5",
        "interceptor_types.0.reliability",
        "must be <= 1 (got 1.5)",
        "reliability",
    ),
    (
        "probability below 0",
        "aircraft: 0.8",
        "aircraft: -0.1",
        "interceptor_types.0.sspk.aircraft",
        "must be >= 0",
        "sspk:",
    ),
    (
        "pfa of 1",
        "pfa: 1.0e-6",
        "pfa: 1",
        "batteries.0.radars.0.pfa",
        "must be < 1",
        "pfa",
    ),
    (
        "min range above max",
        "min_range_m: 3000",
        "min_range_m: 300000",
        "interceptor_types.0.min_range_m",
        "min_range_m (300000) is above max_range_m (250000)",
        "min_range_m",
    ),
    (
        "min altitude above max",
        "min_altitude_m: 10",
        "min_altitude_m: 40000",
        "interceptor_types.0.min_altitude_m",
        "is above max_altitude_m",
        "min_altitude_m",
    ),
    (
        "aimpoint naming no asset",
        "      interval_s: 10\n      aimpoints: [site-a]",
        "      interval_s: 10\n      aimpoints: [site-b]",
        "raid.waves.0.aimpoints.0",
        "aimpoint 'site-b' names no asset; assets: site-a",
        "[site-b]",
    ),
    (
        "wave naming no threat type",
        "threat: srbm",
        "threat: icbm",
        "raid.waves.0.threat",
        "unknown threat type 'icbm'; known: cm, srbm",
        "threat: icbm",
    ),
    (
        "loadout naming no interceptor type",
        "interceptor: lr",
        "interceptor: xr",
        "batteries.0.launchers.0.loadout.0.interceptor",
        "unknown interceptor type 'xr'",
        "interceptor: xr",
    ),
    (
        "unknown key",
        "    value: 2",
        "    value: 2\n    colour: blue",
        "assets.0.colour",
        "unknown field 'colour'; allowed: name, position, value",
        "colour",
    ),
    (
        "misspelt key",
        "rcs_m2: 0.1\n    unit_cost_usd: 3.0e6",
        "rcs: 0.1\n    unit_cost_usd: 3.0e6",
        "threat_types.0.rcs",
        "unknown field 'rcs'",
        "rcs: 0.1",
    ),
    (
        "missing field",
        "        reload_time_s: 1800\n",
        "",
        "batteries.0.launchers.0.reload_time_s",
        "missing required field",
        "- name: tel",
    ),
    (
        "missing top-level field",
        "name: tiny\n",
        "",
        "name",
        "missing required field",
        "schema_version",
    ),
    (
        "latitude out of range",
        "origin: {lat_deg: -20.0",
        "origin: {lat_deg: -200.0",
        "origin.lat_deg",
        "must be >= -90",
        "origin",
    ),
    (
        "wrong type",
        "count: 4\n      launch_area: {lat_deg: -16.0",
        "count: four\n      launch_area: {lat_deg: -16.0",
        "raid.waves.0.count",
        "valid integer",
        "count: four",
    ),
    (
        "fractional count",
        "count: 4\n      launch_area: {lat_deg: -16.0",
        "count: 4.5\n      launch_area: {lat_deg: -16.0",
        "raid.waves.0.count",
        "integer",
        "count: 4.5",
    ),
    (
        "unknown threat class",
        "threat_class: ballistic",
        "threat_class: hypersonic",
        "threat_types.0.threat_class",
        "expected one of 'ballistic', 'cruise', 'aircraft' or 'decoy'",
        "hypersonic",
    ),
    (
        "launch times not matching count",
        "times_s: [0, 30]",
        "times_s: [0, 30, 60]",
        "raid.waves.1.times_s",
        "times_s lists 3 launch times for count 2",
        "times_s",
    ),
    (
        "times and interval both given",
        "times_s: [0, 30]",
        "times_s: [0, 30]\n      interval_s: 5",
        "raid.waves.1.interval_s",
        "either times_s or start_s/interval_s",
        "interval_s: 5",
    ),
    (
        "M above N",
        "track_initiation: {m: 2, n: 3}",
        "track_initiation: {m: 4, n: 3}",
        "doctrine.track_initiation.m",
        "m (4) is above n (3)",
        "track_initiation",
    ),
    (
        "level flight without speed",
        "    speed_mps: 240\n",
        "",
        "threat_types.1.speed_mps",
        "speed_mps is required for a level",
        "- name: cm",
    ),
    (
        "ballistic threat given a speed",
        "rcs_m2: 0.1\n    unit_cost_usd: 3.0e6",
        "rcs_m2: 0.1\n    speed_mps: 2000\n    unit_cost_usd: 3.0e6",
        "threat_types.0.speed_mps",
        "does not apply to a ballistic trajectory",
        "speed_mps: 2000",
    ),
    (
        "battery without engagement radar",
        "role: engagement",
        "role: acquisition",
        "batteries.0.radars",
        "at least one radar with role 'engagement'",
        "radars:",
    ),
    (
        "duplicate asset names",
        "    value: 2\n",
        "    value: 2\n  - name: site-a\n    position: {lat_deg: -20.1, lon_deg: -15.0}\n"
        "    value: 1\n",
        "assets.1.name",
        "duplicate asset name 'site-a'",
        "- name: site-a",
    ),
    (
        "empty list",
        "aimpoints: [site-a]\n    - name: w2",
        "aimpoints: []\n    - name: w2",
        "raid.waves.0.aimpoints",
        "at least 1 item",
        "aimpoints: []",
    ),
    (
        "name with spaces",
        "name: b1",
        "name: battery one",
        "batteries.0.name",
        "should match pattern",
        "battery one",
    ),
    (
        "absurd count (typo guard)",
        "count: 4\n      launch_area: {lat_deg: -16.0",
        "count: 1.0e9\n      launch_area: {lat_deg: -16.0",
        "raid.waves.0.count",
        "must be <= 100000",
        "count: 1.0e9",
    ),
    (
        "launches spread over more than a day",
        "interval_s: 10",
        "interval_s: 40000",
        "raid.waves.0.interval_s",
        "the last launch would be at 120000 s, after the limit of 86400 s",
        "interval_s: 40000",
    ),
    (
        "decision cycle too short",
        "  salvo_size: 2",
        "  salvo_size: 2\n  decision_cycle_s: 0.001",
        "doctrine.decision_cycle_s",
        "must be >= 0.05",
        "decision_cycle_s",
    ),
    (
        "launch area on top of the aimpoint",
        "launch_area: {lat_deg: -17.0, lon_deg: -14.0, radius_m: 0}",
        "launch_area: {lat_deg: -20.0, lon_deg: -15.0, radius_m: 0}",
        "raid.waves.1.launch_area",
        "launch area (radius 0 m) comes within 1000 m of aimpoint 'site-a' (0 m from its centre)",
        "launch_area: {lat_deg: -20.0",
    ),
    (
        "launch area reaching the aimpoint",
        "radius_m: 10000}",
        "radius_m: 500000}",
        "raid.waves.0.launch_area",
        "launch area (radius 500000 m) comes within 1000 m of aimpoint 'site-a'",
        "radius_m: 500000",
    ),
    (
        "not a number",
        "value: 2",
        "value: .nan",
        "assets.0.value",
        "finite number",
        "value: .nan",
    ),
    (
        "infinite value",
        "snr_ref_db: 24",
        "snr_ref_db: .inf",
        "batteries.0.radars.0.snr_ref_db",
        "finite",
        "snr_ref_db",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment", "needle"),
    [case[1:] for case in BAD_VALUES],
    ids=[case[0] for case in BAD_VALUES],
)
def test_bad_value_is_one_error_with_file_line_field(
    write, old: str, new: str, field: str, fragment: str, needle: str
) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    e = _load_err(write, text)
    assert e.location.field == field
    assert fragment in e.message
    nth = 1 if needle == "- name: site-a" else 0
    assert e.location.line == line_of(text, needle, nth)


def _leaves(node: object, path: tuple[str | int, ...] = ()):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def test_every_field_is_reported_at_its_own_path_and_line() -> None:
    """Break each value of the sample in turn: the error names exactly that field and line."""
    import copy

    from shieldlab.scenario import scenario_from_data
    from shieldlab.scenario.yamlio import load_yaml_text

    data, linemap = load_yaml_text(BASE, file="s.yaml")
    leaves = list(_leaves(data))
    assert len(leaves) > 60
    for path in leaves:
        broken = copy.deepcopy(data)
        node = broken
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = [[1]]  # invalid for every scalar field
        with pytest.raises(InputError) as exc:
            scenario_from_data(broken, linemap, "s.yaml")
        dotted = ".".join(str(p) for p in path)
        assert exc.value.location.field == dotted, dotted
        assert exc.value.location.line == linemap.exact(path), dotted

"""Radar fields for the measured fidelity's plot errors and false plots: on the cards,
overridable per radar in a scenario, checked with file, line and field."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scenario_samples import line_of

from shieldlab.errors import InputError
from shieldlab.scenario import builtin_scenario, load_catalog, load_scenario

FIELDS = ("sigma_range_m", "sigma_azimuth_deg", "sigma_elevation_deg", "clutter_per_scan")

SCEN = """\
schema_version: 1
name: radar-errors
origin: {lat_deg: -20.0, lon_deg: -15.0}
fidelity: measured
assets:
  - {name: site, position: {lat_deg: -20.0, lon_deg: -15.0}, value: 1}
threat_types:
  - card: generic-srbm
interceptor_types:
  - card: s400-class-long-range-interceptor
  - card: s400-class-medium-range-interceptor
  - card: s400-class-short-range-interceptor
batteries:
  - card: s400-class-battery
    name: b1
    position: {lat_deg: -19.9, lon_deg: -15.0}
    radars:
      - card: s400-class-acquisition-radar
        name: acq
        clutter_per_scan: 8
      - card: s400-class-engagement-radar
        name: eng
        sigma_range_m: 120
        sigma_azimuth_deg: 0.05
raid:
  waves:
    - {threat: generic-srbm, count: 2, launch_area: {lat_deg: -17, lon_deg: -15}, aimpoints: [site]}
"""


def test_radar_cards_carry_the_engine_defaults_with_sources() -> None:
    cards = [c for c in load_catalog().values() if c.kind == "radar"]
    assert len(cards) == 2
    for card in cards:
        assert tuple(card.nominal[f] for f in FIELDS) == (50.0, 0.2, 0.2, 2.0), card.name
        params = {p.field: p for p in card.parameters}
        for f in FIELDS:
            assert params[f].notional and params[f].source.startswith("NOTIONAL"), f
        assert "√(2·SNR)" in params["sigma_range_m"].source
        assert "Skolnik" in params["sigma_azimuth_deg"].source
        assert "N·Pfa" in params["clutter_per_scan"].source


def test_a_radar_written_out_leaves_them_unset() -> None:
    radar = builtin_scenario("closed-form").batteries[0].radars[0]
    assert all(getattr(radar, f) is None for f in FIELDS)


def test_a_scenario_overrides_them_per_radar(write) -> None:  # type: ignore[no-untyped-def]
    s = load_scenario(write(SCEN))
    acq, eng = s.batteries[0].radars
    assert (acq.sigma_range_m, acq.sigma_azimuth_deg, acq.clutter_per_scan) == (50.0, 0.2, 8.0)
    assert (eng.sigma_range_m, eng.sigma_azimuth_deg, eng.sigma_elevation_deg) == (
        120.0,
        0.05,
        0.2,
    )
    assert eng.clutter_per_scan == 2.0
    # card_sources reports the scenario's own overrides.
    from shieldlab.scenario import card_sources

    over = {o for c in card_sources(s) for o in c.overridden}
    assert "batteries.0.radars.1.sigma_range_m" in over
    assert "batteries.0.radars.0.clutter_per_scan" in over


BAD = [
    ("sigma_range_m: 120", "sigma_range_m: 0", "radars.1.sigma_range_m"),
    ("sigma_range_m: 120", "sigma_range_m: -5", "radars.1.sigma_range_m"),
    ("sigma_range_m: 120", "sigma_range_m: .nan", "radars.1.sigma_range_m"),
    ("sigma_range_m: 120", "sigma_range_m: .inf", "radars.1.sigma_range_m"),
    ("sigma_range_m: 120", "sigma_range_m: fifty", "radars.1.sigma_range_m"),
    ("sigma_azimuth_deg: 0.05", "sigma_azimuth_deg: 0", "radars.1.sigma_azimuth_deg"),
    ("sigma_azimuth_deg: 0.05", "sigma_azimuth_deg: 45", "radars.1.sigma_azimuth_deg"),
    ("sigma_azimuth_deg: 0.05", "sigma_elevation_deg: -0.1", "radars.1.sigma_elevation_deg"),
    ("clutter_per_scan: 8", "clutter_per_scan: -1", "radars.0.clutter_per_scan"),
    ("clutter_per_scan: 8", "clutter_per_scan: 1.0e9", "radars.0.clutter_per_scan"),
    # Caps of issue 10 item 2 (model.MAX_SIGMA_RANGE_M, MAX_CLUTTER_PER_SCAN): was accepted.
    ("sigma_range_m: 120", "sigma_range_m: 20000", "radars.1.sigma_range_m"),
    ("sigma_range_m: 120", "sigma_range_m: 1e300", "radars.1.sigma_range_m"),
    ("sigma_azimuth_deg: 0.05", "sigma_azimuth_deg: 10.5", "radars.1.sigma_azimuth_deg"),
    ("clutter_per_scan: 8", "clutter_per_scan: 5000", "radars.0.clutter_per_scan"),
]


@pytest.mark.parametrize(("old", "new", "field"), BAD)
def test_bad_values_name_file_line_and_field(write, old: str, new: str, field: str) -> None:  # type: ignore[no-untyped-def]
    text = SCEN.replace(old, new, 1)
    assert text != SCEN
    p = write(text)
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    loc = exc.value.location
    assert loc.file == str(p)
    assert loc.field == f"batteries.0.{field}"
    assert loc.line == line_of(text, new)


@pytest.mark.parametrize(("old", "new", "field"), [BAD[0], BAD[6], BAD[8]])
def test_validate_exits_2_with_file_line_field(write, old: str, new: str, field: str) -> None:  # type: ignore[no-untyped-def]
    text = SCEN.replace(old, new, 1)
    p = write(text)
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "validate", str(p)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert res.stdout == ""
    assert "Traceback" not in res.stderr
    msg = res.stderr.strip()
    assert len(msg.splitlines()) == 1
    assert msg.startswith(f"shieldlab: error: {p}:{line_of(text, new)}, ")
    assert f"field 'batteries.0.{field}'" in msg

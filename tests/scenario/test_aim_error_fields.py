"""Interceptor fields for aim error with track covariance: off on the cards, set in pairs."""

from __future__ import annotations

import pytest
from scenario_samples import line_of

from shieldlab.errors import InputError
from shieldlab.scenario import builtin_scenario, load_catalog, load_scenario

SCEN = """\
schema_version: 1
name: aimed
origin: {lat_deg: -20.0, lon_deg: -15.0}
assets:
  - {name: site, position: {lat_deg: -20.0, lon_deg: -15.0}, value: 1}
threat_types:
  - card: generic-srbm
interceptor_types:
  - card: s400-class-long-range-interceptor
    lethal_radius_m: 150
    guidance_miss_sigma_m: 15
  - card: s400-class-medium-range-interceptor
  - card: s400-class-short-range-interceptor
batteries:
  - card: s400-class-battery
    name: b1
    position: {lat_deg: -19.9, lon_deg: -15.0}
raid:
  waves:
    - {threat: generic-srbm, count: 2, launch_area: {lat_deg: -17, lon_deg: -15}, aimpoints: [site]}
"""


def test_cards_ship_the_switch_off() -> None:
    cards = [c for c in load_catalog().values() if c.kind == "interceptor_type"]
    assert cards
    for card in cards:
        assert card.nominal["lethal_radius_m"] is None, card.name
        assert card.nominal["guidance_miss_sigma_m"] is None, card.name
        src = {p.field: p.source for p in card.parameters}["lethal_radius_m"]
        assert "1 − exp(−R_L²/(2σ²))" in src and "AIAA" in src, card.name
    for name in ("single-battery", "four-batteries", "closed-form"):
        assert not any(t.aims_with_track_error for t in builtin_scenario(name).interceptor_types)


def test_a_scenario_turns_it_on_for_one_type(write) -> None:  # type: ignore[no-untyped-def]
    s = load_scenario(write(SCEN))
    lr, mr, sr = s.interceptor_types
    assert lr.aims_with_track_error
    assert (lr.lethal_radius_m, lr.guidance_miss_sigma_m) == (150.0, 15.0)
    assert not mr.aims_with_track_error and not sr.aims_with_track_error


@pytest.mark.parametrize(
    ("drop", "missing"),
    [
        ("    guidance_miss_sigma_m: 15\n", "guidance_miss_sigma_m"),
        ("    lethal_radius_m: 150\n", "lethal_radius_m"),
    ],
)
def test_one_without_the_other_names_the_missing_field(write, drop: str, missing: str) -> None:  # type: ignore[no-untyped-def]
    text = SCEN.replace(drop, "", 1)
    p = write(text)
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    assert exc.value.location.field == f"interceptor_types.0.{missing}"
    assert "go together" in exc.value.message
    assert exc.value.location.file == str(p)
    assert exc.value.location.line == line_of(text, "- card: s400-class-long-range-interceptor")


def test_lethal_radius_must_be_positive(write) -> None:  # type: ignore[no-untyped-def]
    text = SCEN.replace("lethal_radius_m: 150", "lethal_radius_m: 0", 1)
    with pytest.raises(InputError) as exc:
        load_scenario(write(text))
    assert exc.value.location.field == "interceptor_types.0.lethal_radius_m"
    assert exc.value.location.line == line_of(text, "lethal_radius_m: 0")

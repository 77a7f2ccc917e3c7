"""Hypersonic boost-glide vehicles as a threat track (issue 17 item 4).

References: the equilibrium glide (Vinh, Busemann & Culp 1980, ch. 7): lift + centrifugal
relief = weight gives rho_eq(v) = 2 (m/S) (g - v^2/r) / (C_L v^2), and with constant L/D
dv/dt = -(g - v^2/r) / (L/D), ds/dt = v -- integrated here independently by scipy (DOP853)
and compared with the engine's track (closed forms of ``core.glide`` on a speed grid).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from shieldlab.core.glide import EARTH_RADIUS_M, STANDARD_GRAVITY_MPS2
from shieldlab.core.kinematics import central_angle_rad
from shieldlab.core.reentry import SCALE_HEIGHT_M, SEA_LEVEL_DENSITY_KG_M3
from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario, wave_threat_track
from shieldlab.engine.oracle import run_replications_py
from shieldlab.errors import InputError
from shieldlab.scenario import scenario_from_data
from shieldlab.scenario.cards import load_catalog
from shieldlab.scenario.model import GeoPoint, ThreatType

LAUNCH = (-2.0, 0.0)


def _hgv(**glide: Any) -> ThreatType:
    nominal = dict(load_catalog()["generic-hgv"].nominal)
    nominal["glide"] = {**nominal["glide"], **glide}
    return ThreatType.model_validate({**nominal, "name": "hgv"})


def _track(tt: ThreatType, range_m: float) -> Any:
    aim = GeoPoint(lat_deg=LAUNCH[0] - math.degrees(range_m / EARTH_RADIUS_M), lon_deg=0.0)
    return wave_threat_track(tt, math.radians(LAUNCH[0]), 0.0, [], [], aim, 1.0)


def _downrange(track: Any) -> np.ndarray:
    return (
        central_angle_rad(math.radians(LAUNCH[0]), 0.0, track.lat_rad, track.lon_rad)
        * EARTH_RADIUS_M
    )


def test_glide_entry_altitude_and_final_speed_by_hand() -> None:
    tt = _hgv()
    track = _track(tt, 2_000_000.0)
    # rho_eq(6 km/s) = 2 * 1000 * (9.80665 - 6000^2 / 6.371e6) / (0.5 * 6000^2)
    #               = 2000 * 4.15605 / 1.8e7 = 4.6178e-4 kg/m^3, h = 7200 ln(1.225 / rho)
    #               = 7200 * 7.8834 = 56,760 m: the altitude at the end of the boost.
    rho = 2000 * (STANDARD_GRAVITY_MPS2 - 6000.0**2 / EARTH_RADIUS_M) / (0.5 * 6000.0**2)
    h0 = SCALE_HEIGHT_M * math.log(SEA_LEVEL_DENSITY_KG_M3 / rho)
    assert h0 == pytest.approx(56_760.0, abs=1.0)
    k = int(np.argmin(np.abs(track.t_s - 200.0)))
    assert track.t_s[k] == 200.0 and track.alt_m[k] == pytest.approx(h0, abs=1e-6)
    # 1,650 km of glide from 6 km/s at L/D 2.5: v1^2 = g r - (g r - v0^2) exp(2 R / (2.5 r))
    gr = STANDARD_GRAVITY_MPS2 * EARTH_RADIUS_M
    v1 = math.sqrt(gr - (gr - 36e6) * math.exp(2 * 1.65e6 / (2.5 * EARTH_RADIUS_M)))
    assert v1 == pytest.approx(5468.5, abs=0.1)
    d = _downrange(track)
    assert d[-1] == pytest.approx(2_000_000.0, abs=1.0) and track.alt_m[-1] == 0.0


def test_glide_against_solve_ivp() -> None:
    tt = _hgv()
    gp = tt.glide
    assert gp is not None
    track = _track(tt, 2_000_000.0)
    g, r, ld = STANDARD_GRAVITY_MPS2, EARTH_RADIUS_M, gp.lift_to_drag

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        v = y[0]
        return [-(g - v * v / r) / ld, v]

    glide = (track.t_s >= gp.boost_time_s) & (_downrange(track) <= 2e6 - gp.dive_range_m)
    tg = track.t_s[glide] - gp.boost_time_s
    sol = solve_ivp(rhs, (0.0, float(tg[-1])), [gp.initial_speed_mps, 0.0], method="DOP853",
                    rtol=1e-12, atol=1e-9, dense_output=True)  # fmt: skip
    v, s = sol.sol(tg)
    # linear interpolation between 4,001 speed knots (~0.1 s apart): well under 0.5 m
    np.testing.assert_allclose(_downrange(track)[glide] - gp.boost_range_m, s, atol=0.5)
    rho = 2 * gp.wing_loading_kg_m2 * (g - v * v / r) / (gp.lift_coeff * v * v)
    h = SCALE_HEIGHT_M * np.log(SEA_LEVEL_DENSITY_KG_M3 / rho)
    np.testing.assert_allclose(track.alt_m[glide], h, atol=0.5)


@settings(max_examples=25, deadline=None)
@given(
    range_km=st.floats(800.0, 3000.0),
    v0=st.floats(4000.0, 7000.0),
    ld=st.floats(1.5, 4.0),
)
def test_glide_descends_and_lands_on_the_aimpoint(range_km: float, v0: float, ld: float) -> None:
    tt = _hgv(initial_speed_mps=v0, lift_to_drag=ld)
    gp = tt.glide
    assert gp is not None
    try:
        track = _track(tt, range_km * 1e3)
    except ValueError:
        # out of reach: the scenario check refuses it (test_bad_glide_input)
        return
    glide = track.t_s >= gp.boost_time_s
    assert np.all(np.diff(track.alt_m[glide]) <= 1e-9)  # slower is lower, then the dive
    assert _downrange(track)[-1] == pytest.approx(range_km * 1e3, abs=1.0)


def _scenario(lat: float) -> dict[str, Any]:
    aim = {"lat_deg": -20.0, "lon_deg": 0.0}
    return {
        "schema_version": 1,
        "name": "glide",
        "origin": aim,
        "assets": [{"name": "site", "position": aim, "value": 1}],
        "threat_types": [{"card": "generic-hgv"}],
        "interceptor_types": [
            {"card": f"s400-class-{k}-range-interceptor"} for k in ("long", "medium", "short")
        ],
        "batteries": [{"card": "s400-class-battery", "name": "b", "position": aim}],
        "raid": {
            "waves": [
                {
                    "threat": "generic-hgv",
                    "count": 4,
                    "interval_s": 20,
                    "launch_area": {"lat_deg": lat, "lon_deg": 0.0, "radius_m": 10e3},
                    "aimpoints": ["site"],
                }
            ]
        },
    }


def test_card_glider_dives_too_fast_for_every_interceptor() -> None:
    """At 2,000 km the card's glider dives at 5.47 km/s, above every S-400-class round's
    max_target_speed_mps (4.8 km/s at most), and glides above their ceilings: no window."""
    sc = scenario_from_data(_scenario(-2.0))
    cs = compile_scenario(sc)
    assert max(it.max_target_speed_mps or 0.0 for it in sc.interceptor_types) <= 4800.0
    assert not np.any(cs.it_time >= 0.0)


def test_glider_is_engaged_only_below_the_aerodynamic_ceiling() -> None:
    # A draggier glider (L/D 1.5) over 3,000 km slows to 4.05 km/s before its dive.
    data = _scenario(7.0)
    data["threat_types"][0]["glide"] = {"lift_to_drag": 1.5}
    sc = scenario_from_data(data)
    cs = compile_scenario(sc)
    tr = cs.trajectories
    ceiling = max(it.envelope_for("ballistic")[3] for it in sc.interceptor_types)
    hits = 0
    for i in range(cs.n_threats):
        rows = slice(int(cs.it_off[i]), int(cs.it_off[i] + cs.it_nc[i]))
        t_hit = cs.it_time[rows][cs.it_time[rows] >= 0.0]
        sl = slice(int(tr["off"][i]), int(tr["off"][i] + tr["n"][i]))
        alt = np.interp(t_hit, tr["t_s"][sl], tr["alt_m"][sl])
        # the glide (57 -> 46 km) is above every aerodynamic interceptor's ceiling: only
        # the dive can be engaged
        assert np.all(alt <= ceiling + 1e-3)
        assert float(np.max(tr["alt_m"][sl])) > ceiling + 10_000.0
        hits += t_hit.size
    assert hits > 0
    np.testing.assert_array_equal(
        run_replications(cs, seed=4, first=0, count=10),
        run_replications_py(cs, seed=4, first=0, count=10),
    )


@pytest.mark.parametrize(
    ("lat", "words"),
    [(-18.0, "inside the glide type's boost and dive"), (70.0, "out of the glide's reach")],
)
def test_bad_glide_input_names_the_launch_area(lat: float, words: str) -> None:
    with pytest.raises(InputError) as err:
        scenario_from_data(_scenario(lat))
    assert "raid.waves.0.launch_area" in str(err.value) and words in str(err.value)


def test_glide_type_refuses_level_fields() -> None:
    data = _scenario(-2.0)
    data["threat_types"][0]["speed_mps"] = 300.0
    with pytest.raises(InputError, match="does not apply to a glide trajectory"):
        scenario_from_data(data)

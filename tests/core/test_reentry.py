"""Allen-Eggers re-entry and atmospheric decoy discrimination against integrated flight.

The reference integrates the same equations of motion the closed forms assume --
m dv/dt = -rho(h) v^2 / (2 beta) m along a straight path at angle gamma below the
horizontal, dh/dt = -v sin(gamma), rho = rho0 exp(-h/H), no gravity -- with scipy's
adaptive Runge-Kutta (DOP853), so the closed forms are checked against an independent
numerical solution (Allen & Eggers, NACA Report 1381, 1958; Regan & Anandakrishnan 1993,
ch. 6).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar

from shieldlab.core import reentry

RHO0 = reentry.SEA_LEVEL_DENSITY_KG_M3
H = reentry.SCALE_HEIGHT_M
H_ENTRY = 400_000.0  # rho(400 km) ~ 1e-24 kg/m^3: effectively entry from infinity


def _integrate(v_e: float, beta: float, gamma: float):
    """Speed as a dense function of altitude, integrated in altitude (dv/dh)."""

    def dv_dh(h: float, y: np.ndarray) -> list[float]:
        rho = RHO0 * math.exp(-h / H)
        # dv/dt = -rho v^2 / (2 beta), dh/dt = -v sin(gamma)
        return [rho * y[0] / (2.0 * beta * math.sin(gamma))]

    sol = solve_ivp(
        dv_dh, (H_ENTRY, 0.0), [v_e], method="DOP853", rtol=1e-11, atol=1e-9, dense_output=True
    )
    assert sol.success
    return lambda h: float(sol.sol(h)[0])


def test_speed_matches_integrated_flight() -> None:
    v_e, beta, gamma = 3_000.0, 5_000.0, math.radians(40.0)
    speed = _integrate(v_e, beta, gamma)
    for h in (60_000.0, 30_000.0, 15_000.0, 5_000.0, 0.0):
        closed = float(
            reentry.allen_eggers_speed_mps(
                h, entry_speed_mps=v_e, ballistic_coeff_kg_m2=beta, path_angle_rad=gamma
            )
        )
        assert abs(closed - speed(h)) / speed(h) < 1e-8


def test_peak_deceleration_matches_integrated_maximum() -> None:
    v_e, beta, gamma = 6_000.0, 2_000.0, math.radians(30.0)
    speed = _integrate(v_e, beta, gamma)

    def minus_decel(h: float) -> float:
        return -float(reentry.drag_deceleration_mps2(h, speed(h), beta))

    best = minimize_scalar(
        minus_decel, bounds=(0.0, 80_000.0), method="bounded", options={"xatol": 1e-3}
    )
    a_max, h_star = reentry.peak_deceleration(
        entry_speed_mps=v_e, ballistic_coeff_kg_m2=beta, path_angle_rad=gamma
    )
    assert abs(float(h_star) - best.x) < 1.0  # metres
    assert abs(float(a_max) + best.fun) / float(a_max) < 1e-7
    # hand value: a_max = v^2 sin(g) / (2 e H)
    assert math.isclose(float(a_max), 6_000.0**2 * 0.5 / (2 * math.e * 7_200.0), rel_tol=1e-12)


def test_discrimination_altitude_matches_integrated_pair() -> None:
    v_e, gamma = 4_000.0, math.radians(35.0)
    beta_w, beta_d, eps = 8_000.0, 400.0, 0.05
    warhead, decoy = _integrate(v_e, beta_w, gamma), _integrate(v_e, beta_d, gamma)
    h_ref = brentq(lambda h: decoy(h) / warhead(h) - (1.0 - eps), 0.0, H_ENTRY, xtol=1e-6)
    h = reentry.discrimination_altitude_m(
        decoy_coeff_kg_m2=beta_d,
        warhead_coeff_kg_m2=beta_w,
        path_angle_rad=gamma,
        speed_lag_fraction=eps,
    )
    assert abs(float(h) - h_ref) < 0.01
    assert 30_000.0 < h_ref < 80_000.0  # light decoys separate high in the atmosphere


def test_discrimination_edge_cases() -> None:
    kw = {"warhead_coeff_kg_m2": 5_000.0, "path_angle_rad": 0.6}
    same = reentry.discrimination_altitude_m(
        decoy_coeff_kg_m2=5_000.0, speed_lag_fraction=0.1, **kw
    )
    heavier = reentry.discrimination_altitude_m(
        decoy_coeff_kg_m2=9_000.0, speed_lag_fraction=0.1, **kw
    )
    at_once = reentry.discrimination_altitude_m(
        decoy_coeff_kg_m2=100.0, speed_lag_fraction=0.0, **kw
    )
    assert float(same) == -math.inf and float(heavier) == -math.inf
    assert float(at_once) == math.inf


def test_density_round_trip() -> None:
    h = np.array([-500.0, 0.0, 11_000.0, 50_000.0])
    assert np.allclose(reentry.altitude_for_density_m(reentry.density_kg_m3(h)), h, atol=1e-9)
    assert float(reentry.density_kg_m3(0.0)) == RHO0


betas = st.floats(50.0, 50_000.0)
angles = st.floats(math.radians(5.0), math.radians(85.0))


@settings(max_examples=200, deadline=None)
@given(betas, betas, angles, st.floats(0.0, 80_000.0), st.floats(0.0, 80_000.0))
def test_heavier_keeps_speed_and_speed_falls_with_depth(
    b1: float, b2: float, gamma: float, h1: float, h2: float
) -> None:
    lo_b, hi_b = sorted((b1, b2))
    lo_h, hi_h = sorted((h1, h2))
    kw = {"entry_speed_mps": 5_000.0, "path_angle_rad": gamma}
    slow = reentry.allen_eggers_speed_mps(lo_h, ballistic_coeff_kg_m2=lo_b, **kw)
    fast = reentry.allen_eggers_speed_mps(lo_h, ballistic_coeff_kg_m2=hi_b, **kw)
    higher = reentry.allen_eggers_speed_mps(hi_h, ballistic_coeff_kg_m2=lo_b, **kw)
    assert slow <= fast <= 5_000.0
    assert slow <= higher


@settings(max_examples=200, deadline=None)
@given(betas, betas, betas, angles, st.floats(0.001, 0.5))
def test_lighter_decoys_separate_higher(
    bw: float, d1: float, d2: float, gamma: float, eps: float
) -> None:
    light, heavy = sorted((d1, d2))
    kw = {"warhead_coeff_kg_m2": bw, "path_angle_rad": gamma, "speed_lag_fraction": eps}
    h_light = reentry.discrimination_altitude_m(decoy_coeff_kg_m2=light, **kw)
    h_heavy = reentry.discrimination_altitude_m(decoy_coeff_kg_m2=heavy, **kw)
    assert h_light >= h_heavy
    # A decoy lighter than the warhead always lags: the speed ratio is at most 1.
    ratio = reentry.decoy_speed_ratio(
        20_000.0, decoy_coeff_kg_m2=light, warhead_coeff_kg_m2=max(bw, light), path_angle_rad=gamma
    )
    assert 0.0 <= ratio <= 1.0

"""Equilibrium glide against integrated flight and the force balance it assumes.

Reference: integrate dv/dt = -(g - v^2/r) / (L/D) and dx/dt = v (ground range along the
surface) with scipy's DOP853 until the speed reaches v1, and compare range and time with
the closed forms (Vinh, Busemann & Culp 1980, ch. 7; Acton, Science & Global Security
23, 2015). The equilibrium altitude is checked by putting it back into the lift balance
1/2 rho v^2 C_L = (m/S)(g - v^2/r) with the atmosphere's own density.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from shieldlab.core import glide, reentry

G = glide.STANDARD_GRAVITY_MPS2
R = glide.EARTH_RADIUS_M


def _integrated(v0: float, v1: float, ld: float) -> tuple[float, float]:
    def rhs(t: float, y: np.ndarray) -> list[float]:
        v = y[0]
        return [-(G - v * v / R) / ld, v]

    def reached(t: float, y: np.ndarray) -> float:
        return y[0] - v1

    reached.terminal = True  # type: ignore[attr-defined]
    sol = solve_ivp(
        rhs, (0.0, 1e6), [v0, 0.0], method="DOP853", rtol=1e-12, atol=1e-9, events=reached
    )
    assert sol.status == 1
    return float(sol.y_events[0][0][1]), float(sol.t_events[0][0])


def test_range_and_time_match_integrated_glide() -> None:
    for v0, v1, ld in ((6_000.0, 1_000.0, 2.5), (7_000.0, 2_000.0, 3.5), (3_000.0, 500.0, 2.0)):
        x_ref, t_ref = _integrated(v0, v1, ld)
        kw = {"initial_speed_mps": v0, "final_speed_mps": v1, "lift_to_drag": ld}
        assert abs(float(glide.glide_range_m(**kw)) - x_ref) / x_ref < 1e-8
        assert abs(float(glide.glide_time_s(**kw)) - t_ref) / t_ref < 1e-8


def test_range_hand_value() -> None:
    # L/D 2.6 from 6 km/s to rest: R = 2.6 * r / 2 * ln(1 / (1 - v^2 / (g r)))
    expected = 2.6 * R / 2 * math.log(1.0 / (1.0 - 6_000.0**2 / (G * R)))
    got = float(glide.glide_range_m(initial_speed_mps=6_000.0, lift_to_drag=2.6))
    assert math.isclose(got, expected, rel_tol=1e-12)
    assert 7.0e6 < got < 7.2e6  # about 7,100 km of glide


def test_equilibrium_altitude_satisfies_lift_balance() -> None:
    v = np.array([2_000.0, 4_000.0, 6_000.0, 7_000.0])
    wl, cl = 1_500.0, 0.4
    h = glide.equilibrium_altitude_m(v, wing_loading_kg_m2=wl, lift_coeff=cl)
    rho = reentry.density_kg_m3(h)
    lift_per_area = 0.5 * rho * v**2 * cl
    assert np.allclose(lift_per_area, wl * (G - v**2 / R), rtol=1e-12)
    assert np.all(np.diff(h) > 0)  # faster glides higher
    assert 25_000.0 < h[2] < 60_000.0  # tens of km at 6 km/s


speeds = st.floats(500.0, 7_500.0)


@settings(max_examples=200, deadline=None)
@given(speeds, speeds, st.floats(0.5, 6.0), st.floats(0.5, 6.0))
def test_more_lift_to_drag_glides_further_and_longer(
    a: float, b: float, ld1: float, ld2: float
) -> None:
    v1, v0 = sorted((a, b))
    lo, hi = sorted((ld1, ld2))
    kw = {"initial_speed_mps": v0, "final_speed_mps": v1}
    assert (
        0.0
        <= glide.glide_range_m(lift_to_drag=lo, **kw)
        <= glide.glide_range_m(lift_to_drag=hi, **kw)
    )
    assert (
        0.0
        <= glide.glide_time_s(lift_to_drag=lo, **kw)
        <= glide.glide_time_s(lift_to_drag=hi, **kw)
    )
    assert float(glide.circular_speed_mps()) > 7_900.0

"""Ballistic arcs against the published minimum-energy table and Kepler consistency."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from shieldlab.core import ballistic as bl

Table = Callable[[str, str], list[list[float]]]


def test_minimum_energy_matches_published_table(published_table: Table) -> None:
    # Minimum-energy trajectory, spherical non-rotating Earth (Bate, Mueller & White 1971,
    # ch. 6), table of PUBLISHED_VALUES.md, compared to its printed precision.
    rows = published_table("## Minimum-energy ballistic trajectory", "| ground range (km)")
    assert len(rows) == 4
    rng_km, v_kms, gamma_deg, t_min, apo_km = (np.array(c) for c in zip(*rows, strict=True))
    arc = bl.minimum_energy(rng_km * 1e3)
    np.testing.assert_allclose(arc.burnout_speed_mps / 1e3, v_kms, atol=0.0005 + 1e-12)
    np.testing.assert_allclose(np.degrees(arc.flight_path_angle_rad), gamma_deg, atol=0.005)
    np.testing.assert_allclose(arc.flight_time_s / 60, t_min, atol=0.005)
    np.testing.assert_allclose(arc.apogee_m / 1e3, apo_km, atol=0.5)


def test_minimum_energy_closed_form_relations() -> None:
    # v^2 = (mu/R) 2S/(1+S), a = R(1+S)/2 (Bate, Mueller & White 1971, section 6.2).
    rng = np.linspace(100e3, 15_000e3, 50)
    arc = bl.minimum_energy(rng)
    s = np.sin(rng / bl.EARTH_RADIUS_M / 2)
    v2 = bl.MU_EARTH_M3_S2 / bl.EARTH_RADIUS_M * 2 * s / (1 + s)
    np.testing.assert_allclose(arc.burnout_speed_mps**2, v2, rtol=1e-13)
    a = 1 / (2 / bl.EARTH_RADIUS_M - arc.burnout_speed_mps**2 / bl.MU_EARTH_M3_S2)
    np.testing.assert_allclose(a, bl.EARTH_RADIUS_M * (1 + s) / 2, rtol=1e-12)


def test_minimum_energy_is_the_speed_minimum() -> None:
    # Any other flight-path angle needs more burnout speed for the same range.
    rng = 3000e3
    me = bl.minimum_energy(rng)
    gammas = me.flight_path_angle_rad + np.array([-0.3, -0.1, -0.01, 0.01, 0.1, 0.3])
    other = bl.arc_for_flight_path_angle(rng, gammas)
    assert np.all(other.burnout_speed_mps > me.burnout_speed_mps)
    same = bl.arc_for_flight_path_angle(rng, me.flight_path_angle_rad)
    assert same.burnout_speed_mps == pytest.approx(float(me.burnout_speed_mps), rel=1e-13)
    assert same.flight_time_s == pytest.approx(float(me.flight_time_s), rel=1e-12)


def test_lofted_is_longer_and_higher_depressed_shorter_and_lower() -> None:
    me = bl.minimum_energy(2000e3)
    lofted = bl.arc_for_flight_path_angle(2000e3, me.flight_path_angle_rad + np.radians(20))
    depressed = bl.arc_for_flight_path_angle(2000e3, me.flight_path_angle_rad - np.radians(20))
    assert lofted.flight_time_s > me.flight_time_s > depressed.flight_time_s
    assert lofted.apogee_m > me.apogee_m > depressed.apogee_m


def test_arc_state_endpoints_apogee_and_symmetry() -> None:
    arcs = bl.arc_for_flight_path_angle(
        np.array([[500e3], [3000e3], [9000e3]]), np.radians([[30.0], [40.0], [15.0]])
    )
    t = np.linspace(0, 1, 201)[None, :] * arcs.flight_time_s
    angle, alt = bl.arc_state(arcs, t)
    assert angle.shape == (3, 201)
    np.testing.assert_allclose(angle[:, 0], 0, atol=1e-12)
    np.testing.assert_allclose(alt[:, 0], 0, atol=1e-5)
    np.testing.assert_allclose(angle[:, -1] * bl.EARTH_RADIUS_M, arcs.range_m[:, 0], rtol=1e-10)
    np.testing.assert_allclose(alt[:, -1], 0, atol=1e-4)
    # Apogee at half the flight time, halfway downrange, matching the arc's apogee.
    np.testing.assert_allclose(alt[:, 100], arcs.apogee_m[:, 0], rtol=1e-10)
    np.testing.assert_allclose(alt.max(axis=1), arcs.apogee_m[:, 0], rtol=1e-10)
    np.testing.assert_allclose(angle[:, 100] * bl.EARTH_RADIUS_M, arcs.range_m[:, 0] / 2)
    np.testing.assert_allclose(alt, alt[:, ::-1], atol=1e-4)
    assert np.all(np.diff(angle, axis=1) > 0)


def test_arc_state_matches_numerical_integration() -> None:
    # Independent check: integrate the two-body equations from burnout and compare.
    from scipy.integrate import solve_ivp

    arc = bl.arc_for_flight_path_angle(4000e3, np.radians(50.0))
    v, g = float(arc.burnout_speed_mps), float(arc.flight_path_angle_rad)
    mu = bl.MU_EARTH_M3_S2

    def rhs(_t: float, s: np.ndarray) -> np.ndarray:
        r3 = np.hypot(s[0], s[1]) ** 3
        return np.array([s[2], s[3], -mu * s[0] / r3, -mu * s[1] / r3])

    # Burnout at (R, 0); downrange is the +y direction (counter-clockwise).
    s0 = [bl.EARTH_RADIUS_M, 0.0, v * np.sin(g), v * np.cos(g)]
    times = np.linspace(0, float(arc.flight_time_s), 9)
    sol = solve_ivp(rhs, (0, times[-1]), s0, t_eval=times, rtol=1e-12, atol=1e-6)
    ang_num = np.arctan2(sol.y[1], sol.y[0])
    alt_num = np.hypot(sol.y[0], sol.y[1]) - bl.EARTH_RADIUS_M
    ang, alt = bl.arc_state(arc, times)
    np.testing.assert_allclose(ang, ang_num, atol=1e-8)
    np.testing.assert_allclose(alt, np.maximum(alt_num, 0), atol=0.05)


def test_kepler_solver_residual_high_eccentricity() -> None:
    m = np.linspace(0, 2 * np.pi, 1001)
    for e in (0.0, 0.5, 0.9, 0.999):
        ea = bl.solve_kepler(m, e)
        np.testing.assert_allclose(ea - e * np.sin(ea), m, atol=1e-12)


def test_invalid_inputs_raise() -> None:
    with pytest.raises(ValueError, match="range_m"):
        bl.minimum_energy(-1.0)
    with pytest.raises(ValueError, match="range_m"):
        bl.minimum_energy(np.pi * bl.EARTH_RADIUS_M)
    with pytest.raises(ValueError, match="flight_path_angle"):
        bl.arc_for_flight_path_angle(1e6, 0.0)
    with pytest.raises(ValueError, match="escape"):
        bl.arc_for_flight_path_angle(15_000e3, np.radians(89.0))

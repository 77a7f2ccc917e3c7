"""Radar coordinate conversions: round trips, Jacobians, covariance propagation, ECEF."""

from __future__ import annotations

import math

import numpy as np
import pymap3d
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.core import coords


@settings(max_examples=200, deadline=None)
@given(
    r=st.floats(10.0, 1e6),
    az=st.floats(0.0, 2 * math.pi - 1e-9),
    el=st.floats(-1.5, 1.5),
)
def test_aer_enu_round_trip(r: float, az: float, el: float) -> None:
    enu = coords.aer_to_enu(r, az, el)
    back = coords.enu_to_aer(enu)
    assert math.isclose(back[0], r, rel_tol=1e-9)
    assert abs(coords.wrap_angle_rad(back[1] - az)) < 1e-7
    assert math.isclose(back[2], el, abs_tol=1e-9)


def test_aer_to_enu_matches_pymap3d() -> None:
    rng = np.random.default_rng(1)
    r = rng.uniform(1e3, 3e5, 50)
    az = rng.uniform(0, 2 * np.pi, 50)
    el = rng.uniform(-0.2, 1.4, 50)
    e, n, u = pymap3d.aer2enu(az, el, r, deg=False)
    np.testing.assert_allclose(coords.aer_to_enu(r, az, el), np.column_stack([e, n, u]), atol=1e-6)


def _numeric_jacobian(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    cols = []
    for i in range(x.size):
        dx = np.zeros_like(x)
        dx[i] = h * max(1.0, abs(x[i]))
        cols.append((f(x + dx) - f(x - dx)) / (2 * dx[i]))
    return np.column_stack(cols)


def test_aer_to_enu_jacobian_matches_finite_differences() -> None:
    x = np.array([5.0e4, 0.7, 0.2])
    num = _numeric_jacobian(lambda v: coords.aer_to_enu(*v), x)
    np.testing.assert_allclose(coords.aer_to_enu_jacobian(*x), num, rtol=1e-6, atol=1e-6)


def test_measurement_jacobian_matches_finite_differences() -> None:
    p = np.array([3.0e4, -2.0e4, 5.0e3])
    v = np.array([-200.0, 150.0, 10.0])

    def h(s: np.ndarray) -> np.ndarray:
        aer = coords.enu_to_aer(s[:3])
        return np.append(aer, s[:3] @ s[3:] / aer[0])

    num = _numeric_jacobian(h, np.concatenate([p, v]))
    np.testing.assert_allclose(coords.aer_measurement_jacobian(p, v), num, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(coords.aer_measurement_jacobian(p), num[:3, :3], rtol=1e-5)


def test_converted_covariance_matches_monte_carlo() -> None:
    # Small angular errors: first-order J R J^T is the covariance of the converted plots.
    rng = np.random.default_rng(7)
    r, az, el = 1.0e5, 1.0, 0.1
    sig = np.array([20.0, 1e-3, 1e-3])
    samples = np.array([r, az, el]) + rng.standard_normal((200_000, 3)) * sig
    enu = coords.aer_to_enu(samples[:, 0], samples[:, 1], samples[:, 2])
    cov = coords.aer_cov_to_enu(r, az, el, np.diag(sig**2))
    # Whiten the sample covariance with the predicted one: identity up to sampling error
    # (std of each entry ~ sqrt(2 / N) = 0.003).
    chol = np.linalg.cholesky(cov)
    white = np.linalg.solve(chol, np.linalg.solve(chol, np.cov(enu.T)).T)
    np.testing.assert_allclose(white, np.eye(3), atol=0.02)


def test_enu_ecef_rotation_matches_pymap3d() -> None:
    lat, lon = 52.0, 21.0
    rot = coords.enu_to_ecef_rotation(math.radians(lat), math.radians(lon))
    np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
    d = np.array([1000.0, -500.0, 200.0])
    x0 = np.array(pymap3d.geodetic2ecef(lat, lon, 0.0))
    x1 = np.array(pymap3d.enu2ecef(*d, lat, lon, 0.0))
    np.testing.assert_allclose(x1 - x0, rot @ d, atol=1e-6)
    cov = np.diag([100.0, 400.0, 25.0])
    back = coords.ecef_cov_to_enu(coords.enu_cov_to_ecef(cov, 0.9, 0.4), 0.9, 0.4)
    np.testing.assert_allclose(back, cov, atol=1e-9)


def test_frame_rotation_reads_vectors_in_the_other_frame() -> None:
    lat0, lon0, lat1, lon1 = 50.0, 20.0, 51.0, 21.5
    m = coords.enu_frame_rotation(*np.radians([lat0, lon0, lat1, lon1]))
    # A displacement given in frame 0, through ECEF, expressed in frame 1.
    d0 = np.array([300.0, -200.0, 100.0])
    r0 = coords.enu_to_ecef_rotation(math.radians(lat0), math.radians(lon0))
    r1 = coords.enu_to_ecef_rotation(math.radians(lat1), math.radians(lon1))
    np.testing.assert_allclose(m @ d0, r1.T @ (r0 @ d0), atol=1e-9)
    # Local "up" at point 1 tilts by about the angular distance (~1.2 deg) from frame 0.
    tilt = math.degrees(math.acos((m.T @ np.array([0.0, 0.0, 1.0]))[2]))
    assert 1.0 < tilt < 1.4

"""core.geodesy: WGS84 geodetic <-> local ENU (pymap3d), checked against textbook values."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.core.geodesy import enu_to_geodetic, geodetic_to_enu


def test_origin_maps_to_zero() -> None:
    e, n, u = geodetic_to_enu(-20.0, -15.0, 100.0, -20.0, -15.0, 100.0)
    assert np.allclose([e, n, u], 0.0, atol=1e-6)


def test_small_north_offset_matches_meridian_arc_length() -> None:
    # Length of one degree of latitude on WGS84, series given in Wikipedia, "Latitude"
    # (section on meridian distance): 111132.954 - 559.822 cos 2phi + 1.175 cos 4phi m/deg.
    phi = math.radians(-20.0)
    per_deg = 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    e, n, u = geodetic_to_enu(-19.99, -15.0, 0.0, -20.0, -15.0, 0.0)
    assert abs(float(e)) < 1e-6
    assert abs(float(n) - 0.01 * per_deg) < 0.05
    assert -0.1 < float(u) < 0.0  # the Earth curves away below the tangent plane


def test_small_east_offset_matches_parallel_length() -> None:
    # Length of one degree of longitude on WGS84 (same article; a = 6378137 m,
    # e^2 = 6.69437999014e-3): pi a cos(phi) / (180 sqrt(1 - e^2 sin^2 phi)).
    a, e2 = 6378137.0, 6.69437999014e-3
    phi = math.radians(-20.0)
    per_deg = math.pi * a * math.cos(phi) / (180 * math.sqrt(1 - e2 * math.sin(phi) ** 2))
    e, _, _ = geodetic_to_enu(-20.0, -14.99, 0.0, -20.0, -15.0, 0.0)
    assert abs(float(e) - 0.01 * per_deg) < 0.05


def test_vectorised_shapes() -> None:
    lat = np.linspace(-21, -19, 7)
    e, n, u = geodetic_to_enu(lat, -15.0, 0.0, -20.0, -15.0)
    assert e.shape == n.shape == u.shape == (7,)
    assert np.all(np.diff(n) > 0)


@settings(max_examples=50, deadline=None)
@given(
    lat0=st.floats(-80, 80),
    lon0=st.floats(-179, 179),
    east=st.floats(-500e3, 500e3),
    north=st.floats(-500e3, 500e3),
    up=st.floats(-1e3, 1e5),
)
def test_round_trip(lat0: float, lon0: float, east: float, north: float, up: float) -> None:
    lat, lon, alt = enu_to_geodetic(east, north, up, lat0, lon0, 0.0)
    e, n, u = geodetic_to_enu(lat, lon, alt, lat0, lon0, 0.0)
    assert np.allclose([e, n, u], [east, north, up], atol=1e-3)


def test_great_circle_distance() -> None:
    from shieldlab.core.geodesy import MEAN_EARTH_RADIUS_M, great_circle_distance_m

    # One degree of a great circle is R pi / 180; a quarter meridian is R pi / 2.
    one_deg = MEAN_EARTH_RADIUS_M * math.pi / 180
    assert math.isclose(float(great_circle_distance_m(0, 0, 0, 1)), one_deg, rel_tol=1e-12)
    assert math.isclose(float(great_circle_distance_m(-20, 10, -19, 10)), one_deg, rel_tol=1e-12)
    quarter = MEAN_EARTH_RADIUS_M * math.pi / 2
    assert math.isclose(float(great_circle_distance_m(0, 0, 90, 45)), quarter, rel_tol=1e-12)
    d = great_circle_distance_m(np.zeros(3), np.zeros(3), 0.0, np.array([0.0, 1.0, 180.0]))
    assert np.allclose(d, [0.0, one_deg, MEAN_EARTH_RADIUS_M * math.pi])

"""Threat kinematics against the published minimum-energy table and great-circle geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shieldlab.core.ballistic import EARTH_RADIUS_M
from shieldlab.core.kinematics import (
    LocalFrame,
    ballistic_track,
    central_angle_rad,
    waypoint_track,
)

# ../shared/reference/PUBLISHED_VALUES.md, "Minimum-energy ballistic trajectory (spherical,
# non-rotating Earth, burnout at the surface, no drag)": ground range (km) -> flight time
# (min), apogee altitude (km). Reproduced there by closed form and Kepler's equation.
MIN_ENERGY_TABLE = [
    (1000, 7.91, 240),
    (3000, 14.92, 655),
    (5500, 21.93, 1041),
    (10000, 32.18, 1319),
]


@pytest.mark.parametrize(("range_km", "time_min", "apogee_km"), MIN_ENERGY_TABLE)
def test_ballistic_track_matches_published_minimum_energy_table(
    range_km: float, time_min: float, apogee_km: float
) -> None:
    lat0, lon0 = math.radians(10.0), math.radians(20.0)
    # Aimpoint due east along the equator-parallel great circle: any direction works.
    bearing_point = (lat0, lon0 + range_km * 1e3 / (EARTH_RADIUS_M * math.cos(lat0)))
    # Move the aimpoint along a true great circle by a central angle of range / R.
    from shieldlab.core.kinematics import lat_lon_of, slerp, unit_vector

    u = slerp(unit_vector(lat0, lon0), unit_vector(*bearing_point), range_km * 1e3 / EARTH_RADIUS_M)
    alat, alon = lat_lon_of(u)
    tr = ballistic_track(
        launch_lat_rad=lat0,
        launch_lon_rad=lon0,
        aim_lat_rad=float(alat),
        aim_lon_rad=float(alon),
        dt_s=0.5,
    )
    assert tr.flight_time_s / 60.0 == pytest.approx(time_min, abs=0.006)
    assert tr.alt_m.max() / 1e3 == pytest.approx(apogee_km, abs=1.0)
    assert tr.alt_m[0] == pytest.approx(0.0, abs=1.0)
    assert tr.alt_m[-1] == 0.0
    end = central_angle_rad(tr.lat_rad[-1], tr.lon_rad[-1], alat, alon) * EARTH_RADIUS_M
    assert end < 1.0
    # Ground track moves monotonically towards the aimpoint.
    togo = central_angle_rad(tr.lat_rad, tr.lon_rad, alat, alon)
    assert np.all(np.diff(togo) <= 1e-12)


def test_lofted_arc_flies_higher_and_longer_than_minimum_energy() -> None:
    kw = {
        "launch_lat_rad": 0.0,
        "launch_lon_rad": 0.0,
        "aim_lat_rad": 0.0,
        "aim_lon_rad": 1_000_000 / EARTH_RADIUS_M,
        "dt_s": 1.0,
    }
    me = ballistic_track(**kw)
    lofted = ballistic_track(**kw, flight_path_angle_rad=math.radians(60.0))
    depressed = ballistic_track(**kw, flight_path_angle_rad=math.radians(25.0))
    assert lofted.alt_m.max() > me.alt_m.max() > depressed.alt_m.max()
    assert lofted.flight_time_s > me.flight_time_s > depressed.flight_time_s


def test_waypoint_track_speed_altitude_and_arrival() -> None:
    lat = np.radians([0.0, 1.0, 1.0])
    lon = np.radians([0.0, 0.0, 1.0])
    tr = waypoint_track(lat_rad=lat, lon_rad=lon, alt_m=50.0, speed_mps=250.0, dt_s=1.0)
    legs = central_angle_rad(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum() * EARTH_RADIUS_M
    assert tr.flight_time_s == pytest.approx(legs / 250.0)
    assert np.all(tr.alt_m == 50.0)
    assert float(tr.lat_rad[-1]) == pytest.approx(lat[-1], abs=1e-12)
    assert float(tr.lon_rad[-1]) == pytest.approx(lon[-1], abs=1e-12)
    step = central_angle_rad(tr.lat_rad[:-1], tr.lon_rad[:-1], tr.lat_rad[1:], tr.lon_rad[1:])
    # Ground speed is constant: 1 s samples 250 m apart along the track; only the sample
    # across the turn at the middle waypoint and the last one are closer (chord < arc).
    along = step * EARTH_RADIUS_M
    assert np.all(along <= 250.0 * (1 + 1e-6))
    assert np.sum(~np.isclose(along, 250.0, rtol=1e-6)) <= 2
    with pytest.raises(ValueError):
        waypoint_track(lat_rad=lat, lon_rad=lon, alt_m=50.0, speed_mps=0.0, dt_s=1.0)


def test_local_frame_is_exact_cartesian() -> None:
    frame = LocalFrame(lat0_rad=math.radians(-20.0), lon0_rad=math.radians(-15.0))
    assert np.allclose(
        frame.to_local(math.radians(-20.0), math.radians(-15.0), 0.0), 0.0, atol=1e-6
    )
    up = frame.to_local(math.radians(-20.0), math.radians(-15.0), 1000.0)
    assert np.allclose(up, [0.0, 0.0, 1000.0], atol=1e-6)
    # Chord between two surface points = 2 R sin(psi / 2).
    a = frame.to_local(math.radians(-19.0), math.radians(-14.0), 0.0)
    b = frame.to_local(math.radians(-21.0), math.radians(-16.5), 0.0)
    psi = central_angle_rad(
        math.radians(-19.0), math.radians(-14.0), math.radians(-21.0), math.radians(-16.5)
    )
    assert np.linalg.norm(a - b) == pytest.approx(2 * EARTH_RADIUS_M * math.sin(psi / 2), rel=1e-12)
    # North is +y at the origin.
    n = frame.to_local(math.radians(-19.99), math.radians(-15.0), 0.0)
    assert n[1] > 0 and abs(n[0]) < 1e-6

"""One threat's trajectory for a wave: the function the compiled tables, ``engine.checks``
and ``engine.memory`` all fly, so they never disagree (kept apart from ``compiled`` so the
memory estimate can use it without an import cycle)."""

from __future__ import annotations

import math

import numpy as np

from shieldlab.core.kinematics import Track, ballistic_track, glide_track, waypoint_track
from shieldlab.scenario.model import GeoPoint, ThreatType, Wave


def wave_threat_track(
    tt: ThreatType,
    lat_rad: float,
    lon_rad: float,
    route_lat: list[float],
    route_lon: list[float],
    aim: GeoPoint,
    dt_s: float,
    wave: Wave | None = None,
) -> Track:
    """One threat's trajectory from its launch point to the aimpoint ``aim`` (a position).

    Ballistic types fly their arc (with drag when the type has a ballistic coefficient):
    the ``wave``'s burnout angle or apogee when it gives one, else the type's angle, else
    minimum energy; glide types boost, glide and dive (``core.kinematics.glide_track``);
    the others the wave's waypoints at cruise altitude. The engine's
    tables and ``engine.checks`` both build trajectories here, so they never disagree.
    """
    alat, alon = math.radians(aim.lat_deg), math.radians(aim.lon_deg)
    if tt.trajectory == "ballistic":
        gamma, apogee = tt.flight_path_angle_rad, None
        if wave is not None and (wave.flight_path_angle_deg, wave.apogee_m) != (None, None):
            gamma, apogee = wave.flight_path_angle_rad, wave.apogee_m
        return ballistic_track(
            launch_lat_rad=lat_rad,
            launch_lon_rad=lon_rad,
            aim_lat_rad=alat,
            aim_lon_rad=alon,
            dt_s=dt_s,
            flight_path_angle_rad=gamma,
            ballistic_coeff_kg_m2=tt.ballistic_coeff_kg_m2,
            apogee_m=apogee,
        )
    if tt.trajectory == "glide":
        gp = tt.glide
        assert gp is not None  # ThreatType validates it
        return glide_track(
            launch_lat_rad=lat_rad,
            launch_lon_rad=lon_rad,
            aim_lat_rad=alat,
            aim_lon_rad=alon,
            dt_s=dt_s,
            **gp.model_dump(),
        )
    assert tt.speed_mps is not None and tt.cruise_altitude_m is not None
    return waypoint_track(
        lat_rad=np.array([lat_rad, *route_lat, alat]),
        lon_rad=np.array([lon_rad, *route_lon, alon]),
        alt_m=tt.cruise_altitude_m,
        speed_mps=tt.speed_mps,
        dt_s=dt_s,
    )

"""Threat kinematics on a spherical, non-rotating Earth, vectorised over time samples.

Ballistic missiles follow a Keplerian arc (``shieldlab.core.ballistic``: minimum-energy,
or lofted/depressed by burnout flight-path angle) in the plane of the great circle from
launch point to aimpoint. Cruise missiles and aircraft fly great-circle legs between
waypoints at a set altitude and ground speed.

Positions are returned in one local east-north-up frame centred on the scenario origin on
the same sphere (radius ``EARTH_RADIUS_M``): an exact Cartesian frame (ECEF rotated and
shifted), so straight-line distances between any two points in it are exact. Using the
sphere here keeps the altitudes of the Keplerian arc, the 4/3-Earth horizon and the
interceptor envelopes on one Earth model; against WGS84 the positions differ by < 0.5 %.

Great-circle formulas (haversine distance, spherical linear interpolation of unit
vectors): e.g. Snyder, *Map Projections: A Working Manual*, USGS PP 1395 (1987), §5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shieldlab.core.ballistic import (
    EARTH_RADIUS_M,
    BallisticArc,
    arc_for_flight_path_angle,
    arc_state,
    flight_path_angle_for_apogee,
    minimum_energy,
)
from shieldlab.core.glide import glide_final_speed_mps, glide_profile
from shieldlab.core.reentry import DESCENT_STEP_S, drag_descent, interface_state

FloatArray = npt.NDArray[np.float64]


def unit_vector(lat_rad: npt.ArrayLike, lon_rad: npt.ArrayLike) -> FloatArray:
    """Earth-centred unit vector (..., 3) of latitude/longitude on the sphere."""
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    cl = np.cos(lat)
    return np.stack([cl * np.cos(lon), cl * np.sin(lon), np.sin(lat)], axis=-1)


def lat_lon_of(unit: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude (rad) of Earth-centred vectors (..., 3)."""
    u = np.asarray(unit, dtype=np.float64)
    lat = np.arctan2(u[..., 2], np.hypot(u[..., 0], u[..., 1]))
    lon = np.arctan2(u[..., 1], u[..., 0])
    return lat, lon


def central_angle_rad(
    lat1_rad: npt.ArrayLike,
    lon1_rad: npt.ArrayLike,
    lat2_rad: npt.ArrayLike,
    lon2_rad: npt.ArrayLike,
) -> FloatArray:
    """Great-circle central angle by the haversine formula (Snyder 1987, eq. 5-3a)."""
    lat1 = np.asarray(lat1_rad, dtype=np.float64)
    lat2 = np.asarray(lat2_rad, dtype=np.float64)
    dlat = lat2 - lat1
    dlon = np.asarray(lon2_rad, dtype=np.float64) - np.asarray(lon1_rad, dtype=np.float64)
    a = np.sin(dlat / 2.0) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2.0) ** 2
    return np.asarray(2.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def slerp(u0: npt.ArrayLike, u1: npt.ArrayLike, angle_rad: npt.ArrayLike) -> FloatArray:
    """Point at central angle ``angle_rad`` from unit vector ``u0`` towards ``u1``.

    p = u0 cos θ + w sin θ with w the unit vector normal to u0 in the plane of (u0, u1).
    """
    a = np.asarray(u0, dtype=np.float64)
    b = np.asarray(u1, dtype=np.float64)
    theta = np.asarray(angle_rad, dtype=np.float64)[..., None]
    w = b - np.sum(a * b, axis=-1, keepdims=True) * a
    norm = np.linalg.norm(w, axis=-1, keepdims=True)
    # Coincident points: any direction works, the angle is zero then.
    w = np.where(norm > 1e-15, w / np.where(norm > 1e-15, norm, 1.0), 0.0)
    return np.asarray(a * np.cos(theta) + w * np.sin(theta), dtype=np.float64)


@dataclass(frozen=True, kw_only=True)
class LocalFrame:
    """East-north-up frame at an origin on the sphere (rotation and origin in ECEF-sphere)."""

    lat0_rad: float
    lon0_rad: float
    alt0_m: float = 0.0

    @property
    def rotation(self) -> FloatArray:
        """Rows are the east, north and up unit vectors at the origin (ECEF components)."""
        sl, cl = np.sin(self.lat0_rad), np.cos(self.lat0_rad)
        so, co = np.sin(self.lon0_rad), np.cos(self.lon0_rad)
        return np.array(
            [[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]], dtype=np.float64
        )

    def to_local(
        self, lat_rad: npt.ArrayLike, lon_rad: npt.ArrayLike, alt_m: npt.ArrayLike
    ) -> FloatArray:
        """Local ENU coordinates (..., 3) in metres of points given by lat, lon, altitude."""
        r = EARTH_RADIUS_M + np.asarray(alt_m, dtype=np.float64)
        p = unit_vector(lat_rad, lon_rad) * r[..., None]
        p0 = unit_vector(self.lat0_rad, self.lon0_rad) * (EARTH_RADIUS_M + self.alt0_m)
        return np.asarray((p - p0) @ self.rotation.T, dtype=np.float64)

    def up_at(self, lat_rad: npt.ArrayLike, lon_rad: npt.ArrayLike) -> FloatArray:
        """Local-vertical unit vector (..., 3) at a site, in this frame's axes."""
        return np.asarray(unit_vector(lat_rad, lon_rad) @ self.rotation.T, dtype=np.float64)


@dataclass(frozen=True, kw_only=True)
class Track:
    """Sampled trajectory of one threat: positions at times after its launch."""

    t_s: FloatArray  # time since launch of each sample, ends at impact/arrival
    lat_rad: FloatArray
    lon_rad: FloatArray
    alt_m: FloatArray

    @property
    def flight_time_s(self) -> float:
        return float(self.t_s[-1])


def ballistic_track(
    *,
    launch_lat_rad: float,
    launch_lon_rad: float,
    aim_lat_rad: float,
    aim_lon_rad: float,
    dt_s: float,
    flight_path_angle_rad: float | None = None,
    ballistic_coeff_kg_m2: float | None = None,
    apogee_m: float | None = None,
) -> Track:
    """Ballistic arc from launch point to aimpoint, sampled every ``dt_s`` until impact.

    Minimum-energy arc when ``flight_path_angle_rad`` and ``apogee_m`` are None, else lofted
    (steeper) or depressed (flatter) by burnout flight-path angle, or the arc with apogee
    ``apogee_m`` (``core.ballistic.flight_path_angle_for_apogee``; with drag, the apogee of
    the arc re-aimed long, so the flown apogee is ``apogee_m``). Kepler's equation gives
    the position along the arc (``core.ballistic.arc_state``). Burnout is taken at the launch point.
    With ``ballistic_coeff_kg_m2`` the descent below ``core.reentry.REENTRY_INTERFACE_M``
    is integrated with drag in the exponential atmosphere (:func:`drag_flight`), and the
    arc is aimed long so that the drag-shortened flight lands on the aimpoint.
    """
    psi = float(central_angle_rad(launch_lat_rad, launch_lon_rad, aim_lat_rad, aim_lon_rad))
    range_m = psi * EARTH_RADIUS_M
    if ballistic_coeff_kg_m2 is None:
        arc = _arc(range_m, flight_path_angle_rad, apogee_m)
        tf = float(np.asarray(arc.flight_time_s))
        t = _grid(tf, dt_s)
        angle, alt = arc_state(arc, t)
    else:
        t, angle, alt = drag_flight(
            range_m,
            dt_s,
            ballistic_coeff_kg_m2,
            flight_path_angle_rad=flight_path_angle_rad,
            apogee_m=apogee_m,
        )
        angle = angle * (psi / float(angle[-1]))  # lands on the aimpoint (|error| < 1 m)
    angle = np.asarray(angle, dtype=np.float64) * np.ones_like(t)
    alt = np.maximum(np.asarray(alt, dtype=np.float64) * np.ones_like(t), 0.0)
    alt[-1] = 0.0
    u = slerp(
        unit_vector(launch_lat_rad, launch_lon_rad), unit_vector(aim_lat_rad, aim_lon_rad), angle
    )
    lat, lon = lat_lon_of(u)
    return Track(t_s=t, lat_rad=lat, lon_rad=lon, alt_m=alt)


def _arc(
    range_m: float, flight_path_angle_rad: float | None, apogee_m: float | None = None
) -> BallisticArc:
    if apogee_m is not None:
        flight_path_angle_rad = float(flight_path_angle_for_apogee(range_m, apogee_m))
    return (
        minimum_energy(range_m)
        if flight_path_angle_rad is None
        else arc_for_flight_path_angle(range_m, flight_path_angle_rad)
    )


def _drag_impact(
    aim_m: float, beta: float, flight_path_angle_rad: float | None, apogee_m: float | None = None
) -> tuple[BallisticArc, float, FloatArray, FloatArray, FloatArray]:
    """The arc aimed at ``aim_m``, its interface time, and its drag descent (t, r, phi)."""
    arc = _arc(aim_m, flight_path_angle_rad, apogee_m)
    t_e, r0, phi0, vr0, vt0 = interface_state(arc)
    t_d, r_d, phi_d, _, _ = drag_descent(r0, phi0, vr0, vt0, float(beta), DESCENT_STEP_S)
    return arc, t_e, t_d, r_d, phi_d


def drag_flight(
    range_m: float,
    dt_s: float,
    ballistic_coeff_kg_m2: float,
    *,
    flight_path_angle_rad: float | None = None,
    apogee_m: float | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A ballistic flight with drag on re-entry that lands ``range_m`` downrange.

    Keplerian from burnout (on the surface) down to the re-entry interface, then the
    planar point-mass equations with inverse-square gravity and drag rho v^2 / (2 beta)
    in the exponential atmosphere (``core.reentry.drag_descent``, RK4 at 0.01 s). Drag
    shortens the range, so the arc (minimum-energy, at the burnout flight-path angle
    given, or with the apogee given) is aimed at a longer range found by the secant method
    until the impact lies within 0.5 m of ``range_m``. Returns times since launch on the
    ``dt_s`` grid (the last the impact), downrange angle and altitude.
    """
    aims = [range_m]
    misses = []
    for _ in range(12):
        _, t_e, t_d, r_d, phi_d = _drag_impact(
            aims[-1], ballistic_coeff_kg_m2, flight_path_angle_rad, apogee_m
        )
        misses.append(float(phi_d[-1]) * EARTH_RADIUS_M - range_m)
        if abs(misses[-1]) < 0.5:
            break
        if len(aims) == 1:
            aims.append(aims[-1] - misses[-1])
        else:
            slope = (misses[-1] - misses[-2]) / (aims[-1] - aims[-2])
            aims.append(aims[-1] - misses[-1] / slope)
    arc, t_e, t_d, r_d, phi_d = _drag_impact(
        aims[-1], ballistic_coeff_kg_m2, flight_path_angle_rad, apogee_m
    )
    tf = t_e + float(t_d[-1])
    t = _grid(tf, dt_s)
    angle, alt = arc_state(arc, np.minimum(t, t_e))
    angle = np.asarray(angle, dtype=np.float64) * np.ones_like(t)
    alt = np.asarray(alt, dtype=np.float64) * np.ones_like(t)
    late = t > t_e
    angle[late] = np.interp(t[late] - t_e, t_d, phi_d)
    alt[late] = np.interp(t[late] - t_e, t_d, r_d - EARTH_RADIUS_M)
    return t, angle, alt


def glide_track(
    *,
    launch_lat_rad: float,
    launch_lon_rad: float,
    aim_lat_rad: float,
    aim_lon_rad: float,
    dt_s: float,
    initial_speed_mps: float,
    lift_to_drag: float,
    wing_loading_kg_m2: float,
    lift_coeff: float,
    boost_range_m: float,
    boost_time_s: float,
    dive_range_m: float,
) -> Track:
    """A boost-glide vehicle along the great circle from launch point to aimpoint.

    Three legs (generic, notional kinematics): a boost climbing linearly over
    ``boost_range_m`` and ``boost_time_s`` to the equilibrium-glide altitude of v0; an
    equilibrium glide (``core.glide.glide_profile``: speed, range, altitude in closed
    form) from v0 down to the speed v1 at which it has covered the ground left before the
    dive, v1 from ``core.glide.glide_final_speed_mps``; a straight dive at v1 over
    ``dive_range_m`` to the aimpoint. The caller checks the glide reaches (v1 real).
    """
    psi = float(central_angle_rad(launch_lat_rad, launch_lon_rad, aim_lat_rad, aim_lon_rad))
    ground_m = psi * EARTH_RADIUS_M
    glide_m = ground_m - boost_range_m - dive_range_m
    v1 = float(
        glide_final_speed_mps(
            initial_speed_mps=initial_speed_mps, range_m=glide_m, lift_to_drag=lift_to_drag
        )
    )
    if not (glide_m > 0.0 and np.isfinite(v1) and v1 > 0.0):
        raise ValueError("the glide does not reach the aimpoint")
    tg, sg, hg, _ = glide_profile(
        initial_speed_mps=initial_speed_mps,
        final_speed_mps=v1,
        lift_to_drag=lift_to_drag,
        wing_loading_kg_m2=wing_loading_kg_m2,
        lift_coeff=lift_coeff,
    )
    t_dive = float(np.hypot(dive_range_m, hg[-1])) / v1
    knots_t = np.concatenate([[0.0], boost_time_s + tg, [boost_time_s + tg[-1] + t_dive]])
    knots_s = np.concatenate([[0.0], boost_range_m + sg, [ground_m]])
    knots_h = np.concatenate([[0.0], hg, [0.0]])
    t = _grid(float(knots_t[-1]), dt_s)
    angle = np.interp(t, knots_t, knots_s) / EARTH_RADIUS_M
    alt = np.maximum(np.interp(t, knots_t, knots_h), 0.0)
    alt[-1] = 0.0
    u = slerp(
        unit_vector(launch_lat_rad, launch_lon_rad), unit_vector(aim_lat_rad, aim_lon_rad), angle
    )
    lat, lon = lat_lon_of(u)
    return Track(t_s=t, lat_rad=lat, lon_rad=lon, alt_m=alt)


def waypoint_track(
    *,
    lat_rad: npt.ArrayLike,
    lon_rad: npt.ArrayLike,
    alt_m: float,
    speed_mps: float,
    dt_s: float,
) -> Track:
    """Great-circle legs through waypoints at constant altitude and ground speed.

    The last waypoint is the aimpoint; the threat "arrives" there at
    t = (sum of leg central angles) * R / speed. Altitude is held until arrival.
    """
    lats = np.asarray(lat_rad, dtype=np.float64)
    lons = np.asarray(lon_rad, dtype=np.float64)
    if lats.shape != lons.shape or lats.ndim != 1 or lats.size < 2:
        raise ValueError("waypoints need matching 1-D latitude/longitude arrays of length >= 2")
    if speed_mps <= 0.0:
        raise ValueError("speed_mps must be positive")
    legs = central_angle_rad(lats[:-1], lons[:-1], lats[1:], lons[1:])
    cum = np.concatenate([[0.0], np.cumsum(legs)])
    total_angle = float(cum[-1])
    tf = total_angle * EARTH_RADIUS_M / speed_mps
    t = _grid(tf, dt_s)
    along = np.minimum(t * speed_mps / EARTH_RADIUS_M, total_angle)
    leg = np.clip(np.searchsorted(cum, along, side="right") - 1, 0, legs.size - 1)
    u0 = unit_vector(lats[leg], lons[leg])
    u1 = unit_vector(lats[leg + 1], lons[leg + 1])
    u = slerp(u0, u1, along - cum[leg])
    lat, lon = lat_lon_of(u)
    return Track(t_s=t, lat_rad=lat, lon_rad=lon, alt_m=np.full_like(t, float(alt_m)))


def _grid(t_end_s: float, dt_s: float) -> FloatArray:
    """Times 0, dt, 2 dt, ... and t_end itself as the last sample."""
    if dt_s <= 0.0:
        raise ValueError("dt_s must be positive")
    n = int(np.floor(t_end_s / dt_s))
    t = np.arange(n + 1, dtype=np.float64) * dt_s
    if t[-1] < t_end_s - 1e-9:
        t = np.append(t, t_end_s)
    else:
        t[-1] = t_end_s
    return t

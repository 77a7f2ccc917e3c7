"""Free-flight ballistic arcs on a spherical, non-rotating Earth (no drag), vectorised.

Burnout and impact are both on the surface (radius ``EARTH_RADIUS_M``), so each arc is a
Kepler ellipse symmetric about its apogee. All functions take floats or numpy arrays
(broadcast together) and return arrays of the broadcast shape. Angles in radians, SI.

Sources: Bate, Mueller & White, *Fundamentals of Astrodynamics* (1971), ch. 6
(ballistic missile trajectories: free-flight range equation, minimum-energy trajectory,
time of free flight); Wheelon, "Free flight of a ballistic missile", ARS Journal 29 (1959).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_M = 6_371_000.0
"""Mean Earth radius (IUGG), the sphere used throughout shieldlab."""
MU_EARTH_M3_S2 = 3.986004418e14
"""Earth's gravitational parameter GM (IERS / WGS 84)."""

FloatArray = NDArray[np.float64]

_KEPLER_TOL = 1e-14
_KEPLER_MAX_ITER = 60


@dataclass(frozen=True, kw_only=True)
class BallisticArc:
    """One or many free-flight arcs from burnout on the surface to impact on the surface.

    All fields are arrays of one broadcast shape: ``burnout_speed_mps`` (inertial speed at
    burnout), ``flight_path_angle_rad`` (above the local horizontal at burnout),
    ``flight_time_s`` (burnout to impact), ``apogee_m`` (altitude above the sphere),
    ``range_m`` (ground range along the surface).
    """

    burnout_speed_mps: FloatArray
    flight_path_angle_rad: FloatArray
    flight_time_s: FloatArray
    apogee_m: FloatArray
    range_m: FloatArray


def _range_angle(range_m: ArrayLike) -> FloatArray:
    rng = np.asarray(range_m, dtype=np.float64)
    if np.any(~(rng > 0.0)) or np.any(rng >= np.pi * EARTH_RADIUS_M):
        raise ValueError(
            "range_m must be positive and below half the Earth's circumference "
            f"({np.pi * EARTH_RADIUS_M:.0f} m)"
        )
    return rng / EARTH_RADIUS_M


def _elements(
    speed_mps: FloatArray, gamma_rad: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Semi-major axis a, eccentricity e, eccentric and mean anomaly at burnout (E_b, M_b).

    Vis-viva: 1/a = 2/R - v^2/mu. Angular momentum h = R v cos(gamma), p = h^2/mu,
    e = sqrt(1 - p/a). Burnout sits at true anomaly theta_b = pi - psi/2 on the ascending
    side, with eccentric anomaly E_b = atan2(sqrt(1-e^2) sin theta, e + cos theta) and
    M_b = E_b - e sin E_b (Bate, Mueller & White 1971, sections 4.2 and 6.2).
    """
    nu = speed_mps**2 * EARTH_RADIUS_M / MU_EARTH_M3_S2
    a = EARTH_RADIUS_M / (2.0 - nu)
    p = EARTH_RADIUS_M * nu * np.cos(gamma_rad) ** 2
    e = np.sqrt(np.clip(1.0 - p / a, 0.0, None))
    # Burnout true anomaly from the flight-path angle: tan(gamma) = e sin(th)/(1 + e cos(th)),
    # and 1 + e cos(th) = p/R; the ascending branch has sin(th) >= 0.
    cos_th = (p / EARTH_RADIUS_M - 1.0) / np.where(e > 0.0, e, 1.0)
    cos_th = np.clip(cos_th, -1.0, 1.0)
    sin_th = np.sqrt(1.0 - cos_th**2)
    e_anom = np.arctan2(np.sqrt(1.0 - e**2) * sin_th, e + cos_th)
    m_b = e_anom - e * np.sin(e_anom)
    return a, e, e_anom, m_b


def _flight_time_apogee(
    speed_mps: FloatArray, gamma_rad: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Time of free flight t = 2 (pi - M_b) sqrt(a^3/mu) and apogee a(1+e) - R."""
    a, e, _, m_b = _elements(speed_mps, gamma_rad)
    t_s = 2.0 * (np.pi - m_b) * np.sqrt(a**3 / MU_EARTH_M3_S2)
    apogee_m = a * (1.0 + e) - EARTH_RADIUS_M
    return t_s, apogee_m


def minimum_energy(range_m: ArrayLike) -> BallisticArc:
    """Minimum-energy arc for a ground range: the lowest burnout speed that reaches it.

    psi = range/R, S = sin(psi/2): v^2 = (mu/R) 2S/(1+S), gamma = 45 deg - psi/4,
    a = R(1+S)/2 (Bate, Mueller & White 1971, section 6.2); flight time from
    Kepler's equation, apogee a(1+e) - R.
    """
    psi = _range_angle(range_m)
    s = np.sin(psi / 2.0)
    speed = np.sqrt(MU_EARTH_M3_S2 / EARTH_RADIUS_M * 2.0 * s / (1.0 + s))
    gamma = np.pi / 4.0 - psi / 4.0
    t_s, apogee_m = _flight_time_apogee(speed, gamma)
    return BallisticArc(
        burnout_speed_mps=speed,
        flight_path_angle_rad=gamma,
        flight_time_s=t_s,
        apogee_m=apogee_m,
        range_m=psi * EARTH_RADIUS_M,
    )


def burnout_speed_ratio(range_m: ArrayLike, flight_path_angle_rad: ArrayLike) -> FloatArray:
    """nu = v^2 R / mu of the arc reaching a ground range at a burnout flight-path angle.

    nu = sin(psi/2) / (cos(gamma) sin(gamma + psi/2)), psi = range/R: the free-flight range
    equation with burnout and impact on the surface (Bate, Mueller & White 1971, section
    6.2). The arc is a closed orbit only for nu < 2; no checks here (see
    :func:`arc_for_flight_path_angle`).
    """
    psi = np.asarray(range_m, dtype=np.float64) / EARTH_RADIUS_M
    gamma = np.asarray(flight_path_angle_rad, dtype=np.float64)
    return np.asarray(
        np.sin(psi / 2.0) / (np.cos(gamma) * np.sin(gamma + psi / 2.0)), dtype=np.float64
    )


def arc_for_flight_path_angle(range_m: ArrayLike, flight_path_angle_rad: ArrayLike) -> BallisticArc:
    """Arc reaching a ground range at a given burnout flight-path angle.

    Lofted above the minimum-energy angle, depressed below it. From the free-flight range
    equation for equal burnout and impact radii,
    nu = v^2 R/mu = sin(psi/2) / (cos(gamma) sin(gamma + psi/2))
    (Bate, Mueller & White 1971, section 6.2, with r_bo = R); 0 < gamma < 90 deg and nu < 2
    (a closed orbit) are required.
    """
    psi = _range_angle(range_m)
    gamma = np.asarray(flight_path_angle_rad, dtype=np.float64)
    psi, gamma = np.broadcast_arrays(psi, gamma)
    if np.any(~((gamma > 0.0) & (gamma < np.pi / 2.0))):
        raise ValueError("flight_path_angle_rad must lie strictly between 0 and pi/2")
    nu = burnout_speed_ratio(psi * EARTH_RADIUS_M, gamma)
    if np.any(nu >= 2.0):
        raise ValueError("flight path angle too steep: the arc would need escape speed")
    speed = np.sqrt(nu * MU_EARTH_M3_S2 / EARTH_RADIUS_M)
    t_s, apogee_m = _flight_time_apogee(speed, gamma)
    return BallisticArc(
        burnout_speed_mps=speed,
        flight_path_angle_rad=gamma.astype(np.float64, copy=True),
        flight_time_s=t_s,
        apogee_m=apogee_m,
        range_m=psi * EARTH_RADIUS_M,
    )


def flight_path_angle_for_apogee(range_m: ArrayLike, apogee_m: ArrayLike) -> FloatArray:
    """Burnout flight-path angle of the arc reaching a ground range with a given apogee.

    Burnout and impact on the surface put burnout at true anomaly pi - psi/2, so
    R = p / (1 - e cos(psi/2)) and the apogee radius r_a = p / (1 - e) give
    e = (r_a - R) / (r_a - R cos(psi/2)), and tan(gamma) = e sin(theta) / (1 + e cos(theta))
    at theta = pi - psi/2 gives tan(gamma) = e sin(psi/2) / (1 - e cos(psi/2)) (Bate,
    Mueller & White 1971, sections 2.5 and 6.2). Every apogee above 0 has one such arc: a
    high one lofted, a low one depressed.
    """
    psi = _range_angle(range_m)
    r_a = EARTH_RADIUS_M + np.asarray(apogee_m, dtype=np.float64)
    if np.any(~(r_a > EARTH_RADIUS_M)):
        raise ValueError("apogee_m must be positive")
    c, s = np.cos(psi / 2.0), np.sin(psi / 2.0)
    e = (r_a - EARTH_RADIUS_M) / (r_a - EARTH_RADIUS_M * c)
    return np.asarray(np.arctan2(e * s, 1.0 - e * c), dtype=np.float64)


def solve_kepler(mean_anomaly_rad: ArrayLike, eccentricity: ArrayLike) -> FloatArray:
    """Eccentric anomaly E solving Kepler's equation M = E - e sin E for 0 <= e < 1.

    Newton's iteration from E0 = M + e sin M, or E0 = pi for e > 0.8 (Danby, *Fundamentals
    of Celestial Mechanics*, 1988, section 6.6), until |dE| < 1e-14 everywhere.
    """
    m = np.asarray(mean_anomaly_rad, dtype=np.float64)
    e = np.asarray(eccentricity, dtype=np.float64)
    m, e = np.broadcast_arrays(m, e)
    # Reduce M to [0, 2 pi) so the starting guess is in the right branch.
    two_pi = 2.0 * np.pi
    turns = np.floor(m / two_pi)
    m_red = m - turns * two_pi
    e_anom = np.where(e > 0.8, np.pi, m_red + e * np.sin(m_red))
    for _ in range(_KEPLER_MAX_ITER):
        f = e_anom - e * np.sin(e_anom) - m_red
        step = f / (1.0 - e * np.cos(e_anom))
        e_anom = e_anom - step
        if np.all(np.abs(step) < _KEPLER_TOL):
            break
    return np.asarray(e_anom + turns * two_pi, dtype=np.float64)


def arc_state(arc: BallisticArc, t_s: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Position along arcs at times since burnout: (downrange angle from burnout, altitude).

    ``t_s`` broadcasts against the arc's arrays (e.g. arcs of shape (n, 1) and times of
    shape (m,) give (n, m)); times are clamped to [0, flight_time]. Mean anomaly
    M = M_b + n t with n = sqrt(mu/a^3); Kepler's equation gives E; then
    r = a(1 - e cos E), true anomaly theta = 2 atan2(sqrt(1+e) sin(E/2), sqrt(1-e) cos(E/2)),
    downrange angle = theta - theta_b (Bate, Mueller & White 1971, sections 4.2-4.3).
    Downrange distance along the surface is ``angle * EARTH_RADIUS_M``.
    """
    a, e, e_b, m_b = _elements(arc.burnout_speed_mps, arc.flight_path_angle_rad)
    t = np.clip(np.asarray(t_s, dtype=np.float64), 0.0, arc.flight_time_s)
    mean_motion = np.sqrt(MU_EARTH_M3_S2 / a**3)
    m = m_b + mean_motion * t
    e_anom = solve_kepler(m, np.broadcast_to(e, m.shape))
    r = a * (1.0 - e * np.cos(e_anom))

    def true_anomaly(ea: FloatArray) -> FloatArray:
        return np.asarray(
            2.0
            * np.arctan2(np.sqrt(1.0 + e) * np.sin(ea / 2.0), np.sqrt(1.0 - e) * np.cos(ea / 2.0)),
            dtype=np.float64,
        )

    angle = true_anomaly(e_anom) - true_anomaly(e_b)
    altitude = np.maximum(r - EARTH_RADIUS_M, 0.0)
    return np.asarray(angle, dtype=np.float64), np.asarray(altitude, dtype=np.float64)

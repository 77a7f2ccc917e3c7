"""Radar coordinates: range/azimuth/elevation <-> local east-north-up, with covariances.

Conventions (the radar ones, as in pymap3d's ``aer2enu``): azimuth is measured clockwise
from north in the horizontal plane, elevation up from the horizontal, so

    e = r cos(el) sin(az),  n = r cos(el) cos(az),  u = r sin(el).

Covariances are carried through the first-order (Jacobian) transformation
P_enu = J P_aer J^T (Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to
Tracking and Navigation*, 2001, sec. 10.4, "converted measurements"). The ENU <-> ECEF
rotation is the standard one (e.g. Hofmann-Wellenhof et al., *GNSS*, 2008, eq. 10.13);
positions go through pymap3d so that the ellipsoid maths lives in one well-kept place.

All functions are pure and vectorised: leading dimensions broadcast.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def wrap_angle_rad(angle_rad: ArrayLike) -> FloatArray:
    """Wrap an angle to [-pi, pi): used for azimuth innovations near north."""
    a = np.asarray(angle_rad, dtype=float)
    return np.asarray((a + np.pi) % (2.0 * np.pi) - np.pi)


def aer_to_enu(range_m: ArrayLike, azimuth_rad: ArrayLike, elevation_rad: ArrayLike) -> FloatArray:
    """Range/azimuth/elevation to ENU, stacked on the last axis (..., 3)."""
    r = np.asarray(range_m, dtype=float)
    az = np.asarray(azimuth_rad, dtype=float)
    el = np.asarray(elevation_rad, dtype=float)
    ce = np.cos(el)
    return np.stack([r * ce * np.sin(az), r * ce * np.cos(az), r * np.sin(el)], axis=-1)


def enu_to_aer(enu_m: ArrayLike) -> FloatArray:
    """ENU (..., 3) to range/azimuth/elevation (..., 3); azimuth in [0, 2 pi)."""
    p = np.asarray(enu_m, dtype=float)
    e, n, u = p[..., 0], p[..., 1], p[..., 2]
    rho = np.hypot(e, n)
    return np.stack(
        [np.sqrt(rho * rho + u * u), np.mod(np.arctan2(e, n), 2.0 * np.pi), np.arctan2(u, rho)],
        axis=-1,
    )


def aer_to_enu_jacobian(
    range_m: ArrayLike, azimuth_rad: ArrayLike, elevation_rad: ArrayLike
) -> FloatArray:
    """Jacobian d(e, n, u)/d(r, az, el), shape (..., 3, 3)."""
    r = np.asarray(range_m, dtype=float)
    az = np.asarray(azimuth_rad, dtype=float)
    el = np.asarray(elevation_rad, dtype=float)
    r, az, el = np.broadcast_arrays(r, az, el)
    sa, ca, se, ce = np.sin(az), np.cos(az), np.sin(el), np.cos(el)
    jac = np.empty((*r.shape, 3, 3))
    jac[..., 0, 0] = ce * sa
    jac[..., 0, 1] = r * ce * ca
    jac[..., 0, 2] = -r * se * sa
    jac[..., 1, 0] = ce * ca
    jac[..., 1, 1] = -r * ce * sa
    jac[..., 1, 2] = -r * se * ca
    jac[..., 2, 0] = se
    jac[..., 2, 1] = 0.0
    jac[..., 2, 2] = r * ce
    return jac


def aer_cov_to_enu(
    range_m: ArrayLike,
    azimuth_rad: ArrayLike,
    elevation_rad: ArrayLike,
    cov_aer: ArrayLike,
) -> FloatArray:
    """Covariance of a converted measurement: J P_aer J^T (first order), shape (..., 3, 3)."""
    jac = aer_to_enu_jacobian(range_m, azimuth_rad, elevation_rad)
    cov = np.asarray(cov_aer, dtype=float)
    out = jac @ cov @ np.swapaxes(jac, -1, -2)
    return np.asarray(0.5 * (out + np.swapaxes(out, -1, -2)))


def enu_to_ecef_rotation(lat_rad: float, lon_rad: float) -> FloatArray:
    """Rotation matrix R with x_ecef - x0_ecef = R x_enu (columns: east, north, up in ECEF)."""
    sl, cl = np.sin(lat_rad), np.cos(lat_rad)
    so, co = np.sin(lon_rad), np.cos(lon_rad)
    return np.array(
        [
            [-so, -sl * co, cl * co],
            [co, -sl * so, cl * so],
            [0.0, cl, sl],
        ]
    )


def enu_cov_to_ecef(cov_enu: ArrayLike, lat_rad: float, lon_rad: float) -> FloatArray:
    """Rotate ENU covariances (..., 3, 3) to ECEF: R P R^T."""
    rot = enu_to_ecef_rotation(lat_rad, lon_rad)
    return np.asarray(rot @ np.asarray(cov_enu, dtype=float) @ rot.T)


def ecef_cov_to_enu(cov_ecef: ArrayLike, lat_rad: float, lon_rad: float) -> FloatArray:
    """Rotate ECEF covariances (..., 3, 3) to ENU: R^T P R."""
    rot = enu_to_ecef_rotation(lat_rad, lon_rad)
    return np.asarray(rot.T @ np.asarray(cov_ecef, dtype=float) @ rot)


def aer_measurement_jacobian(
    rel_pos_m: ArrayLike, rel_vel_mps: ArrayLike | None = None
) -> FloatArray:
    """Jacobian of (r, az, el[, r_dot]) w.r.t. (e, n, u[, ve, vn, vu]) at a relative state.

    Rows: range, azimuth, elevation, and (if velocity is given) radial velocity
    r_dot = p.v / r. Shape (..., 3, 3) or (..., 4, 6).
    """
    p = np.asarray(rel_pos_m, dtype=float)
    e, n, u = p[..., 0], p[..., 1], p[..., 2]
    rho2 = e * e + n * n
    rho = np.sqrt(rho2)
    r2 = rho2 + u * u
    r = np.sqrt(r2)
    if rel_vel_mps is None:
        jac = np.zeros((*p.shape[:-1], 3, 3))
    else:
        jac = np.zeros((*p.shape[:-1], 4, 6))
    jac[..., 0, 0] = e / r
    jac[..., 0, 1] = n / r
    jac[..., 0, 2] = u / r
    jac[..., 1, 0] = n / rho2
    jac[..., 1, 1] = -e / rho2
    jac[..., 2, 0] = -e * u / (r2 * rho)
    jac[..., 2, 1] = -n * u / (r2 * rho)
    jac[..., 2, 2] = rho / r2
    if rel_vel_mps is not None:
        v = np.asarray(rel_vel_mps, dtype=float)
        rdot = np.sum(p * v, axis=-1) / r
        jac[..., 3, 0:3] = (v - (rdot / r)[..., None] * p) / r[..., None]
        jac[..., 3, 3:6] = p / r[..., None]
    return jac


def enu_frame_rotation(
    lat0_rad: float, lon0_rad: float, lat1_rad: float, lon1_rad: float
) -> FloatArray:
    """Rotation taking vectors in the ENU frame at point 0 to the ENU frame at point 1.

    M = R1^T R0 with R the ENU -> ECEF rotation. A radar 100 km from the tracker's origin
    has its "up" tilted by about 0.9 degrees: its azimuth/elevation must be read in its own
    frame, rel_sensor = M (x - s).
    """
    r0 = enu_to_ecef_rotation(lat0_rad, lon0_rad)
    r1 = enu_to_ecef_rotation(lat1_rad, lon1_rad)
    return np.asarray(r1.T @ r0)

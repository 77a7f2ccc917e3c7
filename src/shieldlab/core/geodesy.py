"""WGS84 geodetic <-> local East-North-Up coordinates, vectorised (pymap3d underneath).

Scenarios give positions as latitude, longitude (degrees, WGS84) and altitude above the
ellipsoid (m); the engine works in a local tangent-plane frame (ENU, metres) at the
scenario origin. The transformation is the standard geodetic -> ECEF -> ENU rotation
(e.g. Hofmann-Wellenhof, Lichtenegger & Wasle, *GNSS*, 2008, sec. 5.6), as implemented by
pymap3d's ``geodetic2enu`` / ``enu2geodetic``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pymap3d

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | npt.ArrayLike


def geodetic_to_enu(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    alt_m: ArrayLike,
    lat0_deg: float,
    lon0_deg: float,
    alt0_m: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """East, north, up (m) of WGS84 points relative to an origin; arrays broadcast.

    ENU = R(lat0, lon0) (ECEF(lat, lon, alt) - ECEF(lat0, lon0, alt0)), WGS84 ellipsoid.
    """
    e, n, u = pymap3d.geodetic2enu(
        np.asarray(lat_deg, dtype=np.float64),
        np.asarray(lon_deg, dtype=np.float64),
        np.asarray(alt_m, dtype=np.float64),
        float(lat0_deg),
        float(lon0_deg),
        float(alt0_m),
    )
    return (
        np.asarray(e, dtype=np.float64),
        np.asarray(n, dtype=np.float64),
        np.asarray(u, dtype=np.float64),
    )


def enu_to_geodetic(
    east_m: ArrayLike,
    north_m: ArrayLike,
    up_m: ArrayLike,
    lat0_deg: float,
    lon0_deg: float,
    alt0_m: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Latitude (deg), longitude (deg), altitude (m) of ENU points; inverse of the above."""
    lat, lon, alt = pymap3d.enu2geodetic(
        np.asarray(east_m, dtype=np.float64),
        np.asarray(north_m, dtype=np.float64),
        np.asarray(up_m, dtype=np.float64),
        float(lat0_deg),
        float(lon0_deg),
        float(alt0_m),
    )
    return (
        np.asarray(lat, dtype=np.float64),
        np.asarray(lon, dtype=np.float64),
        np.asarray(alt, dtype=np.float64),
    )


#: Mean Earth radius (m) for great-circle distances (IUGG mean radius R1, rounded).
MEAN_EARTH_RADIUS_M = 6_371_000.0


def great_circle_distance_m(
    lat1_deg: ArrayLike,
    lon1_deg: ArrayLike,
    lat2_deg: ArrayLike,
    lon2_deg: ArrayLike,
    radius_m: float = MEAN_EARTH_RADIUS_M,
) -> FloatArray:
    """Great-circle distance on a sphere (haversine formula), arrays broadcast.

    d = 2 R asin(sqrt(sin^2(dphi/2) + cos phi1 cos phi2 sin^2(dlambda/2)))
    (Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 1984).
    """
    p1 = np.radians(np.asarray(lat1_deg, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2_deg, dtype=np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2_deg, dtype=np.float64) - np.asarray(lon1_deg, dtype=np.float64))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2.0 * radius_m * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64)

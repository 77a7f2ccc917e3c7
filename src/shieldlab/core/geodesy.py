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


def _f64(*xs: ArrayLike) -> tuple[FloatArray, ...]:
    return tuple(np.asarray(x, dtype=np.float64) for x in xs)


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
    e, n, u = _f64(
        *pymap3d.geodetic2enu(
            *_f64(lat_deg, lon_deg, alt_m), float(lat0_deg), float(lon0_deg), float(alt0_m)
        )
    )
    return e, n, u


def enu_to_geodetic(
    east_m: ArrayLike,
    north_m: ArrayLike,
    up_m: ArrayLike,
    lat0_deg: float,
    lon0_deg: float,
    alt0_m: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Latitude (deg), longitude (deg), altitude (m) of ENU points; inverse of the above."""
    lat, lon, alt = _f64(
        *pymap3d.enu2geodetic(
            *_f64(east_m, north_m, up_m), float(lat0_deg), float(lon0_deg), float(alt0_m)
        )
    )
    return lat, lon, alt


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
    p1, l1, p2, l2 = (np.radians(x) for x in _f64(lat1_deg, lon1_deg, lat2_deg, lon2_deg))
    dp = p2 - p1
    dl = l2 - l1
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2.0 * radius_m * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64)

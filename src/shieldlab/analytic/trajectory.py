"""Ballistic trajectory closed forms with checked inputs (spherical, non-rotating Earth).

Checked wrappers over :mod:`shieldlab.core.ballistic` (formulas and sources there).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from shieldlab.analytic import _validate as v
from shieldlab.core import ballistic
from shieldlab.core.ballistic import EARTH_RADIUS_M, MU_EARTH_M3_S2, BallisticArc
from shieldlab.errors import InputError

MAX_RANGE_M = np.pi * EARTH_RADIUS_M
"""Half the circumference: the longest ground range a surface-to-surface arc can have."""


def ballistic_arc(
    range_m: ArrayLike, flight_path_angle_rad: ArrayLike | None = None
) -> BallisticArc:
    """Burnout speed, flight-path angle, flight time and apogee for a ground range.

    Minimum-energy arc when ``flight_path_angle_rad`` is None; otherwise the lofted
    (steeper) or depressed (shallower) arc with that burnout angle.
    """
    rng = v.positive("range_m", range_m)
    if np.any(rng >= MAX_RANGE_M):
        raise InputError(
            f"must be below half the Earth's circumference ({MAX_RANGE_M:.0f} m)", field="range_m"
        )
    if flight_path_angle_rad is None:
        return ballistic.minimum_energy(rng)
    gamma = v.finite("flight_path_angle_rad", flight_path_angle_rad)
    bad = ~((gamma > 0.0) & (gamma < np.pi / 2))
    if np.any(bad):
        raise InputError(
            f"must lie strictly between 0 and 90 degrees, got {np.degrees(gamma[bad].flat[0]):g}",
            field="flight_path_angle_rad",
        )
    if np.any(ballistic.burnout_speed_ratio(rng, gamma) >= 2.0):
        raise InputError(
            "too steep for this range: the arc would need escape speed "
            f"({np.sqrt(2 * MU_EARTH_M3_S2 / EARTH_RADIUS_M):.0f} m/s)",
            field="flight_path_angle_rad",
        )
    return ballistic.arc_for_flight_path_angle(rng, gamma)

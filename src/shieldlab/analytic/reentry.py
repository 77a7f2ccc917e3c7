"""Re-entry, decoy-discrimination and boost-glide closed forms with their inputs checked.

Thin checked wrappers over :mod:`shieldlab.core.reentry` and :mod:`shieldlab.core.glide`
(formulas and sources in their docstrings and ``docs/analytic.md``). A bad value raises
:class:`~shieldlab.errors.InputError` naming the parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from shieldlab.analytic import _validate as v
from shieldlab.core import glide, reentry
from shieldlab.core.radar import FloatArray
from shieldlab.errors import InputError


def _path_angle(name: str, value: ArrayLike) -> FloatArray:
    deg = v.finite(name, value)
    bad = ~((deg > 0.0) & (deg <= 90.0))
    if np.any(bad):
        raise InputError(
            f"must be an angle below the horizontal in (0, 90] degrees, got "
            f"{float(np.broadcast_to(deg, bad.shape)[bad].flat[0]):g}",
            field=name,
        )
    return np.radians(deg)


@dataclass(frozen=True)
class ReEntry:
    """Allen-Eggers re-entry of one body (SI units)."""

    speed_at_altitude_mps: FloatArray
    peak_deceleration_mps2: FloatArray
    peak_deceleration_altitude_m: FloatArray


def allen_eggers(
    *,
    entry_speed_mps: ArrayLike,
    ballistic_coeff_kg_m2: ArrayLike,
    path_angle_deg: ArrayLike,
    altitude_m: ArrayLike = 0.0,
) -> ReEntry:
    """Speed at ``altitude_m`` and the peak deceleration of a straight re-entry."""
    ve = v.positive("entry_speed_mps", entry_speed_mps)
    beta = v.positive("ballistic_coeff_kg_m2", ballistic_coeff_kg_m2)
    gamma = _path_angle("path_angle_deg", path_angle_deg)
    h = v.finite("altitude_m", altitude_m)
    speed = reentry.allen_eggers_speed_mps(
        h, entry_speed_mps=ve, ballistic_coeff_kg_m2=beta, path_angle_rad=gamma
    )
    a_max, h_star = reentry.peak_deceleration(
        entry_speed_mps=ve, ballistic_coeff_kg_m2=beta, path_angle_rad=gamma
    )
    return ReEntry(speed, a_max, h_star)


def discrimination_altitude_m(
    *,
    decoy_coeff_kg_m2: ArrayLike,
    warhead_coeff_kg_m2: ArrayLike,
    path_angle_deg: ArrayLike,
    speed_lag_fraction: ArrayLike,
) -> FloatArray:
    """Altitude below which a light decoy lags its warhead by ``speed_lag_fraction``.

    The decoy must be lighter (smaller ballistic coefficient) than the warhead, or it
    never separates and the question has no answer.
    """
    bd = v.positive("decoy_coeff_kg_m2", decoy_coeff_kg_m2)
    bw = v.positive("warhead_coeff_kg_m2", warhead_coeff_kg_m2)
    eps = v.probability("speed_lag_fraction", speed_lag_fraction)
    if np.any(eps <= 0.0) or np.any(eps >= 1.0):
        raise InputError("must lie strictly between 0 and 1", field="speed_lag_fraction")
    if np.any(bd >= bw):
        raise InputError(
            "must be smaller than the warhead's ballistic coefficient: a decoy as heavy as "
            "the warhead decelerates like it and never separates",
            field="decoy_coeff_kg_m2",
        )
    return reentry.discrimination_altitude_m(
        decoy_coeff_kg_m2=bd,
        warhead_coeff_kg_m2=bw,
        path_angle_rad=_path_angle("path_angle_deg", path_angle_deg),
        speed_lag_fraction=eps,
    )


@dataclass(frozen=True)
class Glide:
    """Equilibrium glide from v0 down to v1 (SI units)."""

    range_m: FloatArray
    time_s: FloatArray
    altitude_start_m: FloatArray
    altitude_end_m: FloatArray


def equilibrium_glide(
    *,
    initial_speed_mps: ArrayLike,
    lift_to_drag: ArrayLike,
    wing_loading_kg_m2: ArrayLike,
    lift_coeff: ArrayLike,
    final_speed_mps: ArrayLike = 1_000.0,
) -> Glide:
    """Range, time and altitudes of an equilibrium glide (:mod:`shieldlab.core.glide`)."""
    v0 = v.positive("initial_speed_mps", initial_speed_mps)
    v1 = v.positive("final_speed_mps", final_speed_mps)
    vc = float(glide.circular_speed_mps())
    if np.any(v0 >= vc):
        raise InputError(
            f"must be below circular speed {vc:.0f} m/s (faster than that needs no lift)",
            field="initial_speed_mps",
        )
    if np.any(v1 >= v0):
        raise InputError("must be below initial_speed_mps", field="final_speed_mps")
    ld = v.positive("lift_to_drag", lift_to_drag)
    shape = {
        "wing_loading_kg_m2": v.positive("wing_loading_kg_m2", wing_loading_kg_m2),
        "lift_coeff": v.positive("lift_coeff", lift_coeff),
    }
    return Glide(
        range_m=glide.glide_range_m(initial_speed_mps=v0, final_speed_mps=v1, lift_to_drag=ld),
        time_s=glide.glide_time_s(initial_speed_mps=v0, final_speed_mps=v1, lift_to_drag=ld),
        altitude_start_m=glide.equilibrium_altitude_m(v0, **shape),
        altitude_end_m=glide.equilibrium_altitude_m(v1, **shape),
    )


__all__ = [
    "Glide",
    "ReEntry",
    "allen_eggers",
    "discrimination_altitude_m",
    "equilibrium_glide",
]

"""Hypersonic boost-glide: equilibrium-glide altitude, range and time.

A glider of mass m, reference area S, lift coefficient C_L and lift-to-drag ratio L/D,
flying level over a spherical Earth of radius r at speed v, is held up by lift and by
its own centrifugal relief:

    1/2 rho v^2 S C_L = m (g - v^2 / r)                      (equilibrium glide)

so it flies where rho_eq(v) = 2 (m / (S C_L)) (g - v^2 / r) / v^2, i.e. at
h_eq = H ln(rho0 / rho_eq), sinking as it slows. Drag decelerates it,
dv/dt = -(g - v^2/r) / (L/D), and integrating v dt from v0 to v1 gives the
Breguet-type glide range and time

    R = (L/D) (r / 2) ln((g r - v1^2) / (g r - v0^2)),
    t = (L/D) sqrt(r / g) (artanh(v0 / sqrt(g r)) - artanh(v1 / sqrt(g r))).

Vinh, Busemann & Culp, *Hypersonic and Planetary Entry Flight Mechanics*, Univ. of
Michigan Press (1980), ch. 7; Regan & Anandakrishnan, *Dynamics of Atmospheric
Re-entry*, AIAA (1993), ch. 8; applied to boost-glide weapons in Acton, *Hypersonic
boost-glide weapons*, Science & Global Security 23 (2015) 191-219. Generic textbook
kinematics only: constant L/D and C_L, no heating limit, no guidance.

Vectorised, SI units; v0 must stay below circular speed sqrt(g r) (about 7.9 km/s).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from shieldlab.core.radar import FloatArray
from shieldlab.core.reentry import SCALE_HEIGHT_M, SEA_LEVEL_DENSITY_KG_M3, altitude_for_density_m

#: Standard gravity (m/s^2).
STANDARD_GRAVITY_MPS2 = 9.80665
#: Mean Earth radius (m), IUGG.
EARTH_RADIUS_M = 6_371_000.0


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def circular_speed_mps(
    *, gravity_mps2: ArrayLike = STANDARD_GRAVITY_MPS2, radius_m: ArrayLike = EARTH_RADIUS_M
) -> FloatArray:
    """sqrt(g r): the speed at which no lift is needed (about 7.9 km/s)."""
    return np.asarray(np.sqrt(_f(gravity_mps2) * _f(radius_m)))


def equilibrium_density_kg_m3(
    speed_mps: ArrayLike,
    *,
    wing_loading_kg_m2: ArrayLike,
    lift_coeff: ArrayLike,
    gravity_mps2: ArrayLike = STANDARD_GRAVITY_MPS2,
    radius_m: ArrayLike = EARTH_RADIUS_M,
) -> FloatArray:
    """Air density (kg/m^3) at which lift plus centrifugal relief balance weight.

    rho_eq = 2 (m/S) (g - v^2/r) / (C_L v^2); ``wing_loading_kg_m2`` is m/S.
    """
    v2 = _f(speed_mps) ** 2
    relief = _f(gravity_mps2) - v2 / _f(radius_m)
    return np.asarray(2.0 * _f(wing_loading_kg_m2) * relief / (_f(lift_coeff) * v2))


def equilibrium_altitude_m(
    speed_mps: ArrayLike,
    *,
    wing_loading_kg_m2: ArrayLike,
    lift_coeff: ArrayLike,
    gravity_mps2: ArrayLike = STANDARD_GRAVITY_MPS2,
    radius_m: ArrayLike = EARTH_RADIUS_M,
    rho0_kg_m3: ArrayLike = SEA_LEVEL_DENSITY_KG_M3,
    scale_height_m: ArrayLike = SCALE_HEIGHT_M,
) -> FloatArray:
    """Equilibrium-glide altitude (m) at ``speed_mps`` in the exponential atmosphere."""
    rho = equilibrium_density_kg_m3(
        speed_mps,
        wing_loading_kg_m2=wing_loading_kg_m2,
        lift_coeff=lift_coeff,
        gravity_mps2=gravity_mps2,
        radius_m=radius_m,
    )
    return altitude_for_density_m(rho, rho0_kg_m3=rho0_kg_m3, scale_height_m=scale_height_m)


def glide_range_m(
    *,
    initial_speed_mps: ArrayLike,
    final_speed_mps: ArrayLike = 0.0,
    lift_to_drag: ArrayLike,
    gravity_mps2: ArrayLike = STANDARD_GRAVITY_MPS2,
    radius_m: ArrayLike = EARTH_RADIUS_M,
) -> FloatArray:
    """Ground range (m) flown in equilibrium glide from v0 down to v1 (module docstring)."""
    g, r = _f(gravity_mps2), _f(radius_m)
    gr = g * r
    ratio = (gr - _f(final_speed_mps) ** 2) / (gr - _f(initial_speed_mps) ** 2)
    return np.asarray(_f(lift_to_drag) * r / 2.0 * np.log(ratio))


def glide_time_s(
    *,
    initial_speed_mps: ArrayLike,
    final_speed_mps: ArrayLike = 0.0,
    lift_to_drag: ArrayLike,
    gravity_mps2: ArrayLike = STANDARD_GRAVITY_MPS2,
    radius_m: ArrayLike = EARTH_RADIUS_M,
) -> FloatArray:
    """Time (s) spent in equilibrium glide from v0 down to v1 (module docstring)."""
    g, r = _f(gravity_mps2), _f(radius_m)
    vc = np.sqrt(g * r)
    span = np.arctanh(_f(initial_speed_mps) / vc) - np.arctanh(_f(final_speed_mps) / vc)
    return np.asarray(_f(lift_to_drag) * np.sqrt(r / g) * span)


def glide_final_speed_mps(
    *,
    initial_speed_mps: ArrayLike,
    range_m: ArrayLike,
    lift_to_drag: ArrayLike,
    gravity_mps2: ArrayLike = STANDARD_GRAVITY_MPS2,
    radius_m: ArrayLike = EARTH_RADIUS_M,
) -> FloatArray:
    """Speed (m/s) left after gliding ``range_m``: the glide-range formula solved for v1,
    v1^2 = g r - (g r - v0^2) exp(2 R / ((L/D) r)); NaN when the glide cannot reach."""
    g, r = _f(gravity_mps2), _f(radius_m)
    gr = g * r
    v1_sq = gr - (gr - _f(initial_speed_mps) ** 2) * np.exp(
        2.0 * _f(range_m) / (_f(lift_to_drag) * r)
    )
    with np.errstate(invalid="ignore"):
        return np.asarray(np.where(v1_sq > 0.0, np.sqrt(np.maximum(v1_sq, 0.0)), np.nan))


def glide_profile(
    *,
    initial_speed_mps: float,
    final_speed_mps: float,
    lift_to_drag: float,
    wing_loading_kg_m2: float,
    lift_coeff: float,
    samples: int = 4001,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Time (s), ground range (m), equilibrium altitude (m) and speed along a glide from
    v0 down to v1, at ``samples`` speeds evenly spaced from v0 to v1 (closed forms of the
    module docstring; the altitude falls as the glider slows)."""
    v = np.linspace(initial_speed_mps, final_speed_mps, samples)
    t = glide_time_s(
        initial_speed_mps=initial_speed_mps, final_speed_mps=v, lift_to_drag=lift_to_drag
    )
    s = glide_range_m(
        initial_speed_mps=initial_speed_mps, final_speed_mps=v, lift_to_drag=lift_to_drag
    )
    h = equilibrium_altitude_m(v, wing_loading_kg_m2=wing_loading_kg_m2, lift_coeff=lift_coeff)
    return t, s, h, v

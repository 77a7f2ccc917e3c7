"""Re-entry through an exponential atmosphere: Allen-Eggers speed, deceleration, decoys.

A body of ballistic coefficient beta = m / (C_D A) (kg/m^2) entering at speed v_e on a
straight path inclined gamma below the horizontal, with gravity small beside drag, obeys
m dv/dt = -rho v^2 / (2 beta) m and dh = -v sin(gamma) dt, so in the exponential
atmosphere rho(h) = rho0 exp(-h / H)

    v(h) = v_e exp(-rho(h) H / (2 beta sin gamma))                       (Allen-Eggers)

with peak deceleration

    a_max = v_e^2 sin(gamma) / (2 e H)   at   rho* = beta sin(gamma) / H,
    h*    = H ln(rho0 H / (beta sin gamma))   (h* < 0: still rising at the ground).

Allen & Eggers, *A study of the motion and aerodynamic heating of ballistic missiles
entering the earth's atmosphere at high supersonic speeds*, NACA Report 1381 (1958);
Regan & Anandakrishnan, *Dynamics of Atmospheric Re-entry*, AIAA (1993), ch. 6.

**Atmospheric discrimination of decoys.** Two objects entering together, a warhead of
beta_w and a light decoy of beta_d < beta_w, have the speed ratio

    v_d / v_w = exp(-rho(h) H (1/beta_d - 1/beta_w) / (2 sin gamma)),

which falls monotonically with depth. If a radar can tell them apart once the decoy lags
by a fraction eps of the warhead's speed, they separate at the altitude where
rho(h) = 2 sin(gamma) ln(1 / (1 - eps)) / (H (1/beta_d - 1/beta_w)): the classic
"atmosphere as a filter" (Garwin & Bethe, *Anti-ballistic-missile systems*, Scientific
American 218(3), 1968; Sessler et al., *Countermeasures*, UCS/MIT (2000), ch. 5 and
App. A). Below that altitude a defence that measures deceleration recognises the decoy.

Vectorised: floats or arrays broadcast together, SI units, angles in radians. The
atmosphere is the isothermal exponential fit rho0 = 1.225 kg/m^3, H = 7,200 m (Regan &
Anandakrishnan 1993, ch. 2); a warhead with beta above ~ rho0 H / sin(gamma) keeps most
of its speed to the ground.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from shieldlab.core.radar import FloatArray

#: Sea-level density of the exponential fit (kg/m^3), US Standard Atmosphere 1976.
SEA_LEVEL_DENSITY_KG_M3 = 1.225
#: Density scale height of the isothermal fit (m), Regan & Anandakrishnan (1993), ch. 2.
SCALE_HEIGHT_M = 7_200.0


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def density_kg_m3(
    altitude_m: ArrayLike,
    *,
    rho0_kg_m3: ArrayLike = SEA_LEVEL_DENSITY_KG_M3,
    scale_height_m: ArrayLike = SCALE_HEIGHT_M,
) -> FloatArray:
    """Exponential atmosphere rho(h) = rho0 exp(-h / H)."""
    return np.asarray(_f(rho0_kg_m3) * np.exp(-_f(altitude_m) / _f(scale_height_m)))


def altitude_for_density_m(
    density_kg_m3_: ArrayLike,
    *,
    rho0_kg_m3: ArrayLike = SEA_LEVEL_DENSITY_KG_M3,
    scale_height_m: ArrayLike = SCALE_HEIGHT_M,
) -> FloatArray:
    """Inverse of :func:`density_kg_m3`: h = H ln(rho0 / rho) (negative below sea level)."""
    return np.asarray(_f(scale_height_m) * np.log(_f(rho0_kg_m3) / _f(density_kg_m3_)))


def allen_eggers_speed_mps(
    altitude_m: ArrayLike,
    *,
    entry_speed_mps: ArrayLike,
    ballistic_coeff_kg_m2: ArrayLike,
    path_angle_rad: ArrayLike,
    rho0_kg_m3: ArrayLike = SEA_LEVEL_DENSITY_KG_M3,
    scale_height_m: ArrayLike = SCALE_HEIGHT_M,
) -> FloatArray:
    """Speed at ``altitude_m`` on a straight, gravity-free re-entry (module docstring)."""
    h_scale = _f(scale_height_m)
    rho = density_kg_m3(altitude_m, rho0_kg_m3=rho0_kg_m3, scale_height_m=h_scale)
    exponent = rho * h_scale / (2.0 * _f(ballistic_coeff_kg_m2) * np.sin(_f(path_angle_rad)))
    return np.asarray(_f(entry_speed_mps) * np.exp(-exponent))


def drag_deceleration_mps2(
    altitude_m: ArrayLike,
    speed_mps: ArrayLike,
    ballistic_coeff_kg_m2: ArrayLike,
    *,
    rho0_kg_m3: ArrayLike = SEA_LEVEL_DENSITY_KG_M3,
    scale_height_m: ArrayLike = SCALE_HEIGHT_M,
) -> FloatArray:
    """Drag deceleration rho(h) v^2 / (2 beta) (m/s^2)."""
    rho = density_kg_m3(altitude_m, rho0_kg_m3=rho0_kg_m3, scale_height_m=scale_height_m)
    return np.asarray(rho * _f(speed_mps) ** 2 / (2.0 * _f(ballistic_coeff_kg_m2)))


def peak_deceleration(
    *,
    entry_speed_mps: ArrayLike,
    ballistic_coeff_kg_m2: ArrayLike,
    path_angle_rad: ArrayLike,
    rho0_kg_m3: ArrayLike = SEA_LEVEL_DENSITY_KG_M3,
    scale_height_m: ArrayLike = SCALE_HEIGHT_M,
) -> tuple[FloatArray, FloatArray]:
    """Allen-Eggers peak deceleration (m/s^2) and its altitude h* (m).

    a_max = v_e^2 sin(gamma) / (2 e H) at h* = H ln(rho0 H / (beta sin gamma)); a
    negative h* means the deceleration still grows at sea level (the peak is never met,
    and a_max overstates what the body feels).
    """
    sin_g = np.sin(_f(path_angle_rad))
    h_scale = _f(scale_height_m)
    a_max = _f(entry_speed_mps) ** 2 * sin_g / (2.0 * np.e * h_scale)
    h_star = h_scale * np.log(_f(rho0_kg_m3) * h_scale / (_f(ballistic_coeff_kg_m2) * sin_g))
    return np.asarray(a_max), np.asarray(h_star)


def decoy_speed_ratio(
    altitude_m: ArrayLike,
    *,
    decoy_coeff_kg_m2: ArrayLike,
    warhead_coeff_kg_m2: ArrayLike,
    path_angle_rad: ArrayLike,
    rho0_kg_m3: ArrayLike = SEA_LEVEL_DENSITY_KG_M3,
    scale_height_m: ArrayLike = SCALE_HEIGHT_M,
) -> FloatArray:
    """v_decoy / v_warhead at ``altitude_m`` for objects entering together (docstring)."""
    h_scale = _f(scale_height_m)
    rho = density_kg_m3(altitude_m, rho0_kg_m3=rho0_kg_m3, scale_height_m=h_scale)
    spread = 1.0 / _f(decoy_coeff_kg_m2) - 1.0 / _f(warhead_coeff_kg_m2)
    return np.asarray(np.exp(-rho * h_scale * spread / (2.0 * np.sin(_f(path_angle_rad)))))


def discrimination_altitude_m(
    *,
    decoy_coeff_kg_m2: ArrayLike,
    warhead_coeff_kg_m2: ArrayLike,
    path_angle_rad: ArrayLike,
    speed_lag_fraction: ArrayLike,
    rho0_kg_m3: ArrayLike = SEA_LEVEL_DENSITY_KG_M3,
    scale_height_m: ArrayLike = SCALE_HEIGHT_M,
) -> FloatArray:
    """Altitude (m) below which the decoy lags the warhead by ``speed_lag_fraction``.

    Solves decoy_speed_ratio(h) = 1 - eps for h. A decoy no lighter than the warhead
    never separates (returns -inf); eps <= 0 separates at once (+inf).
    """
    h_scale = _f(scale_height_m)
    spread = 1.0 / _f(decoy_coeff_kg_m2) - 1.0 / _f(warhead_coeff_kg_m2)
    eps = _f(speed_lag_fraction)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho_sep = 2.0 * np.sin(_f(path_angle_rad)) * -np.log1p(-eps) / (h_scale * spread)
        h = h_scale * np.log(_f(rho0_kg_m3) / rho_sep)
    h = np.where(spread <= 0.0, -np.inf, np.where(eps <= 0.0, np.inf, h))
    return np.asarray(h, dtype=np.float64)

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

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from shieldlab.core.ballistic import (
    EARTH_RADIUS_M,
    MU_EARTH_M3_S2,
    BallisticArc,
    arc_state,
)
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


# ---- re-entry of a ballistic missile on its arc (trajectory generation) -----------------

#: Altitude (m) below which the descent is integrated with drag; above it the arc is
#: Keplerian (at 100 km rho ~ 1e-6 kg/m^3: a 5,000 kg/m^2 body at 2 km/s decelerates by
#: ~5e-4 m/s^2, so the arc above is free flight to a part in 10^5).
REENTRY_INTERFACE_M = 100_000.0
#: Step (s) of the fixed-step RK4 integration of the descent.
DESCENT_STEP_S = 0.01


@njit(cache=True)
def _rhs(
    r: float, vr: float, vt: float, beta: float, rho0: float, h_scale: float
) -> tuple[float, float, float, float]:
    """Planar point mass over a spherical, non-rotating Earth with inverse-square gravity
    and drag rho v^2 / (2 beta) against the velocity, in polar (r, phi) coordinates."""
    v = math.sqrt(vr * vr + vt * vt)
    rho = rho0 * math.exp(-(r - EARTH_RADIUS_M) / h_scale)
    drag = rho * v / (2.0 * beta)  # deceleration / v
    g = MU_EARTH_M3_S2 / (r * r)
    return vr, vt / r, vt * vt / r - g - drag * vr, -vr * vt / r - drag * vt


@njit(cache=True)
def drag_descent(
    r0: float,
    phi0: float,
    vr0: float,
    vt0: float,
    beta: float,
    dt: float,
    rho0: float = SEA_LEVEL_DENSITY_KG_M3,
    h_scale: float = SCALE_HEIGHT_M,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Integrate a descent from (r0, phi0, vr0, vt0) to the surface by classical RK4.

    Returns times since the start, radius, downrange angle and the radial and tangential
    velocity at every step; the last point is the surface crossing (linear in the last
    step). The start must be above the surface.
    """
    n_max = int(20_000.0 / dt) + 2
    t = np.empty(n_max)
    r = np.empty(n_max)
    phi = np.empty(n_max)
    vr = np.empty(n_max)
    vt = np.empty(n_max)
    t[0], r[0], phi[0], vr[0], vt[0] = 0.0, r0, phi0, vr0, vt0
    n = 1
    while n < n_max:
        y0, y1, y2, y3 = r[n - 1], phi[n - 1], vr[n - 1], vt[n - 1]
        a0, a1, a2, a3 = _rhs(y0, y2, y3, beta, rho0, h_scale)
        h2 = 0.5 * dt
        b0, b1, b2, b3 = _rhs(y0 + h2 * a0, y2 + h2 * a2, y3 + h2 * a3, beta, rho0, h_scale)
        c0, c1, c2, c3 = _rhs(y0 + h2 * b0, y2 + h2 * b2, y3 + h2 * b3, beta, rho0, h_scale)
        d0, d1, d2, d3 = _rhs(y0 + dt * c0, y2 + dt * c2, y3 + dt * c3, beta, rho0, h_scale)
        s = dt / 6.0
        r[n] = y0 + s * (a0 + 2.0 * b0 + 2.0 * c0 + d0)
        phi[n] = y1 + s * (a1 + 2.0 * b1 + 2.0 * c1 + d1)
        vr[n] = y2 + s * (a2 + 2.0 * b2 + 2.0 * c2 + d2)
        vt[n] = y3 + s * (a3 + 2.0 * b3 + 2.0 * c3 + d3)
        t[n] = t[n - 1] + dt
        if r[n] <= EARTH_RADIUS_M:
            f = (r[n - 1] - EARTH_RADIUS_M) / (r[n - 1] - r[n])
            t[n] = t[n - 1] + f * dt
            phi[n] = phi[n - 1] + f * (phi[n] - phi[n - 1])
            vr[n] = vr[n - 1] + f * (vr[n] - vr[n - 1])
            vt[n] = vt[n - 1] + f * (vt[n] - vt[n - 1])
            r[n] = EARTH_RADIUS_M
            n += 1
            break
        n += 1
    return t[:n], r[:n], phi[:n], vr[:n], vt[:n]


def interface_state(
    arc: BallisticArc, interface_m: float = REENTRY_INTERFACE_M
) -> tuple[float, float, float, float, float]:
    """Time since burnout, radius, downrange angle and (radial, tangential) velocity where a
    Keplerian arc (burnout on the surface) descends through ``interface_m``.

    The arc is symmetric about apogee: the descending crossing of radius r is at
    flight_time - t_up(r); speed from vis-viva v^2 = mu (2/r - 1/a), tangential speed
    h / r with h = R v_b cos(gamma_b) (Bate, Mueller & White 1971, ch. 1 and 6). An arc
    whose apogee is below the interface starts its drag integration at apogee.
    """
    tf = float(np.asarray(arc.flight_time_s))
    apogee = float(np.asarray(arc.apogee_m))
    h_i = min(interface_m, apogee)
    # Ascending crossing time by bisection on the arc's altitude (monotone up to apogee).
    lo, hi = 0.0, tf / 2.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if float(np.asarray(arc_state(arc, mid)[1])) < h_i:
            lo = mid
        else:
            hi = mid
    t_e = tf - hi
    angle, alt = arc_state(arc, t_e)
    r = EARTH_RADIUS_M + float(np.asarray(alt))
    vb = float(np.asarray(arc.burnout_speed_mps))
    gb = float(np.asarray(arc.flight_path_angle_rad))
    a = 1.0 / (2.0 / EARTH_RADIUS_M - vb * vb / MU_EARTH_M3_S2)
    v = math.sqrt(max(MU_EARTH_M3_S2 * (2.0 / r - 1.0 / a), 0.0))
    vt = EARTH_RADIUS_M * vb * math.cos(gb) / r
    vr = -math.sqrt(max(v * v - vt * vt, 0.0))
    return t_e, r, float(np.asarray(angle)), vr, vt

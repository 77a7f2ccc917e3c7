"""Noise jamming kernels: jammer-to-noise ratio, jammed SNR, burn-through range.

A barrage noise jammer of effective radiated power ERP = Pj Gj spread evenly over a band
Bj that covers the radar's receiver raises the noise spectral density seen after the
matched filter from k Ts to k Ts + J0, with

    J0 = ERP Gr(theta) lambda^2 / ((4 pi)^2 Rj^2 Lj Bj)

(one-way propagation from the jammer at range Rj, received through the radar antenna's
gain Gr(theta) towards it: the main lobe for a self-screening jammer on the target, a
sidelobe for a stand-off jammer). The signal-to-interference-plus-noise ratio is then

    SJNR = SNR / (1 + JNR),   JNR = J0 / (k Ts),

so jamming never raises the SNR, and so never raises Pd. Richards, *Fundamentals of
Radar Signal Processing*, 2nd ed. (2014), ch. 2 (interference as added noise density);
Skolnik, *Introduction to Radar Systems*, 3rd ed. (2001), sec. 10 (burn-through range);
Adamy, *EW 101* (2001), ch. 9 (jamming-to-signal ratio).

Vectorised like :mod:`shieldlab.core.radar`: floats or arrays, broadcast together, SI.
The formulas assume the jammer's band covers the radar's (Bj >= 1/tau); a narrower
spot jammer would put less than ERP/Bj into part of the band, which they overstate.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from shieldlab.core.radar import (
    BOLTZMANN_J_PER_K,
    SPEED_OF_LIGHT_MPS,
    FloatArray,
    _equation_constant,
    db_to_linear,
    linear_to_db,
)

_FOUR_PI_SQUARED = (4.0 * np.pi) ** 2


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def jammer_noise_density_w_per_hz(
    *,
    freq_hz: ArrayLike,
    jammer_erp_w: ArrayLike,
    jammer_bandwidth_hz: ArrayLike,
    jammer_range_m: ArrayLike,
    gain_toward_jammer_db: ArrayLike,
    jammer_loss_db: ArrayLike = 0.0,
) -> FloatArray:
    """Jamming noise density at the radar (W/Hz).

    J0 = ERP Gr lambda^2 / ((4 pi)^2 Rj^2 Lj Bj), lambda = c/f (module docstring).
    """
    wavelength_m = SPEED_OF_LIGHT_MPS / _f(freq_hz)
    return np.asarray(
        _f(jammer_erp_w)
        * db_to_linear(gain_toward_jammer_db)
        * wavelength_m**2
        / (
            _FOUR_PI_SQUARED
            * _f(jammer_range_m) ** 2
            * db_to_linear(jammer_loss_db)
            * _f(jammer_bandwidth_hz)
        ),
        dtype=np.float64,
    )


def jam_to_noise_db(
    *,
    freq_hz: ArrayLike,
    jammer_erp_w: ArrayLike,
    jammer_bandwidth_hz: ArrayLike,
    jammer_range_m: ArrayLike,
    gain_toward_jammer_db: ArrayLike,
    jammer_loss_db: ArrayLike = 0.0,
    noise_temp_k: ArrayLike = 290.0,
) -> FloatArray:
    """Jammer-to-noise ratio JNR = J0 / (k Ts) in dB (module docstring)."""
    j0 = jammer_noise_density_w_per_hz(
        freq_hz=freq_hz,
        jammer_erp_w=jammer_erp_w,
        jammer_bandwidth_hz=jammer_bandwidth_hz,
        jammer_range_m=jammer_range_m,
        gain_toward_jammer_db=gain_toward_jammer_db,
        jammer_loss_db=jammer_loss_db,
    )
    return linear_to_db(j0 / (BOLTZMANN_J_PER_K * _f(noise_temp_k)))


def jammed_snr_db(snr_db: ArrayLike, jnr_db: ArrayLike) -> FloatArray:
    """SJNR (dB) = SNR - 10 log10(1 + JNR): the jammer adds to the noise (Richards 2014).

    Never above ``snr_db``; equal to it when JNR -> 0 (no jammer, jnr_db = -inf).
    """
    return np.asarray(_f(snr_db) - linear_to_db(1.0 + db_to_linear(jnr_db)), dtype=np.float64)


def self_screening_burn_through_m(
    *,
    freq_hz: ArrayLike,
    snr_db: ArrayLike,
    peak_power_w: ArrayLike,
    pulse_width_s: ArrayLike,
    jammer_erp_w: ArrayLike,
    jammer_bandwidth_hz: ArrayLike,
    gain_db: ArrayLike = 20.0,
    rcs_m2: ArrayLike = 1.0,
    noise_temp_k: ArrayLike = 290.0,
    loss_db: ArrayLike = 0.0,
    jammer_loss_db: ArrayLike = 0.0,
) -> FloatArray:
    """Range inside which a target carrying its own noise jammer is detected.

    The target's jammer is met in the main lobe at the target's range R, so
    SJNR(R) = (A / R^4) / (1 + D / R^2), with A = Pt tau G^2 lambda^2 sigma /
    ((4 pi)^3 k Ts L) (the radar equation) and D = ERP G lambda^2 / ((4 pi)^2 Lj Bj k Ts).
    SJNR(R) = S solves S u^2 + S D u - A = 0 for u = R^2:

        R^2 = 2 A / (S D + sqrt(S^2 D^2 + 4 S A))

    (the stable form of the positive root). D -> 0 gives the unjammed detection range
    (A/S)^(1/4); when the jammer dominates the noise (S D^2 >> 4 A) it tends to Skolnik's
    burn-through range sqrt(A / (S D)) = sqrt(Pt tau G sigma Lj Bj / (4 pi L ERP S)).
    """
    a = _f(peak_power_w) * _equation_constant(
        freq_hz, pulse_width_s, gain_db, rcs_m2, noise_temp_k, loss_db
    )
    d = jammer_noise_density_w_per_hz(
        freq_hz=freq_hz,
        jammer_erp_w=jammer_erp_w,
        jammer_bandwidth_hz=jammer_bandwidth_hz,
        jammer_range_m=1.0,
        gain_toward_jammer_db=gain_db,
        jammer_loss_db=jammer_loss_db,
    ) / (BOLTZMANN_J_PER_K * _f(noise_temp_k))
    s = db_to_linear(snr_db)
    u = 2.0 * a / (s * d + np.sqrt((s * d) ** 2 + 4.0 * s * a))
    return np.asarray(np.sqrt(u), dtype=np.float64)


def stand_off_detection_range_m(detection_range_m: ArrayLike, jnr_db: ArrayLike) -> FloatArray:
    """Detection range under a stand-off jammer of fixed JNR (its range does not change).

    SNR falls as R^-4 and the jammed SNR is SNR / (1 + JNR), so the range at which the
    required SNR is met shrinks by (1 + JNR)^(-1/4) (Skolnik 2001, sec. 10).
    """
    return np.asarray(
        _f(detection_range_m) * (1.0 + db_to_linear(jnr_db)) ** -0.25, dtype=np.float64
    )


def antenna_gain_db(
    off_axis_rad: ArrayLike, *, gain_db: ArrayLike, sidelobe_db: ArrayLike, beamwidth_rad: ArrayLike
) -> FloatArray:
    """Two-level antenna pattern: ``gain_db`` within half a beamwidth of the boresight,
    ``gain_db + sidelobe_db`` outside it (a constant average sidelobe level, the usual
    simplification of jamming budgets; Adamy 2001, ch. 9; Skolnik 2001, ch. 9)."""
    main = np.abs(_f(off_axis_rad)) <= 0.5 * _f(beamwidth_rad)
    return np.asarray(np.where(main, _f(gain_db), _f(gain_db) + _f(sidelobe_db)), dtype=np.float64)


def sum_jnr_db(jnr_db: ArrayLike, axis: int = 0) -> FloatArray:
    """Total JNR (dB) of several jammers: their noise densities add (linear sum)."""
    return linear_to_db(np.sum(db_to_linear(jnr_db), axis=axis))

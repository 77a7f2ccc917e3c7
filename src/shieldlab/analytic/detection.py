"""Radar detection closed forms with their validity ranges enforced.

Thin checked wrappers over :mod:`shieldlab.core.radar` (formulas and sources are in the
kernel docstrings and ``docs/analytic.md``). Each bad value raises
:class:`~shieldlab.errors.InputError` naming the parameter.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from shieldlab.analytic import _validate as v
from shieldlab.core import radar
from shieldlab.core.radar import FloatArray
from shieldlab.errors import InputError

ALBERSHEIM_PD = (0.1, 0.9)
ALBERSHEIM_PFA = (1e-7, 1e-3)
ALBERSHEIM_PULSES = (1, 8096)
SHNIDMAN_PD = (0.1, 0.99)
SHNIDMAN_PFA = (1e-9, 1e-3)
SHNIDMAN_PULSES = (1, 100)


def _equation_inputs(
    freq_hz: ArrayLike,
    pulse_width_s: ArrayLike,
    gain_db: ArrayLike,
    rcs_m2: ArrayLike,
    noise_temp_k: ArrayLike,
    loss_db: ArrayLike,
) -> dict[str, FloatArray]:
    return {
        "freq_hz": v.positive("freq_hz", freq_hz),
        "pulse_width_s": v.positive("pulse_width_s", pulse_width_s),
        "gain_db": v.finite("gain_db", gain_db),
        "rcs_m2": v.positive("rcs_m2", rcs_m2),
        "noise_temp_k": v.positive("noise_temp_k", noise_temp_k),
        "loss_db": v.finite("loss_db", loss_db),
    }


def snr_db(
    *,
    freq_hz: ArrayLike,
    range_m: ArrayLike,
    peak_power_w: ArrayLike,
    pulse_width_s: ArrayLike,
    gain_db: ArrayLike = 20.0,
    rcs_m2: ArrayLike = 1.0,
    noise_temp_k: ArrayLike = 290.0,
    loss_db: ArrayLike = 0.0,
) -> FloatArray:
    """Single-pulse SNR (dB) from the radar equation (see :func:`shieldlab.core.radar.snr_db`)."""
    kw = _equation_inputs(freq_hz, pulse_width_s, gain_db, rcs_m2, noise_temp_k, loss_db)
    return radar.snr_db(
        range_m=v.positive("range_m", range_m),
        peak_power_w=v.positive("peak_power_w", peak_power_w),
        **kw,
    )


def detection_range_m(
    *,
    freq_hz: ArrayLike,
    snr_db: ArrayLike,
    peak_power_w: ArrayLike,
    pulse_width_s: ArrayLike,
    gain_db: ArrayLike = 20.0,
    rcs_m2: ArrayLike = 1.0,
    noise_temp_k: ArrayLike = 290.0,
    loss_db: ArrayLike = 0.0,
) -> FloatArray:
    """Range (m) giving the stated SNR (see :func:`shieldlab.core.radar.detection_range_m`)."""
    kw = _equation_inputs(freq_hz, pulse_width_s, gain_db, rcs_m2, noise_temp_k, loss_db)
    return radar.detection_range_m(
        snr_db=v.finite("snr_db", snr_db),
        peak_power_w=v.positive("peak_power_w", peak_power_w),
        **kw,
    )


def peak_power_w(
    *,
    freq_hz: ArrayLike,
    range_m: ArrayLike,
    snr_db: ArrayLike,
    pulse_width_s: ArrayLike,
    gain_db: ArrayLike = 20.0,
    rcs_m2: ArrayLike = 1.0,
    noise_temp_k: ArrayLike = 290.0,
    loss_db: ArrayLike = 0.0,
) -> FloatArray:
    """Peak power (W) for the SNR at the range (:func:`shieldlab.core.radar.peak_power_w`)."""
    kw = _equation_inputs(freq_hz, pulse_width_s, gain_db, rcs_m2, noise_temp_k, loss_db)
    return radar.peak_power_w(
        range_m=v.positive("range_m", range_m), snr_db=v.finite("snr_db", snr_db), **kw
    )


def albersheim_snr_db(pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1) -> FloatArray:
    """Albersheim's required SNR (dB), only inside its stated validity.

    0.1 <= Pd <= 0.9, 1e-7 <= Pfa <= 1e-3, 1 <= N <= 8096 (Albersheim 1981), where it is
    accurate to 0.2 dB; outside, an InputError rather than a silent number.
    """
    pd_ = v.probability("pd", pd)
    pfa_ = v.probability("pfa", pfa, open_interval=True)
    n = v.count("n_pulses", n_pulses, minimum=1)
    v.within("pd", pd_, *ALBERSHEIM_PD, "Albersheim's range for Pd")
    v.within("pfa", pfa_, *ALBERSHEIM_PFA, "Albersheim's range for Pfa")
    v.within("n_pulses", n, *ALBERSHEIM_PULSES, "Albersheim's range for N")
    return radar.albersheim_snr_db(pd_, pfa_, n)


def shnidman_snr_db(
    pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: int = 0
) -> FloatArray:
    """Shnidman's required SNR (dB) for Swerling 0-4, only inside its stated validity.

    0.1 <= Pd <= 0.99, 1e-9 <= Pfa <= 1e-3, 1 <= N <= 100 (Shnidman 2002), where it is
    accurate to about 1 dB.
    """
    pd_ = v.probability("pd", pd)
    pfa_ = v.probability("pfa", pfa, open_interval=True)
    n = v.count("n_pulses", n_pulses, minimum=1)
    sw = v.swerling_case("swerling", swerling)
    v.within("pd", pd_, *SHNIDMAN_PD, "Shnidman's range for Pd")
    v.within("pfa", pfa_, *SHNIDMAN_PFA, "Shnidman's range for Pfa")
    v.within("n_pulses", n, *SHNIDMAN_PULSES, "Shnidman's range for N")
    return radar.shnidman_snr_db(pd_, pfa_, n, sw)


def pd_from_snr(
    snr_db: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: int = 0
) -> FloatArray:
    """Exact Pd for N square-law pulses, Swerling 0-4 (:func:`shieldlab.core.radar.pd_from_snr`).

    Valid for any finite SNR, 0 < Pfa < 1 and whole N >= 1 (an exact result, no stated
    validity range).
    """
    return radar.pd_from_snr(
        v.finite("snr_db", snr_db),
        v.probability("pfa", pfa, open_interval=True),
        v.count("n_pulses", n_pulses, minimum=1),
        v.swerling_case("swerling", swerling),
    )


def required_snr_db(
    pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: int = 0
) -> FloatArray:
    """Exact required SNR (dB), the inverse of :func:`pd_from_snr` (no approximation).

    Needs Pfa < Pd < 1; see :func:`shieldlab.core.radar.snr_db_for_pd`.
    """
    pd_ = v.probability("pd", pd, open_interval=True)
    pfa_ = v.probability("pfa", pfa, open_interval=True)
    if np.any(pd_ <= pfa_):
        raise InputError("must exceed Pfa (otherwise no SNR is needed)", field="pd")
    return radar.snr_db_for_pd(
        pd_, pfa_, v.count("n_pulses", n_pulses, minimum=1), v.swerling_case("swerling", swerling)
    )


def radar_horizon_m(
    antenna_height_m: ArrayLike, target_height_m: ArrayLike = 0.0, k_factor: ArrayLike = 4.0 / 3.0
) -> FloatArray:
    """Radar horizon sqrt(2kR h1) + sqrt(2kR h2) (:func:`shieldlab.core.radar.radar_horizon_m`)."""
    return radar.radar_horizon_m(
        v.non_negative("antenna_height_m", antenna_height_m),
        v.non_negative("target_height_m", target_height_m),
        v.positive("k_factor", k_factor),
    )


def target_height_m(
    slant_range_m: ArrayLike,
    elevation_rad: ArrayLike,
    antenna_height_m: ArrayLike = 0.0,
    k_factor: ArrayLike = 4.0 / 3.0,
) -> FloatArray:
    """Target height from range and elevation (:func:`shieldlab.core.radar.target_height_m`)."""
    el = v.finite("elevation_rad", elevation_rad)
    v.within("elevation_rad", el, -np.pi / 2, np.pi / 2, "the elevation range")
    return radar.target_height_m(
        v.non_negative("slant_range_m", slant_range_m),
        el,
        v.non_negative("antenna_height_m", antenna_height_m),
        v.positive("k_factor", k_factor),
    )

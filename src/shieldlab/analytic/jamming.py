"""Noise-jamming closed forms with their inputs checked.

Thin checked wrappers over :mod:`shieldlab.core.jamming` (formulas and sources in the
kernel docstrings and ``docs/analytic.md``). A bad value raises
:class:`~shieldlab.errors.InputError` naming the parameter.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from shieldlab.analytic import _validate as v
from shieldlab.core import jamming
from shieldlab.core.radar import FloatArray
from shieldlab.errors import InputError


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
    """Burn-through range (m) against a self-screening noise jammer.

    See :func:`shieldlab.core.jamming.self_screening_burn_through_m`. The jammer's band
    must cover the radar's receiver band 1/tau (the formula's assumption).
    """
    tau = v.positive("pulse_width_s", pulse_width_s)
    bj = v.positive("jammer_bandwidth_hz", jammer_bandwidth_hz)
    narrow = bj * tau < 1.0 - 1e-12
    if np.any(narrow):
        raise InputError(
            f"{float(np.broadcast_to(bj, narrow.shape)[narrow].flat[0]):g} Hz is narrower than "
            "the radar's receiver band 1/pulse_width_s; the formula assumes barrage jamming "
            "that covers it",
            field="jammer_bandwidth_hz",
        )
    return jamming.self_screening_burn_through_m(
        freq_hz=v.positive("freq_hz", freq_hz),
        snr_db=v.finite("snr_db", snr_db),
        peak_power_w=v.positive("peak_power_w", peak_power_w),
        pulse_width_s=tau,
        jammer_erp_w=v.non_negative("jammer_erp_w", jammer_erp_w),
        jammer_bandwidth_hz=bj,
        gain_db=v.finite("gain_db", gain_db),
        rcs_m2=v.positive("rcs_m2", rcs_m2),
        noise_temp_k=v.positive("noise_temp_k", noise_temp_k),
        loss_db=v.finite("loss_db", loss_db),
        jammer_loss_db=v.finite("jammer_loss_db", jammer_loss_db),
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
    """JNR (dB) of a noise jammer (see :func:`shieldlab.core.jamming.jam_to_noise_db`)."""
    return jamming.jam_to_noise_db(
        freq_hz=v.positive("freq_hz", freq_hz),
        jammer_erp_w=v.non_negative("jammer_erp_w", jammer_erp_w),
        jammer_bandwidth_hz=v.positive("jammer_bandwidth_hz", jammer_bandwidth_hz),
        jammer_range_m=v.positive("jammer_range_m", jammer_range_m),
        gain_toward_jammer_db=v.finite("gain_toward_jammer_db", gain_toward_jammer_db),
        jammer_loss_db=v.finite("jammer_loss_db", jammer_loss_db),
        noise_temp_k=v.positive("noise_temp_k", noise_temp_k),
    )

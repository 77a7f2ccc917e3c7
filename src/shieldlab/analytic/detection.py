"""Radar detection closed forms with their validity ranges enforced.

Thin checked wrappers over :mod:`shieldlab.core.radar` (formulas and sources are in the
kernel docstrings and ``docs/analytic.md``). Each bad value raises
:class:`~shieldlab.errors.InputError` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable

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


# How each radar-equation input is checked: powers, times, frequencies, areas and
# temperatures must be positive; quantities in dB may take any finite value.
_EQUATION_CHECKS: dict[str, Callable[[str, ArrayLike], FloatArray]] = {
    "freq_hz": v.positive,
    "range_m": v.positive,
    "peak_power_w": v.positive,
    "pulse_width_s": v.positive,
    "rcs_m2": v.positive,
    "noise_temp_k": v.positive,
    "snr_db": v.finite,
    "gain_db": v.finite,
    "loss_db": v.finite,
}


def _checked_equation(
    kernel: Callable[..., FloatArray], inputs: dict[str, ArrayLike]
) -> FloatArray:
    """Check every input of a radar-equation call (a wrapper's locals), then call the kernel."""
    return kernel(**{name: _EQUATION_CHECKS[name](name, x) for name, x in inputs.items()})


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
    return _checked_equation(radar.snr_db, locals())


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
    return _checked_equation(radar.detection_range_m, locals())


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
    return _checked_equation(radar.peak_power_w, locals())


def _within_stated_validity(
    formula: str,
    pd: ArrayLike,
    pfa: ArrayLike,
    n_pulses: ArrayLike,
    ranges: tuple[tuple[float, float], tuple[float, float], tuple[float, float]],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Pd, Pfa and N checked as probabilities and a count, then against the formula's
    stated validity ranges (in that order)."""
    checked = (
        v.probability("pd", pd),
        v.probability("pfa", pfa, open_interval=True),
        v.count("n_pulses", n_pulses, minimum=1),
    )
    for name, symbol, value, (lo, hi) in zip(
        ("pd", "pfa", "n_pulses"), ("Pd", "Pfa", "N"), checked, ranges, strict=True
    ):
        v.within(name, value, lo, hi, f"{formula}'s range for {symbol}")
    return checked


def albersheim_snr_db(pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1) -> FloatArray:
    """Albersheim's required SNR (dB), only inside its stated validity.

    0.1 <= Pd <= 0.9, 1e-7 <= Pfa <= 1e-3, 1 <= N <= 8096 (Albersheim 1981), where it is
    accurate to 0.2 dB; outside, an InputError rather than a silent number.
    """
    pd_, pfa_, n = _within_stated_validity(
        "Albersheim", pd, pfa, n_pulses, (ALBERSHEIM_PD, ALBERSHEIM_PFA, ALBERSHEIM_PULSES)
    )
    return radar.albersheim_snr_db(pd_, pfa_, n)


def shnidman_snr_db(
    pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: int = 0
) -> FloatArray:
    """Shnidman's required SNR (dB) for Swerling 0-4, only inside its stated validity.

    0.1 <= Pd <= 0.99, 1e-9 <= Pfa <= 1e-3, 1 <= N <= 100 (Shnidman 2002), where it is
    accurate to about 1 dB.
    """
    pd_, pfa_, n = _within_stated_validity(
        "Shnidman", pd, pfa, n_pulses, (SHNIDMAN_PD, SHNIDMAN_PFA, SHNIDMAN_PULSES)
    )
    return radar.shnidman_snr_db(pd_, pfa_, n, v.swerling_case("swerling", swerling))


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

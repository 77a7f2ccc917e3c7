"""Noise-jamming kernels against an independent recomputation in watts.

The kernels work with noise *densities* (J0 against k Ts); the reference here computes
received powers in the radar's receiver band B = 1/tau from first principles -- signal
Pr = Pt G^2 lambda^2 sigma / ((4 pi)^3 R^4 L), thermal noise N = k Ts B, jamming
Jr = ERP G lambda^2 / ((4 pi)^2 R^2 Lj) * B / Bj (Skolnik 2001, sec. 10; Adamy 2001,
ch. 9) -- and finds the burn-through range by root finding.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from shieldlab.core import jamming, radar

K_B = 1.380649e-23
C = 299_792_458.0

RADAR = {
    "freq_hz": 3e9,
    "peak_power_w": 1e6,
    "pulse_width_s": 1e-6,
    "gain_db": 35.0,
    "rcs_m2": 1.0,
    "noise_temp_k": 500.0,
    "loss_db": 6.0,
}


def _powers_w(r_m: float, erp_w: float, bj_hz: float, jammer_loss_db: float = 0.0):
    lam = C / RADAR["freq_hz"]
    g = 10 ** (RADAR["gain_db"] / 10)
    loss = 10 ** (RADAR["loss_db"] / 10)
    b = 1.0 / RADAR["pulse_width_s"]
    pr = (
        RADAR["peak_power_w"]
        * g
        * g
        * lam**2
        * RADAR["rcs_m2"]
        / ((4 * math.pi) ** 3 * r_m**4 * loss)
    )
    noise = K_B * RADAR["noise_temp_k"] * b
    jr = (
        erp_w * g * lam**2 / ((4 * math.pi) ** 2 * r_m**2 * 10 ** (jammer_loss_db / 10)) * b / bj_hz
    )
    return pr, noise, jr


def _reference_burn_through(snr_db: float, erp_w: float, bj_hz: float, lj_db: float = 0.0) -> float:
    s = 10 ** (snr_db / 10)

    def f(log_r: float) -> float:
        pr, n, j = _powers_w(math.exp(log_r), erp_w, bj_hz, lj_db)
        return math.log(pr / (n + j)) - math.log(s)

    return math.exp(brentq(f, math.log(1.0), math.log(1e9), xtol=1e-14, rtol=1e-14))


def test_burn_through_matches_root_of_power_budget() -> None:
    for snr_db, erp, bj, lj in [
        (13.0, 100.0, 10e6, 0.0),
        (10.0, 1e3, 100e6, 3.0),
        (16.0, 5.0, 2e6, 1.0),
    ]:
        got = float(
            jamming.self_screening_burn_through_m(
                **RADAR, snr_db=snr_db, jammer_erp_w=erp, jammer_bandwidth_hz=bj, jammer_loss_db=lj
            )
        )
        assert math.isclose(got, _reference_burn_through(snr_db, erp, bj, lj), rel_tol=1e-9)


def test_weak_jammer_gives_the_unjammed_detection_range() -> None:
    r0 = float(radar.detection_range_m(**RADAR, snr_db=13.0))
    r = float(
        jamming.self_screening_burn_through_m(
            **RADAR, snr_db=13.0, jammer_erp_w=1e-30, jammer_bandwidth_hz=10e6
        )
    )
    assert math.isclose(r, r0, rel_tol=1e-9)


def test_strong_jammer_tends_to_skolniks_burn_through_formula() -> None:
    """R_bt = sqrt(Pt tau G sigma Lj Bj / (4 pi L ERP S)) when jamming swamps noise."""
    erp, bj, s_db = 1e6, 10e6, 13.0
    r = float(
        jamming.self_screening_burn_through_m(
            **RADAR, snr_db=s_db, jammer_erp_w=erp, jammer_bandwidth_hz=bj
        )
    )
    g = 10 ** (RADAR["gain_db"] / 10)
    loss = 10 ** (RADAR["loss_db"] / 10)
    s = 10 ** (s_db / 10)
    skolnik = math.sqrt(
        RADAR["peak_power_w"]
        * RADAR["pulse_width_s"]
        * g
        * RADAR["rcs_m2"]
        * bj
        / (4 * math.pi * loss * erp * s)
    )
    assert math.isclose(r, skolnik, rel_tol=1e-6)


def test_jnr_and_jammed_snr_match_power_budget() -> None:
    r, erp, bj = 80e3, 50.0, 20e6
    pr, n, j = _powers_w(r, erp, bj)
    jnr = float(
        jamming.jam_to_noise_db(
            freq_hz=RADAR["freq_hz"],
            jammer_erp_w=erp,
            jammer_bandwidth_hz=bj,
            jammer_range_m=r,
            gain_toward_jammer_db=RADAR["gain_db"],
            noise_temp_k=RADAR["noise_temp_k"],
        )
    )
    assert math.isclose(jnr, 10 * math.log10(j / n), rel_tol=1e-12)
    snr = float(radar.snr_db(**RADAR, range_m=r))
    assert math.isclose(
        float(jamming.jammed_snr_db(snr, jnr)), 10 * math.log10(pr / (n + j)), rel_tol=1e-12
    )


def test_stand_off_range_meets_required_snr() -> None:
    r0 = float(radar.detection_range_m(**RADAR, snr_db=13.0))
    r = float(jamming.stand_off_detection_range_m(r0, 6.0))
    snr_there = float(radar.snr_db(**RADAR, range_m=r))
    assert math.isclose(float(jamming.jammed_snr_db(snr_there, 6.0)), 13.0, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    snr_db=st.floats(-20, 40),
    jnr_db=st.floats(-60, 60),
)
def test_jamming_never_raises_snr(snr_db: float, jnr_db: float) -> None:
    assert float(jamming.jammed_snr_db(snr_db, jnr_db)) <= snr_db


@settings(max_examples=100, deadline=None)
@given(
    erp_lo=st.floats(1e-3, 1e5),
    factor=st.floats(1.0, 1e3),
    snr_db=st.floats(0, 20),
)
def test_more_jammer_power_never_lengthens_burn_through(
    erp_lo: float, factor: float, snr_db: float
) -> None:
    kw = {**RADAR, "snr_db": snr_db, "jammer_bandwidth_hz": 10e6}
    lo = float(jamming.self_screening_burn_through_m(**kw, jammer_erp_w=erp_lo))
    hi = float(jamming.self_screening_burn_through_m(**kw, jammer_erp_w=erp_lo * factor))
    r0 = float(
        radar.detection_range_m(**{k: v for k, v in kw.items() if k != "jammer_bandwidth_hz"})
    )
    assert hi <= lo * (1 + 1e-12)
    assert lo <= r0 * (1 + 1e-12)
    assert np.isfinite(hi) and hi > 0

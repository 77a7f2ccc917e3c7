"""Radar kernels against published values and exact fluctuating-target models."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import special, stats

from shieldlab.core import radar

Table = Callable[[str, str], list[list[float]]]


def test_albersheim_matches_matlab_vectors(published_table: Table) -> None:
    # Albersheim (1981) as computed by MATLAB's `albersheim` (test vectors of the `sdr`
    # package), reproduced in PUBLISHED_VALUES.md.
    rows = published_table("## Albersheim's equation", "| Pd | Pfa | N | SNR (dB) |")
    assert len(rows) == 7
    pd, pfa, n, expected = (np.array(c) for c in zip(*rows, strict=True))
    np.testing.assert_allclose(radar.albersheim_snr_db(pd, pfa, n), expected, rtol=0, atol=1e-9)


def test_shnidman_matches_matlab_vectors(published_table: Table) -> None:
    # Shnidman (2002), Swerling 0, as computed by MATLAB's `shnidman` (PUBLISHED_VALUES.md).
    rows = published_table("## Shnidman's equation", "| Pd | Pfa | N | SNR (dB) |")
    assert len(rows) == 5
    pd, pfa, n, expected = (np.array(c) for c in zip(*rows, strict=True))
    np.testing.assert_allclose(
        radar.shnidman_snr_db(pd, pfa, n, swerling=0), expected, rtol=0, atol=1e-9
    )


@pytest.mark.parametrize("pfa", [1e-3, 1e-6, 1e-9])
def test_single_pulse_swerling0_is_marcum_q(pfa: float) -> None:
    # Exact single-pulse Swerling 0 (PUBLISHED_VALUES.md; Marcum 1960):
    # Pd = Q1(sqrt(2 SNR), sqrt(-2 ln Pfa)). Q1(a, b) computed independently by numerical
    # integration of the Rician density: Q1(a, b) = int_b^inf x exp(-(x^2+a^2)/2) I0(a x) dx.
    from scipy import integrate

    for snr_db in (0.0, 6.0, 10.0, 13.0):
        snr = 10 ** (snr_db / 10)
        a, b = np.sqrt(2 * snr), np.sqrt(-2 * np.log(pfa))
        q1, _ = integrate.quad(
            lambda x, a=a: x * np.exp(-((x - a) ** 2) / 2) * special.i0e(a * x), b, np.inf
        )
        assert radar.pd_from_snr(snr_db, pfa, 1, 0) == pytest.approx(q1, rel=1e-7, abs=1e-12)


def test_single_pulse_swerling1_closed_form() -> None:
    # Exact single-pulse Swerling 1 (PUBLISHED_VALUES.md): Pd = Pfa^(1/(1+SNR)).
    snr_db = np.linspace(-10, 30, 41)
    for pfa in (1e-2, 1e-6, 1e-10):
        snr = 10 ** (snr_db / 10)
        np.testing.assert_allclose(
            radar.pd_from_snr(snr_db, pfa, 1, 1), pfa ** (1 / (1 + snr)), rtol=1e-12
        )


def test_single_pulse_swerling2_equals_1_and_4_equals_3() -> None:
    # With one pulse, pulse-to-pulse and scan-to-scan fluctuation are the same model.
    snr_db = np.linspace(-5, 25, 31)
    np.testing.assert_allclose(
        radar.pd_from_snr(snr_db, 1e-6, 1, 2), radar.pd_from_snr(snr_db, 1e-6, 1, 1), rtol=1e-12
    )
    np.testing.assert_allclose(
        radar.pd_from_snr(snr_db, 1e-6, 1, 4), radar.pd_from_snr(snr_db, 1e-6, 1, 3), rtol=1e-10
    )


def test_threshold_gives_pfa() -> None:
    # Pfa = Q(N, T) for the Gamma(N, 1) noise-only sum; SNR -> 0 gives Pd -> Pfa.
    for n in (1, 5, 40):
        t = radar.threshold_for_pfa(1e-6, n)
        assert special.gammaincc(n, t) == pytest.approx(1e-6, rel=1e-10)
        for sw in range(5):
            assert radar.pd_from_snr(-200.0, 1e-6, n, sw) == pytest.approx(1e-6, rel=1e-6)


def _series_scan_to_scan(t: float, n: int, snr: float, shape_k: int) -> float:
    """Independent check: Pd = sum_k NB(k; shape_k, q) Q(N + k, T), summed to convergence."""
    mean = n * snr / shape_k
    ks = np.arange(0, 20000)
    weights = stats.nbinom.pmf(ks, shape_k, 1.0 / (1.0 + mean))
    return float(np.sum(weights * special.gammaincc(n + ks, t)))


@pytest.mark.parametrize("swerling,shape_k", [(1, 1), (3, 2)])
@pytest.mark.parametrize("n", [1, 2, 3, 10, 30])
def test_scan_to_scan_closed_forms_equal_mixture_series(
    swerling: int, shape_k: int, n: int
) -> None:
    # Swerling 1/3: the statistic is a negative-binomial mixture of Gamma(N + K, 1);
    # the closed forms must equal the (slowly converging) series to high precision.
    for snr_db in (-3.0, 3.0, 8.0, 15.0):
        t = float(radar.threshold_for_pfa(1e-6, n))
        exact = _series_scan_to_scan(t, n, 10 ** (snr_db / 10), shape_k)
        got = float(radar.pd_from_snr(snr_db, 1e-6, n, swerling))
        assert got == pytest.approx(exact, rel=1e-9, abs=1e-14)


def _simulate_pd(
    rng: np.random.Generator, swerling: int, snr: float, pfa: float, n: int, draws: int
) -> float:
    """Monte Carlo of the exact model: complex Gaussian unit noise per pulse, target power
    fixed (SW0), exponential (SW1/2) or chi-square-4 (SW3/4), drawn once per scan (1, 3)
    or per pulse (2, 4); square-law detector, N pulses summed, threshold for Pfa."""
    noise = (rng.standard_normal((draws, n)) + 1j * rng.standard_normal((draws, n))) / np.sqrt(2)
    per = (draws, 1) if swerling in (1, 3) else (draws, n)
    if swerling == 0:
        power = np.full((draws, 1), snr)
    elif swerling in (1, 2):
        power = rng.exponential(snr, per)
    else:
        power = rng.gamma(2.0, snr / 2.0, per)
    phase = rng.uniform(0, 2 * np.pi, (draws, n))
    y = np.sum(np.abs(noise + np.sqrt(power) * np.exp(1j * phase)) ** 2, axis=1)
    return float(np.mean(y > radar.threshold_for_pfa(pfa, n)))


@pytest.mark.slow
@pytest.mark.parametrize("swerling", [0, 1, 2, 3, 4])
def test_pd_matches_monte_carlo_of_the_fluctuating_target(swerling: int) -> None:
    # 2e5 draws of the exact model per case; the tolerance is 4.5 binomial standard errors
    # sqrt(p(1-p)/draws) (a false alarm of this test has probability < 1e-5 per point).
    rng = np.random.default_rng(20261127 + swerling)
    draws = 200_000
    pfa = 1e-3  # large enough that the threshold is resolved by 2e5 draws
    for n, snr_db in ((1, 8.0), (4, 3.0), (10, 0.0)):
        p = float(radar.pd_from_snr(snr_db, pfa, n, swerling))
        mc = _simulate_pd(rng, swerling, 10 ** (snr_db / 10), pfa, n, draws)
        se = np.sqrt(p * (1 - p) / draws)
        assert abs(mc - p) < 4.5 * se, (n, snr_db, p, mc)


def test_pd_vectorised_shapes_and_n_array() -> None:
    snr = np.linspace(0, 20, 12).reshape(3, 4)
    for sw in range(5):
        out = radar.pd_from_snr(snr, 1e-6, np.array([1, 2, 5, 9]), sw)
        assert out.shape == (3, 4)
        for j, n in enumerate([1, 2, 5, 9]):
            np.testing.assert_allclose(out[:, j], radar.pd_from_snr(snr[:, j], 1e-6, n, sw))


def test_pd_rejects_bad_pulses_and_case() -> None:
    with pytest.raises(ValueError, match="n_pulses"):
        radar.pd_from_snr(10.0, 1e-6, 0)
    with pytest.raises(ValueError, match="n_pulses"):
        radar.pd_from_snr(10.0, 1e-6, 2.5)
    with pytest.raises(ValueError, match="swerling"):
        radar.pd_from_snr(10.0, 1e-6, 1, 5)


def test_exact_inverse_round_trips() -> None:
    for sw in range(5):
        snr = radar.snr_db_for_pd(np.array([0.3, 0.5, 0.9]), 1e-6, 4, sw)
        np.testing.assert_allclose(radar.pd_from_snr(snr, 1e-6, 4, sw), [0.3, 0.5, 0.9], atol=1e-6)


def test_radar_equation_round_trips_and_r4_law() -> None:
    # Monostatic radar equation (Richards 2014, ch. 2): SNR falls 40 dB per decade of range,
    # and the range / power forms invert the SNR form.
    kw = {"freq_hz": 3e9, "peak_power_w": 1e6, "pulse_width_s": 1e-6}
    s1 = radar.snr_db(range_m=1e4, **kw)
    s2 = radar.snr_db(range_m=1e5, **kw)
    assert s1 - s2 == pytest.approx(40.0, abs=1e-9)
    assert radar.detection_range_m(snr_db=s2, **kw) == pytest.approx(1e5, rel=1e-12)
    p = radar.peak_power_w(freq_hz=3e9, range_m=1e5, snr_db=s2, pulse_width_s=1e-6)
    assert p == pytest.approx(1e6, rel=1e-12)


def test_radar_equation_hand_computed_value() -> None:
    # Hand computation: Pt=1 MW, tau=1 us, G=20 dB (100), f=3 GHz (lambda=0.0999308 m),
    # sigma=1 m^2, Ts=290 K, L=0 dB, R=100 km:
    # SNR = 1e6*1e-6*1e4*0.0099862/(1984.40*1.380649e-23*290*1e20) = 0.12569 -> -9.007 dB.
    lam = 299_792_458.0 / 3e9
    snr = 1e6 * 1e-6 * 100**2 * lam**2 * 1.0 / ((4 * np.pi) ** 3 * 1.380649e-23 * 290 * 1e5**4)
    got = radar.snr_db(freq_hz=3e9, range_m=1e5, peak_power_w=1e6, pulse_width_s=1e-6)
    assert got == pytest.approx(10 * np.log10(snr), abs=1e-12)
    assert got == pytest.approx(-9.007, abs=1e-3)


def test_radar_horizon_standard_values() -> None:
    # 4/3 Earth: d = sqrt(2 k R h) (Skolnik 2001, ch. 8); the rule of thumb
    # d[km] ~ 4.12 sqrt(h[m]) follows with R = 6371 km: sqrt(2*4/3*6371e3) = 4121.6 m^0.5.
    assert radar.radar_horizon_m(10.0) == pytest.approx(4121.6 * np.sqrt(10), rel=1e-4)
    both = radar.radar_horizon_m(10.0, 1000.0)
    assert both == pytest.approx(radar.radar_horizon_m(10.0) + radar.radar_horizon_m(1000.0))
    assert radar.radar_horizon_m(10.0, 0.0, 1.0) < radar.radar_horizon_m(10.0)


def test_target_height_consistent_with_horizon() -> None:
    # A target on the horizon ray (elevation where the ray grazes the effective Earth) at
    # the horizon distance sits at height ~0; straight up, height = range + antenna height.
    ha = 20.0
    kr = 4 / 3 * radar.EARTH_RADIUS_M
    el = -np.arccos(kr / (kr + ha))
    d = np.sqrt((kr + ha) ** 2 - kr**2)
    assert radar.target_height_m(d, el, ha) == pytest.approx(0.0, abs=1e-6)
    assert radar.target_height_m(5000.0, np.pi / 2, ha) == pytest.approx(5020.0, rel=1e-12)

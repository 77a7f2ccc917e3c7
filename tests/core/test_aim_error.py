"""Kill probability with fire-control track error: lethal radius under a circular normal miss.

Sources: Przemieniecki, *Mathematical Methods in Defense Analyses*, 3rd ed., AIAA 2000
(circular normal delivery error, P(r <= R) = 1 - exp(-R²/(2σ²)), CEP = σ √(2 ln 2)
≈ 1.1774 σ); Ball, *The Fundamentals of Aircraft Combat Survivability Analysis and
Design*, 2nd ed., AIAA 2003 (cookie-cutter damage function).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from shieldlab.core import engagement as eg

sigmas = st.floats(min_value=0.0, max_value=1e5, allow_nan=False)
positive = st.floats(min_value=1e-2, max_value=1e4, allow_nan=False)
sspks = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def test_half_the_misses_fall_within_the_cep() -> None:
    # Przemieniecki (2000): the circular error probable of a circular normal with per-axis
    # σ is σ √(2 ln 2) = 1.1774 σ; half the rounds fall inside it.
    assert pytest.approx(math.sqrt(2.0 * math.log(2.0)), abs=5e-5) == 1.1774
    for sigma in (1.0, 37.0, 2500.0):
        cep = math.sqrt(2.0 * math.log(2.0)) * sigma
        assert eg.hit_fraction_circular_normal(cep, sigma) == pytest.approx(0.5, rel=1e-14)


def test_hit_fraction_is_the_rayleigh_cdf() -> None:
    # The radial miss of a circular normal is Rayleigh(σ): scipy's CDF as independent check.
    r = np.array([0.0, 1.0, 10.0, 50.0, 200.0, 1e4])
    s = np.array([[1.0], [20.0], [300.0]])
    np.testing.assert_allclose(
        eg.hit_fraction_circular_normal(r, s), stats.rayleigh.cdf(r, scale=s), rtol=1e-12
    )


def test_degradation_hand_value_and_monte_carlo() -> None:
    # R_L = 200 m, σ_g = 20 m, σ_t = 100 m: σ² = 10 400 m²,
    # P_k = 0.6 (1 - e^(-40000/20800)) / (1 - e^(-50)) = 0.6 (1 - e^(-1.923077)) = 0.512306.
    pk = eg.sspk_with_track_error(0.6, 100.0, 200.0, 20.0)
    assert pk == pytest.approx(0.6 * (1.0 - math.exp(-40000.0 / 20800.0)), rel=1e-14)
    assert pk == pytest.approx(0.512306, abs=1e-6)
    # Sampled misses: guidance and track errors drawn separately, counted within R_L.
    rng = np.random.default_rng(12345)
    n = 400_000
    miss = rng.normal(0.0, 20.0, (n, 2)) + rng.normal(0.0, 100.0, (n, 2))
    inside = float(np.mean(np.hypot(miss[:, 0], miss[:, 1]) <= 200.0))
    assert 0.6 * inside == pytest.approx(float(pk), abs=4.0 * 0.6 * math.sqrt(0.25 / n))


def test_vectorised_broadcast() -> None:
    pk = eg.sspk_with_track_error(np.array([0.5, 0.8]), np.array([[0.0], [50.0], [500.0]]), 100, 10)
    assert pk.shape == (3, 2)
    np.testing.assert_array_equal(pk[0], [0.5, 0.8])
    assert np.all(np.diff(pk, axis=0) < 0.0)


@given(sspk=sspks, radius=positive, guidance=positive)
def test_perfect_track_gives_the_nominal_sspk(sspk: float, radius: float, guidance: float) -> None:
    assert eg.sspk_with_track_error(sspk, 0.0, radius, guidance) == sspk


@given(sspk=sspks, radius=positive, guidance=positive, a=sigmas, b=sigmas)
def test_monotone_decreasing_and_bounded(
    sspk: float, radius: float, guidance: float, a: float, b: float
) -> None:
    lo, hi = sorted((a, b))
    p_lo = float(eg.sspk_with_track_error(sspk, lo, radius, guidance))
    p_hi = float(eg.sspk_with_track_error(sspk, hi, radius, guidance))
    assert 0.0 <= p_hi <= p_lo <= sspk


@given(sspk=st.floats(min_value=0.01, max_value=1.0), radius=positive, guidance=positive)
def test_tends_to_zero_for_a_hopeless_track(sspk: float, radius: float, guidance: float) -> None:
    # σ_t a million times R_L and σ_g: H(σ) ~ R_L²/(2σ²), so P_k / SSPK ~ 1e-12 whether
    # H(σ_g) is near 1 (σ_g << R_L) or small itself (ratio -> σ_g²/σ_t²).
    sigma_t = 1e6 * max(radius, guidance)
    assert eg.sspk_with_track_error(sspk, sigma_t, radius, guidance) < 1e-10 * sspk

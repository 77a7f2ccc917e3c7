"""Wilson and Student t intervals against their formulas and textbook values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from shieldlab.core.stats import t_half_width, t_interval, wilson_interval


def test_wilson_known_values() -> None:
    # 0 of 10: upper bound 0.2775 (Brown, Cai & DasGupta 2001, Statistical Science 16:101,
    # Wilson interval; also the usual "rule of three" neighbourhood for small n).
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(0.27753, abs=1e-5)
    lo, hi = wilson_interval(5, 10)
    assert (lo, hi) == pytest.approx((0.23659, 0.76341), abs=1e-5)


@given(n=st.integers(1, 10_000), frac=st.floats(0.0, 1.0))
def test_wilson_is_a_valid_interval_around_the_centre(n: int, frac: float) -> None:
    k = round(frac * n)
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= hi <= 1.0
    z = stats.norm.ppf(0.975)
    centre = (k / n + z * z / (2 * n)) / (1 + z * z / n)
    assert lo - 1e-12 <= centre <= hi + 1e-12


def test_t_interval_matches_scipy() -> None:
    x = np.random.default_rng(0).normal(3.0, 2.0, 37)
    lo, hi = t_interval(float(x.mean()), float(x.var(ddof=1)), x.size)
    ref = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert (lo, hi) == pytest.approx(ref, rel=1e-12)
    assert t_half_width(float(x.var(ddof=1)), x.size) == pytest.approx((hi - lo) / 2)


def test_degenerate_sizes() -> None:
    assert all(math.isnan(v) for v in t_interval(1.0, 0.0, 1))
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(3, 2)

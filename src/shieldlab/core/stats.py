"""Confidence intervals for Monte Carlo estimates (proportions and means).

Wilson score interval for a binomial proportion (Wilson 1927, JASA 22:209; as recommended
by Brown, Cai & DasGupta 2001, Statistical Science 16:101):

    centre = (p + z²/2n) / (1 + z²/n),  half = z sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)

Student t interval for a mean: mean ± t_{1-α/2, n-1} s / sqrt(n), s the sample standard
deviation (with n - 1). For signed data only: on a non-negative outcome with a small mean
it reaches below zero (``0.20 [-0.04, 0.44]`` at n = 20).

Support-respecting interval for the mean of a bounded outcome (:func:`mean_interval`):
the t interval built on a transformed scale and mapped back (the delta method, Casella &
Berger 2002, *Statistical Inference*, 2nd ed., §5.5.4), so both ends stay inside the
support whatever the data:

* support [a, ∞): log scale, m' = x̄ - a,  (a + m' e^{-h}, a + m' e^{+h}),  h = t se / m';
* support [a, b]: logit scale of p = (x̄ - a)/(b - a),
  p_± = expit(logit p ± h),  h = t se / ((b - a) p (1 - p)),

with se = s / sqrt(n) and t = t_{1-α/2, n-1}. The logit form is the "logit interval" of
Brown, Cai & DasGupta (2001) applied to a mean of bounded values; the log form is its
one-sided counterpart (the usual interval for a positive parameter). Both agree with the
t interval to first order in se / x̄ (tested) and are right-skewed near the lower end,
where non-negative counts are skewed; simulated coverage is tested near nominal. They
need only (mean, variance, n), which is what the streaming runner keeps -- a bootstrap
would need every replication's row. When every value sits on a bound of [a, b] (say, no
replication leaked) the share of values off that bound is at most Wilson's upper bound
u for 0 of n, so the interval is [a, a + (b - a) u] (or [b - (b - a) u, b]). With one
bound only, or all values equal inside the support, it is the single point x̄: the data
carry no spread to scale it.
"""

from __future__ import annotations

import math
from functools import lru_cache

Z95 = 1.959963984540054  # standard normal 97.5 % quantile


@lru_cache(maxsize=64)
def _norm_quantile(p: float) -> float:
    from scipy import stats  # imported here: scipy.stats costs ~1 s to import

    return float(stats.norm.ppf(p))


@lru_cache(maxsize=256)
def _t_quantile(p: float, dof: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(p, dof))


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion from ``successes`` out of ``n`` trials."""
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n], got {successes} of {n}")
    z = Z95 if confidence == 0.95 else _norm_quantile(0.5 + confidence / 2.0)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / (1.0 + z2n)
    # Clamp the rounding at the ends (p = 0 or 1 gives exactly 0 or 1 in exact arithmetic).
    return (max(0.0, centre - half), min(1.0, centre + half))


def t_interval(
    mean: float, variance: float, n: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Student t interval for a mean from its sample mean and sample variance (ddof = 1)."""
    if n <= 1:
        return (math.nan, math.nan)
    half = t_half_width(variance, n, confidence)
    return (mean - half, mean + half)


def t_half_width(variance: float, n: int, confidence: float = 0.95) -> float:
    """Half-width t_{1-α/2, n-1} sqrt(variance / n) of the Student t interval."""
    if n <= 1:
        return math.inf
    q = _t_quantile(0.5 + confidence / 2.0, n - 1)
    return q * math.sqrt(max(variance, 0.0) / n)


def mean_interval(
    mean: float,
    variance: float,
    n: int,
    *,
    lower: float = 0.0,
    upper: float | None = None,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Interval for a mean of values in [lower, upper] (``upper`` None: unbounded above).

    The t interval on the log (one bound) or logit (two bounds) scale, mapped back: both
    ends stay within the support (module docstring).
    """
    if n <= 1 or not math.isfinite(mean):
        return (math.nan, math.nan)
    se = math.sqrt(max(variance, 0.0) / n)
    q = _t_quantile(0.5 + confidence / 2.0, n - 1)
    m = mean - lower
    if upper is None:
        if m <= 0.0 or se == 0.0:
            return (mean, mean)
        f = math.exp(min(q * se / m, 700.0))
        return (lower + m / f, lower + m * f)
    width = upper - lower
    if width <= 0.0:
        return (lower, lower)
    p = m / width
    if p <= 0.0 or p >= 1.0:
        # Every value on one bound: the share of values off it is at most Wilson's upper
        # bound for 0 of n, so the mean is at most that share of the width off the bound.
        off = width * wilson_interval(0, n, confidence)[1]
        return (lower, lower + off) if p <= 0.0 else (upper - off, upper)
    if se == 0.0:
        return (mean, mean)
    h = q * se / (width * p * (1.0 - p))
    centre = math.log(p / (1.0 - p))
    return (lower + width * _expit(centre - h), lower + width * _expit(centre + h))


def _expit(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)

"""Confidence intervals for Monte Carlo estimates (proportions and means).

Wilson score interval for a binomial proportion (Wilson 1927, JASA 22:209; as recommended
by Brown, Cai & DasGupta 2001, Statistical Science 16:101):

    centre = (p + z²/2n) / (1 + z²/n),  half = z sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)

Student t interval for a mean: mean ± t_{1-α/2, n-1} s / sqrt(n), s the sample standard
deviation (with n - 1).
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

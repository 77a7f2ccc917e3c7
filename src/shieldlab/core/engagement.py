"""Closed-form engagement arithmetic: kill probability, leakers, inventory, layers.

Vectorised: arguments broadcast as numpy arrays. Shots, threats and interceptors are
counts (whole numbers); probabilities lie in [0, 1]. Independent shots and independent
threats throughout (Wilkening, "A simple model for calculating ballistic missile defense
effectiveness", Science & Global Security 8 (1999) 183-215).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def p_kill_per_threat(sspk: ArrayLike, shots: ArrayLike, p_detect: ArrayLike = 1.0) -> FloatArray:
    """Probability that one threat is killed by n independent shots.

    Pk = Pd (1 - (1 - SSPK)^n), Pd the detect-track-discriminate probability
    (Wilkening 1999, eq. 1).
    """
    return np.asarray(_f(p_detect) * (1.0 - (1.0 - _f(sspk)) ** _f(shots)), dtype=np.float64)


def expected_leakers(n_threats: ArrayLike, p_kill: ArrayLike) -> FloatArray:
    """Expected number of threats that get through: N (1 - Pk) (Wilkening 1999)."""
    return np.asarray(_f(n_threats) * (1.0 - _f(p_kill)), dtype=np.float64)


def p_zero_leakers(n_threats: ArrayLike, p_kill: ArrayLike) -> FloatArray:
    """Probability that no threat gets through: Pk^N (Wilkening 1999)."""
    return np.asarray(_f(p_kill) ** _f(n_threats), dtype=np.float64)


def p_at_least_k_penetrate(n_threats: ArrayLike, p_leak: ArrayLike, k: ArrayLike) -> FloatArray:
    """Probability that at least k of N independent threats leak (binomial tail).

    P(X >= k) = sum_{j=k}^{N} C(N, j) p^j (1-p)^(N-j), X ~ Binomial(N, p_leak)
    = I_p(k, N - k + 1) (regularised incomplete beta; Abramowitz & Stegun 26.5.24;
    Wilkening 1999, section 3).
    """
    n, p, kk = np.broadcast_arrays(_f(n_threats), _f(p_leak), _f(k))
    # For 1 <= k <= N the tail is the regularised incomplete beta I_p(k, N - k + 1).
    inside = (kk >= 1.0) & (kk <= n)
    tail = special.betainc(np.where(inside, kk, 1.0), np.where(inside, n - kk + 1.0, 1.0), p)
    tail = np.where(kk <= 0.0, 1.0, np.where(kk > n, 0.0, tail))
    return np.asarray(tail, dtype=np.float64)


@dataclass(frozen=True, kw_only=True)
class InventoryLeakage:
    """Leakage of a raid against a finite interceptor inventory (arrays, broadcast shape)."""

    threats_engaged: FloatArray
    p_kill_per_threat: FloatArray
    expected_leakers: FloatArray
    p_zero_leakers: FloatArray

    def __getitem__(self, key: str) -> Any:
        """Dict-like access, e.g. ``result["expected_leakers"]``."""
        return getattr(self, key)

    def to_dict(self) -> dict[str, FloatArray]:
        """The fields as a plain dict."""
        return {
            "threats_engaged": self.threats_engaged,
            "p_kill_per_threat": self.p_kill_per_threat,
            "expected_leakers": self.expected_leakers,
            "p_zero_leakers": self.p_zero_leakers,
        }


def leakage_with_inventory(
    n_threats: ArrayLike,
    shots_per_threat: ArrayLike,
    sspk: ArrayLike,
    interceptors: ArrayLike,
    p_detect: ArrayLike = 1.0,
) -> InventoryLeakage:
    """Leakage when the inventory I covers only floor(I/n) threats with n shots each.

    E = min(N, floor(I/n)) threats are engaged; the other N - E leak for sure.
    Expected leakers = E (1 - Pk) + (N - E); P(no leaker) = Pk^N if E = N, else 0
    (Wilkening 1999, section 3: the defence is "saturated" beyond I/n threats).
    """
    n = _f(n_threats)
    shots = _f(shots_per_threat)
    inv = _f(interceptors)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverable = np.where(shots > 0.0, np.floor(inv / np.where(shots > 0, shots, 1.0)), np.inf)
    engaged = np.minimum(n, coverable)
    pk = p_kill_per_threat(sspk, shots, p_detect)
    leak = engaged * (1.0 - pk) + (n - engaged)
    p0 = np.where(engaged >= n, pk**n, 0.0)
    engaged, pk, leak, p0 = np.broadcast_arrays(engaged, pk, leak, p0)
    return InventoryLeakage(
        threats_engaged=np.asarray(engaged, dtype=np.float64),
        p_kill_per_threat=np.asarray(pk, dtype=np.float64),
        expected_leakers=np.asarray(leak, dtype=np.float64),
        p_zero_leakers=np.asarray(p0, dtype=np.float64),
    )


@dataclass(frozen=True, kw_only=True)
class InterceptorRequirement:
    """Whole shots per threat and total interceptors (inf where unattainable)."""

    shots_per_threat: FloatArray
    interceptors: FloatArray


def interceptors_needed(
    n_threats: ArrayLike,
    sspk: ArrayLike,
    p_zero_leakers_required: ArrayLike,
    p_detect: ArrayLike = 1.0,
) -> InterceptorRequirement:
    """Fewest whole shots per threat (and interceptors N n) for P(no leaker) >= P.

    Pk^N >= P  <=>  Pd (1 - (1-SSPK)^n) >= P^(1/N)
    <=>  n >= ln(1 - P^(1/N)/Pd) / ln(1 - SSPK), rounded up (Wilkening 1999, eq. 4).
    Unattainable (inf) when P^(1/N) > Pd, or P^(1/N) = Pd < 1 with SSPK < 1, or SSPK = 0
    and P > 0.
    """
    n_thr, s, p_req, pd = np.broadcast_arrays(
        _f(n_threats), _f(sspk), _f(p_zero_leakers_required), _f(p_detect)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        per_threat = p_req ** (1.0 / n_thr)
        residual = 1.0 - per_threat / pd  # allowed (1 - SSPK)^n
        raw = np.log(residual) / np.log1p(-s)
    # A relative slack absorbs rounding when the exact answer is a whole number.
    with np.errstate(invalid="ignore"):
        shots = np.ceil(raw - 1e-9 * np.maximum(1.0, np.abs(raw)))
    shots = np.where(s >= 1.0, 1.0, shots)
    feasible = (s > 0.0) & ((per_threat < pd) | ((per_threat <= pd) & (s >= 1.0)))
    shots = np.where(p_req <= 0.0, 0.0, np.where(feasible, np.maximum(shots, 1.0), np.inf))
    return InterceptorRequirement(
        shots_per_threat=np.asarray(shots, dtype=np.float64),
        interceptors=np.asarray(shots * n_thr, dtype=np.float64),
    )


def shoot_look_shoot(sspk: ArrayLike, stages: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Kill probability and expected shots of k single-shot stages with perfect assessment.

    Pk = 1 - (1 - SSPK)^k; expected shots = sum_{i=0}^{k-1} (1 - SSPK)^i
    = (1 - (1 - SSPK)^k)/SSPK (k when SSPK = 0) (Wilkening 1999, section 4).
    """
    s, k = np.broadcast_arrays(_f(sspk), _f(stages))
    miss_all = (1.0 - s) ** k
    p_kill = 1.0 - miss_all
    with np.errstate(divide="ignore", invalid="ignore"):
        shots = np.where(s > 0.0, p_kill / np.where(s > 0.0, s, 1.0), k)
    return np.asarray(p_kill, dtype=np.float64), np.asarray(shots, dtype=np.float64)


def layered_leak(layer_pks: ArrayLike) -> FloatArray:
    """Probability that a threat leaks through independent layers: prod_i (1 - Pk_i).

    Layers along the last axis (Wilkening 1999, section 5: independent layers).
    """
    return np.asarray(np.prod(1.0 - _f(layer_pks), axis=-1), dtype=np.float64)


def hit_fraction_circular_normal(radius_m: ArrayLike, sigma_m: ArrayLike) -> FloatArray:
    """Probability that a circular normal miss (per-axis σ) falls within a radius R.

    P(|miss| <= R) = 1 - exp(-R² / (2 σ²)), the Rayleigh distribution of the radial miss
    of a two-dimensional normal with equal, independent axes (Przemieniecki, *Mathematical
    Methods in Defense Analyses*, 3rd ed., AIAA 2000: single-shot kill probability of a
    cookie-cutter target under a circular normal delivery error; R = CEP = σ √(2 ln 2)
    gives 1/2). σ = 0 gives 1 (every miss is zero), R = 0 with σ > 0 gives 0.
    """
    r, s = np.broadcast_arrays(_f(radius_m), _f(sigma_m))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(s > 0.0, r * r / (2.0 * s * s), np.inf)
    # -expm1 keeps full precision when R << σ (where 1 - exp(-x) would cancel).
    return np.asarray(np.where(r > 0.0, -np.expm1(-ratio), 0.0), dtype=np.float64)


def sspk_with_track_error(
    sspk: ArrayLike,
    track_sigma_m: ArrayLike,
    lethal_radius_m: ArrayLike,
    guidance_sigma_m: ArrayLike,
) -> FloatArray:
    """Single-shot kill probability when the fire-control track's error adds to the miss.

    Lethal-radius ("cookie-cutter") damage function under a circular normal miss
    distance (Ball, *The Fundamentals of Aircraft Combat Survivability Analysis and
    Design*, 2nd ed., AIAA 2003, the cookie-cutter damage function; Przemieniecki 2000):
    the round kills when its miss is within R_L. The miss has per-axis variance
    σ² = σ_g² + σ_t² -- the interceptor's own guidance error σ_g plus the track's position
    error σ_t, independent -- so with H(σ) = 1 - exp(-R_L² / (2 σ²)):

        P_k = SSPK · H(√(σ_g² + σ_t²)) / H(σ_g).

    The nominal SSPK (warhead, fuze and everything else) is what the card gives for a
    perfect track: σ_t = 0 returns SSPK exactly; P_k falls monotonically in σ_t and stays
    in [0, SSPK].
    """
    s0, st, r, sg = np.broadcast_arrays(
        _f(sspk), _f(track_sigma_m), _f(lethal_radius_m), _f(guidance_sigma_m)
    )
    total2 = sg * sg + st * st
    nominal = hit_fraction_circular_normal(r, sg)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Where H(σ_g) underflows (R_L -> 0) the ratio tends to σ_g² / (σ_g² + σ_t²).
        ratio = np.where(
            nominal > 0.0,
            hit_fraction_circular_normal(r, np.sqrt(total2)) / nominal,
            sg * sg / total2,
        )
    # A zero track error keeps the card's SSPK bit for bit (no rounding through the ratio).
    pk = np.where(st == 0.0, s0, s0 * np.minimum(ratio, 1.0))
    return np.asarray(pk, dtype=np.float64)

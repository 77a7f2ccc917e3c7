"""Penetration of a raid through a finite-inventory defence: curves, saturation, requirements.

The closed forms come from :mod:`shieldlab.core.engagement` (Wilkening, "A simple model for
calculating ballistic missile defense effectiveness", Science & Global Security 8 (1999)):
each engaged warhead is killed with Pk = Pd (1 - (1 - SSPK)^n); an inventory of I
interceptors covers floor(I / n) warheads with n shots each and the rest leak for sure.

Who draws shots (``engagement``, issue 18). ``detected-only`` (default): each warhead is
detected, tracked and discriminated with probability Pd; an undetected warhead draws no
shot and leaks; the c = floor(I / n) salvos go to detected warheads, each killed with
p = 1 - (1 - SSPK)^n. ``pd-in-pk`` (the convention before issue 18, Wilkening's eq. 1 as
a per-threat kill): every warhead draws a salvo and is killed with Pd (1 - (1 - SSPK)^n),
so interceptors are spent on warheads the defence never saw.

Decoys (this module's addition, documented in docs/stability.md): a decoy is recognised
with probability D (``discrimination``); an unrecognised decoy looks like a warhead and the
defence, unable to tell them apart, spends its salvos on the apparent threats in random
order. ``decoy_model="exact"`` (default) computes that exactly: with m apparent warheads
(Binomial(N, Pd) detected-only, N otherwise) and U ~ Binomial(d, 1 - D) unrecognised
decoys, the g = min(c, m + U) engaged threats are a uniformly random subset, so the engaged
warheads are Hypergeometric(m + U, m, g), and each is killed with p (``scipy.stats``
pmfs; binomial tails of mass below 1e-30 dropped). ``mean-field`` (before issue 18)
gives the warheads the share floor(I N / (N + d (1 - D))) of the inventory, the expected
number of unrecognised
decoys in place of the random one, which overstates the decoys' effect on the tail. With
d = 0 and ``pd-in-pk`` both are exactly Wilkening's inventory-limited model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from shieldlab.core.engagement import (
    leakage_with_inventory,
    p_at_least_k_penetrate,
    p_kill_per_threat,
)

if TYPE_CHECKING:
    from shieldlab.stability.posture import DefencePosture, Deterrence

Engagement = Literal["detected-only", "pd-in-pk"]
DecoyModel = Literal["exact", "mean-field"]

__all__ = [
    "CurveCache",
    "DefenceModel",
    "ExactTail",
    "Penetration",
    "PenetrationCurve",
    "Requirement",
    "closed_form_curve",
    "exact_penetration",
    "penetration",
    "saturation_point",
    "saturation_raid_closed_form",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Probabilities computed by different routes can differ in the last bits; a requirement
# P(X >= K) >= P is judged met within this slack so that an exact hand case is not missed.
_PROB_SLACK = 1e-12


@dataclass(frozen=True, kw_only=True)
class DefenceModel:
    """The closed-form description of a defence: inventory and per-warhead engagement."""

    interceptors: int
    shots_per_threat: int
    sspk: float
    p_detect: float = 1.0
    discrimination: float = 1.0
    engagement: Engagement = "detected-only"
    decoy_model: DecoyModel = "exact"

    @classmethod
    def from_posture(cls, d: DefencePosture, *, interceptors: int | None = None) -> DefenceModel:
        """From a posture's defence block (optionally with another inventory)."""
        return cls(
            interceptors=d.interceptors if interceptors is None else int(interceptors),
            shots_per_threat=d.shots_per_threat,
            sspk=d.sspk,
            p_detect=d.p_detect,
            discrimination=d.discrimination,
            engagement=d.engagement,
            decoy_model=d.decoy_model,
        )

    @property
    def p_kill_engaged(self) -> float:
        """Kill probability of a warhead that draws a salvo: 1 - (1 - SSPK)^n when only
        detected warheads draw shots, Pd (1 - (1 - SSPK)^n) under ``pd-in-pk``."""
        if self.engagement == "detected-only":
            return float(p_kill_per_threat(self.sspk, self.shots_per_threat, 1.0))
        return self.p_kill

    @property
    def legacy(self) -> bool:
        """The conventions before issue 18 (``pd-in-pk`` and ``mean-field``)."""
        return self.engagement == "pd-in-pk" and self.decoy_model == "mean-field"

    def with_interceptors(self, interceptors: int) -> DefenceModel:
        """The same defence with another inventory."""
        return replace(self, interceptors=int(interceptors))

    @property
    def p_kill(self) -> float:
        """Pk = Pd (1 - (1 - SSPK)^n) of one engaged warhead (Wilkening 1999, eq. 1)."""
        return float(p_kill_per_threat(self.sspk, self.shots_per_threat, self.p_detect))


@dataclass(frozen=True, kw_only=True)
class Penetration:
    """Closed-form penetration of raids (arrays broadcast over the inputs)."""

    warheads: FloatArray
    shots_on_warheads: FloatArray
    engaged: FloatArray
    p_kill: float
    expected: FloatArray
    p_at_least_k: FloatArray


def _shots_on_warheads(interceptors: float, n_w: FloatArray, d_eff: FloatArray) -> FloatArray:
    """floor(I N / (N + d (1 - D))): the warheads' share of the inventory (random order)."""
    apparent = n_w + d_eff
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(apparent > 0.0, n_w / np.where(apparent > 0.0, apparent, 1.0), 0.0)
    # The relative slack keeps a share that is whole in exact arithmetic (10 * 8 / 10)
    # from rounding down to the integer below; without decoys the share is all of I.
    raw = interceptors * share
    return np.where(d_eff > 0.0, np.floor(raw * (1.0 + 1e-12)), float(interceptors))


def _support(n: int, prob: float) -> tuple[IntArray, FloatArray]:
    """Values and pmf of Binomial(n, prob) within mean +- (12 sd + 40).

    Bernstein's inequality P(|X - mu| >= t) <= 2 exp(-t^2 / (2 (sd^2 + t / 3))) puts the
    mass left out below 1e-30 for every n and prob.
    """
    # Within 1e-30 of a certain outcome (n prob or n (1 - prob) below it) the binomial is
    # that outcome to the same mass bound; scipy's pmf overflows on subnormal prob.
    if n <= 0 or n * prob < 1e-30:
        return np.zeros(1, dtype=np.int64), np.ones(1)
    if n * (1.0 - prob) < 1e-30:
        return np.array([n], dtype=np.int64), np.ones(1)
    mu = n * prob
    t = 12.0 * math.sqrt(n * prob * (1.0 - prob)) + 40.0
    k = np.arange(max(0, math.floor(mu - t)), min(n, math.ceil(mu + t)) + 1, dtype=np.int64)
    return k, np.asarray(stats.binom.pmf(k, n, prob), dtype=np.float64)


_LOG_FACTORIAL = np.zeros(1)


def _log_factorial(n_max: int) -> FloatArray:
    """ln k! for k = 0..n_max (a table grown on demand; indexing beats gammaln calls)."""
    global _LOG_FACTORIAL
    if _LOG_FACTORIAL.size <= n_max:
        _LOG_FACTORIAL = special.gammaln(np.arange(max(n_max + 1, 2 * _LOG_FACTORIAL.size)) + 1.0)
    return _LOG_FACTORIAL


class ExactTail:
    """Exact penetration of N warheads plus d decoys against one defence, many d at once.

    For m detected warheads and u unrecognised decoys, the g = min(c, m + u) engaged
    threats are a uniformly random subset (Hypergeometric(m + u, m, g) warheads), each
    engaged warhead killed with p. H(u) = sum_m P(m) P(killed <= N - k | m, u) and
    G(u) = sum_m P(m) E[engaged warheads | m, u] do not depend on d; they are computed in
    blocks of u on first use, so P(>= k | d) = sum_u Binomial(u; d, 1 - D) H(u) costs a dot
    product per decoy count (the bisection of :func:`~shieldlab.stability.deterrence.
    decoys_needed` asks many).
    """

    _BLOCK = 512

    def __init__(self, defence: DefenceModel, n_warheads: int, k: int) -> None:
        self.defence = defence
        self.n = int(n_warheads)
        self.k = int(k)
        self.c = int(defence.interceptors // defence.shots_per_threat)
        self.p = defence.p_kill_engaged
        if defence.engagement == "detected-only":
            ms, wm = _support(self.n, defence.p_detect)
        else:
            ms, wm = np.array([self.n], dtype=np.int64), np.ones(1)
        keep = wm > 1e-25  # below: at most N * 1e-25 of mass left out
        self.ms, self.wm = ms[keep], wm[keep]
        budget = self.n - self.k  # the most kills with the requirement still met
        self.killed_ok = (
            np.zeros(self.n + 1)
            if budget < 0
            else np.asarray(stats.binom.cdf(budget, np.arange(self.n + 1), self.p), np.float64)
        )
        self._blocks: dict[int, tuple[FloatArray, FloatArray]] = {}

    def _block(self, b: int) -> tuple[FloatArray, FloatArray]:
        hit = self._blocks.get(b)
        if hit is not None:
            return hit
        u = np.arange(b * self._BLOCK, (b + 1) * self._BLOCK)
        h = np.zeros(u.size)
        eng = np.zeros(u.size)
        lf = _log_factorial(int(u[-1]) + self.n + 1)
        for m, w in zip(self.ms.tolist(), self.wm.tolist(), strict=True):
            apparent = m + u
            g = np.minimum(self.c, apparent)
            with np.errstate(divide="ignore", invalid="ignore"):
                eng += w * np.where(apparent > 0, m * g / np.maximum(apparent, 1), 0.0)
            if m == 0 or self.c == 0:
                h += w * self.killed_ok[0]
                continue
            e = np.arange(m + 1)[None, :]
            rest = g[:, None] - e  # decoys among the engaged
            valid = (rest >= 0) & (rest <= u[:, None])
            r = np.where(valid, rest, 0)
            log_h = (
                lf[m]
                - lf[e]
                - lf[m - e]
                + lf[u[:, None]]
                - lf[r]
                - lf[np.where(valid, u[:, None] - r, 0)]
                - (lf[apparent] - lf[g] - lf[apparent - g])[:, None]
            )
            hm = np.where(valid, np.exp(np.where(valid, log_h, -np.inf)), 0.0)
            h += w * (hm @ self.killed_ok[: m + 1])
        self._blocks[b] = (h, eng)
        return h, eng

    def _h_g(self, us: IntArray) -> tuple[FloatArray, FloatArray]:
        first, last = int(us[0]) // self._BLOCK, int(us[-1]) // self._BLOCK
        parts = [self._block(b) for b in range(first, last + 1)]
        h = np.concatenate([x[0] for x in parts])
        g = np.concatenate([x[1] for x in parts])
        off = us - first * self._BLOCK
        return h[off], g[off]

    def at(self, n_decoys: int) -> tuple[float, float]:
        """(expected penetrating warheads, P(at least k penetrate)) with ``n_decoys``."""
        if self.n <= 0:
            return 0.0, float(self.k <= 0)
        us, wu = _support(int(n_decoys), 1.0 - self.defence.discrimination)
        if us.size == 1 and us[0] == 0:  # no decoy looks like a warhead: min(c, m) engaged
            engaged = np.minimum(self.c, self.ms)
            return (
                self.n - self.p * float(self.wm @ engaged),
                min(1.0, float(self.wm @ self.killed_ok[engaged])),
            )
        h, g = self._h_g(us)
        return self.n - self.p * float(wu @ g), min(1.0, float(wu @ h))


def exact_penetration(
    defence: DefenceModel, n_warheads: int, k: int, n_decoys: int = 0
) -> tuple[float, float]:
    """(expected penetrating warheads, P(at least k penetrate)), exactly (module docstring).

    Sum over m detected warheads (Binomial(N, Pd); m = N under ``pd-in-pk``) and U
    unrecognised decoys (Binomial(d, 1 - D)) of the Hypergeometric(m + U, m, g) engaged
    warheads, g = min(c, m + U), each killed with p; P(>= k) = P(killed <= N - k).
    """
    return ExactTail(defence, n_warheads, k).at(n_decoys)


def penetration(
    defence: DefenceModel,
    n_warheads: ArrayLike,
    k: ArrayLike = 1,
    n_decoys: ArrayLike = 0,
) -> Penetration:
    """Expected penetrating warheads and P(at least k penetrate) for raids of warheads.

    Exact (:func:`exact_penetration`, per distinct raid) unless the defence uses the
    conventions before issue 18 (``pd-in-pk`` with ``mean-field`` decoys), which keep the
    closed form below. Without decoys the exact forms are closed too: with M ~ Binomial(N,
    Pd) detected, min(M, c) are engaged (Wilkening 1999, section 3, with detection first).
    """
    if defence.legacy:
        return _penetration_mean_field(defence, n_warheads, k, n_decoys)
    n_w, kk, d = np.broadcast_arrays(
        np.asarray(n_warheads, dtype=np.float64),
        np.asarray(k, dtype=np.float64),
        np.asarray(n_decoys, dtype=np.float64),
    )
    expected = np.empty(n_w.shape)
    p_k = np.empty(n_w.shape)
    tails: dict[tuple[int, int], ExactTail] = {}  # one per (raid, k), shared by decoy counts
    for idx in np.ndindex(n_w.shape):
        key = (int(n_w[idx]), int(kk[idx]))
        tail = tails.get(key)
        if tail is None:
            tail = tails[key] = ExactTail(defence, *key)
        expected[idx], p_k[idx] = tail.at(int(d[idx]))
    pk = defence.p_kill_engaged
    engaged = (n_w - expected) / pk if pk > 0.0 else np.zeros(n_w.shape)  # expected values
    return Penetration(
        warheads=n_w,
        shots_on_warheads=engaged * defence.shots_per_threat,
        engaged=engaged,
        p_kill=pk,
        expected=expected,
        p_at_least_k=p_k,
    )


def _penetration_mean_field(
    defence: DefenceModel,
    n_warheads: ArrayLike,
    k: ArrayLike = 1,
    n_decoys: ArrayLike = 0,
) -> Penetration:
    """The closed form before issue 18 (``pd-in-pk`` engagement, ``mean-field`` decoys).

    With S = floor(I N / (N + d (1 - D))) shots available to the N warheads (S = I without
    decoys), E = min(N, floor(S / n)) warheads are engaged (Wilkening 1999, section 3):
    penetrators = (N - E) + Binomial(E, 1 - Pk), so
    expected = (N - E) + E (1 - Pk) and P(>= k) = P(Binomial(E, 1 - Pk) >= k - (N - E)).
    """
    n_w, kk, d = np.broadcast_arrays(
        np.asarray(n_warheads, dtype=np.float64),
        np.asarray(k, dtype=np.float64),
        np.asarray(n_decoys, dtype=np.float64),
    )
    d_eff = d * (1.0 - defence.discrimination)
    shots = _shots_on_warheads(float(defence.interceptors), n_w, d_eff)
    leak = leakage_with_inventory(
        n_w, defence.shots_per_threat, defence.sspk, shots, defence.p_detect
    )
    engaged = leak.threats_engaged
    pk = defence.p_kill
    p_k = p_at_least_k_penetrate(engaged, 1.0 - pk, kk - (n_w - engaged))
    return Penetration(
        warheads=n_w,
        shots_on_warheads=shots,
        engaged=engaged,
        p_kill=pk,
        expected=leak.expected_leakers,
        p_at_least_k=p_k,
    )


@dataclass(frozen=True, kw_only=True)
class PenetrationCurve:
    """Penetrating warheads against raid size (missiles), from the closed forms or the engine."""

    raid_missiles: IntArray
    warheads_per_missile: int
    decoys_per_missile: float
    interceptors: int | None
    k: int
    expected_penetrating: FloatArray
    p_at_least_k: FloatArray
    source: str
    expected_ci95_half_width: FloatArray | None = None
    p_at_least_k_ci95: FloatArray | None = None  # (sizes, 2) Wilson bounds (engine curves)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return {
            "source": self.source,
            "interceptors": self.interceptors,
            "warheads_per_missile": self.warheads_per_missile,
            "decoys_per_missile": self.decoys_per_missile,
            "k": self.k,
            "raid_missiles": self.raid_missiles.tolist(),
            "expected_penetrating": self.expected_penetrating.tolist(),
            "p_at_least_k": self.p_at_least_k.tolist(),
            "expected_ci95_half_width": None
            if self.expected_ci95_half_width is None
            else self.expected_ci95_half_width.tolist(),
            "p_at_least_k_ci95": None
            if self.p_at_least_k_ci95 is None
            else self.p_at_least_k_ci95.tolist(),
        }

    def _repr_html_(self) -> str:
        """A notebook shows the curve as a table: one row per raid size."""
        from shieldlab._html import html_table

        def num(x: float) -> str:
            return f"{x:,.4g}" if math.isfinite(x) else "-"

        hw = self.expected_ci95_half_width
        ci = self.p_at_least_k_ci95
        rows = []
        for j, n in enumerate(self.raid_missiles):
            e = float(self.expected_penetrating[j])
            expected = num(e)
            if hw is not None and math.isfinite(float(hw[j])) and float(hw[j]) > 0.0:
                expected += f" ± {num(float(hw[j]))}"
            p = num(float(self.p_at_least_k[j]))
            if ci is not None:
                p += f" [{num(float(ci[j, 0]))}, {num(float(ci[j, 1]))}]"
            rows.append([f"{int(n):,}", f"{int(n) * self.warheads_per_missile:,}", expected, p])
        inv = (
            "own inventory" if self.interceptors is None else f"{self.interceptors:,} interceptors"
        )
        caption = (
            f"Penetration curve ({self.source}, {inv}, {self.warheads_per_missile} warhead(s) "
            f"and {self.decoys_per_missile:g} decoy(s) per missile)"
        )
        header = (
            "raid (missiles)",
            "warheads",
            "expected penetrating" + (" ± 95 %" if hw is not None else ""),
            f"P(at least {self.k} penetrate)" + (" [95 % Wilson]" if ci is not None else ""),
        )
        return html_table(header, rows, caption=caption, right=(0, 1, 2, 3))


def closed_form_curve(
    defence: DefenceModel,
    raid_missiles: ArrayLike,
    *,
    warheads_per_missile: int = 1,
    k: int = 1,
    decoys_per_missile: float = 0.0,
) -> PenetrationCurve:
    """The closed-form penetration curve over the given raid sizes (see :func:`penetration`)."""
    raid = np.asarray(raid_missiles, dtype=np.int64)
    pen = penetration(defence, raid * warheads_per_missile, k, np.floor(raid * decoys_per_missile))
    return PenetrationCurve(
        raid_missiles=raid,
        warheads_per_missile=int(warheads_per_missile),
        decoys_per_missile=float(decoys_per_missile),
        interceptors=defence.interceptors,
        k=int(k),
        expected_penetrating=pen.expected,
        p_at_least_k=pen.p_at_least_k,
        source="closed-form",
    )


def saturation_point(curve: PenetrationCurve, epsilon: float = 0.05) -> int | None:
    """Raid size from which every added missile adds at least (1 - epsilon) w penetrators.

    Marginal penetration m(n_i) = (E(n_{i+1}) - E(n_i)) / (n_{i+1} - n_i) warheads per
    missile; the saturation point is the smallest raid n_i such that m(n_j) >= (1 - eps) w
    for every j >= i on the curve. ``None`` if even the last step is below the threshold
    (the curve does not reach saturation); needs at least two raid sizes.
    """
    if not 0.0 <= epsilon < 1.0:
        raise ValueError("epsilon must lie in [0, 1)")
    n = curve.raid_missiles.astype(np.float64)
    if n.size < 2:
        raise ValueError("a saturation point needs at least two raid sizes")
    marginal = np.diff(curve.expected_penetrating) / np.diff(n)
    threshold = (1.0 - epsilon) * curve.warheads_per_missile - 1e-12
    ok = marginal >= threshold
    if not ok[-1]:
        return None
    bad = np.flatnonzero(~ok)
    first = 0 if bad.size == 0 else int(bad[-1]) + 1
    return int(curve.raid_missiles[first])


def saturation_raid_closed_form(
    defence: DefenceModel, warheads_per_missile: int = 1, epsilon: float = 0.05
) -> int:
    """Saturation raid without decoys, for unit steps in raid size.

    Closed form under ``pd-in-pk`` (below); with ``detected-only`` read off the exact curve.

    With c = floor(I / n) coverable warheads, the step from n to n + 1 missiles adds
    w - min(w, (c - n w)+) Pk penetrators, which reaches (1 - eps) w for good once
    min(w, (c - n w)+) Pk <= eps w: n* = 0 if Pk <= eps, else
    n* = max(0, ceil((c - eps w / Pk) / w)).
    """
    w = warheads_per_missile
    c = defence.interceptors // defence.shots_per_threat
    if defence.engagement == "detected-only":
        # Undetected warheads draw no shots: the marginal is w - p dE[min(M, c)]/dn with
        # M ~ Binomial(n w, Pd), which has no simple closed form; read it off the exact
        # expected curve (unit steps), extended until its last step is saturated.
        pd = max(defence.p_detect, 1e-9)
        top = math.ceil((c / pd + 10.0 * math.sqrt(c + 1.0) + 20.0) / w) + 2
        while True:
            curve = closed_form_curve(defence, np.arange(top + 1), warheads_per_missile=w)
            sat = saturation_point(curve, epsilon)
            if sat is not None:
                return sat
            top *= 2
    pk = defence.p_kill
    if pk <= epsilon + 1e-12:
        return 0
    return max(0, math.ceil((c - epsilon * w / pk) / w - 1e-12))


@dataclass(frozen=True, kw_only=True)
class Requirement:
    """A deterrence requirement: P(>= K penetrate) >= P, or E[penetrating] >= E."""

    warheads: int
    probability: float | None = None
    expected: float | None = None

    def __post_init__(self) -> None:
        if (self.probability is None) == (self.expected is None):
            raise ValueError("give exactly one of probability or expected")

    @classmethod
    def from_posture(cls, d: Deterrence) -> Requirement:
        """From a posture's deterrence block."""
        return cls(warheads=d.warheads, probability=d.probability, expected=d.expected)

    def met(self, expected: ArrayLike, p_at_least_k: ArrayLike) -> NDArray[np.bool_]:
        """Whether the requirement holds, elementwise."""
        if self.probability is not None:
            return np.asarray(p_at_least_k) >= self.probability - _PROB_SLACK
        assert self.expected is not None
        return np.asarray(expected) >= self.expected - 1e-9

    @property
    def target_warheads(self) -> float:
        """Penetrating warheads the requirement asks for (K, or E in expected mode)."""
        return float(self.warheads if self.expected is None else self.expected)

    def describe(self) -> str:
        """Human-readable form."""
        if self.probability is not None:
            return f"P(>= {self.warheads} penetrate) >= {self.probability:g}"
        return f"E[penetrating] >= {self.expected:g}"


class CurveCache:
    """Closed-form curves of one attacker against one defence type, once per inventory.

    A restraint map or an arms race asks "missiles needed against I interceptors" many
    times for the same I; the curve over raid sizes 0..n_max(I) is computed on first use
    and kept (in this object, not globally). ``enabled=False`` recomputes every time: the
    naive baseline of ``benchmarks/bench_stability.py``.
    """

    def __init__(
        self,
        *,
        defence: DefenceModel,
        warheads_per_missile: int,
        requirement: Requirement,
        enabled: bool = True,
    ) -> None:
        self.defence = defence
        self.warheads_per_missile = int(warheads_per_missile)
        self.requirement = requirement
        self.enabled = enabled
        self._curves: dict[int, tuple[FloatArray, FloatArray]] = {}
        self.computed = 0

    def max_raid(self, interceptors: int) -> int:
        """A raid surely large enough: the inventory's coverable warheads plus the target.

        Beyond floor(I/n) warheads every one leaks for sure, so floor(I/n) + ceil(K)
        warheads meet any requirement with P <= 1 (and E <= K).
        """
        covered = interceptors // self.defence.shots_per_threat
        need = covered + math.ceil(self.requirement.target_warheads)
        return math.ceil(need / self.warheads_per_missile) + 1

    def curve(self, interceptors: int) -> tuple[FloatArray, FloatArray]:
        """(expected, P(>= K)) for raids of 0..max_raid(I) missiles against I interceptors."""
        interceptors = int(interceptors)
        hit = self._curves.get(interceptors) if self.enabled else None
        if hit is not None:
            return hit
        raid = np.arange(self.max_raid(interceptors) + 1)
        pen = penetration(
            self.defence.with_interceptors(interceptors),
            raid * self.warheads_per_missile,
            self.requirement.warheads,
        )
        self.computed += 1
        out = (pen.expected, pen.p_at_least_k)
        if self.enabled:
            self._curves[interceptors] = out
        return out

    def missiles_needed(self, interceptors: int) -> int:
        """Fewest missiles that meet the requirement against ``interceptors``."""
        expected, p_k = self.curve(interceptors)
        ok = self.requirement.met(expected, p_k)
        idx = np.flatnonzero(ok)
        if idx.size == 0:  # pragma: no cover - max_raid guarantees a solution
            raise RuntimeError("requirement not met within the raid bound")
        return int(idx[0])

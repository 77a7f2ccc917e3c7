"""Restoring deterrence: offence needed with and without a defence, decoys, cost exchange.

An attacker requirement (at least K warheads penetrate with probability >= P, or E on
average) is met by the smallest raid for which the closed-form penetration of
:mod:`shieldlab.stability.penetration` satisfies it. The defence raises that raid; the
difference is what the attacker must add to restore deterrence, either as missiles or,
where discrimination is imperfect, partly as cheaper decoys that draw interceptors.

The marginal cost-exchange ratio follows the "cost-effective at the margin" criterion
(Nitze, 1985; Glaser, "Why even good defenses may be bad", International Security 9(2),
1984): the attacker's cost of one more penetrating warhead divided by the defender's cost
of stopping one more. Above 1 the defence wins the competition at the margin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from shieldlab.stability.penetration import DefenceModel, ExactTail, Requirement, penetration
from shieldlab.stability.posture import Posture, SideName
from shieldlab.stability.text import deterred_line, money, yes

if TYPE_CHECKING:
    from shieldlab.stability.engine_curves import EngineSource

__all__ = [
    "CostExchange",
    "DecoyOption",
    "RestoreResult",
    "cost_exchange",
    "decoys_needed",
    "missiles_needed",
    "restore_deterrence",
]

# Largest decoy count searched; beyond it decoys are reported as unable to restore.
_MAX_DECOYS = 10_000_000


def _met(
    defence: DefenceModel, req: Requirement, n_missiles: np.ndarray, w: int, decoys: np.ndarray
) -> np.ndarray:
    pen = penetration(defence, n_missiles * w, req.warheads, decoys)
    return req.met(pen.expected, pen.p_at_least_k)


def missiles_needed(
    defence: DefenceModel | None, requirement: Requirement, warheads_per_missile: int = 1
) -> int:
    """Fewest missiles meeting the requirement (no defence: ceil(K / w), resp. ceil(E / w)).

    Searched over 0..ceil((floor(I/n) + K) / w): beyond floor(I/n) warheads every added
    warhead leaks for sure, so that bound always suffices (Wilkening 1999, section 3).
    """
    w = int(warheads_per_missile)
    if defence is None or defence.interceptors == 0 or defence.p_kill == 0.0:
        if requirement.probability is not None:
            return math.ceil(requirement.warheads / w)
        assert requirement.expected is not None
        return math.ceil(requirement.expected / w - 1e-12)
    covered = defence.interceptors // defence.shots_per_threat
    upper = math.ceil((covered + math.ceil(requirement.target_warheads)) / w)
    n = np.arange(upper + 1)
    ok = _met(defence, requirement, n, w, np.zeros_like(n))
    return int(np.flatnonzero(ok)[0])


def decoys_needed(
    defence: DefenceModel,
    requirement: Requirement,
    missiles: np.ndarray,
    warheads_per_missile: int = 1,
    max_decoys: int = _MAX_DECOYS,
) -> np.ndarray:
    """Fewest decoys that, added to each raid in ``missiles``, meet the requirement.

    Exact (:class:`~shieldlab.stability.penetration.ExactTail`): penetration rises with
    the decoy count d, so for each raid a doubling search brackets the threshold and a
    bisection finds it; -1 where even ``max_decoys`` do not suffice (D = 1, or fewer
    warheads than the requirement). A defence with the conventions before issue 18
    (``pd-in-pk`` and ``mean-field``) keeps the mean-field search.
    """
    n = np.asarray(missiles, dtype=np.int64)
    if defence.legacy:
        return _decoys_needed_mean_field(defence, requirement, n, warheads_per_missile, max_decoys)
    return np.array(
        [
            _decoys_for_raid(defence, requirement, int(x) * int(warheads_per_missile), max_decoys)
            for x in n.ravel()
        ],
        dtype=np.int64,
    ).reshape(n.shape)


def _decoys_for_raid(
    defence: DefenceModel,
    requirement: Requirement,
    n_warheads: int,
    max_decoys: int,
    hint: int | None = None,
) -> int:
    """Fewest decoys meeting ``requirement`` for one raid of warheads (exact), or -1.

    ``hint``: a count believed to suffice (the answer for a smaller raid); checked first.
    """
    tail = ExactTail(defence, n_warheads, requirement.warheads)

    def ok(d: int) -> bool:
        e, p = tail.at(d)
        return bool(requirement.met(e, p))

    if ok(0):
        return 0
    if defence.discrimination >= 1.0 or n_warheads < requirement.target_warheads:
        return -1  # decoys never look like warheads, or too few warheads to penetrate
    lo, hi = 0, 1
    if hint is not None and 0 < hint <= max_decoys and ok(hint):
        hi = hint
    else:
        while not ok(hi):
            lo = hi
            if hi >= max_decoys:
                return -1
            hi = min(2 * hi, max_decoys)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _decoys_needed_mean_field(
    defence: DefenceModel,
    requirement: Requirement,
    missiles: np.ndarray,
    warheads_per_missile: int = 1,
    max_decoys: int = _MAX_DECOYS,
) -> np.ndarray:
    """Fewest decoys that, added to each raid in ``missiles``, meet the requirement.

    Penetration rises with the decoy count d (the warheads' share N / (N + d (1 - D)) of
    the inventory falls), so a vectorised bisection over all raids at once finds the
    threshold; -1 where even ``max_decoys`` do not suffice (D = 1, or too few warheads).
    """
    n = np.asarray(missiles, dtype=np.int64)
    w = int(warheads_per_missile)
    lo = np.full(n.shape, -1, dtype=np.int64)  # largest count known to fail (-1: none tried)
    hi = np.full(n.shape, max_decoys, dtype=np.int64)  # smallest count known/assumed to pass
    ok_max = _met(defence, requirement, n, w, hi)
    ok_zero = _met(defence, requirement, n, w, np.zeros_like(n))
    hi = np.where(ok_zero, 0, hi)
    lo = np.where(ok_zero, -1, 0)
    active = ~ok_zero & ok_max
    while np.any(active & (hi - lo > 1)):
        mid = (lo + hi) // 2
        ok = _met(defence, requirement, n, w, mid)
        step = active & (hi - lo > 1)
        hi = np.where(step & ok, mid, hi)
        lo = np.where(step & ~ok, mid, lo)
    return np.where(ok_zero | ok_max, hi, -1)


@dataclass(frozen=True, kw_only=True)
class CostExchange:
    """Marginal costs at one operating point (raid of ``missiles`` vs ``interceptors``).

    ``saturated``: the defence has fewer salvos than the warheads it sees, so one more
    interceptor stops p / n more warheads; otherwise every seen warhead is already engaged,
    a spare interceptor stops nothing (defender cost unbounded, ratio 0 by the formula) and
    an unrecognised decoy draws no salvo from a warhead (attacker cost per decoy unbounded).
    :meth:`notes` says so in words instead of printing "unbounded" and 0.
    """

    missiles: int
    interceptors: int
    attacker_cost_per_warhead_missile: float
    attacker_cost_per_warhead_decoy: float
    defender_cost_per_warhead_stopped: float
    ratio_missile: float
    ratio_decoy: float
    saturated: bool = True

    def notes(self) -> list[str]:
        """Plain-language reading of the margins, one sentence each."""
        out: list[str] = []
        if not self.saturated:
            out.append(
                f"at {self.missiles} missiles the defence still engages every warhead it "
                "sees, so one more interceptor stops nothing: the defender's marginal cost is "
                "unbounded and the ratio is 0 (more offence is cheaper at this margin)"
            )
        if math.isinf(self.attacker_cost_per_warhead_decoy):
            out.append(
                "a decoy adds no penetrating warhead at this margin (decoys are all recognised, "
                "or the defence has salvos to spare for them), so its cost per warhead is "
                "unbounded and no decoy ratio applies"
            )
        return out


def cost_exchange(
    defence: DefenceModel,
    missiles: int,
    *,
    warheads_per_missile: int,
    missile_cost: float,
    decoy_cost: float,
    interceptor_cost: float,
) -> CostExchange:
    """Marginal cost-exchange ratio at a raid of ``missiles`` (no decoys) against ``defence``.

    Fluid form of the inventory model (Wilkening 1999, section 3) with this module's
    decoys: of N = missiles * w warheads the defence sees qN (q = Pd under
    ``detected-only``, 1 under ``pd-in-pk``) plus u = d (1 - D) unrecognised decoys, engages
    g = min(c, qN + u) of them in random order (c = I / n salvos), so the engaged warheads
    are g qN / (qN + u), each killed with p (:attr:`DefenceModel.p_kill_engaged`), and
    E = N - p g qN / (qN + u). At d = 0:

    * saturated (c <= qN): dE/dmissile = w, dE/ddecoy = p (1 - D) c / (qN),
      -dE/dI = p / n;
    * every seen warhead engaged (c > qN): dE/dmissile = w (1 - q p), dE/ddecoy = 0,
      -dE/dI = 0 (spare interceptors stop nothing more).

    Under ``pd-in-pk`` (q = 1, p = Pk) these are the forms before issue 18.
    Attacker cost per extra penetrating warhead = c_m / (dE/dmissile) (or c_d / dE/ddecoy);
    defender cost per warhead stopped = c_i / (-dE/dI); ratio = attacker / defender
    (Nitze's "cost-effective at the margin" when > 1). A zero margin gives an infinite
    cost; an infinite defender cost gives ratio 0 (:meth:`CostExchange.notes` explains).
    """
    w = int(warheads_per_missile)
    s = defence.shots_per_threat
    p = defence.p_kill_engaged
    q = defence.p_detect if defence.engagement == "detected-only" else 1.0
    seen = float(missiles * w) * q
    coverable = defence.interceptors / s
    saturated = coverable <= seen
    if saturated:
        d_missile = float(w)
        d_decoy = p * (1.0 - defence.discrimination) * coverable / seen if seen > 0 else 0.0
        d_def = p / s
    else:
        d_missile = w * (1.0 - q * p)
        d_decoy = 0.0
        d_def = 0.0

    def per(cost: float, gain: float) -> float:
        return cost / gain if gain > 0.0 else math.inf

    att_m = per(missile_cost, d_missile)
    att_d = per(decoy_cost, d_decoy)
    dfd = per(interceptor_cost, d_def)

    def ratio(a: float, b: float) -> float:
        if math.isinf(b):
            return 0.0 if not math.isinf(a) else math.nan
        return a / b

    return CostExchange(
        missiles=int(missiles),
        interceptors=defence.interceptors,
        attacker_cost_per_warhead_missile=att_m,
        attacker_cost_per_warhead_decoy=att_d,
        defender_cost_per_warhead_stopped=dfd,
        ratio_missile=ratio(att_m, dfd),
        ratio_decoy=ratio(att_d, dfd),
        saturated=saturated,
    )


@dataclass(frozen=True, kw_only=True)
class DecoyOption:
    """A raid of ``missiles`` plus ``decoys`` that meets the requirement, and its added cost.

    ``cost`` is what the attacker adds to its undefended requirement n0:
    (missiles - n0) c_m + decoys c_d, comparable with ``RestoreResult.extra_missiles_cost``.
    """

    missiles: int
    decoys: int
    cost: float


def cheapest_decoy_mix(
    defence: DefenceModel,
    requirement: Requirement,
    n0: int,
    n_d: int,
    warheads_per_missile: int,
    *,
    missile_cost: float,
    decoy_cost: float,
) -> tuple[DecoyOption | None, DecoyOption | None]:
    """(cheapest raid of n in [n0, nD] missiles plus its fewest decoys, decoys-only at n0).

    Cost (n - n0) c_m + d(n) c_d. Raids are scanned upward; d(n) never rises with n, so
    d(n - 1) is the first guess for d(n), and once (n - n0) c_m alone reaches the best cost
    no larger raid can be cheaper (decoys cost >= 0), which ends the scan exactly.
    """
    if defence.legacy:
        raids = np.arange(n0, n_d + 1)
        decoys = decoys_needed(defence, requirement, raids, warheads_per_missile)
    else:
        found: list[int] = []
        hint: int | None = None
        best = math.inf
        for n in range(n0, n_d + 1):
            if (n - n0) * missile_cost >= best:
                break
            d = _decoys_for_raid(
                defence, requirement, n * warheads_per_missile, _MAX_DECOYS, hint=hint
            )
            found.append(d)
            if d >= 0:
                hint = d
                best = min(best, (n - n0) * missile_cost + d * decoy_cost)
        raids = np.arange(n0, n0 + len(found))
        decoys = np.array(found, dtype=np.int64)
    usable = decoys >= 0
    if not np.any(usable):
        return None, None
    costs = np.where(usable, (raids - n0) * missile_cost + decoys * decoy_cost, np.inf)
    i = int(np.argmin(costs))
    cheapest = DecoyOption(missiles=int(raids[i]), decoys=int(decoys[i]), cost=float(costs[i]))
    only = (
        DecoyOption(missiles=int(raids[0]), decoys=int(decoys[0]), cost=float(costs[0]))
        if usable[0]
        else None
    )
    return cheapest, only


@dataclass(frozen=True, kw_only=True)
class RestoreResult:
    """What an attacker needs to restore its deterrent against the other side's defence."""

    attacker: str
    defender: str
    requirement: str
    warheads_per_missile: int
    interceptors: int
    missiles_without_defence: int
    missiles_with_defence: int
    extra_missiles: int
    extra_missiles_cost: float
    current_missiles: int
    deterred_now: bool
    cheapest_mix: DecoyOption | None
    decoys_only: DecoyOption | None
    cost_exchange: CostExchange
    cost_source: str
    curve_source: str = "closed-form"
    attacker_name: str = ""
    defender_name: str = ""
    engagement: str = "detected-only"
    decoy_model: str = "exact"

    @property
    def _names(self) -> tuple[str, str]:
        return self.attacker_name or self.attacker, self.defender_name or self.defender

    def deterrence_line(self) -> str:
        """Who is deterred by what: the defender, by the attacker's current missiles."""
        a, d = self._names
        return deterred_line(
            d, a, self.current_missiles, self.missiles_with_defence, self.interceptors
        )

    def rows(self) -> list[tuple[str, str]]:
        """(quantity, value) table rows, each naming whose force or cost it is."""
        a, d = self._names
        cx = self.cost_exchange
        ratio_m = (
            f"{cx.ratio_missile:.4g}"
            if cx.saturated
            else "0 (extra interceptors stop nothing here; see note)"
        )
        ratio_d = (
            f"{cx.ratio_decoy:.4g}"
            if math.isfinite(cx.attacker_cost_per_warhead_decoy)
            else "none (decoys add nothing here; see note)"
        )
        defender_cost = (
            money(cx.defender_cost_per_warhead_stopped)
            if cx.saturated
            else "none stopped (every seen warhead already engaged)"
        )
        decoy_cost = (
            money(cx.attacker_cost_per_warhead_decoy)
            if math.isfinite(cx.attacker_cost_per_warhead_decoy)
            else "no gain from decoys here"
        )
        return [
            (f"{a}'s requirement to deter {d}", self.requirement),
            ("  curve source", self.curve_source),
            (f"  {d}'s defence model", f"{self.engagement} engagement, {self.decoy_model} decoys"),
            (f"  {a} missiles needed with no {d} defence", str(self.missiles_without_defence)),
            (
                f"  {a} missiles needed against {d}'s {self.interceptors} interceptors",
                str(self.missiles_with_defence),
            ),
            (
                f"  extra {a} missiles (added cost)",
                f"{self.extra_missiles} ({money(self.extra_missiles_cost)})",
            ),
            (f"  {a}'s current force (missiles)", str(self.current_missiles)),
            (
                f"  {d} deterred by {a}'s current {self.current_missiles} missiles",
                yes(self.deterred_now),
            ),
            (f"  cheapest {a} missiles + decoys (added cost)", _mix(self.cheapest_mix)),
            (
                f"  {a} decoys only, at its undefended force (added cost)",
                _mix(self.decoys_only),
            ),
            (
                f"  {a}'s cost per extra penetrating warhead (missile)",
                money(cx.attacker_cost_per_warhead_missile),
            ),
            (f"  {a}'s cost per extra penetrating warhead (decoy)", decoy_cost),
            (f"  {d}'s cost per {a} warhead stopped", defender_cost),
            (f"  marginal cost-exchange ratio, {a} missile / {d} interceptor", ratio_m),
            (f"  marginal cost-exchange ratio, {a} decoy / {d} interceptor", ratio_d),
        ]

    def notes(self) -> list[str]:
        """Sentences for the reader: who deters whom, and any margin that is not a ratio."""
        a, d = self._names
        out = [self.deterrence_line()]
        if self.cheapest_mix is None and self.extra_missiles > 0:
            out.append(f"decoys cannot restore {a}'s deterrent ({d} recognises every decoy)")
        out += [f"{a} vs {d}: {n}" for n in self.cost_exchange.notes()]
        return out

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form, with the table rows and notes in words."""
        from dataclasses import asdict

        out = asdict(self)
        out["notes"] = self.notes()
        return out


def _mix(option: DecoyOption | None) -> str:
    if option is None:
        return "-"
    return f"{option.missiles} missiles + {option.decoys} decoys ({money(option.cost)})"


def restore_deterrence(
    posture: Posture,
    attacker: SideName,
    *,
    interceptors: int | None = None,
    engine: EngineSource | None = None,
) -> RestoreResult:
    """Missiles (or missiles plus decoys) the attacker needs against the other's defence.

    With ``engine`` the defended requirement nD comes from the engine's curve for the
    defender's inventory (computed at exactly that inventory, no interpolation between
    defence sizes); decoy mixes and the cost exchange keep the closed forms.

    n0 = missiles needed with no defence, nD = with the defence; extra = nD - n0. Decoy
    mixes: for every raid n in [n0, nD] the fewest decoys d(n) meeting the requirement
    (:func:`decoys_needed`), at added cost (n - n0) c_m + d c_d; the cheapest is reported,
    and the "decoys only" option keeps the raid at n0. The cost exchange is evaluated at nD.
    """
    defender: SideName = "red" if attacker == "blue" else "blue"
    a = posture.side(attacker)
    d = posture.side(defender)
    defence = DefenceModel.from_posture(d.defence, interceptors=interceptors)
    req = Requirement.from_posture(a.deterrence)
    w = a.offence.warheads_per_launcher
    n0 = missiles_needed(None, req, w)
    n_d = missiles_needed(defence, req, w)
    curve_source = "closed-form"
    if engine is not None:
        from shieldlab.stability.engine_curves import EngineCurveCache, EngineRuns

        exact = replace(engine, inventory_step=1)
        cache = EngineCurveCache(runs=EngineRuns(exact), warheads_per_missile=w, requirement=req)
        n_d = max(n0, cache.needed_at(defence.interceptors))
        curve_source = (
            f"engine scenario {engine.scenario.name} ({engine.replications} replications, "
            f"seed {engine.seed}, raid step {engine.raid_step} threats)"
        )
    extra = n_d - n0
    cheapest, decoys_only = cheapest_decoy_mix(
        defence, req, n0, n_d, w, missile_cost=a.costs.missile, decoy_cost=a.costs.decoy
    )
    cx = cost_exchange(
        defence,
        n_d,
        warheads_per_missile=w,
        missile_cost=a.costs.missile,
        decoy_cost=a.costs.decoy,
        interceptor_cost=d.costs.interceptor,
    )
    return RestoreResult(
        attacker=attacker,
        defender=defender,
        requirement=req.describe(),
        warheads_per_missile=w,
        interceptors=defence.interceptors,
        missiles_without_defence=n0,
        missiles_with_defence=n_d,
        extra_missiles=extra,
        extra_missiles_cost=extra * a.costs.missile,
        current_missiles=a.offence.launchers,
        deterred_now=a.offence.launchers >= n_d,
        cheapest_mix=cheapest,
        decoys_only=decoys_only,
        cost_exchange=cx,
        cost_source=f"{attacker}: {a.costs.source}; {defender}: {d.costs.source}",
        curve_source=curve_source,
        attacker_name=posture.label(attacker),
        defender_name=posture.label(defender),
        engagement=defence.engagement,
        decoy_model=defence.decoy_model,
    )

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

from shieldlab.stability.penetration import DefenceModel, Requirement, penetration
from shieldlab.stability.posture import Posture, SideName

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
    """Marginal costs at one operating point (raid of ``missiles`` vs ``interceptors``)."""

    missiles: int
    interceptors: int
    attacker_cost_per_warhead_missile: float
    attacker_cost_per_warhead_decoy: float
    defender_cost_per_warhead_stopped: float
    ratio_missile: float
    ratio_decoy: float


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

    Marginals of the fluid form of the inventory model, E = N - min(N, S/n) Pk with
    S = I N / (N + d (1 - D)) shots on the N = missiles * w warheads (Wilkening 1999,
    section 3, with this module's decoy share), at d = 0:

    * saturated (I/n <= N): dE/dmissile = w, dE/ddecoy = Pk (1 - D) I / (n N),
      -dE/dI = Pk / n;
    * every warhead engaged (I/n > N): dE/dmissile = w (1 - Pk), dE/ddecoy = 0,
      -dE/dI = 0 (spare interceptors stop nothing more).

    Attacker cost per extra penetrating warhead = c_m / (dE/dmissile) (or c_d / dE/ddecoy);
    defender cost per warhead stopped = c_i / (-dE/dI); ratio = attacker / defender
    (Nitze's "cost-effective at the margin" when > 1). A zero margin gives an infinite
    cost; an infinite defender cost gives ratio 0.
    """
    w = int(warheads_per_missile)
    s = defence.shots_per_threat
    pk = defence.p_kill
    n_w = float(missiles * w)
    coverable = defence.interceptors / s
    if coverable <= n_w:
        d_missile = float(w)
        d_decoy = pk * (1.0 - defence.discrimination) * coverable / n_w if n_w > 0 else 0.0
        d_def = pk / s
    else:
        d_missile = w * (1.0 - pk)
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

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        from dataclasses import asdict

        return asdict(self)


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
    raids = np.arange(n0, n_d + 1)
    decoys = decoys_needed(defence, req, raids, w)
    usable = decoys >= 0
    cheapest: DecoyOption | None = None
    decoys_only: DecoyOption | None = None
    if np.any(usable):
        costs = np.where(usable, (raids - n0) * a.costs.missile + decoys * a.costs.decoy, np.inf)
        i = int(np.argmin(costs))
        cheapest = DecoyOption(missiles=int(raids[i]), decoys=int(decoys[i]), cost=float(costs[i]))
        if usable[0]:
            decoys_only = DecoyOption(
                missiles=int(raids[0]), decoys=int(decoys[0]), cost=float(costs[0])
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
    )

"""The cheapest raid with P(>= K lethal leakers) >= P, beside the closed-form answer.

The engine's answer to "how many more missiles restore deterrence": the same Optuna
search as :func:`~shieldlab.attack.optimise.optimise_raid` (common random numbers, one
seed), minimising the raid's cost with the requirement as a constraint. Screening
estimates are noisy, so every raid whose screening estimate is within two standard errors
of P is a candidate; candidates are verified in order of cost on fresh replications and
the first whose verified estimate reaches P is the answer (its Wilson 95 % interval is
reported).

The closed form is ``stability restore``'s: Wilkening's fewest missiles
(:func:`shieldlab.stability.deterrence.missiles_needed`) against the scenario's defence
reduced to a :class:`~shieldlab.stability.penetration.DefenceModel` -- its total
inventory, ``salvo_size x max_engagements_per_threat`` shots per warhead and the best
single-shot Pk (``analytic.crosscheck.closed_form_for``). The gap is explained with
what the engine measured: rounds actually fired (geometry, timing and reloads keep
rounds out of reach; the closed form fires all of them) and kills per round fired.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from shieldlab.attack.arsenal import Arsenal
from shieldlab.attack.evaluate import Evaluation, Evaluator, Objective
from shieldlab.attack.optimise import Progress, SearchLog, SearchSettings, search_raids
from shieldlab.attack.space import RaidChoice, RaidSpace
from shieldlab.errors import InputError
from shieldlab.scenario.model import Scenario

__all__ = ["CheapestResult", "ClosedFormRestore", "cheapest_raid", "closed_form_restore"]


@dataclass(frozen=True, kw_only=True)
class ClosedFormRestore:
    """``stability restore``'s closed-form answer for the scenario's defence."""

    interceptors: int
    shots_per_threat: int
    sspk: float
    p_kill: float
    missiles: int
    cost_usd: float
    unit_cost_usd: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def closed_form_restore(
    scenario: Scenario, space: RaidSpace, k: int, p: float
) -> ClosedFormRestore:
    """Fewest missiles for P(>= k penetrate) >= p against the defence in closed form;
    priced at the arsenal's cheapest lethal round."""
    from shieldlab.analytic.crosscheck import closed_form_for
    from shieldlab.stability.deterrence import missiles_needed
    from shieldlab.stability.penetration import DefenceModel, Requirement

    cf = closed_form_for(scenario)
    defence = DefenceModel(
        interceptors=int(cf.inventory),
        shots_per_threat=max(1, int(cf.shots_per_threat)),
        sspk=float(cf.p_shot),
    )
    n = missiles_needed(defence, Requirement(warheads=k, probability=p))
    tt = {t.name: t for t in scenario.threat_types}
    lethal = [
        u
        for o, u in zip(space.arsenal.threats, space.unit_cost_usd, strict=True)
        if tt[o.threat].lethal
    ]
    unit = min(lethal) if lethal else math.nan
    return ClosedFormRestore(
        interceptors=defence.interceptors,
        shots_per_threat=defence.shots_per_threat,
        sspk=defence.sspk,
        p_kill=defence.p_kill,
        missiles=int(n),
        cost_usd=n * unit,
        unit_cost_usd=unit,
    )


@dataclass(frozen=True, kw_only=True)
class CheapestResult:
    """The cheapest verified raid, its evidence, and the closed-form answer beside it."""

    scenario: str
    arsenal: str
    k: int
    p: float
    settings: SearchSettings
    found: bool
    choice: RaidChoice | None
    final: Evaluation | None
    raid: tuple[dict[str, Any], ...]
    scenario_yaml: str | None
    verified: tuple[tuple[str, float, float, bool], ...]  # key, cost, final P, passes
    closed_form: ClosedFormRestore
    gap: tuple[str, ...]
    log: SearchLog

    @property
    def evaluations(self) -> int:
        return len(self.log.records)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "arsenal": self.arsenal,
            "requirement": {"k": self.k, "p": self.p},
            "seed": self.settings.seed,
            "replications": self.settings.replications,
            "final_replications": self.settings.final_replications,
            "evaluations": self.evaluations,
            "study_name": self.log.study_name,
            "found": self.found,
            "cheapest": None
            if self.final is None or self.choice is None
            else {
                "raid": list(self.raid),
                "raid_key": self.choice.key(),
                "p_at_least_k": self.final.mean,
                **self.final.summary(),
            },
            "verified": [
                {"raid_key": key, "cost_usd": c, "p_at_least_k": pk, "passes": ok}
                for key, c, pk, ok in self.verified
            ],
            "closed_form": self.closed_form.to_dict(),
            "gap": list(self.gap),
        }


def _gap(cf: ClosedFormRestore, ev: Evaluation | None, space: RaidSpace) -> tuple[str, ...]:
    if ev is None:
        return (
            "no raid within the arsenal met the requirement, so the engine gives no answer "
            f"to set beside the closed form's {cf.missiles} missiles",
        )
    used = ev.interceptors_fired / max(cf.interceptors, 1)
    lines = [
        f"closed form: {cf.missiles} missiles ({cf.cost_usd:,.0f} USD at the cheapest lethal "
        f"round); engine: {ev.lethal_threats} lethal threats ({ev.cost_usd:,.0f} USD)",
        f"the closed form lets all {cf.interceptors} rounds engage, {cf.shots_per_threat} per "
        f"warhead; the engine's defence fired {ev.interceptors_fired:.1f} on this raid "
        f"({used:.0%} of the inventory"
        + (
            ": range, timing, reloads and the per-threat cap keep the rest out of the fight)"
            if used < 0.99
            else ", so inventory is not what separates the two answers)"
        ),
    ]
    if ev.interceptors_fired > 0:
        lines.append(
            f"kills per round fired: engine {ev.lethal_killed / ev.interceptors_fired:.3f}, "
            f"closed form's best SSPK {cf.sspk:.3f} (the engine uses each type's Pk against "
            "each threat class, and shoot-look-shoot saves rounds)"
        )
    cheaper = ev.cost_usd < cf.cost_usd
    lines.append(
        "the engine's raid is "
        + ("cheaper" if cheaper else "dearer")
        + " than the closed form's: "
        + (
            "the simulated defence reaches fewer threats than the closed form assumes"
            if cheaper
            else "the closed form ignores what limits the attacker (launch geometry, "
            "flight times, the budget's mix of rounds)"
        )
    )
    return tuple(lines)


def cheapest_raid(
    scenario: Scenario,
    arsenal: Arsenal,
    *,
    k: int,
    p: float,
    settings: SearchSettings | None = None,
    progress: Progress | None = None,
) -> CheapestResult:
    """The cheapest raid of the arsenal with P(>= k lethal leakers) >= p (module docstring)."""
    if not 0.0 < p < 1.0:
        raise InputError(f"must be strictly between 0 and 1, got {p:g}", field="--p")
    settings = SearchSettings() if settings is None else settings
    objective = Objective(kind="p_k", k=k)
    space = RaidSpace(scenario, arsenal)
    evaluator = Evaluator(space=space, objective=objective, seed=settings.seed)

    def constraint(ev: Evaluation) -> float:
        return p - ev.mean

    log = search_raids(
        evaluator,
        settings,
        minimise=lambda ev: ev.cost_usd,
        constraint=constraint,
        progress=progress,
        tag=f"cheapest-k{k}-p{p:g}",
    )
    n = settings.replications
    margin = 2.0 * math.sqrt(p * (1.0 - p) / n)
    screened = []
    for r in log.records:
        ev = evaluator.evaluate(r.choice, first=0, count=n)
        if ev.mean >= p - margin:
            screened.append((r.cost_usd, -ev.mean, r.choice.key(), r.choice))
    screened.sort(key=lambda x: (x[0], x[1], x[2]))
    verified: list[tuple[str, float, float, bool]] = []
    best: Evaluation | None = None
    for cost, _neg, key, choice in screened[: max(settings.leaders, 1) * 2]:
        ev = evaluator.evaluate(choice, first=n, count=settings.final_replications)
        ok = ev.mean >= p
        verified.append((key, cost, ev.mean, ok))
        if ok:
            best = ev
            break
    cf = closed_form_restore(scenario, space, k, p)
    return CheapestResult(
        scenario=scenario.name,
        arsenal=arsenal.name,
        k=k,
        p=p,
        settings=settings,
        found=best is not None,
        choice=None if best is None else best.choice,
        final=best,
        raid=() if best is None else tuple(space.describe(best.choice)),
        scenario_yaml=None if best is None else space.scenario_yaml(best.choice),
        verified=tuple(verified),
        closed_form=cf,
        gap=_gap(cf, best, space),
        log=log,
    )

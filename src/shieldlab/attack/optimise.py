"""The attacker's best raid: simulation optimisation with Optuna, then a statistical ranking.

Search (``docs/attack.md``): Optuna's TPE sampler (multivariate, seeded, feasibility
aware through ``constraints_func``) proposes a count, launch area, window and aim per
threat option. A proposal over budget is not simulated (its value is minus the
overspend, its constraint the overspend); a raid seen before is served from memory; a new
raid is simulated on replications ``0 .. n - 1`` with the one seed -- common random
numbers for every candidate. The study lives in Optuna storage: with ``storage`` (a
SQLite file or any Optuna URL) an interrupted or finished search resumes where it
stopped, and several processes may share one study.

Ranking: the ``leaders`` best distinct raids of the search are run again on *fresh*
replications ``n .. n + N - 1`` (still one seed, so still paired), which removes the
optimism of picking the best of many noisy screening estimates; the best final mean wins,
and every leader's paired difference to it is reported, as is the winner's paired margin
over the scenario's own raid resized to the same budget.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shieldlab._optional import require
from shieldlab.attack.arsenal import Arsenal
from shieldlab.attack.evaluate import (
    Evaluation,
    Evaluator,
    Objective,
    PairedDifference,
    outcome_rows,
    paired_difference,
)
from shieldlab.attack.space import RaidChoice, RaidSpace
from shieldlab.errors import InputError
from shieldlab.scenario.model import Scenario

__all__ = [
    "Leader",
    "OptimiseResult",
    "SearchSettings",
    "equal_cost_baseline",
    "optimise_raid",
    "search_raids",
    "storage_url",
]

log = logging.getLogger(__name__)

#: progress(evaluations done, evaluations asked for, best screening objective so far)
Progress = Callable[[int, int, float], None]


@dataclass(frozen=True, kw_only=True)
class SearchSettings:
    """How hard to search and how precisely to rank (CLI options of ``attack``)."""

    evaluations: int = 60
    replications: int = 200
    final_replications: int = 2_000
    leaders: int = 5
    seed: int = 0
    storage: str | None = None
    study_name: str | None = None
    max_trials: int | None = None

    def __post_init__(self) -> None:
        for name, lo in (
            ("evaluations", 1),
            ("replications", 2),
            ("final_replications", 2),
            ("leaders", 1),
        ):
            v = getattr(self, name)
            if not lo <= v <= 10_000_000:
                raise InputError(
                    f"must be between {lo} and 10,000,000, got {v}",
                    field="--" + name.replace("_", "-"),
                )
        if not 0 <= self.seed < 2**63:
            raise InputError(f"must be between 0 and 2**63 - 1, got {self.seed}", field="--seed")

    @property
    def trial_cap(self) -> int:
        return self.max_trials if self.max_trials is not None else 20 * self.evaluations


def storage_url(storage: str | None) -> str | None:
    """An Optuna storage URL: a URL as given, a plain path as a SQLite file."""
    if storage is None or "://" in storage:
        return storage
    p = Path(storage)
    if p.parent and not p.parent.exists():
        raise InputError("the directory of the study storage does not exist", file=storage)
    return f"sqlite:///{p.resolve()}"


def _fingerprint(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(kw_only=True)
class SearchRecord:
    """One simulated candidate of the search, in the order it was first simulated."""

    trial: int
    choice: RaidChoice
    value: float
    cost_usd: float


@dataclass(kw_only=True)
class SearchLog:
    """What a search did: trials, simulated candidates, and their screening values."""

    trials: int = 0
    records: list[SearchRecord] = field(default_factory=list)
    study_name: str = ""
    resumed_trials: int = 0

    def best_so_far(self, maximise: bool = True) -> list[float]:
        out: list[float] = []
        best = -math.inf if maximise else math.inf
        for r in self.records:
            best = max(best, r.value) if maximise else min(best, r.value)
            out.append(best)
        return out


def _suggest(trial: Any, space: RaidSpace) -> RaidChoice:
    genes = []
    for i, (lo, hi, na, nw, nm) in enumerate(space.option_shapes()):
        name = space.arsenal.threats[i].name
        c = trial.suggest_int(f"n.{name}", lo, hi)
        a = trial.suggest_categorical(f"area.{name}", list(range(na))) if na > 1 else 0
        w = trial.suggest_categorical(f"window.{name}", list(range(nw))) if nw > 1 else 0
        m = trial.suggest_categorical(f"aim.{name}", list(range(nm))) if nm > 1 else 0
        genes.append((int(c), int(a), int(w), int(m)))
    return RaidChoice(genes=tuple(genes))


def _params(space: RaidSpace, choice: RaidChoice) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, (c, a, w, m) in enumerate(choice.genes):
        _lo, _hi, na, nw, nm = space.option_shapes()[i]
        name = space.arsenal.threats[i].name
        out[f"n.{name}"] = c
        if na > 1:
            out[f"area.{name}"] = a
        if nw > 1:
            out[f"window.{name}"] = w
        if nm > 1:
            out[f"aim.{name}"] = m
    return out


def _warm_starts(space: RaidSpace) -> list[RaidChoice]:
    """Raids to try first: each option alone at the most the budget allows, then all
    options together at the largest common fraction of their maxima within budget."""
    out: list[RaidChoice] = []
    shapes = space.option_shapes()
    base = [lo for lo, *_ in shapes]
    for i, (_lo, hi, *_r) in enumerate(shapes):
        counts = list(base)
        for c in range(hi, base[i] - 1, -1):
            counts[i] = c
            ch = RaidChoice(genes=tuple((n, 0, 0, 0) for n in counts))
            if space.within_budget(ch):
                out.append(space.canonical(ch))
                break
    lo_f, hi_f = 0.0, 1.0
    for _ in range(30):
        mid = (lo_f + hi_f) / 2
        counts = [max(b, math.floor(mid * s[1])) for b, s in zip(base, shapes, strict=True)]
        ch = RaidChoice(genes=tuple((n, 0, 0, 0) for n in counts))
        lo_f, hi_f = (mid, hi_f) if space.within_budget(ch) else (lo_f, mid)
    counts = [max(b, math.floor(lo_f * s[1])) for b, s in zip(base, shapes, strict=True)]
    out.append(space.canonical(RaidChoice(genes=tuple((n, 0, 0, 0) for n in counts))))
    seen: set[str] = set()
    uniq = []
    for ch in out:
        if ch.key() not in seen and not ch.empty:
            seen.add(ch.key())
            uniq.append(ch)
    return uniq


def search_raids(
    evaluator: Evaluator,
    settings: SearchSettings,
    *,
    with_cost: bool = False,
    progress: Progress | None = None,
    tag: str = "optimise",
) -> SearchLog:
    """Run (or resume) the Optuna search; return the log of simulated candidates.

    By default the search maximises the evaluator's objective within the budget. With
    ``with_cost`` it is a two-objective search (maximise the objective, minimise the
    raid's cost; Optuna's multi-objective TPE): its result is the cost-objective front,
    which does not depend on any one requirement (``attack cheapest``).
    """
    optuna = require("optuna", feature="shieldlab attack", extra="attack")
    # Optuna logs every trial at INFO on its own stderr handler; the library is quiet
    # (the CLI draws its own progress), so only its warnings pass while we search.
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        return _search(optuna, evaluator, settings, with_cost, progress, tag)
    finally:
        optuna.logging.set_verbosity(verbosity)


def _search(
    optuna: Any,
    evaluator: Evaluator,
    settings: SearchSettings,
    with_cost: bool,
    progress: Progress | None,
    tag: str,
) -> SearchLog:
    space = evaluator.space
    n = settings.replications
    directions = ["maximize", "minimize"] if with_cost else ["maximize"]
    fingerprint = _fingerprint(
        tag,
        space.scenario.model_dump(mode="json"),
        None if evaluator.defence is None else evaluator.defence.model_dump(mode="json"),
        space.arsenal.model_dump(mode="json"),
        evaluator.objective.kind,
        evaluator.objective.k,
        settings.seed,
        n,
    )
    study_name = settings.study_name or f"attack-{tag}-{fingerprint}"
    storage = storage_url(settings.storage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna's ExperimentalWarning for these options
        probe = optuna.create_study(
            storage=storage, study_name=study_name, directions=directions, load_if_exists=True
        )
        existing = probe.get_trials(deepcopy=False)
        stored = probe.user_attrs.get("fingerprint")
        if stored is not None and stored != fingerprint:
            raise InputError(
                f"the study '{study_name}' in this storage was made for another scenario, "
                "arsenal, objective, seed or replication count; give another --study-name",
                field="--storage",
            )
        probe.set_user_attr("fingerprint", fingerprint)
        # A resumed search must not replay the proposals of the first session: the
        # sampler's seed moves on with the number of stored trials.
        sampler = optuna.samplers.TPESampler(
            seed=(settings.seed * 1_000_003 + len(existing)) % 2**32,
            multivariate=True,
            n_startup_trials=max(4, min(10, settings.evaluations // 4)),
            constraints_func=lambda t: tuple(t.user_attrs.get("constraints", (0.0,))),
        )
        study = optuna.create_study(
            storage=storage,
            study_name=study_name,
            directions=directions,
            sampler=sampler,
            load_if_exists=True,
        )

    logbook = SearchLog(study_name=study_name, resumed_trials=len(existing))
    known: dict[str, float] = {}
    constraints_of: dict[str, tuple[float, ...]] = {}
    for t in existing:
        key = t.user_attrs.get("raid")
        if t.state.name == "COMPLETE" and key is not None and t.user_attrs.get("simulated"):
            ch = RaidChoice.from_key(key)
            val = float(t.values[0]) if t.values else math.nan
            known[key] = val
            constraints_of[key] = tuple(t.user_attrs.get("constraints", (0.0,)))
            logbook.records.append(
                SearchRecord(trial=t.number, choice=ch, value=val, cost_usd=space.cost_usd(ch))
            )
    if not existing:
        for ch in _warm_starts(space):
            study.enqueue_trial(_params(space, ch), skip_if_exists=True)

    def answer(value: float, cost: float) -> Any:
        return (value, cost) if with_cost else value

    def objective(trial: Any) -> Any:
        choice = space.canonical(_suggest(trial, space))
        key = choice.key()
        trial.set_user_attr("raid", key)
        over = space.overspend(choice)
        if over > 1e-12 or choice.empty:
            pen = over if over > 1e-12 else 1.0
            trial.set_user_attr("constraints", (pen,))
            trial.set_user_attr("simulated", False)
            return answer(-pen, space.cost_usd(choice) * (1.0 + pen) + 1.0)
        if key in known:
            trial.set_user_attr("constraints", constraints_of[key])
            trial.set_user_attr("simulated", False)
            return answer(known[key], space.cost_usd(choice))
        ev = evaluator.evaluate(choice, first=0, count=n)
        val = ev.mean
        cons = (0.0,)
        known[key] = val
        constraints_of[key] = cons
        trial.set_user_attr("constraints", cons)
        trial.set_user_attr("simulated", True)
        trial.set_user_attr("objective_ci95", list(ev.ci95))
        trial.set_user_attr("cost_usd", ev.cost_usd)
        logbook.records.append(
            SearchRecord(trial=trial.number, choice=choice, value=val, cost_usd=ev.cost_usd)
        )
        if progress is not None:
            progress(len(logbook.records), settings.evaluations, max(known.values()))
        return answer(val, ev.cost_usd)

    feasible_total = (
        None if space.size() > 20 * settings.evaluations else sum(1 for _ in space.enumerate())
    )

    def stop(study_: Any, _trial: Any) -> None:
        done = len(logbook.records)
        if done >= settings.evaluations or (feasible_total is not None and done >= feasible_total):
            study_.stop()

    remaining = settings.trial_cap - len(existing)
    if len(logbook.records) < settings.evaluations and remaining > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(objective, n_trials=remaining, callbacks=[stop])
    logbook.trials = len(study.get_trials(deepcopy=False))
    return logbook


# --- the scenario's own raid at the same budget ---------------------------------------------


def _own_raid_cost(scenario: Scenario) -> tuple[float, int]:
    tt = {t.name: t for t in scenario.threat_types}
    usd = sum(w.count * tt[w.threat].unit_cost_usd for w in scenario.raid.waves)
    return float(usd), int(scenario.raid.total_threats)


def equal_cost_baseline(scenario: Scenario, arsenal: Arsenal) -> Scenario | None:
    """The scenario's own raid resized (mix kept, nested) to the largest size within the
    arsenal's budget (``montecarlo.scale_raid``); the raid itself when it costs exactly
    the budget; None when even one threat per wave is over it."""
    from shieldlab.montecarlo import scale_raid

    b = arsenal.budget
    n_waves = len(scenario.raid.waves)

    def fits(s: Scenario) -> bool:
        usd, threats = _own_raid_cost(s)
        ok = b.usd is None or usd <= b.usd * (1 + 1e-12)
        return ok and (b.launchers is None or threats <= b.launchers)

    if fits(scenario) and not fits(scale_raid(scenario, scenario.raid.total_threats + 1)):
        return scenario
    lo = n_waves
    if not fits(scale_raid(scenario, lo)):
        return None
    hi = max(lo + 1, 2 * scenario.raid.total_threats)
    while fits(scale_raid(scenario, hi)) and hi < 100_000:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(scale_raid(scenario, mid)) else (lo, mid)
    return scale_raid(scenario, lo)


# --- the result ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Leader:
    """A leading raid re-run on fresh replications, and its paired gap to the winner."""

    choice: RaidChoice
    screening: float
    final: Evaluation
    vs_best: PairedDifference


@dataclass(frozen=True, kw_only=True)
class OptimiseResult:
    """The attacker's best raid against the defence, with its statistical evidence."""

    scenario: str
    arsenal: str
    objective: Objective
    settings: SearchSettings
    best: Leader
    leaders: tuple[Leader, ...]
    baseline_cost_usd: float | None
    baseline_threats: int | None
    baseline: Evaluation | None
    best_vs_baseline: PairedDifference | None
    log: SearchLog
    space_size: int
    raid: tuple[dict[str, Any], ...]
    scenario_yaml: str

    @property
    def evaluations(self) -> int:
        return len(self.log.records)

    def to_dict(self) -> dict[str, Any]:
        def lead(x: Leader) -> dict[str, Any]:
            return {
                "raid_key": x.choice.key(),
                "screening_objective": x.screening,
                **x.final.summary(),
                "vs_best": x.vs_best.to_dict(),
            }

        return {
            "scenario": self.scenario,
            "arsenal": self.arsenal,
            "objective": {"kind": self.objective.kind, "k": self.objective.k,
                          "description": self.objective.describe()},
            "seed": self.settings.seed,
            "replications": self.settings.replications,
            "final_replications": self.settings.final_replications,
            "evaluations": self.evaluations,
            "trials": self.log.trials,
            "resumed_trials": self.log.resumed_trials,
            "study_name": self.log.study_name,
            "space_size": self.space_size,
            "best": {"raid": list(self.raid), **lead(self.best)},
            "leaders": [lead(x) for x in self.leaders],
            "baseline": None
            if self.baseline is None
            else {
                "description": "the scenario's own raid, resized to the budget",
                "threats": self.baseline_threats,
                **self.baseline.summary(),
                "cost_usd": self.baseline_cost_usd,
            },
            "best_minus_baseline": None
            if self.best_vs_baseline is None
            else self.best_vs_baseline.to_dict(),
            "convergence": [
                {"evaluation": i + 1, "trial": r.trial, "objective": r.value, "best": b}
                for i, (r, b) in enumerate(
                    zip(self.log.records, self.log.best_so_far(), strict=True)
                )
            ],
        }  # fmt: skip


def scenario_values(
    evaluator: Evaluator, scenario: Scenario, *, first: int, count: int
) -> Evaluation:
    """The objective of a scenario's own raid on the given replications (same seed)."""
    rows, cols = outcome_rows(scenario, seed=evaluator.seed, first=first, count=count)
    values = evaluator.objective.per_replication(rows, cols, evaluator.space.asset_values)
    tt = {t.name: t for t in scenario.threat_types}
    n_lethal = sum(w.count for w in scenario.raid.waves if tt[w.threat].lethal)
    leak = rows[:, cols["leakers"]]
    usd, threats = _own_raid_cost(scenario)
    return Evaluation(
        choice=RaidChoice(genes=()),
        first=first,
        values=values,
        mean=float(values.mean()),
        ci95=evaluator.objective.interval(values, evaluator._upper(scenario, n_lethal)),
        cost_usd=usd,
        launchers=threats,
        threats=threats,
        lethal_threats=n_lethal,
        leakers=float(leak.mean()),
        interceptors_fired=float(rows[:, cols["interceptors_fired"]].mean()),
        p_any_leak=float((leak > 0.5).mean()),
        lethal_killed=float(rows[:, cols["lethal_threats_killed"]].mean()),
    )


def rank_leaders(
    evaluator: Evaluator, log: SearchLog, settings: SearchSettings
) -> tuple[Leader, ...]:
    """Re-run the best screening candidates on fresh replications; best final mean first."""
    ordered = sorted(log.records, key=lambda r: (-r.value, r.cost_usd, r.choice.key()))
    picks = ordered[: settings.leaders]
    if not picks:
        raise InputError(
            "no raid within the budget was found; raise the budget or --evaluations",
            field="budget",
        )
    first = settings.replications
    finals = [
        evaluator.evaluate(r.choice, first=first, count=settings.final_replications) for r in picks
    ]
    order = sorted(
        range(len(picks)), key=lambda i: (-finals[i].mean, finals[i].cost_usd, picks[i].trial)
    )
    best = finals[order[0]]
    return tuple(
        Leader(
            choice=picks[i].choice,
            screening=picks[i].value,
            final=finals[i],
            vs_best=paired_difference(finals[i].values, best.values),
        )
        for i in order
    )


def optimise_raid(
    scenario: Scenario,
    arsenal: Arsenal,
    objective: Objective | None = None,
    *,
    settings: SearchSettings | None = None,
    defence: Scenario | None = None,
    progress: Progress | None = None,
    compare_baseline: bool = True,
) -> OptimiseResult:
    """The raid within the arsenal's budget that maximises ``objective`` against the
    scenario's defence (or ``defence``'s): search, fresh-replication ranking, and the
    paired margin over the scenario's own raid at the same budget."""
    objective = Objective() if objective is None else objective
    settings = SearchSettings() if settings is None else settings
    space = RaidSpace(scenario, arsenal)
    evaluator = Evaluator(space=space, objective=objective, seed=settings.seed, defence=defence)
    log = search_raids(evaluator, settings, progress=progress)
    leaders = rank_leaders(evaluator, log, settings)
    best = leaders[0]
    base_eval = None
    base_diff = None
    base_cost = None
    base_threats = None
    if compare_baseline:
        own = equal_cost_baseline(scenario if defence is None else defence, arsenal)
        if own is not None:
            base_eval = scenario_values(
                evaluator, own, first=settings.replications, count=settings.final_replications
            )
            base_diff = paired_difference(best.final.values, base_eval.values)
            base_cost = base_eval.cost_usd
            base_threats = base_eval.threats
    return OptimiseResult(
        scenario=scenario.name,
        arsenal=arsenal.name,
        objective=objective,
        settings=settings,
        best=best,
        leaders=leaders,
        baseline_cost_usd=base_cost,
        baseline_threats=base_threats,
        baseline=base_eval,
        best_vs_baseline=base_diff,
        log=log,
        space_size=space.size(),
        raid=tuple(space.describe(best.choice)),
        scenario_yaml=space.scenario_yaml(best.choice, defence),
    )


def convergence_arrays(log: SearchLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(evaluation number, screening value, best so far) of a search, for figures."""
    vals = np.array([r.value for r in log.records], dtype=np.float64)
    best = np.array(log.best_so_far(), dtype=np.float64)
    return np.arange(1, vals.size + 1), vals, best

"""Simulating candidate raids: per-replication objectives with common random numbers.

Every candidate runs with one seed on the same replication numbers, so the engine's keyed
draws (seed, replication, threat id, event) are shared and two candidates compare
*paired*: the interval of a difference comes from per-replication differences
(:func:`paired_difference`), far narrower than two independent intervals would give.

:func:`outcome_rows` is the one place this package meets the engine: the engine's public
door (``compile_scenario`` / ``run_replications`` / ``layout_of``, the same calls
``montecarlo.studies`` uses for leaker distributions). ``tests/attack`` checks that its
rows give exactly ``shieldlab.simulate``'s mean leakers for the same seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from shieldlab.attack.space import RaidChoice, RaidSpace
from shieldlab.core.stats import mean_interval, t_half_width, wilson_interval
from shieldlab.errors import InputError
from shieldlab.scenario.model import Scenario

__all__ = [
    "Evaluation",
    "Evaluator",
    "Objective",
    "PairedDifference",
    "outcome_rows",
    "paired_difference",
]

F64 = npt.NDArray[np.float64]
ObjectiveKind = Literal["leakers", "value", "p_k"]
OBJECTIVES: tuple[str, ...] = ("leakers", "value", "p_k")


def outcome_rows(
    scenario: Scenario, *, seed: int, first: int, count: int
) -> tuple[F64, dict[str, int]]:
    """Per-replication outcome rows of replications ``first .. first + count - 1``.

    Returns ``(rows, columns)``: rows shaped (count, n_columns) and the column of each named
    outcome (``leakers``, ``hits.<asset>``, ...). The compiled greedy path; any other
    assigner runs the engine's Python oracle, as ``simulate`` does.
    """
    from shieldlab.engine import compile_scenario, layout_of, run_replications

    if scenario.fidelity != "ideal":
        raise InputError(
            "attack studies run the ideal fidelity (measured tracks take about a second "
            "per replication); set fidelity: ideal",
            field="fidelity",
        )
    cs = compile_scenario(scenario)
    if cs.assigner == "greedy":
        rows = run_replications(cs, seed=seed, first=first, count=count)
    else:
        from shieldlab.c2.registry import make_assigner
        from shieldlab.engine import run_replications_py

        rows = run_replications_py(
            cs, seed=seed, first=first, count=count, assigner=make_assigner(cs.assigner)
        )
    return np.asarray(rows, dtype=np.float64), layout_of(cs).columns()


@dataclass(frozen=True, kw_only=True)
class Objective:
    """What the attacker maximises, per replication.

    ``leakers``: lethal threats reaching their aimpoint; ``value``: sum over hits of the
    attacker's value of the asset hit; ``p_k``: 1 when at least ``k`` lethal threats leak
    (its mean is P(>= k leak)).
    """

    kind: ObjectiveKind = "leakers"
    k: int = 1

    def __post_init__(self) -> None:
        if self.kind not in OBJECTIVES:
            raise InputError(
                f"unknown objective '{self.kind}'; one of {', '.join(OBJECTIVES)}",
                field="--objective",
            )
        if self.k < 1:
            raise InputError(f"must be >= 1, got {self.k}", field="--k")

    def describe(self) -> str:
        return {
            "leakers": "expected lethal leakers",
            "value": "expected value destroyed",
            "p_k": f"P(>= {self.k} lethal leakers)",
        }[self.kind]

    def per_replication(
        self, rows: F64, cols: dict[str, int], asset_values: dict[str, float]
    ) -> F64:
        leak = rows[:, cols["leakers"]]
        if self.kind == "leakers":
            return leak.copy()
        if self.kind == "p_k":
            return (leak >= self.k - 1e-9).astype(np.float64)
        out = np.zeros(rows.shape[0])
        for name, v in asset_values.items():
            j = cols.get(f"hits.{name}")
            if j is not None:
                out += v * rows[:, j]
        return out

    def interval(self, x: F64, upper: float | None) -> tuple[float, float]:
        """95 % interval of the mean of ``x`` (Wilson for p_k; bounded t otherwise)."""
        n = x.size
        if n == 0:
            return (math.nan, math.nan)
        if self.kind == "p_k":
            return wilson_interval(round(float(x.sum())), n)
        var = float(x.var(ddof=1)) if n > 1 else 0.0
        if var == 0.0:
            m = float(x.mean())
            return (m, m)
        return mean_interval(float(x.mean()), var, n, lower=0.0, upper=upper)


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """A candidate raid's outcomes over one block of replications."""

    choice: RaidChoice
    first: int
    values: F64  # per-replication objective
    mean: float
    ci95: tuple[float, float]
    cost_usd: float
    launchers: int
    threats: int
    lethal_threats: int
    leakers: float
    interceptors_fired: float
    p_any_leak: float
    lethal_killed: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "objective": self.mean,
            "ci95": list(self.ci95),
            "replications": int(self.values.size),
            "cost_usd": self.cost_usd,
            "launchers": self.launchers,
            "threats": self.threats,
            "leakers": self.leakers,
            "interceptors_fired": self.interceptors_fired,
            "p_any_leak": self.p_any_leak,
            "lethal_killed": self.lethal_killed,
        }


@dataclass(kw_only=True)
class Evaluator:
    """Simulates candidate raids of ``space`` with one seed; remembers what it ran.

    ``defence`` (default: the space's scenario) supplies batteries and doctrine; the raid
    comes from the candidate. ``simulated`` counts engine runs (distinct (raid, block)
    pairs); a repeated request is served from memory.
    """

    space: RaidSpace
    objective: Objective
    seed: int = 0
    defence: Scenario | None = None
    on_simulate: Callable[[RaidChoice], None] | None = None
    simulated: int = 0
    _cache: dict[tuple[str, int, int], Evaluation] = field(default_factory=dict)

    def evaluate(self, choice: RaidChoice, *, first: int, count: int) -> Evaluation:
        choice = self.space.canonical(choice)
        key = (choice.key(), first, count)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        cost = self.space.cost_usd(choice)
        launchers = self.space.launchers(choice)
        if choice.empty:
            zero = np.zeros(count)
            ev = Evaluation(
                choice=choice, first=first, values=zero, mean=0.0, ci95=(0.0, 0.0),
                cost_usd=cost, launchers=launchers, threats=0, lethal_threats=0,
                leakers=0.0, interceptors_fired=0.0, p_any_leak=0.0,
            )  # fmt: skip
        else:
            scenario = self.space.scenario_for(choice, self.defence)
            rows, cols = outcome_rows(scenario, seed=self.seed, first=first, count=count)
            self.simulated += 1
            if self.on_simulate is not None:
                self.on_simulate(choice)
            values = self.objective.per_replication(rows, cols, self.space.asset_values)
            tt = {t.name: t for t in scenario.threat_types}
            n_threats = scenario.raid.total_threats
            n_lethal = sum(w.count for w in scenario.raid.waves if tt[w.threat].lethal)
            upper = self._upper(scenario, n_lethal)
            leak = rows[:, cols["leakers"]]
            ev = Evaluation(
                choice=choice,
                first=first,
                values=values,
                mean=float(values.mean()),
                ci95=self.objective.interval(values, upper),
                cost_usd=cost,
                launchers=launchers,
                threats=n_threats,
                lethal_threats=n_lethal,
                leakers=float(leak.mean()),
                interceptors_fired=float(rows[:, cols["interceptors_fired"]].mean()),
                p_any_leak=float((leak > 0.5).mean()),
                lethal_killed=float(rows[:, cols["lethal_threats_killed"]].mean()),
            )
        self._cache[key] = ev
        return ev

    def _upper(self, scenario: Scenario, n_lethal: int) -> float | None:
        if self.objective.kind == "leakers":
            return float(n_lethal)
        if self.objective.kind == "value":
            tt = {t.name: t for t in scenario.threat_types}
            total = 0.0
            for w in scenario.raid.waves:
                if tt[w.threat].lethal:
                    top = max(self.space.asset_values.get(a, 0.0) for a in w.aimpoints)
                    total += w.count * top
            return total if total > 0 else None
        return 1.0


@dataclass(frozen=True, kw_only=True)
class PairedDifference:
    """Mean of per-replication differences a - b with its 95 % Student t interval."""

    mean: float
    ci95: tuple[float, float]
    n: int
    std: float

    @property
    def significant(self) -> bool:
        """Whether the interval excludes 0."""
        return self.ci95[0] > 0.0 or self.ci95[1] < 0.0

    @property
    def z(self) -> float:
        se = self.std / math.sqrt(self.n) if self.n > 0 else math.nan
        return self.mean / se if se > 0 else (math.inf if self.mean > 0 else 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "ci95": list(self.ci95),
            "n": self.n,
            "std": self.std,
            "significant": self.significant,
        }


def paired_difference(a: F64, b: F64) -> PairedDifference:
    """Paired difference of two candidates run on the same replications (same seed)."""
    if a.shape != b.shape:
        raise ValueError(f"paired runs need equal replications, got {a.shape} and {b.shape}")
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    n = d.size
    m = float(d.mean())
    var = float(d.var(ddof=1)) if n > 1 else 0.0
    h = t_half_width(var, n) if var > 0 else 0.0
    return PairedDifference(mean=m, ci95=(m - h, m + h), n=n, std=math.sqrt(var))

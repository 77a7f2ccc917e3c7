"""Results of a Monte Carlo run: metrics with 95 % intervals, and their JSON form.

Means use the Student t interval; proportions the Wilson score interval
(``core.stats``). Every metric is ``{"mean": x, "ci95": [lo, hi]}`` in the JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shieldlab.core.stats import t_interval, wilson_interval
from shieldlab.engine.compiled import CompiledScenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.montecarlo.aggregate import Accumulator


@dataclass(frozen=True, kw_only=True)
class Metric:
    """A Monte Carlo estimate: mean (or proportion) with its 95 % interval and sample size."""

    mean: float
    ci95: tuple[float, float]
    n: int
    kind: str = "mean"  # "mean", "proportion" or "constant"

    @property
    def half_width(self) -> float:
        return (self.ci95[1] - self.ci95[0]) / 2.0

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "ci95": [self.ci95[0], self.ci95[1]]}


def _mean_metric(mean: float, var: float, n: int) -> Metric:
    if n == 0:
        return Metric(mean=math.nan, ci95=(math.nan, math.nan), n=0)
    lo, hi = t_interval(mean, var, n)
    return Metric(mean=mean, ci95=(lo, hi), n=n)


def _prop_metric(k: int, n: int) -> Metric:
    lo, hi = wilson_interval(k, n)
    return Metric(mean=k / n if n else math.nan, ci95=(lo, hi), n=n, kind="proportion")


def _const(x: float) -> Metric:
    return Metric(mean=x, ci95=(x, x), n=0, kind="constant")


@dataclass(frozen=True, kw_only=True)
class Results:
    """What ``shieldlab.simulate`` returns.

    ``metrics`` maps names to :class:`Metric`; ``by_type`` holds per-interceptor-type,
    per-layer and per-asset breakdowns (``by_type["kills_by_layer"]["long"]``...).
    """

    scenario: str
    replications: int
    seed: int
    metrics: dict[str, Metric]
    by_type: dict[str, dict[str, Metric]]
    n_threats: int
    n_lethal: int
    raid_cost_usd: float
    precision: float | None = None
    precision_met: bool | None = None
    path: str = "compiled"
    layers: tuple[str, ...] = ()  # layer of each interceptor type, in by_type order
    timing: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: identical for identical inputs except under ``timing``."""
        metrics: dict[str, Any] = {k: m.to_dict() for k, m in self.metrics.items()}
        for group, items in self.by_type.items():
            metrics[group] = {k: m.to_dict() for k, m in items.items()}
        return {
            "scenario": self.scenario,
            "replications": self.replications,
            "seed": self.seed,
            "metrics": metrics,
            "timing": dict(self.timing),
        }


def build_results(
    cs: CompiledScenario,
    acc: Accumulator,
    *,
    seed: int,
    precision: float | None,
    precision_met: bool | None,
    timing: dict[str, Any],
) -> Results:
    """Turn merged block moments into metrics with intervals."""
    lay = layout_of(cs)
    cols = lay.columns()
    var = acc.variance()
    n = acc.n

    def col(name: str) -> Metric:
        j = cols[name]
        return _mean_metric(float(acc.mean[j]), float(var[j]), int(acc.count[j]))

    leak = col("leakers")
    raid_cost = cs.raid_cost_usd
    cost = col("interceptor_cost_usd")
    ratio = (
        Metric(
            mean=cost.mean / raid_cost,
            ci95=(cost.ci95[0] / raid_cost, cost.ci95[1] / raid_cost),
            n=cost.n,
        )
        if raid_cost > 0
        else Metric(mean=math.nan, ci95=(math.nan, math.nan), n=cost.n)
    )
    metrics: dict[str, Metric] = {
        "leakers": leak,
        "p_zero_leakers": _prop_metric(acc.zero_leak, n),
        "interceptors_fired": col("interceptors_fired"),
        "threats_killed": col("threats_killed"),
        "lethal_threats_killed": col("lethal_threats_killed"),
        "decoys_killed": col("decoys_killed"),
        "threats_engaged": col("threats_engaged"),
        "interceptor_cost_usd": cost,
        "raid_cost_usd": _const(raid_cost),
        "interceptor_to_raid_cost_ratio": ratio,
        "p_any_leak": _prop_metric(n - acc.zero_leak, n),
        "time_of_first_leak_s": col("time_of_first_leak_s"),
        "threats": _const(float(cs.n_threats)),
        "lethal_threats": _const(float(cs.n_lethal)),
    }
    by_type = {
        "interceptors_fired_by_type": {t: col(f"fired.{t}") for t in lay.interceptor_names},
        "kills_by_type": {t: col(f"kills.{t}") for t in lay.interceptor_names},
        "kills_by_layer": {x: col(f"kills_by_layer.{x}") for x in lay.layers},
        "hits_by_asset": {a: col(f"hits.{a}") for a in lay.asset_names},
    }
    return Results(
        scenario=cs.name,
        replications=n,
        seed=seed,
        metrics=metrics,
        by_type=by_type,
        n_threats=cs.n_threats,
        n_lethal=cs.n_lethal,
        raid_cost_usd=raid_cost,
        precision=precision,
        precision_met=precision_met,
        path=str(timing.get("path", "compiled")),
        layers=tuple(cs.interceptor_layers),
        timing=timing,
    )

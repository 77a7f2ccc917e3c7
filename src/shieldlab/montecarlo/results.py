"""Results of a Monte Carlo run: metrics with 95 % intervals, their JSON and table forms.

Means use an interval that stays inside the outcome's support: the t interval on the
logit scale for outcomes bounded by the raid (leakers in [0, lethal threats], kills in
[0, threats], ...) and on the log scale for outcomes bounded below only (interceptors
fired, cost, time of first leak) (``core.stats.mean_interval``); proportions use the
Wilson score interval. Every metric is ``{"mean", "ci95": [lo, hi], "n", "std"}`` in the
JSON (``std``: the standard deviation over replications, ddof = 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shieldlab.core.stats import mean_interval, wilson_interval
from shieldlab.engine.compiled import PRIORITY_CODES, CompiledScenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.errors import InputError
from shieldlab.montecarlo.aggregate import Accumulator

#: How each kind of metric's ``ci95`` is computed (reported in ``--json`` and tables).
INTERVAL_METHODS: dict[str, str] = {
    "mean": "Student t on the logit scale (bounded outcomes) or the log scale (outcomes "
    "bounded below only), mapped back: stays inside the support",
    "proportion": "Wilson score",
    "constant": "none (not random)",
}

#: Column order of :meth:`Results.rows` (``run --out FILE.csv|parquet``, ``to_frame``).
ROW_FIELDS: tuple[str, ...] = ("group", "metric", "kind", "mean", "ci95_lo", "ci95_hi", "n", "std")


@dataclass(frozen=True, kw_only=True)
class Metric:
    """A Monte Carlo estimate: mean (or proportion) with its 95 % interval and sample size.

    ``std`` is the standard deviation of the outcome over the ``n`` replications
    (ddof = 1); NaN for constants and with fewer than two values.
    """

    mean: float
    ci95: tuple[float, float]
    n: int
    kind: str = "mean"  # "mean", "proportion" or "constant"
    std: float = math.nan
    #: Upper end of the outcome's support for a mean (lower end 0; None: unbounded), so
    #: an interval at another confidence can be rebuilt (``core.stats.mean_interval``).
    upper: float | None = None

    @property
    def is_constant(self) -> bool:
        """True when the outcome did not vary: a constant, or every replication equal."""
        return self.kind == "constant" or self.ci95[0] == self.ci95[1] or self.std == 0.0

    def interval(self, confidence: float) -> tuple[float, float]:
        """The metric's interval at another ``confidence`` (same method as ``ci95``)."""
        if self.kind == "constant" or self.n <= 1:
            return (self.mean, self.mean)
        if self.kind == "proportion":
            return wilson_interval(round(self.mean * self.n), self.n, confidence)
        var = self.std * self.std if math.isfinite(self.std) else 0.0
        return mean_interval(self.mean, var, self.n, upper=self.upper, confidence=confidence)

    @property
    def half_width(self) -> float:
        """Half the interval's width (the interval need not be symmetric about the mean)."""
        return (self.ci95[1] - self.ci95[0]) / 2.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "ci95": [self.ci95[0], self.ci95[1]],
            "n": self.n,
            "std": None if math.isnan(self.std) else self.std,
        }


def _mean_metric(mean: float, var: float, n: int, upper: float | None) -> Metric:
    if n == 0:
        return Metric(mean=math.nan, ci95=(math.nan, math.nan), n=0)
    lo, hi = mean_interval(mean, var, n, lower=0.0, upper=upper)
    std = math.sqrt(var) if n > 1 and math.isfinite(var) else math.nan
    return Metric(mean=mean, ci95=(lo, hi), n=n, std=std, upper=upper)


def _prop_metric(k: int, n: int) -> Metric:
    lo, hi = wilson_interval(k, n)
    p = k / n if n else math.nan
    std = math.sqrt(p * (1.0 - p) * n / (n - 1)) if n > 1 else math.nan
    return Metric(mean=p, ci95=(lo, hi), n=n, kind="proportion", std=std)


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
    doctrine: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: identical for identical inputs except under ``timing``."""
        metrics: dict[str, Any] = {k: m.to_dict() for k, m in self.metrics.items()}
        for group, items in self.by_type.items():
            metrics[group] = {k: m.to_dict() for k, m in items.items()}
        return {
            "scenario": self.scenario,
            "replications": self.replications,
            "seed": self.seed,
            "doctrine": dict(self.doctrine),
            "intervals": dict(INTERVAL_METHODS),
            "metrics": metrics,
            "timing": dict(self.timing),
        }

    def rows(self) -> list[dict[str, Any]]:
        """One flat record per metric (fields :data:`ROW_FIELDS`; ``group`` is ``""`` for
        the headline metrics, else the breakdown, e.g. ``kills_by_layer``)."""
        out: list[dict[str, Any]] = []
        groups: list[tuple[str, dict[str, Metric]]] = [("", self.metrics)]
        groups += list(self.by_type.items())
        for group, items in groups:
            for name, m in items.items():
                out.append(
                    {
                        "group": group,
                        "metric": name,
                        "kind": m.kind,
                        "mean": m.mean,
                        "ci95_lo": m.ci95[0],
                        "ci95_hi": m.ci95[1],
                        "n": m.n,
                        "std": m.std,
                    }
                )
        return out

    def to_frame(self) -> Any:
        """The metrics as a pandas DataFrame indexed by (group, metric).

        Columns ``kind, mean, ci95_lo, ci95_hi, n, std``; ``attrs`` holds the scenario,
        replications, seed and doctrine. Needs pandas (``pip install 'shieldlab[store]'``).
        """
        from shieldlab._optional import require

        pd = require("pandas", feature="Results.to_frame()")
        frame = pd.DataFrame.from_records(self.rows(), columns=list(ROW_FIELDS))
        frame = frame.set_index(["group", "metric"])
        frame.attrs.update(
            scenario=self.scenario,
            replications=self.replications,
            seed=self.seed,
            doctrine=dict(self.doctrine),
        )
        return frame


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
    n_threats = float(cs.n_threats)
    n_lethal = float(cs.n_lethal)

    def col(name: str, upper: float | None = None) -> Metric:
        """Metric of one column; ``upper`` bounds it (None: bounded below by 0 only)."""
        j = cols[name]
        return _mean_metric(float(acc.mean[j]), float(var[j]), int(acc.count[j]), upper)

    leak = col("leakers", n_lethal)
    raid_cost = cs.raid_cost_usd
    cost = col("interceptor_cost_usd")
    ratio = (
        Metric(
            mean=cost.mean / raid_cost,
            ci95=(cost.ci95[0] / raid_cost, cost.ci95[1] / raid_cost),
            n=cost.n,
            std=cost.std / raid_cost,
        )
        if raid_cost > 0
        else Metric(mean=math.nan, ci95=(math.nan, math.nan), n=cost.n)
    )
    metrics: dict[str, Metric] = {
        "leakers": leak,
        "p_zero_leakers": _prop_metric(acc.zero_leak, n),
        "interceptors_fired": col("interceptors_fired"),
        "threats_killed": col("threats_killed", n_threats),
        "lethal_threats_killed": col("lethal_threats_killed", n_lethal),
        "decoys_killed": col("decoys_killed", n_threats - n_lethal),
        "threats_engaged": col("threats_engaged", n_threats),
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
        "kills_by_type": {t: col(f"kills.{t}", n_threats) for t in lay.interceptor_names},
        "kills_by_layer": {x: col(f"kills_by_layer.{x}", n_threats) for x in lay.layers},
        "hits_by_asset": {a: col(f"hits.{a}", n_lethal) for a in lay.asset_names},
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
        doctrine=doctrine_of(cs),
    )


#: Weapon choice of the compiled greedy doctrine, by engagement priority (docs/engine.md,
#: "Doctrine and inventory": with time_to_impact, more rounds can mean more leakers).
WEAPON_CHOICE: dict[str, str] = {
    "layered": (
        "most urgent threat first; holds fire while a better layer will still reach it "
        "and would lose an engagement"
    ),
    "time_to_impact": "most urgent threat first; the weapon that intercepts it earliest",
    "asset_value": "largest expected value destroyed first (value x P(alive) x salvo Pk)",
}


def doctrine_of(cs: CompiledScenario) -> dict[str, Any]:
    """The doctrine a run used, as reported with its results (``--json`` ``doctrine``)."""
    priority = next(name for name, code in PRIORITY_CODES.items() if code == cs.priority)
    return {
        "assigner": cs.assigner,
        "engagement_priority": priority,
        "weapon_choice": WEAPON_CHOICE[priority] if cs.assigner == "greedy" else cs.assigner,
        "salvo_size": int(cs.salvo_size),
        "shoot_look_shoot": bool(cs.shoot_look_shoot),
        "max_engagements_per_threat": int(cs.max_engagements),
        "c2_mode": "centralised" if cs.centralised else "autonomous",
    }


#: Formats of :func:`write_table`, by file suffix.
TABLE_FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet"}


def table_format(path: str) -> str:
    """The format ``write_table`` uses for ``path`` (by suffix), checked before a run.

    Raises :class:`InputError` (field ``--out``) for an unknown suffix, or for parquet
    without pyarrow (with the install hint).
    """
    from pathlib import Path

    suffix = Path(path).suffix.lower()
    fmt = TABLE_FORMATS.get(suffix)
    if fmt is None:
        known = ", ".join(TABLE_FORMATS)
        raise InputError(
            f"cannot tell the format of '{path}' from its suffix: use one of {known}",
            field="--out",
        )
    if fmt == "parquet":
        from shieldlab._optional import require

        require("pyarrow.parquet", feature="parquet output (--out FILE.parquet)")
    return fmt


def write_table(results: Results, path: str) -> None:
    """Write the metrics, one row per metric, to ``path`` (.csv or .parquet), atomically.

    Columns: ``scenario, replications, seed`` then :data:`ROW_FIELDS`. CSV needs nothing
    beyond the standard library (NaN is written as an empty field); Parquet needs pyarrow
    and carries the doctrine and interval methods as JSON in the file's key-value metadata.
    """
    import csv
    import io
    import json

    from shieldlab._io import atomic_write_bytes, atomic_write_text

    fmt = table_format(path)
    head = {
        "scenario": results.scenario,
        "replications": results.replications,
        "seed": results.seed,
    }
    records = [{**head, **r} for r in results.rows()]
    names = [*head, *ROW_FIELDS]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for rec in records:
            writer.writerow(
                {k: "" if isinstance(v, float) and math.isnan(v) else v for k, v in rec.items()}
            )
        atomic_write_text(path, buf.getvalue())
        return
    from shieldlab._optional import require

    pa = require("pyarrow", feature="parquet output (--out FILE.parquet)")
    pq = require("pyarrow.parquet", feature="parquet output (--out FILE.parquet)")
    table = pa.Table.from_pylist(records)
    meta = {
        "shieldlab.doctrine": json.dumps(results.doctrine),
        "shieldlab.intervals": json.dumps(INTERVAL_METHODS),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    atomic_write_bytes(path, sink.getvalue())

"""Results of a Monte Carlo run: metrics with 95 % intervals, their JSON and table forms.

Means use an interval that stays inside the outcome's support: the t interval on the
logit scale for outcomes bounded by the raid (leakers in [0, lethal threats], kills in
[0, threats], ...) and on the log scale for outcomes bounded below only (interceptors
fired, cost, time of first leak) (``core.stats.mean_interval``); proportions use the
Wilson score interval. Every metric is ``{"mean", "ci95": [lo, hi], "n", "std"}`` in the
JSON (``std``: the standard deviation over replications, ddof = 1).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shieldlab.core.stats import mean_interval, wilson_interval
from shieldlab.engine.breakdown import COST_BASIS, BreakdownLayout
from shieldlab.engine.compiled import PRIORITY_CODES, CompiledScenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.errors import InputError
from shieldlab.montecarlo.aggregate import Accumulator
from shieldlab.montecarlo.display import num, table_html
from shieldlab.scenario.model import THREAT_CLASSES

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
    if n > 1 and var == 0.0:
        # Every replication gave the same value: no interval around it (not [63.98, 64]).
        return Metric(mean=mean, ci95=(mean, mean), n=n, std=0.0, upper=upper)
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
    #: What ``raid_cost_usd`` (and the cost ratio) counts.
    cost_basis: str = COST_BASIS

    @property
    def headline(self) -> str:
        """One plain-language line: how often something gets through, and what."""
        return headline_of(self)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: identical for identical inputs except under ``timing``."""
        metrics: dict[str, Any] = {k: m.to_dict() for k, m in self.metrics.items()}
        for group, items in self.by_type.items():
            metrics[group] = {k: m.to_dict() for k, m in items.items()}
        return {
            "scenario": self.scenario,
            "replications": self.replications,
            "seed": self.seed,
            "headline": self.headline,
            "cost_basis": self.cost_basis,
            "doctrine": dict(self.doctrine),
            "intervals": dict(INTERVAL_METHODS),
            "metrics": metrics,
            "timing": dict(self.timing),
        }

    def _repr_html_(self) -> str:
        """A notebook shows the headline and the metrics as a table."""
        return results_html(self)

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
            headline=self.headline,
            cost_basis=self.cost_basis,
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
    breakdown: BreakdownLayout | None = None,
) -> Results:
    """Turn merged block moments into metrics with intervals.

    With ``breakdown`` (the accumulator then holds its columns after the kernel's) the
    metrics add the consumed raid cost, aircraft lost and rounds on decoys, and
    :attr:`Results.by_type` adds kills and leakers by threat class and wave, rounds and
    kills by interceptor type x threat class (keys ``type/class``) and each battery's
    magazine at the end.
    """
    lay = layout_of(cs)
    cols = lay.columns()
    if breakdown is not None:
        cols = {**cols, **breakdown.columns()}
    var = acc.variance()
    n = acc.n
    n_threats = float(cs.n_threats)
    n_lethal = float(cs.n_lethal)

    def col(name: str, upper: float | None = None) -> Metric:
        """Metric of one column; ``upper`` bounds it (None: bounded below by 0 only)."""
        j = cols[name]
        return _mean_metric(float(acc.mean[j]), float(var[j]), int(acc.count[j]), upper)

    leak = col("leakers", n_lethal)
    aircraft = cs.threat_class == THREAT_CLASSES.index("aircraft")
    launched_value = cs.raid_cost_usd
    missile_cost = float(np.sum(cs.threat_cost_usd[~aircraft]))
    cost = col("interceptor_cost_usd")
    if breakdown is not None:
        raid_cost = col("consumed_raid_cost_usd", launched_value)
        j_c, j_d = cols["interceptor_cost_usd"], cols["consumed_raid_cost_usd"]
        cov = _covariance(acc, cols["cost_x_consumed"], j_c, j_d)
        ratio = _ratio_metric(cost, raid_cost, cov)
        cost_basis = COST_BASIS
    elif not aircraft.any():
        raid_cost = _const(launched_value)
        ratio = _ratio_metric(cost, raid_cost, 0.0)
        cost_basis = COST_BASIS
    else:
        raid_cost = Metric(mean=math.nan, ci95=(math.nan, math.nan), n=0)
        ratio = Metric(mean=math.nan, ci95=(math.nan, math.nan), n=0)
        cost_basis = (
            "consumed raid cost unknown on this path (aircraft lost are not recorded); see "
            "interceptor_to_missile_cost_ratio"
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
        "raid_cost_usd": raid_cost,
        "interceptor_to_raid_cost_ratio": ratio,
        "interceptor_to_missile_cost_ratio": _ratio_metric(cost, _const(missile_cost), 0.0),
        "raid_launched_value_usd": _const(launched_value),
        "raid_missile_cost_usd": _const(missile_cost),
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
    if breakdown is not None:
        metrics["aircraft_lost"] = col("aircraft_lost", float(np.sum(aircraft)))
        metrics["rounds_on_decoys"] = col("rounds_on_decoys")
        by_type.update(_breakdown_groups(cs, breakdown, col))
    return Results(
        scenario=cs.name,
        replications=n,
        seed=seed,
        metrics=metrics,
        by_type=by_type,
        n_threats=cs.n_threats,
        n_lethal=cs.n_lethal,
        raid_cost_usd=launched_value,
        precision=precision,
        precision_met=precision_met,
        path=str(timing.get("path", "compiled")),
        layers=tuple(cs.interceptor_layers),
        timing=timing,
        doctrine=doctrine_of(cs),
        cost_basis=cost_basis,
    )


def _breakdown_groups(
    cs: CompiledScenario, bd: BreakdownLayout, col: Any
) -> dict[str, dict[str, Metric]]:
    """The breakdown's groups of :attr:`Results.by_type` (bounded by the raid's counts)."""
    from shieldlab.engine.breakdown import wave_of

    n_class = {c: float(np.sum(cs.threat_class == THREAT_CLASSES.index(c))) for c in bd.classes}
    lethal_class = {
        c: float(np.sum((cs.threat_class == THREAT_CLASSES.index(c)) & cs.threat_lethal))
        for c in bd.classes
    }
    wave = wave_of(cs)
    n_wave = {w: float(np.sum(wave == k)) for k, w in enumerate(bd.waves)}
    lethal_wave = {w: float(np.sum((wave == k) & cs.threat_lethal)) for k, w in enumerate(bd.waves)}
    magazine = np.zeros(len(bd.batteries))
    np.add.at(magazine, cs.weapon_battery, cs.weapon_ready + cs.weapon_reserve)
    lethal_classes = [c for c in bd.classes if lethal_class[c] > 0]
    lethal_waves = [w for w in bd.waves if lethal_wave[w] > 0]
    return {
        "kills_by_class": {c: col(f"kills_by_class.{c}", n_class[c]) for c in bd.classes},
        "leakers_by_class": {
            c: col(f"leakers_by_class.{c}", lethal_class[c]) for c in lethal_classes
        },
        "kills_by_wave": {w: col(f"kills_by_wave.{w}", n_wave[w]) for w in bd.waves},
        "leakers_by_wave": {w: col(f"leakers_by_wave.{w}", lethal_wave[w]) for w in lethal_waves},
        "fired_by_type_and_class": {
            f"{t}/{c}": col(f"fired.{t}.{c}") for t in bd.types for c in bd.classes
        },
        "kills_by_type_and_class": {
            f"{t}/{c}": col(f"kills.{t}.{c}", n_class[c]) for t in bd.types for c in bd.classes
        },
        "rounds_left_by_battery": {
            b: col(f"rounds_left.{b}", float(magazine[k])) for k, b in enumerate(bd.batteries)
        },
        "reloads_by_battery": {b: col(f"reloads.{b}") for b in bd.batteries},
    }


def _covariance(acc: Accumulator, j_xy: int, j_x: int, j_y: int) -> float:
    """Sample covariance (ddof = 1) of two columns from the mean of their product column."""
    n = float(acc.count[j_xy])
    if n < 2:
        return math.nan
    return (float(acc.mean[j_xy]) - float(acc.mean[j_x]) * float(acc.mean[j_y])) * n / (n - 1)


def _ratio_metric(num: Metric, den: Metric, cov: float) -> Metric:
    """Ratio of two means, ``num.mean / den.mean``, with a delta-method 95 % interval.

    Var(R) = (Var X + R^2 Var Y - 2 R Cov(X, Y)) / (n Ybar^2) (the ratio estimator;
    Cochran, Sampling Techniques, 3rd ed., section 6.3); the t interval is taken on the log
    scale (``core.stats.mean_interval``) so it stays positive. A constant denominator
    reduces it to the numerator's interval divided by the constant.
    """
    d = den.mean
    if not (d > 0 and math.isfinite(d)) or num.n == 0:
        return Metric(mean=math.nan, ci95=(math.nan, math.nan), n=num.n)
    r = num.mean / d
    if den.kind == "constant" or den.std == 0.0:
        return Metric(
            mean=r,
            ci95=(num.ci95[0] / d, num.ci95[1] / d),
            n=num.n,
            std=num.std / d,
        )
    vx = num.std**2 if math.isfinite(num.std) else 0.0
    vy = den.std**2 if math.isfinite(den.std) else 0.0
    c = cov if math.isfinite(cov) else 0.0
    var_lin = max(vx + r * r * vy - 2.0 * r * c, 0.0) / (d * d)
    lo, hi = mean_interval(r, var_lin, num.n, lower=0.0, upper=None)
    return Metric(mean=r, ci95=(lo, hi), n=num.n, std=math.sqrt(var_lin))


def headline_of(res: Results) -> str:
    """``In 97 % of raids at least one warhead gets through: 3.1 of 48 on average, ...``."""
    p = res.metrics["p_any_leak"].mean
    leak = res.metrics["leakers"].mean
    if not math.isfinite(p):
        return ""
    if res.n_lethal == 0:
        return "The raid holds no lethal threats: nothing can get through."
    pct = _percent(p)
    if p == 0.0:
        return f"In every one of {res.replications:,} raids the defence stops every warhead."
    text = (
        f"In {pct} of raids at least one warhead gets through: "
        f"{leak:.3g} of {res.n_lethal} on average"
    )
    by_class = res.by_type.get("leakers_by_class", {})
    if by_class and leak > 0:
        worst, m = max(by_class.items(), key=lambda kv: kv[1].mean)
        share = m.mean / leak
        text += f", {_percent(share)} of them {worst}"
    return text + "."


def _percent(p: float) -> str:
    """``97 %``; ``< 1 %`` and ``> 99 %`` rather than a rounded 0 or 100 that did not happen."""
    if 0.0 < p < 0.005:
        return "< 1 %"
    if 0.995 <= p < 1.0:
        return "> 99 %"
    return f"{100.0 * p:.0f} %"


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


def metric_cells(m: Metric) -> tuple[str, str]:
    """(mean, 95 % interval) as text; no interval for a constant outcome."""
    if m.is_constant or not math.isfinite(m.ci95[0]):
        return num(m.mean), ""
    return num(m.mean), f"[{num(m.ci95[0])}, {num(m.ci95[1])}]"


def results_html(res: Results) -> str:
    """The results as the notebook shows them: headline, then every metric in a table."""
    rows: list[tuple[str, str, str, str]] = []
    for name, m in res.metrics.items():
        rows.append(("", name, *metric_cells(m)))
    for group, items in res.by_type.items():
        for name, m in items.items():
            rows.append((group, name, *metric_cells(m)))
    caption = f"{res.scenario}: {res.replications:,} replications, seed {res.seed}"
    head = f"<p><b>{html.escape(res.headline)}</b></p>" if res.headline else ""
    return f"<div>{head}{table_html(rows, caption)}</div>"

"""Compare two scenarios with common random numbers: paired differences with intervals.

:func:`compare` runs replications ``0 .. n-1`` of scenario A and of scenario B with the same
seed. Every random draw is keyed by (seed, replication, threat id, event kind, index)
(``core.rng``; a threat's id is its wave and its place in the wave), so replication k of A
and of B see the same detections and kill draws wherever the two scenarios agree: the
difference B − A of an outcome, replication by replication, holds only the effect of what
changed, and its mean has a much smaller variance than the difference of two independent
runs (common random numbers; Law, *Simulation Modeling and Analysis*, 5th ed., §11.2).

Each outcome column both scenarios have (matched by name: ``leakers``,
``kills_by_class.ballistic``, ``hits.<asset>``...) becomes a :class:`Difference`: the mean
of A and of B, the mean paired difference with its Student t 95 % interval (differences
are unbounded: no transformed scale), and ``variance_reduction`` = (Var A + Var B) /
Var(B − A), the factor by which pairing shrank the variance against independent runs.
``p_any_leak`` is compared as the paired difference of the 0/1 indicator "some warhead got
through". ``time_of_first_leak_s`` is paired over the replications where both leak.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from shieldlab.core.stats import t_half_width
from shieldlab.engine.compiled import CompiledScenario, compile_scenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.montecarlo.aggregate import Accumulator, summarise
from shieldlab.montecarlo.chunks import CHUNK, check_run_options, run_chunk
from shieldlab.montecarlo.display import num
from shieldlab.scenario.model import Scenario

F64 = npt.NDArray[np.float64]

#: Outcomes listed first, in this order (the rest follow in column order).
HEADLINE: tuple[str, ...] = (
    "leakers",
    "p_any_leak",
    "lethal_threats_killed",
    "threats_engaged",
    "interceptors_fired",
    "interceptor_cost_usd",
    "consumed_raid_cost_usd",
    "aircraft_lost",
    "rounds_on_decoys",
    "time_of_first_leak_s",
)
_INTERNAL = ("cost_x_consumed",)


@dataclass(frozen=True, kw_only=True)
class Difference:
    """One outcome in A and B and their paired difference B − A (95 % Student t)."""

    name: str
    mean_a: float
    mean_b: float
    diff: float
    ci95: tuple[float, float]
    n: int
    std: float
    variance_reduction: float

    @property
    def significant(self) -> bool:
        """Whether the 95 % interval of the difference excludes 0."""
        lo, hi = self.ci95
        return bool(lo > 0.0 or hi < 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.mean_a,
            "b": self.mean_b,
            "diff": self.diff,
            "ci95": [self.ci95[0], self.ci95[1]],
            "n": self.n,
            "std": self.std,
            "variance_reduction": self.variance_reduction,
            "significant": self.significant,
        }


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """What :func:`compare` returns: paired differences of every common outcome."""

    a: str
    b: str
    replications: int
    seed: int
    differences: dict[str, Difference]
    only_a: tuple[str, ...] = ()
    only_b: tuple[str, ...] = ()
    timing: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``compare --json`` object (identical for identical inputs but ``timing``)."""
        return {
            "a": self.a,
            "b": self.b,
            "replications": self.replications,
            "seed": self.seed,
            "method": "common random numbers (same seed); paired differences B - A, "
            "Student t 95 % interval",
            "differences": {k: d.to_dict() for k, d in self.differences.items()},
            "only_in_a": list(self.only_a),
            "only_in_b": list(self.only_b),
            "timing": dict(self.timing),
        }

    def rows(self) -> list[dict[str, Any]]:
        """One flat record per outcome (``metric, a, b, diff, ci95_lo, ci95_hi, ...``)."""
        return [
            {
                "metric": k,
                "a": d.mean_a,
                "b": d.mean_b,
                "diff": d.diff,
                "ci95_lo": d.ci95[0],
                "ci95_hi": d.ci95[1],
                "n": d.n,
                "std": d.std,
                "variance_reduction": d.variance_reduction,
            }
            for k, d in self.differences.items()
        ]

    def to_frame(self) -> Any:
        """The differences as a pandas DataFrame indexed by metric (needs pandas)."""
        from shieldlab._optional import require

        pd = require("pandas", feature="Comparison.to_frame()")
        frame = pd.DataFrame.from_records(self.rows()).set_index("metric")
        frame.attrs.update(a=self.a, b=self.b, replications=self.replications, seed=self.seed)
        return frame

    def _repr_html_(self) -> str:
        return comparison_html(self)


def _names(cs: CompiledScenario, breakdown: bool, wave_names: tuple[str, ...]) -> dict[str, int]:
    cols = dict(layout_of(cs).columns())
    if breakdown:
        from shieldlab.engine.breakdown import breakdown_layout

        cols.update(breakdown_layout(cs, wave_names).columns())
    return {k: v for k, v in cols.items() if k not in _INTERNAL}


def _prepare(
    sc: Scenario | CompiledScenario,
) -> tuple[CompiledScenario, bool, Any, tuple[str, ...]]:
    cs = sc if isinstance(sc, CompiledScenario) else compile_scenario(sc)
    python = cs.assigner != "greedy"
    measured = None
    if isinstance(sc, Scenario) and sc.fidelity == "measured":
        from shieldlab.engine.measured import prepare

        measured = prepare(cs, sc)
    waves = (
        tuple(w.name or f"wave{k + 1}" for k, w in enumerate(sc.raid.waves))
        if isinstance(sc, Scenario)
        else ()
    )
    return cs, python, measured, waves


def compare(
    a: Scenario | CompiledScenario,
    b: Scenario | CompiledScenario,
    *,
    replications: int = 10_000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Paired differences B − A of every outcome the two scenarios share (module docstring).

    Both run replications ``0 .. replications - 1`` with ``seed`` (the numbers of A are
    those of ``simulate(a, seed=seed)``). ``progress(done, total)`` is called after each
    chunk.
    """
    import time

    check_run_options(replications=replications, seed=seed, workers=1, precision=None)
    t0 = time.perf_counter()
    cs_a, py_a, meas_a, waves_a = _prepare(a)
    cs_b, py_b, meas_b, waves_b = _prepare(b)
    names_a = _names(cs_a, not py_a, waves_a)
    names_b = _names(cs_b, not py_b, waves_b)
    common = [k for k in names_a if k in names_b]
    first_names = [k for k in HEADLINE if k in common]
    order = first_names + [k for k in common if k not in first_names]
    ja = np.asarray([names_a[k] for k in order], dtype=np.int64)
    jb = np.asarray([names_b[k] for k in order], dtype=np.int64)
    leak_a, leak_b = names_a["leakers"], names_b["leakers"]
    m = len(order) + 1  # + the any-leak indicator
    acc = Accumulator(n_cols=3 * m)
    done = 0
    while done < replications:
        count = min(CHUNK, replications - done)
        ra = run_chunk(cs_a, seed, done, count, py_a, meas_a, not py_a)
        rb = run_chunk(cs_b, seed, done, count, py_b, meas_b, not py_b)
        xa = np.column_stack([ra[:, ja], (ra[:, leak_a] > 0).astype(np.float64)])
        xb = np.column_stack([rb[:, jb], (rb[:, leak_b] > 0).astype(np.float64)])
        # Time of first leak: paired over replications where both leak (else both NaN).
        both = np.isfinite(xa) & np.isfinite(xb)
        xa = np.where(both, xa, np.nan)
        xb = np.where(both, xb, np.nan)
        rows = np.ascontiguousarray(np.column_stack([xa, xb, xb - xa]))
        for blk in summarise(rows, first=done, leak_col=0):
            acc.add(blk)
        done += count
        if progress is not None:
            progress(done, replications)
    var = acc.variance()
    out: dict[str, Difference] = {}
    labels = [*order[: len(first_names)], "p_any_leak", *order[len(first_names) :]]
    index = [*range(len(first_names)), m - 1, *range(len(first_names), m - 1)]
    for name, j in zip(labels, index, strict=True):
        n = int(acc.count[2 * m + j])
        d = float(acc.mean[2 * m + j])
        vd = float(var[2 * m + j])
        half = t_half_width(vd, n) if n > 1 and math.isfinite(vd) else math.nan
        va, vb = float(var[j]), float(var[m + j])
        reduction = (va + vb) / vd if vd > 0 else (math.inf if va + vb > 0 else math.nan)
        out[name] = Difference(
            name=name,
            mean_a=float(acc.mean[j]),
            mean_b=float(acc.mean[m + j]),
            diff=d,
            ci95=(d - half, d + half) if vd > 0 else (d, d),
            n=n,
            std=math.sqrt(vd) if math.isfinite(vd) else math.nan,
            variance_reduction=reduction,
        )
    return Comparison(
        a=cs_a.name,
        b=cs_b.name,
        replications=acc.n,
        seed=seed,
        differences=out,
        only_a=tuple(k for k in names_a if k not in names_b),
        only_b=tuple(k for k in names_b if k not in names_a),
        timing={"run_s": time.perf_counter() - t0},
    )


def comparison_html(cmp: Comparison) -> str:
    """A comparison as the notebook shows it: one row per outcome, B − A with its interval."""
    head = (
        "<tr><th>outcome</th><th>A</th><th>B</th><th>B − A</th><th>95 % interval</th>"
        "<th>variance reduction</th></tr>"
    )
    body = []
    for name, d in cmp.differences.items():
        ci = "" if d.ci95[0] == d.ci95[1] else f"[{num(d.ci95[0])}, {num(d.ci95[1])}]"
        cells = (name, num(d.mean_a), num(d.mean_b), num(d.diff), ci, num(d.variance_reduction))
        style = " style='font-weight:bold'" if d.significant else ""
        body.append(f"<tr{style}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    caption = (
        f"{cmp.b} − {cmp.a}: {cmp.replications:,} paired replications, seed {cmp.seed} "
        "(common random numbers; bold: interval excludes 0)"
    )
    return (
        f"<table><caption style='text-align:left'>{html.escape(caption)}</caption>"
        f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
    )

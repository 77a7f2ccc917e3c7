"""One cell of a study: its Monte Carlo (or closed form), reduced to a row of outputs.

A cell depends only on its inputs (scenario, posture, seed, replications), never on which
process runs it or when: :func:`run_cell` is a plain module-level function of a picklable
:class:`CellTask`, so any ``concurrent.futures.Executor`` can run it.

Outputs of a scenario cell come from :func:`shieldlab.montecarlo.simulate` (``leakers`` is
the mean number of lethal leakers; ``leakers_ci_low``/``_high`` its 95 % Student t
interval; ``p_any_leak`` the share of replications with at least one leaker). With
per-replication rows requested, the cell runs the same replications through
:func:`shieldlab.engine.run_replications` in the runner's chunks and merges them with the
same block aggregation (``montecarlo.aggregate``), so its summary is identical to
``simulate``'s (a test checks it) and the rows come for free.

Stability index (docs/study.md, "Stability index"): with a posture, a posture-only cell
is Kent & Thaler's first-strike stability index of the cell's posture
(:func:`shieldlab.stability.first_strike.posture_stability`). With a scenario as well, the
engine stands in for the ``defender``'s defence quality: its mean lethal leak fraction q
(leakers / lethal threats) gives a per-warhead kill probability Pk = 1 - q, which replaces
the posture's Pd (1 - (1 - SSPK)^n) through SSPK' = 1 - (1 - Pk)^(1/n), Pd' = 1 (so that
Pd' (1 - (1 - SSPK')^n) = Pk exactly); inventories, offences and the exchange stay the
posture's.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from shieldlab.errors import InputError
from shieldlab.scenario.model import Scenario

__all__ = [
    "SCENARIO_OUTPUTS",
    "STABILITY_OUTPUTS",
    "CellResult",
    "CellTask",
    "engine_stability",
    "run_cell",
]

SCENARIO_OUTPUTS = (
    "leakers",
    "leakers_ci_low",
    "leakers_ci_high",
    "p_any_leak",
    "p_zero_leakers",
    "interceptors_fired",
    "threats_killed",
    "interceptor_cost_usd",
    "threats",
    "lethal_threats",
)
STABILITY_OUTPUTS = ("stability_index", "blue_ratio", "red_ratio")


@dataclass(frozen=True, kw_only=True)
class CellTask:
    """Everything one cell needs (picklable)."""

    index: int
    seed: int
    replications: int
    scenario: Scenario | None
    posture: Any
    defender: str = "blue"
    per_replication: bool = False


@dataclass(frozen=True, kw_only=True)
class CellResult:
    """A cell's outputs, and its per-replication rows when asked for."""

    index: int
    seed: int
    outputs: dict[str, float]
    rows: npt.NDArray[np.float64] | None = None
    columns: tuple[str, ...] = ()


def check_per_replication(scenario: Scenario) -> None:
    """Per-replication rows need the compiled path: greedy assigner, ideal fidelity."""
    if scenario.doctrine.assigner != "greedy" or scenario.fidelity != "ideal":
        raise InputError(
            "per-replication rows need the compiled engine (assigner 'greedy', fidelity "
            f"'ideal'); this scenario has assigner '{scenario.doctrine.assigner}' and "
            f"fidelity '{scenario.fidelity}'",
            field="--per-replication",
        )


def _simulate_rows(scenario: Scenario, replications: int, seed: int) -> tuple[Any, Any, Any]:
    """``simulate``'s results, plus the rows it reduced and their column names."""
    from shieldlab.engine import compile_scenario, layout_of, run_replications
    from shieldlab.montecarlo.aggregate import Accumulator, summarise
    from shieldlab.montecarlo.chunks import CHUNK
    from shieldlab.montecarlo.results import build_results

    cs = compile_scenario(scenario)
    lay = layout_of(cs)
    cols = lay.columns()
    leak_col = cols["leakers"]
    acc = Accumulator(n_cols=lay.n_columns)
    parts = []
    for first in range(0, replications, CHUNK):
        rows = run_replications(cs, seed=seed, first=first, count=min(CHUNK, replications - first))
        for blk in summarise(rows, first=first, leak_col=leak_col):
            acc.add(blk)
        parts.append(rows)
    res = build_results(cs, acc, seed=seed, precision=None, precision_met=None, timing={})
    names = tuple(sorted(cols, key=cols.__getitem__))
    return res, np.concatenate(parts, axis=0), names


def engine_stability(posture: Any, defender: str, leak_fraction: float) -> Any:
    """First-strike stability with the defender's kill probability from the engine.

    Pk = 1 - q replaces Pd (1 - (1 - SSPK)^n) via SSPK' = 1 - (1 - Pk)^(1/n), Pd' = 1
    (module docstring).
    """
    from shieldlab.stability.first_strike import SideForces, posture_stability

    pk = min(1.0, max(0.0, 1.0 - leak_fraction))
    forces = SideForces.from_posture(posture.side(defender))
    sspk = 1.0 - (1.0 - pk) ** (1.0 / forces.shots_per_threat)
    forces = dataclasses.replace(forces, sspk=min(1.0, max(0.0, sspk)), p_detect=1.0)
    return posture_stability(posture, **{defender: forces})


def run_cell(task: CellTask) -> CellResult:
    """Run one cell: the Monte Carlo of its scenario and/or its posture's stability index."""
    out: dict[str, float] = {}
    rows = None
    columns: tuple[str, ...] = ()
    leak_fraction: float | None = None
    if task.scenario is not None:
        if task.per_replication:
            res, rows, columns = _simulate_rows(task.scenario, task.replications, task.seed)
        else:
            from shieldlab.montecarlo import simulate

            res = simulate(task.scenario, replications=task.replications, seed=task.seed)
        m = res.metrics
        leak = m["leakers"]
        out = {
            "leakers": leak.mean,
            "leakers_ci_low": leak.ci95[0],
            "leakers_ci_high": leak.ci95[1],
            "p_any_leak": m["p_any_leak"].mean,
            "p_zero_leakers": m["p_zero_leakers"].mean,
            "interceptors_fired": m["interceptors_fired"].mean,
            "threats_killed": m["threats_killed"].mean,
            "interceptor_cost_usd": m["interceptor_cost_usd"].mean,
            "threats": float(res.n_threats),
            "lethal_threats": float(res.n_lethal),
        }
        leak_fraction = leak.mean / res.n_lethal if res.n_lethal > 0 else 0.0
    if task.posture is not None:
        if leak_fraction is None:
            from shieldlab.stability.first_strike import posture_stability

            fs = posture_stability(task.posture)
        else:
            fs = engine_stability(task.posture, task.defender, leak_fraction)
        out.update(
            {"stability_index": fs.index, "blue_ratio": fs.blue_ratio, "red_ratio": fs.red_ratio}
        )
    out = {k: float(v) for k, v in out.items()}
    for k, v in out.items():
        if not math.isfinite(v):
            out[k] = math.nan
    return CellResult(index=task.index, seed=task.seed, outputs=out, rows=rows, columns=columns)

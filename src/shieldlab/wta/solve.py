"""Choosing a static WTA solver by name: ``solve(instance, solver=..., time_limit_s=...)``."""

from __future__ import annotations

import math

from shieldlab.errors import InputError
from shieldlab.wta.base import WTAInstance, WTAResult, WTASolver
from shieldlab.wta.warmup import warm_up

SOLVER_NAMES: tuple[str, ...] = ("greedy", "assignment", "local-search", "exact", "auto")


def make_solver(name: str, *, seed: int = 0) -> WTASolver:
    """The solver called ``name`` (one of :data:`SOLVER_NAMES`)."""
    if name == "greedy":
        from shieldlab.wta.greedy import GreedySolver

        return GreedySolver()
    if name == "assignment":
        from shieldlab.wta.assignment import AssignmentSolver

        return AssignmentSolver()
    if name == "local-search":
        from shieldlab.wta.local_search import LocalSearchSolver

        return LocalSearchSolver(seed=seed)
    if name == "exact":
        from shieldlab.wta.exact import ExactSolver

        return ExactSolver()
    if name == "auto":
        from shieldlab.wta.auto import AutoSolver

        return AutoSolver(seed=seed)
    raise InputError(
        f"unknown solver {name!r}; choose one of {', '.join(SOLVER_NAMES)}", field="solver"
    )


def solve(
    instance: WTAInstance, solver: str = "auto", *, time_limit_s: float = 60.0, seed: int = 0
) -> WTAResult:
    """Solve ``instance`` with the named solver within ``time_limit_s`` seconds.

    The numba kernels are loaded (or compiled, first run) by :func:`warm_up` first; that
    start-up is outside the limit and reported as ``stats["startup_s"]``. The solve
    itself ends within 5 % of the limit (docs/wta.md, "Time limits")."""
    if not time_limit_s > 0 or not math.isfinite(time_limit_s):
        raise InputError(
            f"time limit must be finite and > 0 s, got {time_limit_s}", field="time_limit_s"
        )
    chosen = make_solver(solver, seed=seed)
    # compile or load the numba kernels before the solver's clock starts: start-up is
    # not part of the limit (docs/wta.md, "Time limits")
    startup_s = warm_up()
    res = chosen.solve(instance, time_limit_s=time_limit_s)
    res.stats["startup_s"] = startup_s
    return res

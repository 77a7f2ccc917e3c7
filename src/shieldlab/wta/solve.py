"""Choosing a static WTA solver by name: ``solve(instance, solver=..., time_limit_s=...)``."""

from __future__ import annotations

from shieldlab.errors import InputError
from shieldlab.wta.base import WTAInstance, WTAResult, WTASolver

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
    """Solve ``instance`` with the named solver within ``time_limit_s`` seconds."""
    if not time_limit_s > 0:
        raise InputError(f"time limit must be > 0 s, got {time_limit_s}", field="time_limit_s")
    return make_solver(solver, seed=seed).solve(instance, time_limit_s=time_limit_s)

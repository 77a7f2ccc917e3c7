"""``auto``: greedy seed, local search, then the exact MILP warm-started from the best.

Time split (measured on the Andersen-Pavlikov-Toffolo instances, see docs/wta.md): the
local search gets 15 % of the limit (at least 0.5 s, at most 10 s), the MILP the rest;
the answer is the best assignment seen with the MILP's proven lower bound. Under den
Broeder's condition (p depends on the target only) greedy is optimal and is returned.
"""

from __future__ import annotations

import math
import time

from shieldlab.wta.base import WTAInstance, WTAResult, WTASolver, make_result
from shieldlab.wta.base import objective as wta_objective


class AutoSolver(WTASolver):
    """Greedy -> local search -> exact MILP with warm start, within the time limit."""

    name = "auto"

    def __init__(self, *, seed: int = 0, ls_fraction: float = 0.15) -> None:
        self.seed = seed
        self.ls_fraction = ls_fraction

    def solve(self, instance: WTAInstance, *, time_limit_s: float = 60.0) -> WTAResult:
        from shieldlab.wta.exact import solve_exact
        from shieldlab.wta.greedy import greedy_assignment, target_only_probabilities
        from shieldlab.wta.local_search import local_search

        t0 = time.perf_counter()
        x = greedy_assignment(instance)
        if instance.n_weapons == 0 or target_only_probabilities(instance):
            obj = wta_objective(instance, x)
            return make_result(
                instance,
                x,
                solver=self.name,
                seconds=time.perf_counter() - t0,
                lower_bound=obj,
                optimal=True,
                note="greedy is optimal: p depends on the target only (den Broeder et al. 1959)",
            )
        t_ls = min(10.0, max(0.5, self.ls_fraction * time_limit_s))
        t_ls = min(t_ls, 0.5 * time_limit_s)
        x, ls_stats = local_search(instance, x, time_limit_s=t_ls, seed=self.seed)
        left = time_limit_s - (time.perf_counter() - t0) - 0.05
        lb: float | None = None
        proven = False
        stats: dict[str, object] = {"local_search": ls_stats}
        if left > 0.1:
            xe, bound, proven, ex_stats = solve_exact(instance, time_limit_s=left, start=x)
            stats["exact"] = ex_stats
            if wta_objective(instance, xe) <= wta_objective(instance, x):
                x = xe
            lb = bound if math.isfinite(bound) else None
        return make_result(
            instance,
            x,
            solver=self.name,
            seconds=time.perf_counter() - t0,
            lower_bound=lb,
            optimal=proven,
            note="proven optimal" if proven else "",
            stats=stats,
        )

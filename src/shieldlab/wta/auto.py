"""``auto``: greedy or assignment seed, local search, then the exact MILP warm-started.

Time split (measured on the Andersen-Pavlikov-Toffolo instances, see docs/wta.md): on
instances with at most 10,000 weapon-target pairs the local search gets 15 % of the limit
(at most 10 s) and the MILP the rest, because the MILP then closes the gap; on larger ones
the MILP is too big to improve on the local search within a minute, so the local search
gets 75 % and the MILP the last 25 %, for a proven lower bound. The answer is the best
assignment seen, with the MILP's lower bound. Under den
Broeder's condition (p depends on the target only) greedy is optimal and is returned.
With no more weapons than targets the exact single-copy method (:mod:`shieldlab.wta.
single_copy`, inside :func:`~shieldlab.wta.exact.solve_exact`) gets the whole limit: it
has its own incumbent search and proves the mu = 1 and mu = 2 benchmark instances
optimal in seconds.
"""

from __future__ import annotations

import math
import time

from shieldlab.wta.base import WTAInstance, WTAResult, WTASolver, make_result
from shieldlab.wta.base import objective as wta_objective


class AutoSolver(WTASolver):
    """Greedy -> local search -> exact MILP with warm start, within the time limit."""

    name = "auto"

    #: above this many weapon-target pairs the local search gets most of the time
    large_pairs = 10_000

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed

    def solve(self, instance: WTAInstance, *, time_limit_s: float = 60.0) -> WTAResult:
        from shieldlab.wta.exact import clock_margin_s, solve_exact
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
        stats: dict[str, object] = {}
        if instance.n_weapons <= instance.n_targets:
            # no more weapons than targets: the single-copy exact method (Lagrangian bound,
            # column MILP; types split into single weapons) has its own incumbent search
            # and proves the mu = 1 and mu = 2 benchmark instances in seconds, so `exact`
            # gets all the time (docs/wta.md)
            left = max(
                0.1, time_limit_s - (time.perf_counter() - t0) - clock_margin_s(time_limit_s)
            )
            xe, bound, proven, ex_stats = solve_exact(instance, time_limit_s=left, start=x)
            stats["exact"] = ex_stats
            return make_result(
                instance,
                xe,
                solver=self.name,
                seconds=time.perf_counter() - t0,
                lower_bound=bound if math.isfinite(bound) else None,
                optimal=proven,
                note="proven optimal" if proven else "",
                stats=stats,
            )
        pairs = int(((instance.kill_probability > 0) & (instance.weapon_counts[:, None] > 0)).sum())
        if pairs <= self.large_pairs:
            t_ls = min(10.0, max(0.5, 0.15 * time_limit_s), 0.5 * time_limit_s)
        else:
            t_ls = 0.75 * time_limit_s
        x, ls_stats = local_search(instance, None, time_limit_s=t_ls, seed=self.seed)
        left = time_limit_s - (time.perf_counter() - t0) - clock_margin_s(time_limit_s)
        lb: float | None = None
        proven = False
        stats["local_search"] = ls_stats
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

"""Linear-assignment WTA: each weapon to a distinct target (Hungarian / Jonker-Volgenant).

If no target receives more than one weapon, the objective is linear in the assignment:
F = sum_j V_j - sum_k V_{j(k)} p_{k j(k)}, so the best such assignment is a linear
assignment problem (weapons as rows, targets as columns, profit V_j p_kj), solved by
``scipy.optimize.linear_sum_assignment``. This is exact for the restricted problem "at
most one weapon per target", which is the WTA problem when every type has one copy *and*
stacking two weapons on one target never pays.

It is NOT exact in general: stacking can pay (a high-value target and weak weapons).
The result therefore carries the lower bound of the Weierstrass product inequality,
prod_k (1 - p_k) >= 1 - sum_k p_k, which gives for any assignment
F >= sum_j V_j - sum_k max_j V_j p_kj; when the assignment meets that bound (the
weapons' individually best targets are distinct) it is proven optimal, otherwise the
note says it is optimal only among one-weapon-per-target assignments. Weapons left over
when there are more weapons than targets are added greedily.
"""

from __future__ import annotations

import time

import numpy as np

from shieldlab.wta.base import IntArray, WTAInstance, WTAResult, WTASolver, make_result
from shieldlab.wta.greedy import fill_unused


def assignment_solution(instance: WTAInstance) -> tuple[IntArray, float]:
    """(x, Weierstrass lower bound) of the one-weapon-per-target linear assignment."""
    from scipy.optimize import linear_sum_assignment

    v = instance.target_values
    p = instance.kill_probability
    wtype = instance.weapon_type_of()
    x = np.zeros(p.shape, dtype=np.int64)
    if wtype.size == 0:
        return x, float(v.sum())
    profit = v[None, :] * p[wtype, :]
    rows, cols = linear_sum_assignment(profit, maximize=True)
    np.add.at(x, (wtype[rows], cols), 1)
    x = fill_unused(instance, x)
    bound = max(0.0, float(v.sum() - profit.max(axis=1).sum()))
    return x, bound


class AssignmentSolver(WTASolver):
    """Linear assignment, one weapon per target; exact only when stacking never pays."""

    name = "assignment"

    def solve(self, instance: WTAInstance, *, time_limit_s: float = 60.0) -> WTAResult:
        t0 = time.perf_counter()
        x, bound = assignment_solution(instance)
        res = make_result(instance, x, solver=self.name, seconds=0.0, lower_bound=bound)
        proven = res.gap is not None and res.gap <= 1e-9
        note = (
            "optimal: meets the Weierstrass lower bound"
            if proven
            else "optimal among assignments with at most one weapon per target only; "
            "stacking may do better (use solver 'exact')"
        )
        return make_result(
            instance,
            x,
            solver=self.name,
            seconds=time.perf_counter() - t0,
            lower_bound=bound,
            optimal=proven,
            note=note,
        )

"""Exact static WTA: outer approximation of the log-survival, solved as a MILP by HiGHS.

With y_j = sum_i x_ij ln(1 - p_ij) the objective is sum_j V_j exp(y_j), convex in y.
Replacing exp by the maximum of its tangents, z_j >= e^a (1 + y_j - a), gives a MILP
whose optimum is a lower bound on the WTA optimum (tangents lie below a convex function).
We solve it, evaluate the true objective of its integer solution, add tangents at the
solution's y_j where the approximation was loose, and repeat (Kelley's cutting planes /
outer approximation, Duran & Grossmann 1986; the same model as the branch-and-adjust of
Andersen, Pavlikov & Toffolo 2022, who add the tangents inside the branch-and-bound
tree). It stops when the best true objective is within ``rel_gap`` of the MILP bound,
which is then a proof of optimality; at the time limit it returns the best assignment
and the best proven lower bound.

Without fire-control side limits :func:`solve_exact` first uses the much stronger
single-copy model of :mod:`shieldlab.wta.single_copy` (Lagrangian bound and
set-partitioning MILP; weapon types with several copies split into single weapons).

Pairs with p_ij = 1 enter with ln(1 - p) clamped at ln(1e-12): the bound is valid up to
sum_j V_j 1e-12, far below the solver tolerance.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shieldlab.wta.base import FloatArray, IntArray, WTAInstance, WTAResult, WTASolver, make_result
from shieldlab.wta.base import objective as wta_objective
from shieldlab.wta.greedy import greedy_assignment
from shieldlab.wta.highs import new_highs, run_verified
from shieldlab.wta.local_search import local_search
from shieldlab.wta.single_copy import solve_by_copies

LOG = logging.getLogger(__name__)

_Q_FLOOR = 1e-12
#: the outer-approximation model's set-up cannot be interrupted: building it, HiGHS's
#: presolve and the overrun of its first solve took 0.25 + 0.33 + 0.6 s for 125,000
#: pairs on a quiet machine (250x500x3, about 1e-5 s per pair) and about three times
#: that under load 8; the loop starts only with this much time per pair left (+ 0.1 s)
_OA_SETUP_S_PER_PAIR = 4e-5
# Survival levels of the first tangents; more are added where solutions land.
_INITIAL_SURVIVALS = (1.0, 0.6, 0.35, 0.2, 0.1, 0.05, 0.02, 0.01, 0.003, 0.001, 1e-4)


def log_survival(prob: FloatArray) -> FloatArray:
    """ln(1 - p) with 1 - p floored at 1e-12 (module docstring)."""
    return np.log(np.maximum(1.0 - prob, _Q_FLOOR))


@dataclass(frozen=True, kw_only=True)
class SideLimits:
    """Fire-control limits on top of the weapon counts (each part optional).

    * ``target_max_weapons[j]``: at most this many weapons on target j (salvos a threat
      may still receive);
    * ``weapon_group[i]``, ``weapon_units[i]``, ``group_units[g]``: weapons of the types in
      group g (a battery) use ``weapon_units[i]`` units each (rounds guided at once), at
      most ``group_units[g]`` in all;
    * ``group_new_targets[g]``, ``group_engaged[g, j]``: group g may start engaging at
      most ``group_new_targets[g]`` targets it does not engage already (target channels).
    """

    target_max_weapons: IntArray | None = None
    weapon_group: IntArray | None = None
    weapon_units: IntArray | None = None
    group_units: IntArray | None = None
    group_new_targets: IntArray | None = None
    group_engaged: NDArray[np.bool_] | None = None

    def violations(self, x: IntArray) -> list[str]:
        """Which limits ``x`` (m, n) breaks (empty when feasible)."""
        out: list[str] = []
        if self.target_max_weapons is not None and np.any(x.sum(axis=0) > self.target_max_weapons):
            out.append("target_max_weapons")
        if self.weapon_group is None:
            return out
        groups = int(self.weapon_group.max(initial=-1)) + 1
        for g in range(groups):
            rows = self.weapon_group == g
            if self.group_units is not None and self.weapon_units is not None:
                used = int((x[rows].sum(axis=1) * self.weapon_units[rows]).sum())
                if used > self.group_units[g]:
                    out.append(f"group_units[{g}]")
            if self.group_new_targets is not None:
                hit = x[rows].sum(axis=0) > 0
                if self.group_engaged is not None:
                    hit &= ~self.group_engaged[g]
                if int(hit.sum()) > self.group_new_targets[g]:
                    out.append(f"group_new_targets[{g}]")
        return out


class _OAModel:
    """The HiGHS model: integer x_ij (pairs with p > 0), survival z_j, tangent rows."""

    def __init__(
        self, instance: WTAInstance, *, threads: int = 1, limits: SideLimits | None = None
    ) -> None:
        import highspy

        self.inst = instance
        m, n = instance.kill_probability.shape
        self.logq = log_survival(instance.kill_probability)
        usable = (instance.kill_probability > 0.0) & (instance.weapon_counts[:, None] > 0)
        self.pi, self.pj = (a.astype(np.int64) for a in np.nonzero(usable))
        self.nx = self.pi.size
        h = new_highs()
        h.setOptionValue("threads", threads)
        h.setOptionValue("mip_rel_gap", 1e-7)
        h.setOptionValue("mip_abs_gap", 1e-9)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        inf = highspy.kHighsInf
        # columns: x (nx) then z (n)
        ub_x = instance.weapon_counts[self.pi].astype(np.float64)
        h.addVars(self.nx, np.zeros(self.nx), ub_x)
        h.addVars(n, np.zeros(n), np.ones(n))
        cost = np.concatenate([np.zeros(self.nx), instance.target_values])
        h.changeColsCost(self.nx + n, np.arange(self.nx + n, dtype=np.int32), cost)
        h.changeColsIntegrality(
            self.nx,
            np.arange(self.nx, dtype=np.int32),
            np.full(self.nx, highspy.HighsVarType.kInteger),
        )
        # capacity rows: sum_j x_ij <= c_i
        order = np.argsort(self.pi, kind="stable")
        starts = np.searchsorted(self.pi[order], np.arange(m)).astype(np.int32)
        h.addRows(
            m,
            np.full(m, -inf),
            instance.weapon_counts.astype(np.float64),
            self.nx,
            starts,
            order.astype(np.int32),
            np.ones(self.nx),
        )
        self.h = h
        self.inf = inf
        # x columns of each target, to write tangent rows
        self.cols_of_target = [np.flatnonzero(self.pj == j).astype(np.int32) for j in range(n)]
        self.n_cuts = 0
        self.finished = False
        self.new_target_cols: list[tuple[int, int, int]] = []  # (column, group, target)
        self.weapon_group = np.zeros(m, dtype=np.int64)
        if limits is not None:
            self._add_limits(limits)

    def _add_row(self, cols: list[int], vals: list[float], lo: float, hi: float) -> None:
        self.h.addRow(
            lo, hi, len(cols), np.asarray(cols, dtype=np.int32), np.asarray(vals, dtype=np.float64)
        )

    def _add_limits(self, lim: SideLimits) -> None:
        import highspy

        inst = self.inst
        n = inst.n_targets
        inf = self.inf
        if lim.target_max_weapons is not None:
            for j in range(n):
                cols = self.cols_of_target[j].tolist()
                if cols:
                    self._add_row(cols, [1.0] * len(cols), -inf, float(lim.target_max_weapons[j]))
        if lim.weapon_group is None:
            return
        groups = int(lim.weapon_group.max(initial=-1)) + 1
        gx = lim.weapon_group[self.pi]
        for g in range(groups):
            mine = np.flatnonzero(gx == g)
            if mine.size == 0:
                continue
            if lim.group_units is not None and lim.weapon_units is not None:
                units = lim.weapon_units[self.pi[mine]].astype(np.float64)
                self._add_row(mine.tolist(), units.tolist(), -inf, float(lim.group_units[g]))
            if lim.group_new_targets is None:
                continue
            e_cols: list[int] = []
            for j in np.unique(self.pj[mine]).tolist():
                if lim.group_engaged is not None and lim.group_engaged[g, j]:
                    continue
                xs = mine[self.pj[mine] == j]
                big = float(inst.weapon_counts[self.pi[xs]].sum())
                if lim.target_max_weapons is not None:
                    big = min(big, float(lim.target_max_weapons[j]))
                col = self.h.getNumCol()
                self.h.addVar(0.0, 1.0)
                self.h.changeColIntegrality(col, highspy.HighsVarType.kInteger)
                self.new_target_cols.append((col, g, j))
                e_cols.append(col)
                self._add_row([*xs.tolist(), col], [1.0] * xs.size + [-big], -inf, 0.0)
            if e_cols:
                self._add_row(e_cols, [1.0] * len(e_cols), -inf, float(lim.group_new_targets[g]))
        self.weapon_group = lim.weapon_group

    def add_tangents(self, targets: IntArray, points: FloatArray) -> None:
        """Rows z_j - e^a sum_i ln(q_ij) x_ij >= e^a (1 - a) for each (j, a)."""
        if targets.size == 0:
            return
        starts, idx, val, lower = [], [], [], []
        nnz = 0
        for j, a in zip(targets.tolist(), points.tolist(), strict=True):
            cols = self.cols_of_target[j]
            ea = math.exp(a)
            starts.append(nnz)
            idx.append(np.append(cols, self.nx + j).astype(np.int32))
            val.append(np.append(-ea * self.logq[self.pi[cols], j], 1.0))
            lower.append(ea * (1.0 - a))
            nnz += cols.size + 1
        k = len(lower)
        self.h.addRows(
            k,
            np.asarray(lower),
            np.full(k, self.inf),
            nnz,
            np.asarray(starts, dtype=np.int32),
            np.concatenate(idx),
            np.concatenate(val),
        )
        self.n_cuts += k

    def y_of(self, x: IntArray) -> FloatArray:
        return np.asarray((self.logq * x).sum(axis=0))

    def start_from(self, x: IntArray) -> None:
        extra = [float(x[self.weapon_group == g, j].sum() > 0) for _c, g, j in self.new_target_cols]
        col = np.concatenate(
            [x[self.pi, self.pj].astype(np.float64), np.exp(self.y_of(x)), np.asarray(extra)]
        )
        self.h.setSolution(col.size, np.arange(col.size, dtype=np.int32), col)

    def run(self, deadline: float) -> tuple[IntArray | None, float]:
        """Solve until ``deadline``; return (x or None, proven lower bound of this model)."""
        import highspy

        h = self.h
        if not run_verified(h, deadline, _OA_SETUP_S_PER_PAIR * self.nx):
            self.finished = False
            return None, -math.inf
        info = h.getInfo()
        status = h.getModelStatus()
        bound = float(info.mip_dual_bound) if info.valid else -math.inf
        self.finished = status == highspy.HighsModelStatus.kOptimal
        if self.finished:
            bound = max(bound, float(info.objective_function_value) * (1 - 1e-7) - 1e-9)
        if not math.isfinite(bound):
            bound = -math.inf
        sol = h.getSolution()
        if info.primal_solution_status != 2:  # 2: feasible
            return None, bound
        col = np.asarray(sol.col_value)
        m, n = self.inst.kill_probability.shape
        x = np.zeros((m, n), dtype=np.int64)
        x[self.pi, self.pj] = np.rint(col[: self.nx]).astype(np.int64)
        return x, bound


def solve_exact(
    instance: WTAInstance,
    *,
    time_limit_s: float = 60.0,
    start: IntArray | None = None,
    rel_gap: float = 1e-6,
    threads: int = 1,
    limits: SideLimits | None = None,
    single_copy: bool = True,
) -> tuple[IntArray, float, bool, dict[str, Any]]:
    """Exact WTA; returns (best x, lower bound, proven optimal, stats).

    Without ``limits``, unless there are several copies per type and more weapons than
    targets, the single-copy method runs first (Lagrangian bound and column
    MILP, :mod:`shieldlab.wta.single_copy`; a type with several copies is split into
    single weapons); if it does not prove optimality the outer approximation continues
    from its answer with the time left, and the better of the two bounds is returned.
    ``single_copy=False`` skips it. With ``limits`` only the outer-approximation loop
    (module docstring) runs, with the fire-control side constraints in the MILP;
    ``start`` must then satisfy them (the empty assignment always does and is the default).
    """
    one_copy = bool(np.all(instance.weapon_counts <= 1))
    more_weapons = instance.n_weapons > instance.n_targets
    if limits is None and single_copy and (one_copy or not more_weapons):
        t0 = time.perf_counter()
        # More weapons than targets means heavy stacking: there the sets to price and
        # enumerate explode while the outer approximation proves such instances faster
        # (measured, docs/wta.md), so the single-copy method gets a fifth of the time
        # with one copy per type and none with several (mu = 3 benchmark: no bound in
        # 30 s); with no more weapons than targets it proves the benchmark in seconds.
        share = 0.2 if more_weapons else (1.0 if one_copy else 0.5)
        x_sc, lb_sc, proven_sc, st_sc = solve_by_copies(
            instance, time_limit_s=share * time_limit_s, start=start, rel_gap=rel_gap
        )
        left = time_limit_s - (time.perf_counter() - t0)
        if proven_sc or left <= 0.1:
            return x_sc, lb_sc, proven_sc, {"single_copy": st_sc}
        t1 = time.perf_counter()
        x_oa, lb_oa, proven_oa, st_oa = _solve_oa(
            instance, time_limit_s=left, start=x_sc, rel_gap=rel_gap, threads=threads
        )
        left -= time.perf_counter() - t1
        if st_oa["rounds"] == 0 and left > 0.1:
            # no MILP fits in the time left (set-up guards above): the local search
            # gets it, so that a short limit still buys a better assignment

            x_ls, st_ls = local_search(instance, x_oa, time_limit_s=left)
            if wta_objective(instance, x_ls) < wta_objective(instance, x_oa):
                x_oa = x_ls
            st_oa = {**st_oa, "local_search": st_ls}
        # both bounds are valid, so is the larger; F(x_oa) <= F(x_sc) (warm start)
        f_oa = wta_objective(instance, x_oa)
        lb = min(max(lb_sc, lb_oa), f_oa)
        proven = proven_oa or f_oa - lb <= rel_gap * max(abs(f_oa), 1e-12)
        return x_oa, lb, proven, {"single_copy": st_sc, **st_oa}
    t0 = time.perf_counter()
    x, lb, proven, stats = _solve_oa(
        instance,
        time_limit_s=time_limit_s,
        start=start,
        rel_gap=rel_gap,
        threads=threads,
        limits=limits,
    )
    left = time_limit_s - (time.perf_counter() - t0)
    if limits is None and stats["rounds"] == 0 and left > 0.1:
        # as above: no MILP fits in the time, the local search gets it

        x_ls, st_ls = local_search(instance, x, time_limit_s=left)
        if wta_objective(instance, x_ls) < wta_objective(instance, x):
            x = x_ls
        stats = {**stats, "local_search": st_ls}
    return x, lb, proven, stats


def _solve_oa(
    instance: WTAInstance,
    *,
    time_limit_s: float,
    start: IntArray | None,
    rel_gap: float,
    threads: int,
    limits: SideLimits | None = None,
) -> tuple[IntArray, float, bool, dict[str, Any]]:
    """The outer-approximation loop of the module docstring."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    n = instance.n_targets
    if start is None and limits is not None:
        start = np.zeros(instance.kill_probability.shape, dtype=np.int64)
    elif start is None:
        start = greedy_assignment(instance)
    best_x = np.asarray(start, dtype=np.int64).copy()
    best_obj = wta_objective(instance, best_x)
    pairs = int(((instance.kill_probability > 0) & (instance.weapon_counts[:, None] > 0)).sum())
    if deadline - time.perf_counter() <= 0.1 + _OA_SETUP_S_PER_PAIR * pairs:
        # too little time to build the model and solve a first LP: no bound from here
        return best_x, -math.inf, False, {"rounds": 0, "cuts": 0, "x_vars": 0}
    model = _OAModel(instance, threads=threads, limits=limits)
    tj = np.repeat(np.arange(n), len(_INITIAL_SURVIVALS))
    ta = np.tile(np.log(np.asarray(_INITIAL_SURVIVALS)), n)
    model.add_tangents(tj, ta)
    y0 = model.y_of(best_x)
    keep = y0 < 0.0
    model.add_tangents(np.flatnonzero(keep), y0[keep])
    bound = -math.inf
    rounds = 0
    proven = False
    while True:
        # the kernels are compiled before any clock starts (shieldlab.wta.warm_up), so
        # the first round gets no extra time: the limit holds
        if deadline - time.perf_counter() <= 0.02:
            break
        model.start_from(best_x)
        x, b = model.run(deadline)
        rounds += 1
        bound = max(bound, b)
        if x is None:
            break
        obj = wta_objective(instance, x)
        if limits is not None and limits.violations(x):
            obj = math.inf  # rounding slack broke a side limit: keep the previous best
        if obj < best_obj:
            best_obj, best_x = obj, x
        tol = rel_gap * max(abs(best_obj), 1e-12)
        if best_obj - bound <= tol:
            proven = True
            break
        # tangents where the model under-estimated the survival of its own solution
        y = model.y_of(x)
        z = np.asarray(model.h.getSolution().col_value)[model.nx : model.nx + n]
        err = instance.target_values * (np.exp(y) - z)
        loose = (err > 1e-9 * max(best_obj, 1e-12) / n) & (y > math.log(_Q_FLOOR))
        if not np.any(loose):
            # The MILP's own solution is priced exactly, so its optimum equals F(x) up to
            # the solver tolerances: optimal if the MILP finished, else time is up.
            proven = model.finished
            break
        model.add_tangents(np.flatnonzero(loose), y[loose])
    stats = {"rounds": rounds, "cuts": model.n_cuts, "x_vars": model.nx}
    lb = min(bound, best_obj) if math.isfinite(bound) else -math.inf
    return best_x, lb, proven, stats


def clock_margin_s(time_limit_s: float) -> float:
    """Seconds a solver holds back from its ``--time-limit`` for HiGHS to stop.

    HiGHS reads its clock between nodes, and one node LP of the largest benchmark instances
    (250 x 500, three copies) takes about a second: with the whole limit passed on, 60 s runs
    ended up to 1.7 s late (measured with ``benchmarks/bench_wta.py``).
    """
    return 0.05 + 0.03 * time_limit_s


class ExactSolver(WTASolver):
    """Proven optimum or a proven lower bound: HiGHS MILPs.

    One copy per weapon type: Lagrangian bound and column MILP
    (:mod:`shieldlab.wta.single_copy`). Otherwise the outer approximation, warm-started
    from ``start`` or else from a short local search.
    """

    name = "exact"

    def __init__(self, *, rel_gap: float = 1e-6, start: IntArray | None = None) -> None:
        self.rel_gap = rel_gap
        self.start = start

    def solve(self, instance: WTAInstance, *, time_limit_s: float = 60.0) -> WTAResult:
        t0 = time.perf_counter()
        start = self.start
        # with no more weapons than targets the single-copy method runs first and has
        # its own incumbent search (solve_exact)
        own_start = instance.n_weapons <= instance.n_targets
        if start is None and not own_start and instance.n_weapons * instance.n_targets > 2000:
            # a good incumbent from the outset lets the MILP prune: greedy or assignment,
            # then a short local search (5 % of the limit, at most 3 s); small instances
            # do not need it (nor the one-off compilation of the search)

            start, _ = local_search(instance, time_limit_s=min(3.0, 0.05 * time_limit_s))
        left = max(0.05, time_limit_s - (time.perf_counter() - t0) - clock_margin_s(time_limit_s))
        x, lb, proven, stats = solve_exact(
            instance, time_limit_s=left, start=start, rel_gap=self.rel_gap
        )
        return make_result(
            instance,
            x,
            solver=self.name,
            seconds=time.perf_counter() - t0,
            lower_bound=lb if math.isfinite(lb) else None,
            optimal=proven,
            note="" if proven else "time limit reached: lower bound only",
            stats=stats,
        )

"""Exact WTA when every weapon type has one copy: Lagrangian bound, then a column MILP.

With c_i <= 1 every weapon is one binary decision, and a solution is a choice of one
weapon set S_j per target (disjoint sets) with cost c_j(S) = V_j prod_{i in S} (1 - p_ij).
Pricing the weapon constraints with u_i >= 0 (Lagrangian relaxation, as in the lower
bounds of Ahuja, Kumar, Jha & Orlin, Operations Research 55(6), 2007) gives, for every u,

    L(u) = sum_j m_j(u) - sum_i u_i,   m_j(u) = min_S [ c_j(S) + sum_{i in S} u_i ],

a lower bound on the optimum: for any feasible solution, sum_j u(S_j) <= sum_i u_i, so

    F(x) = sum_j [c_j(S_j) + u(S_j)] - sum_{i used} u_i >= L(u) + sum_j r_j(S_j),

with the reduced cost r_j(S) = c_j(S) + u(S) - m_j(u) >= 0. Each m_j is found exactly by
a small branch-and-bound over the weapons with V_j p_ij > u_i (only those can lower
c + u), pruned with the Weierstrass inequality prod_T (1 - p_t) >= 1 - sum_T p_t: adding
the set T to S costs at least c_j(S) + u(S) - sum_{t in T} max(0, c_j(S) p_tj - u_t).

1. u: the duals of the weapon rows of the set-partitioning LP (a column per target and
   weapon set), solved by column generation on HiGHS; its pricing problem is m_j. At the
   end L(u) equals the LP bound (the Lagrangian dual). Any u >= 0 gives a valid bound, so
   the proof does not rest on the LP being solved exactly: L(u) is recomputed from u.
2. Incumbent x with F(x) = UB: linear assignment (each weapon to a distinct target), the
   LP solution when it is integral, a given start, then a short local search.
3. By the inequality above, a solution better than UB uses on each target a set with
   r_j(S) < UB - L(u). All sets with r_j(S) <= G, G = UB - L(u), are enumerated by the
   same branch-and-bound, and the set-partitioning MILP over them (one binary per target
   and set) is solved by HiGHS. Its optimum, or UB when it finds nothing better, is the
   optimum of the instance. More generally, any solution of value <= L(u) + G uses
   enumerated sets only, so min(L(u) + G, MILP dual bound) is a lower bound; when more
   than ``max_columns`` sets qualify, G is halved until they fit and that bound is
   returned.

The answer is proven optimal when UB - bound <= rel_gap * UB with rel_gap = 1e-6, the
tolerance of :mod:`shieldlab.wta.exact` (HiGHS's own MIP gap is set ten times tighter).
On the benchmark instances with one copy per type (50x100x1 ... 250x500x1) the LP bound
already equals the linear-assignment objective, so step 3 is not needed there.

Sources: the Lagrangian bound and the set-partitioning form as above (Ahuja et al. 2007,
section on lower bounds; Andersen, Pavlikov & Toffolo, Annals of OR, 2022, on the
mu = 1 instances); enumerating every column whose reduced cost is below the gap is the
exact column-enumeration step of Baldacci, Christofides & Mingozzi (Math. Programming
115, 2008) for set-partitioning models.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from shieldlab.wta.base import FloatArray, IntArray, WTAInstance
from shieldlab.wta.base import objective as wta_objective
from shieldlab.wta.greedy import fill_unused
from shieldlab.wta.highs import highs_time, new_highs, run_verified
from shieldlab.wta.local_search import assignment_seconds, kick_batch, local_search

LOG = logging.getLogger(__name__)

#: candidate and enumeration thresholds are widened by this much times sum_j V_j so that
#: round-off in the bound arithmetic can only add sets, never drop one
_SAFETY = 1e-9
#: column generation normally converges in a few rounds (2-7 measured); a cap keeps a
#: degenerate case from cycling until the time limit (any u >= 0 gives a valid bound)
_MAX_LP_ROUNDS = 200
#: nodes per target and search: enough for the benchmark (a few hundred at most); when
#: many weapons are free (more weapons than targets) the sets explode, and the search
#: stops with a valid bound instead of running past the time limit
_NODE_BUDGET = 200_000
#: ... and at most this many over all targets of one search
_NODES_PER_SEARCH = 100_000_000
#: work (nodes times the candidates each node's relaxation bound may scan) per target:
#: a node is not O(1) -- with prices u = 0 every weapon is a candidate and one search of
#: 250 x 500 took 650 s before this cap. 3e7 is 0.03-0.1 s; 5e6 cut the enumeration of
#: wta_250x500x2 (no proof in 20 s, where 3e7 proves it as before)
_WORK_BUDGET = 30_000_000
#: HiGHS does not read its clock while it sets up an LP: with 10^6 columns (1000 x 1000)
#: an LP given 1.3 s ran 2.2 s on a quiet machine; an LP round starts only with three
#: times 1e-6 s per column left (load)
_LP_SETUP_S_PER_COLUMN = 3e-6
#: the clock is read after each slice of targets of about this much work (tens of ms)
_SLICE_WORK = 20_000_000


@njit(cache=True)
def _open_bound(cs: float, us: float, p: FloatArray, u: FloatArray, first: int) -> float:
    """Lower bound on value(S + T), T any subset of the candidates first..k-1.

    value(S + T) = cs prod_{r in T} q_r + us + sum_{r in T} u_r with q = 1 - p. Letting
    the membership y_r of r in T take values in [0, 1] (q_r^y_r) can only lower the
    minimum, and the relaxed problem is convex: with t = -sum_r y_r ln q_r (the log-kill
    bought), min_y = min_t cs e^-t + K(t) + us, where K(t), the cheapest way to buy t, is
    a fractional knapsack: candidates by increasing price per log-kill
    rho_r = u_r / -ln q_r (the order the candidates are given in), so K is convex and
    piecewise linear and the minimum is where cs e^-t meets the slope rho.
    """
    if cs <= 0.0:
        return us
    t = 0.0
    k_cost = 0.0
    for r in range(first, p.size):
        if p[r] >= 1.0:
            return us  # a sure kill: the survival term can reach 0 at no extra price
        length = -math.log1p(-p[r])
        if length <= 0.0:
            continue
        rho = u[r] / length
        e = cs * math.exp(-t)
        if e <= rho:
            return e + k_cost + us
        # inside this segment the optimum is at cs e^-t' = rho, if before its end
        if rho > 0.0:
            t_star = math.log(cs / rho)
            if t_star < t + length:
                return rho + k_cost + rho * (t_star - t) + us
        k_cost += rho * length
        t += length
    return cs * math.exp(-t) + k_cost + us


@njit(cache=True)
def _target_sets(
    v: float,
    p: FloatArray,
    u: FloatArray,
    limit: float,
    minimize: bool,
    budget: int,
    work_budget: int,
    out_sets: IntArray,
    out_len: IntArray,
    out_val: FloatArray,
    count: int,
    nnz: int,
) -> tuple[int, int, float, float, int]:
    """Branch-and-bound over the subsets S of one target's candidates (p, u).

    value(S) = v prod_{t in S} (1 - p_t) + sum_{t in S} u_t. With ``minimize`` the one
    best set with value < ``limit`` is written (count + 1 on success) and the best value
    returned; otherwise every set with value <= ``limit`` is written. Sets are local
    candidate indices appended at ``out_sets[nnz:]``. At most ``budget`` nodes and
    ``work_budget`` work (a node costs 1 plus the candidates after it, the most its
    relaxation bound scans) are spent; if the search stops there, the fourth value
    returned is a lower bound on the value of every set not visited (else +inf). Returns
    (count, nnz, best value, that bound, work spent); count = -1 when the output arrays
    are full.
    """
    k = p.size
    cs = np.empty(k + 1)
    us = np.empty(k + 1)
    nxt = np.empty(k + 1, np.int64)
    ch = np.empty(k + 1, np.int64)
    best = limit
    best_len = -1
    best_set = np.empty(k + 1, np.int64)
    if minimize:
        if v < best:
            best = v
            best_len = 0
    elif v <= limit:
        if count >= out_len.size:
            return -1, nnz, best, np.inf, 0
        out_len[count] = 0
        out_val[count] = v
        count += 1
    cs[0] = v
    us[0] = 0.0
    nxt[0] = 0
    level = 0
    nodes = 0
    work = 0
    open_lb = np.inf
    while level >= 0:
        t = nxt[level]
        if t >= k:
            level -= 1
            continue
        nodes += 1
        work += k - t
        if nodes > budget or work > work_budget:
            # every set not visited extends ch[:L] by candidates from nxt[L] on, L <= level
            for lv in range(level + 1):
                if nxt[lv] < k:
                    open_lb = min(open_lb, _open_bound(cs[lv], us[lv], p, u, nxt[lv]))
            break
        nxt[level] = t + 1
        c = cs[level] * (1.0 - p[t])
        s = us[level] + u[t]
        if s > best:
            continue  # c >= 0 and every further weapon adds u >= 0
        val = c + s
        ch[level] = t
        if minimize:
            if val < best:
                best = val
                best_len = level + 1
                best_set[: level + 1] = ch[: level + 1]
        elif val <= limit:
            if count >= out_len.size or nnz + level + 1 > out_sets.size:
                return -1, nnz, best, open_lb, work
            out_sets[nnz : nnz + level + 1] = ch[: level + 1]
            nnz += level + 1
            out_len[count] = level + 1
            out_val[count] = val
            count += 1
        if t + 1 >= k:
            continue
        # no superset of ch[:level+1] reaches below this
        lb = _open_bound(c, s, p, u, t + 1)
        if (minimize and lb < best) or (not minimize and lb <= limit):
            level += 1
            cs[level] = c
            us[level] = s
            nxt[level] = t + 1
    if minimize and best_len >= 0:
        if count >= out_len.size or nnz + best_len > out_sets.size:
            return -1, nnz, best, open_lb, work
        out_sets[nnz : nnz + best_len] = best_set[:best_len]
        nnz += best_len
        out_len[count] = best_len
        out_val[count] = best
        count += 1
    return count, nnz, best, open_lb, work


@njit(cache=True)
def _all_targets(
    values: FloatArray,
    ptr: IntArray,
    cand_w: IntArray,
    cand_p: FloatArray,
    u: FloatArray,
    limits: FloatArray,
    minimize: bool,
    budget: int,
    work_budget: int,
    out_sets: IntArray,
    out_len: IntArray,
    out_val: FloatArray,
    out_tgt: IntArray,
    low: FloatArray,
    state: IntArray,
    slice_work: int,
) -> bool:
    """:func:`_target_sets` for targets state[0], state[0] + 1, ... (candidates of
    target j: ptr[j]:ptr[j+1]) until ``slice_work`` work is spent or every target is done.

    ``state`` = [next target, sets found, flat entries used, every search finished]
    carries over between calls, so that the caller can read the clock between slices.
    Writes (target, length, weapon ids (flat), value) of the sets found and per target a
    lower bound on the least value (the least value itself when its search finished).
    Returns False when the output arrays are full.
    """
    n = values.size
    spent = 0
    j = state[0]
    count = state[1]
    nnz = state[2]
    while j < n and spent <= slice_work:
        a, b = ptr[j], ptr[j + 1]
        before = count
        start = nnz
        count, nnz, best, open_lb, work = _target_sets(
            values[j],
            cand_p[a:b],
            u[cand_w[a:b]],
            limits[j],
            minimize,
            budget,
            work_budget,
            out_sets,
            out_len,
            out_val,
            count,
            nnz,
        )
        if count < 0:
            return False
        spent += work + 1
        low[j] = min(best, open_lb)
        if open_lb < np.inf:
            state[3] = 0
        out_tgt[before:count] = j
        for e in range(start, nnz):
            out_sets[e] = cand_w[a + out_sets[e]]
        j += 1
    state[0] = j
    state[1] = count
    state[2] = nnz
    return True


@dataclass(frozen=True, kw_only=True)
class _Columns:
    """Weapon sets per target: target (k,), weapons flat with starts (k + 1,), cost (k,)."""

    target: IntArray
    start: IntArray
    weapons: IntArray
    cost: FloatArray

    @property
    def size(self) -> int:
        return int(self.target.size)


def _columns(
    values: FloatArray, prob: FloatArray, tgt: IntArray, length: IntArray, flat: IntArray
) -> _Columns:
    start = np.concatenate([[0], np.cumsum(length)]).astype(np.int64)
    logq_cost = np.ones(tgt.size)
    if flat.size:
        owner = np.repeat(np.arange(tgt.size), length)
        np.multiply.at(logq_cost, owner, 1.0 - prob[flat, tgt[owner]])
    return _Columns(target=tgt, start=start, weapons=flat, cost=values[tgt] * logq_cost)


@dataclass(kw_only=True)
class _Problem:
    """The instance restricted to usable weapons (count 1) and targets of value > 0."""

    values: FloatArray  # (n,)
    prob: FloatArray  # (m, n)
    usable: NDArray[np.bool_]  # (m, n): p > 0, weapon present, V > 0
    stats: dict[str, Any] = field(default_factory=dict)

    def candidates(self, u: FloatArray, slack: float) -> tuple[IntArray, IntArray, FloatArray]:
        """CSR per target of the weapons with V_j p_ij + slack > u_i (a weapon with
        u_i >= V_j p_ij + slack raises c + u by at least ``slack`` wherever it is added),
        ordered by increasing price per log-kill u_i / -ln(1 - p_ij) (:func:`_open_bound`)."""
        gain = self.values[None, :] * self.prob - u[:, None]
        mask = self.usable & (gain + slack > 0.0)
        jj, ii = np.nonzero(mask.T)
        with np.errstate(divide="ignore", over="ignore"):  # p = 1: inf; tiny p: rho inf
            length = -np.log1p(-self.prob[ii, jj])  # inf for p = 1
            rho = np.where(np.isinf(length), 0.0, u[ii] / length)
        order = np.lexsort((rho, jj))  # :func:`_open_bound` needs this order
        jj, ii = jj[order], ii[order]
        ptr = np.searchsorted(jj, np.arange(self.values.size + 1)).astype(np.int64)
        return ptr, ii.astype(np.int64), self.prob[ii, jj]

    def search(
        self,
        u: FloatArray,
        limits: FloatArray,
        *,
        minimize: bool,
        slack: float,
        max_columns: int,
        deadline: float = math.inf,
    ) -> tuple[_Columns | None, FloatArray, bool]:
        """Sets per target (module docstring) -> (columns or None when more than
        ``max_columns``, lower bound on each target's least value, search complete).

        After ``deadline`` (``time.perf_counter``) the targets left get no search, only
        the relaxation bound of their root (budget 0): the bounds stay valid, the search
        is marked incomplete."""
        ptr, cw, cp = self.candidates(u, slack)
        n = self.values.size
        max_nnz = max(8 * max_columns, int(cw.size) + 1)
        out_sets = np.empty(max_nnz, np.int64)
        out_len = np.empty(max_columns, np.int64)
        out_val = np.empty(max_columns)
        out_tgt = np.empty(max_columns, np.int64)
        low = np.empty(n)
        state = np.array([0, 0, 0, 1], dtype=np.int64)
        budget = max(1, min(_NODE_BUDGET, _NODES_PER_SEARCH // max(1, n)))
        ok = True
        while ok and state[0] < n:
            late = time.perf_counter() > deadline
            if late:
                self.stats["deadline_cut"] = self.stats.get("deadline_cut", 0) + 1
            ok = _all_targets(
                self.values,
                ptr,
                cw,
                cp,
                u,
                limits,
                minimize,
                0 if late else budget,
                0 if late else _WORK_BUDGET,
                out_sets,
                out_len,
                out_val,
                out_tgt,
                low,
                state,
                np.iinfo(np.int64).max if late else _SLICE_WORK,
            )
        if not ok:
            return None, low, False
        complete = bool(state[3])
        count, nnz = int(state[1]), int(state[2])
        cols = _columns(self.values, self.prob, out_tgt[:count], out_len[:count], out_sets[:nnz])
        return cols, low, complete

    def lagrangian(
        self, u: FloatArray, deadline: float = math.inf
    ) -> tuple[float, FloatArray, bool]:
        """(L(u), l_j, exact) with l_j <= m_j(u): m_j itself (exact) unless a search hit the
        node budget or the deadline, then the bound of the unexplored subtrees;
        L(u) = sum_j l_j - sum_i u_i is a lower bound on the optimum either way."""
        _, low, complete = self.search(
            u,
            self.values.copy(),
            minimize=True,
            slack=0.0,
            max_columns=self.values.size + 1,
            deadline=deadline,
        )
        return float(low.sum() - u.sum()), low, complete


def _highs_lp(prob: _Problem, m: int) -> Any:
    import highspy

    n = prob.values.size
    h = new_highs()
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.setOptionValue("dual_feasibility_tolerance", 1e-9)
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    inf = highspy.kHighsInf
    rows = n + m
    h.addRows(
        rows,
        np.full(rows, -inf),
        np.ones(rows),
        0,
        np.zeros(rows, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    return h


def _add_columns(h: Any, cols: _Columns, values: FloatArray, n: int, unit: float) -> None:
    """Columns with cost (c_j(S) - V_j) / unit, a 1 in target row j and in weapon rows n + i.

    Costs are in units of the largest target value so that HiGHS's absolute tolerances
    (1e-9) mean the same whatever the scale of the values."""
    k = cols.size
    if k == 0:
        return
    length = np.diff(cols.start)
    starts = (cols.start[:-1] + np.arange(k)).astype(np.int32)
    idx = np.empty(int(cols.weapons.size + k), dtype=np.int32)
    first = starts
    idx[first] = cols.target
    owner = np.repeat(np.arange(k), length)
    pos = np.arange(cols.weapons.size) - cols.start[owner] + first[owner] + 1
    idx[pos] = n + cols.weapons
    h.addCols(
        k,
        (cols.cost - values[cols.target]) / unit,
        np.zeros(k),
        np.ones(k),
        int(idx.size),
        starts,
        idx,
        np.ones(idx.size),
    )


def _concat(parts: list[_Columns]) -> _Columns:
    """The columns of ``parts`` in order."""
    starts = [parts[0].start]
    offset = int(parts[0].start[-1])
    for c in parts[1:]:
        starts.append(c.start[1:] + offset)
        offset += int(c.start[-1])
    return _Columns(
        target=np.concatenate([c.target for c in parts]),
        start=np.concatenate(starts),
        weapons=np.concatenate([c.weapons for c in parts]),
        cost=np.concatenate([c.cost for c in parts]),
    )


def _match(cols: _Columns, x: IntArray, usable: NDArray[np.bool_]) -> FloatArray:
    """0/1 per column: 1 where the column is exactly the weapon set x puts on its target."""
    length = np.diff(cols.start)
    owner = np.repeat(np.arange(cols.size), length)
    hit = (x[cols.weapons, cols.target[owner]] > 0).astype(np.int64)
    hits = np.bincount(owner, weights=hit, minlength=cols.size)
    size_j = ((x > 0) & usable).sum(axis=0)
    return ((hits == length) & (length == size_j[cols.target])).astype(np.float64)


def _x_of(cols: _Columns, chosen: NDArray[np.bool_], shape: tuple[int, int]) -> IntArray:
    x = np.zeros(shape, dtype=np.int64)
    for c in np.flatnonzero(chosen).tolist():
        w = cols.weapons[cols.start[c] : cols.start[c + 1]]
        x[w, cols.target[c]] += 1
    return x


def _problem(instance: WTAInstance) -> _Problem:
    v = instance.target_values
    p = instance.kill_probability
    present = instance.weapon_counts > 0
    usable = (p > 0.0) & present[:, None] & (v[None, :] > 0.0)
    return _Problem(values=v, prob=p, usable=usable)


def lagrangian_bound(instance: WTAInstance, weapon_prices: FloatArray) -> float:
    """L(u) = sum_j min_S [V_j prod_{i in S} (1 - p_ij) + sum_{i in S} u_i] - sum_i u_i.

    A lower bound on the optimum for every u >= 0 when each weapon type has at most one
    copy (module docstring); u_i of an absent type (count 0) is ignored.
    """
    if np.any(instance.weapon_counts > 1):
        raise ValueError("lagrangian_bound needs weapon_counts <= 1")
    u = np.where(instance.weapon_counts > 0, np.asarray(weapon_prices, dtype=np.float64), 0.0)
    if np.any(u < 0.0):
        raise ValueError("weapon prices must be >= 0")
    return _problem(instance).lagrangian(u)[0]


def _gap_tol(rel_gap: float, ub: float, instance: WTAInstance) -> float:
    """Gap that counts as proven: ``rel_gap`` of the incumbent, but never below 1e-12 of the
    total target value -- the rounding scale of the objective and of the bound, which sum
    terms up to each V_j (an incumbent of 2e-16 beside values of 2 cannot be told from 0)."""
    total = float(np.sum(np.asarray(instance.target_values, dtype=np.float64)))
    return max(rel_gap * ub, 1e-12 * total, 1e-300)


def solve_single_copy(
    instance: WTAInstance,
    *,
    time_limit_s: float = 60.0,
    start: IntArray | None = None,
    rel_gap: float = 1e-6,
    max_columns: int = 200_000,
    polish: bool = True,
) -> tuple[IntArray, float, bool, dict[str, Any]] | None:
    """(best x, lower bound, proven optimal, stats) when every ``weapon_counts`` <= 1.

    None when some weapon type has more than one copy. ``polish=False`` skips the
    incumbent improvement of step 2 (then the MILP does the work: for tests).
    """
    import highspy
    from scipy.optimize import linear_sum_assignment

    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    counts = instance.weapon_counts
    if np.any(counts > 1):
        return None
    m, n = instance.kill_probability.shape
    v = instance.target_values
    p = instance.kill_probability
    present = counts > 0
    prob = _problem(instance)
    usable = prob.usable
    scale = max(float(v.sum()), 1e-300)
    unit = float(v.max()) if v.size and float(v.max()) > 0.0 else 1.0
    stats: dict[str, Any] = {"method": "single-copy column MILP"}

    # incumbent: linear assignment (each weapon a distinct target), leftovers greedily

    x_best = np.zeros((m, n), dtype=np.int64)
    w_idx = np.flatnonzero(present)
    if assignment_seconds(int(w_idx.size), n) > 0.5 * time_limit_s:
        # no time for the assignment: the start, else greedy (both uninterrupted steps)
        x_best = fill_unused(instance, x_best if start is None else np.asarray(start).copy())
    elif w_idx.size:
        rows, cols_ = linear_sum_assignment(v[None, :] * p[w_idx], maximize=True)
        x_best[w_idx[rows], cols_] = 1
        x_best = fill_unused(instance, x_best)
    ub = wta_objective(instance, x_best)
    if start is not None:
        f_start = wta_objective(instance, start)
        if f_start < ub:
            x_best, ub = np.asarray(start, dtype=np.int64).copy(), f_start

    # 1. column generation for the set-partitioning LP: start with every single pair
    ii, jj = np.nonzero(usable)
    singles = _columns(
        v, p, jj.astype(np.int64), np.ones(ii.size, dtype=np.int64), ii.astype(np.int64)
    )
    h = _highs_lp(prob, m)
    _add_columns(h, singles, v, n, unit)
    pool = [singles]
    u = np.zeros(m)
    rounds = 0
    # F >= 0 (a sum of non-negative terms), so 0 is a valid bound; every pricing search
    # below gives a Lagrangian bound as well, and the best of them is kept
    best_lag = 0.0
    timed_out = False
    n_cols = singles.size
    while rounds < _MAX_LP_ROUNDS:
        left = highs_time(deadline, _LP_SETUP_S_PER_COLUMN * n_cols)
        if left <= _LP_SETUP_S_PER_COLUMN * n_cols:
            timed_out = True
            break
        h.setOptionValue("time_limit", left)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            timed_out = h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
            break
        dual = np.asarray(h.getSolution().row_dual)
        u = np.where(present, unit * np.maximum(0.0, -dual[n:]), 0.0)
        w = unit * np.maximum(0.0, -dual[:n])
        rounds += 1
        # a set prices out when c + u(S) < V_j - w_j
        new, low_p, priced_all = prob.search(
            u, v - w - 1e-8 * unit, minimize=True, slack=0.0, max_columns=n + 1, deadline=deadline
        )
        # low_p[j] <= min(V_j - w_j - eps, m_j(u)) <= m_j(u): a valid L(u) for free. The
        # duals of an unconverged master price weapons too high, so this bound can be
        # negative (-80.9 was reported on 250x500x2): only the best one counts
        best_lag = max(best_lag, float(low_p.sum() - u.sum()))
        if not priced_all:
            # the node budget cut a pricing search: the columns it found are still good
            # (later rounds, with better prices, usually finish)
            stats["pricing_cut"] = stats.get("pricing_cut", 0) + 1
        if new is None or new.size == 0 or time.perf_counter() > deadline:
            break
        _add_columns(h, new, v, n, unit)
        pool.append(new)
        n_cols += new.size
    stats.update(lp_rounds=rounds)
    if rounds == 0 and timed_out:
        # no LP solved in time, so no prices: L(0) = sum_j V_j prod_i (1 - p_ij) bounds
        # almost nothing, and its search (every weapon a candidate) is the costliest
        stats.update(lagrangian_bound=best_lag, deadline_hit=True)
        return x_best, min(best_lag, ub), False, stats
    lp_value = unit * (float(h.getInfo().objective_function_value) + float((v / unit).sum()))
    lag, m_j, exact_m = prob.lagrangian(u, deadline)
    best_lag = max(best_lag, lag)
    stats.update(lp_bound=lp_value, lagrangian_bound=best_lag)
    if not exact_m:
        # the enumeration would be cut too: return the bound, the caller falls back
        stats["node_budget_hit"] = True
        lb = min(best_lag, ub)
        return x_best, lb, ub - lb <= _gap_tol(rel_gap, ub, instance), stats
    tol = _gap_tol(rel_gap, ub, instance)
    if ub - best_lag <= tol:
        stats["columns"] = 0
        return x_best, min(best_lag, ub), True, stats

    # 2. a better incumbent first: the number of sets to enumerate grows with UB - L(u)
    if polish and h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        lam = np.asarray(h.getSolution().col_value)
        if np.all(np.minimum(lam, 1.0 - lam) <= 1e-9):
            x_lp = fill_unused(instance, _x_of(_concat(pool), lam > 0.5, (m, n)))
            f_lp = wta_objective(instance, x_lp)
            if f_lp < ub:
                x_best, ub = x_lp, f_lp
    if polish and ub - lag > tol:
        x_ls, _ = local_search(
            instance,
            x_best,
            time_limit_s=min(2.0, 0.1 * max(0.0, deadline - time.perf_counter())),
            seed=0,
            max_kicks=2 * kick_batch(instance),
        )
        f_ls = wta_objective(instance, x_ls)
        if f_ls < ub:
            x_best, ub = x_ls, f_ls
    stats["incumbent_before_milp"] = ub
    if ub - best_lag <= tol:
        stats["columns"] = 0
        return x_best, min(best_lag, ub), True, stats

    # 3. every set with reduced cost <= G, then the set-partitioning MILP over them. With
    # G = UB - L(u) that is every set a better solution can use; when there are too many,
    # G is halved and the bound becomes min(L + G, MILP bound) (docstring of this module)
    margin = _SAFETY * scale
    g_try = ub - lag
    cols: _Columns | None = None
    for _ in range(12):
        if time.perf_counter() > deadline:
            cols = None
            break
        cols, _, complete = prob.search(
            u,
            m_j + g_try + margin,
            minimize=False,
            slack=g_try + margin,
            max_columns=max_columns,
            deadline=deadline,
        )
        if not complete:
            cols = None  # the node budget cut the enumeration: not every set is there
        if cols is not None or time.perf_counter() > deadline:
            break
        g_try *= 0.5
    if cols is None:
        stats["columns"] = f"> {max_columns}"
        LOG.info("single-copy WTA: more than %d candidate sets even at G = %g", max_columns, g_try)
        return x_best, min(best_lag, ub), False, stats
    if time.perf_counter() >= deadline:
        stats.update(columns=cols.size, deadline_hit=True)
        return x_best, min(best_lag, ub), False, stats
    full = g_try >= ub - lag
    stats.update(columns=cols.size, enumerated_gap=g_try)
    mip = _highs_lp(prob, m)
    _add_columns(mip, cols, v, n, unit)
    mip.changeColsIntegrality(
        cols.size,
        np.arange(cols.size, dtype=np.int32),
        np.full(cols.size, highspy.HighsVarType.kInteger),
    )
    mip.setOptionValue("mip_rel_gap", 0.1 * rel_gap)
    mip.setOptionValue("mip_abs_gap", 1e-12 * scale / unit)
    if full:
        # the incumbent's sets all have r_j <= UB - L(u): they are columns (warm start)
        mip.setSolution(
            cols.size, np.arange(cols.size, dtype=np.int32), _match(cols, x_best, usable)
        )
    ran = run_verified(mip, deadline, _LP_SETUP_S_PER_COLUMN * cols.size)
    info = mip.getInfo()
    # an unrun model's info holds mip_dual_bound = 0, which is no bound at all
    mip_bound = (
        unit * (float(info.mip_dual_bound) + float((v / unit).sum()))
        if ran and info.valid
        else -math.inf
    )
    if ran and info.primal_solution_status == 2:
        chosen = np.asarray(mip.getSolution().col_value) > 0.5
        x = fill_unused(instance, _x_of(cols, chosen, (m, n)))
        f = wta_objective(instance, x)
        if f < ub:
            x_best, ub = x, f
    if not math.isfinite(mip_bound):
        mip_bound = -math.inf
    # a solution of value <= L + G uses only enumerated sets, so the optimum is at least
    # min(L + G, MILP bound); with G = UB - L that is min(UB, MILP bound)
    lb = min(ub, max(best_lag, lag, min(lag + g_try, mip_bound)))
    stats.update(
        mip_status=str(mip.getModelStatus()), mip_bound=mip_bound, seconds=time.perf_counter() - t0
    )
    return x_best, lb, ub - lb <= _gap_tol(rel_gap, ub, instance), stats


def solve_by_copies(
    instance: WTAInstance,
    *,
    time_limit_s: float = 60.0,
    start: IntArray | None = None,
    rel_gap: float = 1e-6,
) -> tuple[IntArray, float, bool, dict[str, Any]]:
    """:func:`solve_single_copy` for any counts, each type split into c_i single weapons.

    A type with c_i copies is c_i identical weapons of one copy each: assignments of the
    split instance map onto those of the original (x_ij = copies of i on j) with the same
    objective, and every original assignment is reached, so the optimum and every lower
    bound carry over. Returns (x for the original types, lower bound, proven, stats).
    """
    counts = instance.weapon_counts
    if not np.any(counts > 1):
        out = solve_single_copy(instance, time_limit_s=time_limit_s, start=start, rel_gap=rel_gap)
        assert out is not None  # counts <= 1
        return out
    wtype = instance.weapon_type_of()
    split = WTAInstance(
        target_values=instance.target_values,
        kill_probability=instance.kill_probability[wtype],
        weapon_counts=np.ones(wtype.size, dtype=np.int64),
    )
    start_split = None
    if start is not None:
        # copy k of type i goes to the k-th target of type i's weapons (in target order)
        start_split = np.zeros(split.kill_probability.shape, dtype=np.int64)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for i in range(instance.n_weapon_types):
            tgts = np.repeat(np.arange(instance.n_targets), np.asarray(start)[i])
            start_split[first[i] + np.arange(tgts.size), tgts] = 1
    out = solve_single_copy(split, time_limit_s=time_limit_s, start=start_split, rel_gap=rel_gap)
    assert out is not None
    xs, lb, proven, stats = out
    x = np.zeros(instance.kill_probability.shape, dtype=np.int64)
    np.add.at(x, wtype, xs)
    stats["split_weapons"] = int(wtype.size)
    return x, lb, proven, stats

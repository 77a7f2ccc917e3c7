"""Local search for static WTA: move/swap descent, assignment ejection chains, kicks.

Three neighbourhoods, all evaluated exactly:

* move: one weapon to another target; swap: two weapons of different types on different
  targets exchange targets. Both are evaluated in O(1) from the survival products
  S_j = prod_i q_ij^x_ij (q = 1 - p) and searched exhaustively by a numba kernel.
* assignment (ejection-chain) neighbourhood: take one weapon off each of a set of
  targets, then put the removed weapons back with at most one per target. Because no
  target receives two of them, the objective after reinsertion is linear,
  sum_j V_j S'_j (1 - p_kj) over the receiving targets, so the best reinsertion is a
  linear assignment problem (scipy's ``linear_sum_assignment``). It contains every cyclic
  and path exchange of the very-large-scale neighbourhood of Ahuja, Kumar, Jha & Orlin
  (Operations Research 55(6), 2007) in which each target gives and takes at most one
  weapon, searched exactly rather than by a negative-cycle heuristic.
* kicks: a few random weapons moved to random targets, followed by descent (iterated
  local search); a kick is kept only when the descent ends better.

Internally q is floored at 1e-12 so that survival can be divided by q; the reported
objective is recomputed from the assignment with the true p.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from shieldlab.wta.base import FloatArray, IntArray, WTAInstance, WTAResult, WTASolver, make_result
from shieldlab.wta.base import objective as wta_objective

_Q_FLOOR = 1e-12


@njit(cache=True)
def _survival(values: FloatArray, q: FloatArray, x: IntArray, j: int) -> float:
    s = 1.0
    for i in range(q.shape[0]):
        if x[i, j] > 0:
            s *= q[i, j] ** x[i, j]
    return s


@njit(cache=True)
def _descent(
    values: FloatArray,
    q: FloatArray,
    x: IntArray,
    wtype: IntArray,
    wtgt: IntArray,
    surv: FloatArray,
) -> float:
    """Move/swap descent to a local optimum; updates x, wtgt, surv in place; returns F."""
    n = q.shape[1]
    nw = wtype.size
    improved = True
    while improved:
        improved = False
        # moves: best target for each weapon
        for w in range(nw):
            i = wtype[w]
            a = wtgt[w]
            rem = values[a] * (surv[a] / q[i, a] - surv[a])
            best = 0.0
            bb = -1
            for b in range(n):
                if b != a:
                    d = rem - values[b] * surv[b] * (1.0 - q[i, b])
                    if d < best:
                        best = d
                        bb = b
            if bb >= 0 and best < -1e-13 * (1.0 + rem):
                x[i, a] -= 1
                x[i, bb] += 1
                wtgt[w] = bb
                surv[a] = _survival(values, q, x, a)
                surv[bb] = _survival(values, q, x, bb)
                improved = True
        # swaps
        for w1 in range(nw):
            i1 = wtype[w1]
            a = wtgt[w1]
            for w2 in range(w1 + 1, nw):
                i2 = wtype[w2]
                b = wtgt[w2]
                if a == b or i1 == i2:
                    continue
                na = surv[a] / q[i1, a] * q[i2, a]
                nb = surv[b] / q[i2, b] * q[i1, b]
                d = values[a] * (na - surv[a]) + values[b] * (nb - surv[b])
                if d < -1e-13 * (values[a] * surv[a] + values[b] * surv[b]):
                    x[i1, a] -= 1
                    x[i2, a] += 1
                    x[i2, b] -= 1
                    x[i1, b] += 1
                    wtgt[w1] = b
                    wtgt[w2] = a
                    a = b
                    surv[wtgt[w2]] = _survival(values, q, x, wtgt[w2])
                    surv[b] = _survival(values, q, x, b)
                    improved = True
    f = 0.0
    for j in range(n):
        f += values[j] * surv[j]
    return f


@njit(cache=True)
def _ils(
    values: FloatArray,
    q: FloatArray,
    x: IntArray,
    wtype: IntArray,
    wtgt: IntArray,
    uniforms: FloatArray,
) -> float:
    """Iterated local search from x (in place, kept at the best found); returns best F.

    Row r of ``uniforms`` (iterations, 1 + 2 k_max) drives kick r: its size, then a
    weapon and a target for each moved weapon (drawn by the caller's numpy Generator).
    """
    iterations = uniforms.shape[0]
    kick_size = (uniforms.shape[1] - 1) // 2
    n = q.shape[1]
    nw = wtype.size
    surv = np.empty(n)
    for j in range(n):
        surv[j] = _survival(values, q, x, j)
    best = _descent(values, q, x, wtype, wtgt, surv)
    if nw == 0 or n < 2:
        return best
    cx = x.copy()
    ct = wtgt.copy()
    cs = surv.copy()
    for r in range(iterations):
        k = 1 + int(uniforms[r, 0] * kick_size)
        for kk in range(k):
            w = int(uniforms[r, 1 + 2 * kk] * nw)
            i = wtype[w]
            a = ct[w]
            b = int(uniforms[r, 2 + 2 * kk] * (n - 1))
            if b >= a:
                b += 1
            cx[i, a] -= 1
            cx[i, b] += 1
            ct[w] = b
            cs[a] = _survival(values, q, cx, a)
            cs[b] = _survival(values, q, cx, b)
        f = _descent(values, q, cx, wtype, ct, cs)
        if f < best - 1e-13 * best:
            best = f
            x[:, :] = cx
            wtgt[:] = ct
        else:
            cx[:, :] = x
            ct[:] = wtgt
            for j in range(n):
                cs[j] = _survival(values, q, cx, j)
    return best


def _weapons_of(x: IntArray) -> tuple[IntArray, IntArray]:
    """(type, target) of every assigned weapon, in a fixed order."""
    rows, cols = np.nonzero(x)
    reps = x[rows, cols]
    return np.repeat(rows, reps).astype(np.int64), np.repeat(cols, reps).astype(np.int64)


def fill_unused(instance: WTAInstance, x: IntArray) -> IntArray:
    """Give every unused weapon to its best target (extra weapons never hurt)."""
    from shieldlab.wta.greedy import greedy_kernel

    left = instance.weapon_counts - x.sum(axis=1)
    if not np.any(left > 0):
        return x
    q = 1.0 - instance.kill_probability
    surv = np.prod(np.power(q, x), axis=0)
    extra = greedy_kernel(instance.target_values * surv, instance.kill_probability, left)
    return np.asarray(x + extra)


def ejection_round(
    instance: WTAInstance, x: IntArray, rng: np.random.Generator
) -> tuple[IntArray, bool]:
    """One exact search of the assignment neighbourhood (module docstring)."""
    from scipy.optimize import linear_sum_assignment

    q = np.maximum(1.0 - instance.kill_probability, _Q_FLOOR)
    v = instance.target_values
    wt, wg = _weapons_of(x)
    if wt.size == 0:
        return x, False
    # one random weapon from each target that has any
    order = rng.permutation(wt.size)
    _, first = np.unique(wg[order], return_index=True)
    pick = order[first]
    rt, rg = wt[pick], wg[pick]
    base = x.copy()
    np.subtract.at(base, (rt, rg), 1)
    s_rest = np.prod(np.power(q, base), axis=0)
    gain = v[None, :] * s_rest[None, :] * (1.0 - q[rt, :])
    rows, cols = linear_sum_assignment(gain, maximize=True)
    new = base.copy()
    np.add.at(new, (rt[rows], cols), 1)
    f_old = float(np.dot(v, np.prod(np.power(q, x), axis=0)))
    f_new = float(np.dot(v, np.prod(np.power(q, new), axis=0)))
    if f_new < f_old * (1 - 1e-13):
        return new, True
    return x, False


def local_search(
    instance: WTAInstance,
    start: IntArray | None = None,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    kick_size: int = 3,
) -> tuple[IntArray, dict[str, int]]:
    """Descent + ejection chains + kicks from ``start`` (greedy when None) until the limit."""
    from shieldlab.wta.greedy import greedy_assignment

    t_end = time.perf_counter() + time_limit_s
    x = greedy_assignment(instance) if start is None else np.asarray(start, dtype=np.int64)
    x = fill_unused(instance, x.copy())
    v = instance.target_values
    q = np.maximum(1.0 - instance.kill_probability, _Q_FLOOR)
    rng = np.random.default_rng(seed)
    stats = {"rounds": 0, "ejections": 0, "kicks": 0}
    batch = 50
    # stop early once this many kicks in a row brought nothing (small instances)
    patience = max(2000, 200 * int(instance.n_weapons))
    since_gain = 0
    f_best = float(np.dot(v, np.prod(np.power(q, x), axis=0)))
    while True:
        stats["rounds"] += 1
        wt, wg = _weapons_of(x)
        t0 = time.perf_counter()
        f = _ils(v, q, x, wt, wg, rng.random((batch, 1 + 2 * kick_size)))
        dt = time.perf_counter() - t0
        stats["kicks"] += batch
        # ejection chains until they stop paying
        for _ in range(20):
            x, ok = ejection_round(instance, x, rng)
            if not ok:
                break
            stats["ejections"] += 1
        f = float(np.dot(v, np.prod(np.power(q, x), axis=0)))
        if f < f_best * (1 - 1e-12):
            f_best = f
            since_gain = 0
        else:
            since_gain += batch
        left = t_end - time.perf_counter()
        if left <= 0 or since_gain >= patience:
            break
        # keep each batch around 0.2 s so the time limit is respected
        if dt > 0:
            batch = int(max(1, min(20000, batch * 0.2 / dt)))
        if batch * dt / max(batch, 1) > left:
            break
    return x, stats


class LocalSearchSolver(WTASolver):
    """Greedy start, then move/swap descent, ejection chains and kicks until the limit."""

    name = "local-search"

    def __init__(self, *, seed: int = 0, start: IntArray | None = None) -> None:
        self.seed = seed
        self.start = start

    def solve(self, instance: WTAInstance, *, time_limit_s: float = 60.0) -> WTAResult:
        t0 = time.perf_counter()
        x, stats = local_search(
            instance, self.start, time_limit_s=max(0.0, time_limit_s - 0.05), seed=self.seed
        )
        assert wta_objective(instance, x) >= 0.0
        return make_result(
            instance, x, solver=self.name, seconds=time.perf_counter() - t0, stats=stats
        )

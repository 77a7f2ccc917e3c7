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

import math
import time

import numpy as np
from numba import njit
from numpy.typing import NDArray

from shieldlab.wta.assignment import assignment_solution
from shieldlab.wta.base import FloatArray, IntArray, WTAInstance, WTAResult, WTASolver, make_result
from shieldlab.wta.base import objective as wta_objective
from shieldlab.wta.greedy import fill_unused, greedy_assignment

_Q_FLOOR = 1e-12


@njit(cache=True)
def _target_survival(q: FloatArray, wtype: IntArray, wtgt: IntArray, j: int) -> float:
    """prod of q over the weapons on target j, recomputed (no drift from divisions)."""
    s = 1.0
    for w in range(wtype.size):
        if wtgt[w] == j:
            s *= q[wtype[w], j]
    return s


@njit(cache=True)
def _descent(
    values: FloatArray,
    q: FloatArray,
    wtype: IntArray,
    wtgt: IntArray,
    surv: FloatArray,
    dirty: NDArray[np.bool_],
) -> float:
    """Move/swap first-improvement descent driven by a queue of changed targets.

    A move w: a -> b or a swap between targets a and b changes only S_a and S_b, so it
    needs re-checking only after a or b changed. Processing target t checks every move
    out of t, every move into t and every swap with a weapon on t: O(W + k (n + W)) for
    k weapons on t, instead of O(W n + W^2) for a full pass. Updates ``wtgt`` and
    ``surv`` in place, clears ``dirty``; returns F.
    """
    n = q.shape[1]
    nw = wtype.size
    stack = np.empty(n, dtype=np.int64)
    top = 0
    for j in range(n):
        if dirty[j]:
            stack[top] = j
            top += 1
    while top > 0:
        top -= 1
        t = stack[top]
        dirty[t] = False
        changed = True
        while changed:
            changed = False
            for w in range(nw):
                i = wtype[w]
                a = wtgt[w]
                if a == t:
                    base_t = values[t] * surv[t]
                    out = surv[t] / q[i, t]
                    rem = values[t] * out - base_t
                    best = 0.0
                    bb = -1
                    for b in range(n):
                        if b != t:
                            d = rem - values[b] * surv[b] * (1.0 - q[i, b])
                            if d < best:
                                best = d
                                bb = b
                    if bb >= 0 and best < -1e-12 * (base_t + values[bb] * surv[bb]):
                        wtgt[w] = bb
                        surv[t] = _target_survival(q, wtype, wtgt, t)
                        surv[bb] = _target_survival(q, wtype, wtgt, bb)
                        if not dirty[bb]:
                            dirty[bb] = True
                            stack[top] = bb
                            top += 1
                        changed = True
                        break
                    for w2 in range(nw):
                        b = wtgt[w2]
                        i2 = wtype[w2]
                        if b == t or i2 == i:
                            continue
                        na = out * q[i2, t]
                        nb = surv[b] / q[i2, b] * q[i, b]
                        d = values[t] * na - base_t + values[b] * (nb - surv[b])
                        if d < -1e-12 * (base_t + values[b] * surv[b]):
                            wtgt[w] = b
                            wtgt[w2] = t
                            surv[t] = _target_survival(q, wtype, wtgt, t)
                            surv[b] = _target_survival(q, wtype, wtgt, b)
                            if not dirty[b]:
                                dirty[b] = True
                                stack[top] = b
                                top += 1
                            changed = True
                            break
                    if changed:
                        break
                else:
                    d = values[a] * (surv[a] / q[i, a] - surv[a]) - values[t] * surv[t] * (
                        1.0 - q[i, t]
                    )
                    if d < -1e-12 * (values[a] * surv[a] + values[t] * surv[t]):
                        wtgt[w] = t
                        surv[t] = _target_survival(q, wtype, wtgt, t)
                        surv[a] = _target_survival(q, wtype, wtgt, a)
                        if not dirty[a]:
                            dirty[a] = True
                            stack[top] = a
                            top += 1
                        changed = True
                        break
    f = 0.0
    for j in range(n):
        f += values[j] * surv[j]
    return f


@njit(cache=True)
def _ils(
    values: FloatArray,
    q: FloatArray,
    wtype: IntArray,
    wtgt: IntArray,
    uniforms: FloatArray,
) -> float:
    """Iterated local search from ``wtgt`` (in place, left at the best found); best F.

    Row r of ``uniforms`` (iterations, 1 + 2 k_max) drives kick r: its size, then a
    weapon and a target for each moved weapon (drawn by the caller's numpy Generator).
    A kick is kept only when the descent after it ends strictly better.
    """
    iterations = uniforms.shape[0]
    kick_size = (uniforms.shape[1] - 1) // 2
    n = q.shape[1]
    nw = wtype.size
    surv = np.empty(n)
    for j in range(n):
        surv[j] = _target_survival(q, wtype, wtgt, j)
    dirty = np.ones(n, dtype=np.bool_)
    best = _descent(values, q, wtype, wtgt, surv, dirty)
    if nw == 0 or n < 2:
        return best
    ct = wtgt.copy()
    cs = surv.copy()
    for r in range(iterations):
        k = 1 + int(uniforms[r, 0] * kick_size)
        for kk in range(k):
            w = int(uniforms[r, 1 + 2 * kk] * nw)
            a = ct[w]
            b = int(uniforms[r, 2 + 2 * kk] * (n - 1))
            if b >= a:
                b += 1
            ct[w] = b
            cs[a] = _target_survival(q, wtype, ct, a)
            cs[b] = _target_survival(q, wtype, ct, b)
            dirty[a] = True
            dirty[b] = True
        f = _descent(values, q, wtype, ct, cs, dirty)
        if f < best - 1e-12 * best:
            best = f
            wtgt[:] = ct
            surv[:] = cs
        else:
            ct[:] = wtgt
            cs[:] = surv
    return best


def _weapons_of(x: IntArray) -> tuple[IntArray, IntArray]:
    """(type, target) of every assigned weapon, in a fixed order."""
    rows, cols = np.nonzero(x)
    reps = x[rows, cols]
    return np.repeat(rows, reps).astype(np.int64), np.repeat(cols, reps).astype(np.int64)


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


def assignment_seconds(weapons: int, targets: int) -> float:
    """Rough time of one linear assignment of ``weapons`` x ``targets`` (it cannot be
    interrupted): 2e-9 W n min(W, n) s, from 1.7 s measured for 1000 x 1000 and 0.2 s
    for 500 x 500 on the shared 2-core machine."""
    return 2e-9 * weapons * targets * min(weapons, targets)


def best_start(instance: WTAInstance, time_limit_s: float = math.inf) -> IntArray:
    """The better of the greedy and the linear-assignment solutions (ms on the benchmark).

    Greedy is 17-29 % above the best known on the mu = 2 benchmark instances, the
    one-weapon-per-target assignment 0-9 % (it is the best known on wta_250x500x2), and
    the local search ends better from the better start. The assignment is skipped when
    it would take more than a quarter of ``time_limit_s`` (:func:`assignment_seconds`).
    """
    g = greedy_assignment(instance)
    if assignment_seconds(instance.n_weapons, instance.n_targets) > 0.25 * time_limit_s:
        return g
    a, _ = assignment_solution(instance)
    return g if wta_objective(instance, g) <= wta_objective(instance, a) else a


def kick_batch(instance: WTAInstance) -> int:
    """Kicks per compiled batch: about 0.2 s of work, fixed by the instance size alone.

    Measured rate about 1.2e9 / (W (n + W)) kicks per second for W weapons and n targets
    (30,000/s on wta_50x100x3); a batch size that depends on the instance only (not on
    the clock) keeps the search a deterministic function of the seed.
    """
    w = max(1, instance.n_weapons)
    rate = 1.2e9 / (w * (instance.n_targets + w))
    # at least one kick (was 16), so that a batch stays near 0.2 s whatever the size
    return int(min(8192, max(1, 0.2 * rate)))


def local_search(
    instance: WTAInstance,
    start: IntArray | None = None,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    kick_size: int = 3,
    max_kicks: int | None = None,
) -> tuple[IntArray, dict[str, int]]:
    """Descent + ejection chains + kicks from ``start`` (greedy when None) until the limit.

    Deterministic given ``seed``: the sequence of batches, kicks and ejection rounds does
    not depend on timing; the clock only decides after how many batches the search stops
    (``max_kicks`` stops it after a fixed number, for runs that must match exactly). A
    batch is not started when the last one took longer than the time left, and the
    ejection rounds stop at the limit, so the search ends within about one ejection
    round of ``time_limit_s``.
    """
    t_end = time.perf_counter() + time_limit_s
    x = best_start(instance, time_limit_s) if start is None else np.asarray(start, dtype=np.int64)
    x = fill_unused(instance, x.copy())
    v = np.array(instance.target_values)
    q = np.maximum(1.0 - instance.kill_probability, _Q_FLOOR)
    rng = np.random.default_rng(seed)
    stats = {"rounds": 0, "ejections": 0, "kicks": 0}
    batch = kick_batch(instance)
    # after this many kicks in a row without gain the kicks grow (3, 6, 12 weapons, as
    # in variable neighbourhood search); when the largest size stalls too, stop early
    patience = max(5000, 1000 * int(instance.n_weapons))
    since_gain = 0
    level = 0
    width = 1 + 2 * kick_size * 4  # one row per kick, wide enough for the largest kicks
    f_best = float(np.dot(v, np.prod(np.power(q, x), axis=0)))
    last_batch_s = 0.0
    while True:
        if max_kicks is not None and stats["kicks"] >= max_kicks:
            break
        if stats["rounds"] > 0 and time.perf_counter() + last_batch_s > t_end:
            break  # the next batch would end past the limit
        t_batch = time.perf_counter()
        stats["rounds"] += 1
        wt, wg = _weapons_of(x)
        size = kick_size * 2**level
        draws = rng.random((batch, width))[:, : 1 + 2 * size]
        _ils(v, q, wt, wg, np.ascontiguousarray(draws))
        x = np.zeros_like(x)
        np.add.at(x, (wt, wg), 1)
        stats["kicks"] += batch
        last_batch_s = time.perf_counter() - t_batch
        # ejection chains until they stop paying (or the time is up)
        eject_s = assignment_seconds(
            min(instance.n_weapons, instance.n_targets), instance.n_targets
        )
        for _ in range(20):
            if time.perf_counter() + eject_s >= t_end:
                break
            x, ok = ejection_round(instance, x, rng)
            if not ok:
                break
            stats["ejections"] += 1
        f = float(np.dot(v, np.prod(np.power(q, x), axis=0)))
        if f < f_best * (1 - 1e-12):
            f_best = f
            since_gain = 0
            level = 0
        else:
            since_gain += batch
        if since_gain >= patience:
            if level == 2:
                break
            level += 1
            since_gain = 0
        if time.perf_counter() >= t_end:
            break
    return x, stats


class LocalSearchSolver(WTASolver):
    """Greedy or assignment start, then descent, ejection chains and kicks until the limit."""

    name = "local-search"

    def __init__(self, *, seed: int = 0, start: IntArray | None = None) -> None:
        self.seed = seed
        self.start = start

    def solve(self, instance: WTAInstance, *, time_limit_s: float = 60.0) -> WTAResult:
        t0 = time.perf_counter()
        x, stats = local_search(
            instance, self.start, time_limit_s=max(0.0, time_limit_s - 0.05), seed=self.seed
        )
        return make_result(
            instance, x, solver=self.name, seconds=time.perf_counter() - t0, stats=stats
        )

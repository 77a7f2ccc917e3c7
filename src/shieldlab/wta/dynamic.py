"""Multi-stage (shoot-look-shoot) weapon-target assignment with perfect kill assessment.

Model (Hosein & Athans, "Some analytical results for the dynamic weapon-target
allocation problem", MIT LIDS-P-1944, 1990): T stages; in each stage some of the weapons
left are fired at the targets still alive; before the next stage the defender sees which
targets were destroyed (perfect kill assessment). Fired weapons are spent. Minimise the
expected value of the targets alive after the last stage. With stage-t decision x_t and
alive set A_t,

    W_T(A, c) = min_x sum_{j in A} V_j prod_i q_ij^x_ij       (last stage: static WTA)
    W_t(A, c) = min_x E[ W_{t+1}(A', c - x 1) ],   A' = targets of A that survive x.

Holding weapons back is never worse than committing them all in stage one (a policy
may fire everything at once), and with several targets it is usually strictly better:
two targets of value 1, three weapons of kill probability 0.5 and two stages give 0.75
with all three fired at once (0.25 + 0.5) but 0.625 when one weapon is held for a
survivor (one target left with probability 0.5, then 0.5 of it survives; both left with
probability 0.25, then 0.5 + 1 survive: 0.5 * 0.5 + 0.25 * 1.5).

:func:`optimal_dynamic_value` solves the recursion exactly (tiny cases: tests and
teaching). :func:`plan_stages` is the planner for fire control: it returns what to fire
now and what to hold, evaluating a first-stage plan by its two-stage value (the later
stages merged into one: a value the defender can guarantee, so an upper bound on the
T-stage optimum) with the survivor outcomes enumerated exactly when few targets are
engaged, and sampled with common random numbers otherwise. It starts from a plan fired
at once (the static optimum, or a caller's plan that respects the caller's limits) and
holds weapons back only when that measurably helps, so its plan is never worse than
committing everything (with sampling: never worse by more than two standard errors of
the paired difference). Stages may differ per target (a threat with one engagement left
gets nothing held for it) and the later stages may be capped per target (the salvos a
threat can still receive). Ties in value are broken by fewer expected shots, which
recovers the classic shoot-look-shoot doctrine for a single target:
Pk = 1 - (1 - SSPK)^k and expected shots sum_{i<k} (1 - SSPK)^i (Wilkening 1999).
The engine's ``dynamic`` assigner (:mod:`shieldlab.c2.wta_assigners`) uses it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from numba import njit

from shieldlab.errors import InputError
from shieldlab.wta.base import FloatArray, IntArray, WTAInstance, objective

_REL_TIE = 1e-12


@dataclass(frozen=True, kw_only=True)
class StagePlan:
    """What to fire now (``fire_now``, (m, n)) and hold (``reserve``, (m,)) with its value.

    ``expected_value`` is the expected surviving value after all stages when the held
    weapons are used as the evaluation assumed; ``expected_shots`` the weapons expected
    to be fired in total; ``method`` "exact" (DP), "enumerated" (two-stage value, all
    survivor outcomes) or "sampled" (two-stage value, ``samples`` outcomes).
    """

    fire_now: IntArray
    reserve: IntArray
    expected_value: float
    expected_shots: float
    stages: int
    method: str


def optimal_dynamic_value(instance: WTAInstance, stages: int) -> tuple[float, float]:
    """Exact T-stage optimum (value, expected shots) by dynamic programming; tiny only.

    Enumerates every stage decision and every survivor outcome; meant for m n <= 6 and
    a handful of weapons (tests, teaching).
    """
    if stages < 1:
        raise InputError("must be >= 1", field="stages")
    m, n = instance.kill_probability.shape
    if m * n > 9 or instance.n_weapons > 6:
        raise InputError("optimal_dynamic_value is for tiny instances (m n <= 9, <= 6 weapons)")
    v = instance.target_values
    q = 1.0 - instance.kill_probability

    @cache
    def best(alive: tuple[int, ...], counts: tuple[int, ...], left: int) -> tuple[float, float]:
        targets = [j for j in range(n) if alive[j]]
        if not targets or sum(counts) == 0:
            return float(sum(v[j] for j in targets)), 0.0
        options = [
            [c for c in itertools.product(range(k + 1), repeat=len(targets)) if sum(c) <= k]
            for k in counts
        ]
        if left == 1:
            options = [
                [c for c in opts if sum(c) == k] for opts, k in zip(options, counts, strict=True)
            ]
        out = (math.inf, math.inf)
        for combo in itertools.product(*options):
            x = np.array(combo, dtype=np.int64).reshape(m, len(targets))
            shots = float(x.sum())
            surv = np.prod(q[:, targets] ** x, axis=0)
            rest = tuple(int(c - s) for c, s in zip(counts, x.sum(axis=1), strict=True))
            if left == 1:
                val, extra = float(np.dot(v[targets], surv)), 0.0
            else:
                val, extra = 0.0, 0.0
                for outcome in itertools.product((0, 1), repeat=len(targets)):
                    pr = 1.0
                    new_alive = [0] * n
                    for k, j in enumerate(targets):
                        pr *= surv[k] if outcome[k] else 1.0 - surv[k]
                        new_alive[j] = outcome[k]
                    if pr == 0.0:
                        continue
                    a, b = best(tuple(new_alive), rest, left - 1)
                    val += pr * a
                    extra += pr * b
            cand = (val, shots + extra)
            if cand[0] < out[0] - _REL_TIE * max(1.0, abs(out[0])) or (
                abs(cand[0] - out[0]) <= _REL_TIE * max(1.0, abs(out[0])) and cand[1] < out[1]
            ):
                out = cand
        return out

    return best(
        tuple([1] * n),
        tuple(int(c) for c in instance.weapon_counts),
        min(stages, 1 + instance.n_weapons),
    )


@njit(cache=True)
def _recourse_kernel(
    alive_values: FloatArray, prob: FloatArray, counts: IntArray, cap: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Per outcome s: (surviving value, weapons fired) of the reserve given to survivors.

    ``alive_values`` (S, n): value of each target alive after stage one in outcome s (0 if
    destroyed); ``prob`` (m, n); ``counts`` (m,) reserve; ``cap`` (n,) most weapons a
    target may still receive in the later stages. Largest-marginal-return greedy (as
    :func:`shieldlab.wta.greedy.greedy_kernel`) with the per-target caps: each type keeps
    its best target, rescanned only when that target's return changes.
    """
    n_out, n = alive_values.shape
    m = prob.shape[0]
    vals = np.empty(n_out)
    shots = np.zeros(n_out)
    for s in range(n_out):
        v = alive_values[s]
        survive = np.ones(n)
        left = counts.copy()
        got = np.zeros(n, dtype=np.int64)
        best_j = np.full(m, -1, dtype=np.int64)
        best_r = np.full(m, 0.0)
        for i in range(m):
            if left[i] > 0:
                for j in range(n):
                    r = v[j] * prob[i, j]
                    if got[j] < cap[j] and r > best_r[i]:
                        best_r[i] = r
                        best_j[i] = j
        while True:
            bi = -1
            br = 0.0
            for i in range(m):
                if left[i] > 0 and best_j[i] >= 0 and best_r[i] > br:
                    br = best_r[i]
                    bi = i
            if bi < 0:
                break
            j = best_j[bi]
            left[bi] -= 1
            got[j] += 1
            shots[s] += 1.0
            survive[j] *= 1.0 - prob[bi, j]
            for i in range(m):
                if best_j[i] == j or i == bi:
                    best_r[i] = 0.0
                    best_j[i] = -1
                    if left[i] > 0:
                        for jj in range(n):
                            r = v[jj] * survive[jj] * prob[i, jj]
                            if got[jj] < cap[jj] and r > best_r[i]:
                                best_r[i] = r
                                best_j[i] = jj
        total = 0.0
        for j in range(n):
            total += v[j] * survive[j]
        vals[s] = total
    return vals, shots


@dataclass(frozen=True, kw_only=True)
class _Evaluator:
    """Two-stage value of first-stage plans: fire ``x`` now, look, reserve at survivors.

    Per outcome of the look (``alive`` (S, n) and probability ``weight`` (S,) when
    enumerated, or ``uniforms`` (S, n) for common-random-number sampling), the reserve
    ``counts - x 1`` goes to the survivors that have a later stage (``later_cap`` > 0) by
    :func:`_recourse_kernel`. Returns per-outcome (value, shots) already weighted when
    enumerated, plain samples when sampled.
    """

    values: FloatArray
    prob: FloatArray
    counts: IntArray
    later_cap: IntArray
    uniforms: FloatArray | None

    def __call__(self, x: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        q = np.prod((1.0 - self.prob) ** x, axis=0)
        reserve = (self.counts - x.sum(axis=1)).astype(np.int64)
        if self.uniforms is None:
            engaged = np.flatnonzero(x.sum(axis=0) > 0)
            bits = np.array(
                list(itertools.product((False, True), repeat=engaged.size)), dtype=bool
            ).reshape(-1, engaged.size)
            alive = np.ones((bits.shape[0], self.values.size), dtype=bool)
            alive[:, engaged] = bits
            weight = np.prod(np.where(bits, q[engaged], 1.0 - q[engaged]), axis=1)
        else:
            alive = self.uniforms < q[None, :]
            weight = np.full(alive.shape[0], 1.0 / alive.shape[0])
        alive_values = np.where(alive, self.values[None, :], 0.0)
        # only targets with a later stage can be shot at after the look; the others'
        # fate is settled now, so they enter the value directly
        later = self.later_cap > 0
        settled = alive_values[:, ~later].sum(axis=1)
        vals, shots = _recourse_kernel(
            np.ascontiguousarray(alive_values[:, later]),
            np.ascontiguousarray(self.prob[:, later]),
            reserve,
            np.ascontiguousarray(self.later_cap[later]),
        )
        return weight, settled + vals, float(x.sum()) + shots


def plan_stages(
    instance: WTAInstance,
    stages: int | IntArray | list[int] = 2,
    *,
    start: IntArray | None = None,
    later_cap: IntArray | list[int] | None = None,
    samples: int = 256,
    seed: int = 0,
    max_enumerated_targets: int = 10,
    static_time_limit_s: float = 5.0,
) -> StagePlan:
    """Plan the first of the shoot-look-shoot stages: what to fire now, what to hold.

    ``stages``: stages left, one number for all targets or one per target (a target
    with 1 stage left cannot be engaged after the look, so nothing is held for it).
    ``start``: the plan to start from, (m, n), by default the static optimum (solver
    ``auto``) fired at once; the planner only removes weapons from it, so any limit
    that the start respects and that removing weapons cannot break (channels, salvos per
    target) holds for the plan. ``later_cap``: most weapons each target may receive in
    the later stages (default unlimited). Then hold back, one weapon at a time, the
    weapon whose holding lowers the two-stage value most (module docstring), until no
    hold helps. Survivor outcomes are enumerated when at most ``max_enumerated_targets``
    targets are engaged, else ``samples`` scenarios with common random numbers (seeded
    by ``seed``) are used and a hold must beat the current plan by two standard errors
    of the paired difference.
    """
    n = instance.n_targets
    try:
        stages_arr = np.broadcast_to(np.asarray(stages, dtype=np.int64), (n,)).copy()
    except ValueError:
        raise InputError("must be one number, or one per target", field="stages") from None
    if np.any(np.asarray(stages) < 1):
        raise InputError("must be >= 1", field="stages")
    n_stages = int(stages_arr.max()) if stages_arr.size else 1
    if start is None:
        from shieldlab.wta.solve import solve

        static = solve(instance, "auto", time_limit_s=static_time_limit_s, seed=seed)
        fire = np.array(static.assignment, dtype=np.int64)
    else:
        fire = np.array(start, dtype=np.int64)
        if fire.shape != instance.kill_probability.shape or np.any(fire < 0):
            raise InputError("must be a non-negative (weapon types, targets) matrix", field="start")
        if np.any(fire.sum(axis=1) > instance.weapon_counts):
            raise InputError("uses more weapons than there are", field="start")
    cap = (
        np.full(n, np.iinfo(np.int64).max // 4, dtype=np.int64)
        if later_cap is None
        else np.asarray(later_cap, dtype=np.int64).copy()
    )
    if cap.shape != (n,) or np.any(cap < 0):
        raise InputError("must be one non-negative number per target", field="later_cap")
    cap = np.where(stages_arr > 1, cap, 0)
    engaged_stage_left = (fire.sum(axis=0) > 0) & (cap > 0)
    if n_stages == 1 or instance.n_weapons == 0 or not engaged_stage_left.any():
        return StagePlan(
            fire_now=fire,
            reserve=instance.weapon_counts - fire.sum(axis=1),
            expected_value=objective(instance, fire),
            expected_shots=float(fire.sum()),
            stages=n_stages,
            method="static",
        )
    sampled = int((fire.sum(axis=0) > 0).sum()) > max_enumerated_targets
    evaluate = _Evaluator(
        values=instance.target_values,
        prob=instance.kill_probability,
        counts=instance.weapon_counts,
        later_cap=cap,
        uniforms=np.random.default_rng(seed).random((samples, n)) if sampled else None,
    )

    def summary(w: FloatArray, vals: FloatArray, shots: FloatArray) -> tuple[float, float]:
        return float(np.dot(w, vals)), float(np.dot(w, shots))

    w0, cur_vals, cur_shots = evaluate(fire)
    cur = summary(w0, cur_vals, cur_shots)
    while True:
        best: tuple[float, float, IntArray, FloatArray] | None = None
        for i, j in zip(*np.nonzero(fire), strict=True):
            if cap[j] == 0:
                continue  # a weapon held from a target without a later stage is lost to it
            cand = fire.copy()
            cand[i, j] -= 1
            if cand.sum() == 0:
                continue  # fire something now: holding everything only postpones the plan
            w, vals, shots = evaluate(cand)
            val, sh = summary(w, vals, shots)
            if sampled:
                diff = vals - cur_vals
                se = float(diff.std(ddof=1) / math.sqrt(diff.size)) if diff.size > 1 else 0.0
                better = diff.mean() < -2.0 * se and diff.mean() < 0
            else:
                tol = _REL_TIE * max(1.0, abs(cur[0]))
                better = val < cur[0] - tol or (abs(val - cur[0]) <= tol and sh < cur[1] - 1e-12)
            if better and (best is None or (val, sh) < (best[0], best[1])):
                best = (val, sh, cand, vals)
        if best is None:
            break
        cur = (best[0], best[1])
        fire = best[2]
        cur_vals = best[3]
    return StagePlan(
        fire_now=fire,
        reserve=instance.weapon_counts - fire.sum(axis=1),
        expected_value=cur[0],
        expected_shots=cur[1],
        stages=n_stages,
        method="sampled" if sampled else "enumerated",
    )

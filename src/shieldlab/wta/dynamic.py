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
engaged, and sampled with common random numbers otherwise. It starts from the static
optimum fired at once and holds weapons back only when that measurably helps, so its plan
is never worse than committing everything (with sampling: never worse by more than two
standard errors of the paired difference). Ties in value are broken by fewer expected
shots, which recovers the classic shoot-look-shoot doctrine for a single target:
Pk = 1 - (1 - SSPK)^k and expected shots sum_{i<k} (1 - SSPK)^i (Wilkening 1999).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from shieldlab.errors import InputError
from shieldlab.wta.base import FloatArray, IntArray, WTAInstance

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


def _recourse(values: FloatArray, prob: FloatArray, counts: IntArray) -> tuple[float, float]:
    """Last-stage value and shots: greedy static assignment of the reserve to survivors."""
    from shieldlab.wta.greedy import run_greedy

    if counts.sum() == 0 or not np.any(values > 0):
        return float(values.sum()), 0.0
    alive = values > 0
    x = run_greedy(values, prob, counts)
    x[:, ~alive] = 0  # never fire at a dead target (greedy gives them no return anyway)
    surv = np.prod((1.0 - prob) ** x, axis=0)
    return float(np.dot(values, surv)), float(x.sum())


def _two_stage(
    instance: WTAInstance,
    fire: IntArray,
    outcomes: NDArray[np.bool_] | None,
) -> tuple[FloatArray, FloatArray]:
    """Per-outcome (value, shots) of firing ``fire`` now and the reserve at the survivors.

    ``outcomes`` (s, n) booleans: target alive after stage one in each sampled scenario;
    None: enumerate the survivor outcomes of the engaged targets exactly, and the returned
    arrays are already probability-weighted (sum them).
    """
    v = instance.target_values
    p = instance.kill_probability
    reserve = instance.weapon_counts - fire.sum(axis=1)
    surv = np.prod((1.0 - p) ** fire, axis=0)
    shots_now = float(fire.sum())
    if reserve.sum() == 0:
        val = float(np.dot(v, surv))
        return np.array([val]), np.array([shots_now])
    if outcomes is None:
        engaged = np.flatnonzero(fire.sum(axis=0) > 0)
        vals, shots = [], []
        for bits in itertools.product((False, True), repeat=engaged.size):
            alive = np.ones(v.size, dtype=bool)
            alive[engaged] = bits
            pr = float(np.prod(np.where(bits, surv[engaged], 1.0 - surv[engaged])))
            if pr == 0.0:
                continue
            a, b = _recourse(np.where(alive, v, 0.0), p, reserve)
            vals.append(pr * a)
            shots.append(pr * (shots_now + b))
        return np.array(vals), np.array(shots)
    vals_s = np.empty(outcomes.shape[0])
    shots_s = np.empty(outcomes.shape[0])
    for k in range(outcomes.shape[0]):
        a, b = _recourse(np.where(outcomes[k], v, 0.0), p, reserve)
        vals_s[k] = a
        shots_s[k] = shots_now + b
    return vals_s, shots_s


def plan_stages(
    instance: WTAInstance,
    stages: int = 2,
    *,
    samples: int = 256,
    seed: int = 0,
    max_enumerated_targets: int = 10,
    static_time_limit_s: float = 5.0,
) -> StagePlan:
    """Plan the first of ``stages`` shoot-look-shoot stages: what to fire now, what to hold.

    Start: the static optimum (solver ``auto``) fired at once. Then hold back, one weapon
    at a time, the weapon whose holding lowers the two-stage value most (module
    docstring), until no hold helps. Survivor outcomes are enumerated when at most
    ``max_enumerated_targets`` targets are engaged, else ``samples`` scenarios with common
    random numbers (seeded by ``seed``) are used and a hold must beat the current plan by
    two standard errors of the paired difference.
    """
    from shieldlab.wta.solve import solve

    if stages < 1:
        raise InputError("must be >= 1", field="stages")
    static = solve(instance, "auto", time_limit_s=static_time_limit_s, seed=seed)
    fire = np.array(static.assignment, dtype=np.int64)
    base_value = static.objective
    if stages == 1 or instance.n_weapons == 0:
        return StagePlan(
            fire_now=fire,
            reserve=instance.weapon_counts - fire.sum(axis=1),
            expected_value=base_value,
            expected_shots=float(fire.sum()),
            stages=stages,
            method="static",
        )
    n = instance.n_targets
    rng = np.random.default_rng(seed)
    uniforms = rng.random((samples, n))
    sampled = int((fire.sum(axis=0) > 0).sum()) > max_enumerated_targets

    def evaluate(x: IntArray) -> tuple[FloatArray, FloatArray]:
        if sampled:
            surv = np.prod((1.0 - instance.kill_probability) ** x, axis=0)
            alive = uniforms < surv[None, :]
            return _two_stage(instance, x, alive)
        return _two_stage(instance, x, None)

    def summary(vals: FloatArray, shots: FloatArray) -> tuple[float, float]:
        if sampled:
            return float(vals.mean()), float(shots.mean())
        return float(vals.sum()), float(shots.sum())

    cur_vals, cur_shots = evaluate(fire)
    cur = summary(cur_vals, cur_shots)
    if sampled:
        # all at once: the sampled value is what survives in each scenario, so that
        # every hold is compared with it on the same scenarios (common random numbers)
        surv0 = np.prod((1.0 - instance.kill_probability) ** fire, axis=0)
        cur_vals = (uniforms < surv0[None, :]).astype(np.float64) @ instance.target_values
        cur = (float(cur_vals.mean()), float(fire.sum()))
    while True:
        best: tuple[float, float, IntArray, FloatArray] | None = None
        for i, j in zip(*np.nonzero(fire), strict=True):
            cand = fire.copy()
            cand[i, j] -= 1
            if cand.sum() == 0:
                continue
            vals, shots = evaluate(cand)
            val, sh = summary(vals, shots)
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
    exact_all_at_once = not np.any(instance.weapon_counts - fire.sum(axis=1))
    return StagePlan(
        fire_now=fire,
        reserve=instance.weapon_counts - fire.sum(axis=1),
        expected_value=base_value if exact_all_at_once else cur[0],
        expected_shots=cur[1],
        stages=stages,
        method="sampled" if sampled else "enumerated",
    )

"""Static WTA solvers against brute force, den Broeder's theorem and the benchmark."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shieldlab.errors import InputError
from shieldlab.wta import SOLVER_NAMES, WTAInstance, check_feasible, load_instance, objective, solve

from .helpers import benchmark_dir, brute_force, random_instance

HEURISTICS = ("greedy", "assignment", "local-search")
prob = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(0.0, 1.0))


@st.composite
def tiny_instances(draw: st.DrawFn) -> WTAInstance:
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 3))
    return WTAInstance(
        target_values=draw(st.lists(st.floats(0.0, 100.0), min_size=n, max_size=n)),
        kill_probability=[draw(st.lists(prob, min_size=n, max_size=n)) for _ in range(m)],
        weapon_counts=draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)),
    )


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=tiny_instances())
def test_exact_equals_brute_force_and_heuristics_never_beat_it(inst: WTAInstance) -> None:
    best = brute_force(inst)
    exact = solve(inst, "exact", time_limit_s=10.0)
    assert exact.optimal
    assert _close(exact.objective, best)
    assert exact.lower_bound is not None and exact.lower_bound <= best + 1e-6 * max(1, best)
    for name in (*HEURISTICS, "auto"):
        res = solve(inst, name, time_limit_s=0.3)
        check_feasible(inst, res.assignment)
        assert res.objective >= best - 1e-9 * max(1.0, best)
        if res.lower_bound is not None:
            assert res.lower_bound <= best + 1e-6 * max(1.0, best)


@pytest.mark.parametrize("name", SOLVER_NAMES)
def test_every_solver_reports_recomputed_objective_and_is_feasible(name: str) -> None:
    rng = np.random.default_rng(7)
    for mu in (1, 2):
        inst = random_instance(rng, 6, 9, mu)
        res = solve(inst, name, time_limit_s=1.0)
        check_feasible(inst, res.assignment)
        assert res.solver == name
        assert res.objective == objective(inst, res.assignment)
        # every weapon is used: an extra weapon never raises the expected surviving value
        assert np.array_equal(res.assignment.sum(axis=1), inst.weapon_counts)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 4),
    weapons=st.integers(0, 4),
    data=st.data(),
)
def test_den_broeder_greedy_is_optimal_when_p_depends_on_target_only(
    n: int, weapons: int, data: st.DataObject
) -> None:
    # den Broeder, Ellison & Emerling (1959): p_ij = p_j => largest marginal return optimal.
    p = data.draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
    v = data.draw(st.lists(st.floats(0.0, 100.0), min_size=n, max_size=n))
    m = max(1, weapons)
    counts = [1] * weapons if weapons else [0]
    inst = WTAInstance(target_values=v, kill_probability=[p] * m, weapon_counts=counts)
    res = solve(inst, "greedy")
    assert res.optimal
    assert _close(res.objective, brute_force(inst))


def test_greedy_is_not_optimal_in_general() -> None:
    # The classic counter-example: greedy takes the big target with the good weapon.
    inst = WTAInstance(
        target_values=[10.0, 9.0],
        kill_probability=[[0.9, 0.85], [0.5, 0.05]],
        weapon_counts=[1, 1],
    )
    greedy = solve(inst, "greedy")
    exact = solve(inst, "exact", time_limit_s=5)
    assert not greedy.optimal
    assert exact.objective < greedy.objective - 1e-6
    assert _close(exact.objective, brute_force(inst))


@pytest.mark.parametrize("name", ["exact", "greedy", "assignment"])
def test_invariant_to_permuting_targets_and_weapon_types(name: str) -> None:
    rng = np.random.default_rng(11)
    for mu in (1, 2):
        inst = random_instance(rng, 5, 7, mu)
        pw = rng.permutation(5)
        pt = rng.permutation(7)
        perm = WTAInstance(
            target_values=inst.target_values[pt],
            kill_probability=inst.kill_probability[np.ix_(pw, pt)],
            weapon_counts=inst.weapon_counts[pw],
        )
        a = solve(inst, name, time_limit_s=10)
        b = solve(perm, name, time_limit_s=10)
        assert _close(a.objective, b.objective)
        # the permuted answer maps back onto an equally good answer of the original
        back = np.empty_like(b.assignment)
        back[np.ix_(pw, pt)] = b.assignment
        assert _close(objective(inst, back), a.objective)


@pytest.mark.parametrize("mu", [1, 2, 3])
def test_exact_proves_random_10x10_within_10_s(mu: int) -> None:
    rng = np.random.default_rng(100 + mu)
    for _ in range(3):
        inst = random_instance(rng, 10, 10, mu)
        res = solve(inst, "exact", time_limit_s=10.0)
        assert res.optimal, res.stats
        assert res.lower_bound is not None and res.gap is not None and res.gap <= 1e-6


def test_local_search_improves_on_greedy_and_matches_exact_on_small() -> None:
    rng = np.random.default_rng(3)
    inst = random_instance(rng, 8, 12, 2)
    g = solve(inst, "greedy")
    ls = solve(inst, "local-search", time_limit_s=2)
    ex = solve(inst, "exact", time_limit_s=10)
    assert ex.optimal
    assert ls.objective <= g.objective
    assert ls.objective >= ex.objective - 1e-9


def test_assignment_is_exact_when_weapons_prefer_distinct_targets() -> None:
    inst = WTAInstance(
        target_values=[10.0, 8.0, 1.0],
        kill_probability=[[0.9, 0.1, 0.1], [0.1, 0.8, 0.1]],
        weapon_counts=[1, 1],
    )
    res = solve(inst, "assignment")
    assert res.optimal and res.assignment.tolist() == [[1, 0, 0], [0, 1, 0]]


def test_assignment_says_when_stacking_would_pay() -> None:
    # one valuable target, two weak weapons: stacking both on it is optimal
    inst = WTAInstance(
        target_values=[100.0, 1.0],
        kill_probability=[[0.5, 0.5], [0.5, 0.5]],
        weapon_counts=[1, 1],
    )
    res = solve(inst, "assignment")
    assert not res.optimal and "exact" in res.note
    assert res.objective > solve(inst, "exact", time_limit_s=5).objective
    assert res.lower_bound is not None and res.lower_bound <= brute_force(inst)


def test_exact_respects_time_limit_and_returns_a_bound() -> None:
    rng = np.random.default_rng(5)
    # compile (or load) the numba kernels first: a fresh cache costs seconds, once
    solve(random_instance(rng, 2, 2, 1), "local-search", time_limit_s=0.1)
    inst = random_instance(rng, 40, 80, 3)
    res = solve(inst, "exact", time_limit_s=2.0)
    assert res.seconds < 6.0
    assert res.lower_bound is not None and res.lower_bound <= res.objective


def test_unknown_solver_and_bad_time_limit() -> None:
    inst = WTAInstance(target_values=[1.0], kill_probability=[[0.5]], weapon_counts=[1])
    with pytest.raises(InputError, match="unknown solver"):
        solve(inst, "magic")
    with pytest.raises(InputError, match="time limit"):
        solve(inst, "greedy", time_limit_s=0)


def test_benchmark_50x100x1_exact_matches_published_best() -> None:
    # Andersen, Pavlikov & Toffolo (2022): best known 1734.302278, proven (BEST_KNOWN.csv)
    folder = benchmark_dir()
    rows = {r["instance"]: r for r in csv.DictReader((folder / "BEST_KNOWN.csv").open())}
    inst = load_instance(folder / "wta_50x100x1.txt")
    assert (inst.n_weapon_types, inst.n_targets, inst.n_weapons) == (50, 100, 50)
    res = solve(inst, "exact", time_limit_s=60.0)
    best = float(rows["wta_50x100x1.txt"]["best_known_objective"])
    assert res.optimal
    assert abs(res.objective - best) <= 1e-6 * best


def test_local_search_is_deterministic_given_seed() -> None:
    from shieldlab.wta.local_search import kick_batch, local_search

    rng = np.random.default_rng(21)
    inst = random_instance(rng, 12, 20, 3)
    kicks = 3 * kick_batch(inst)
    a, sa = local_search(inst, time_limit_s=60.0, seed=5, max_kicks=kicks)
    b, sb = local_search(inst, time_limit_s=60.0, seed=5, max_kicks=kicks)
    assert sa["kicks"] == sb["kicks"] == kicks
    assert np.array_equal(a, b)

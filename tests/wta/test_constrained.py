"""The exact MILP with fire-control side limits, against brute-force enumeration."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.wta import WTAInstance, objective
from shieldlab.wta.exact import SideLimits, solve_exact


def brute_force_limited(inst: WTAInstance, lim: SideLimits) -> float:
    n = inst.n_targets
    per_type = [
        [c for c in itertools.product(range(k + 1), repeat=n) if sum(c) <= k]
        for k in inst.weapon_counts
    ]
    best = np.inf
    for combo in itertools.product(*per_type):
        x = np.array(combo, dtype=np.int64)
        if not lim.violations(x):
            best = min(best, objective(inst, x))
    return float(best)


@st.composite
def limited(draw: st.DrawFn) -> tuple[WTAInstance, SideLimits]:
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 3))
    inst = WTAInstance(
        target_values=draw(st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n)),
        kill_probability=[
            draw(st.lists(st.floats(0.0, 0.99), min_size=n, max_size=n)) for _ in range(m)
        ],
        weapon_counts=draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)),
    )
    groups = draw(st.integers(1, 2))
    lim = SideLimits(
        target_max_weapons=np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))),
        weapon_group=np.array(draw(st.lists(st.integers(0, groups - 1), min_size=m, max_size=m))),
        weapon_units=np.array(draw(st.lists(st.integers(1, 2), min_size=m, max_size=m))),
        group_units=np.array(draw(st.lists(st.integers(0, 4), min_size=groups, max_size=groups))),
        group_new_targets=np.array(
            draw(st.lists(st.integers(0, 2), min_size=groups, max_size=groups))
        ),
        group_engaged=np.array(
            [draw(st.lists(st.booleans(), min_size=n, max_size=n)) for _ in range(groups)]
        ),
    )
    return inst, lim


@settings(max_examples=60, deadline=None)
@given(case=limited())
def test_limited_exact_equals_brute_force(case: tuple[WTAInstance, SideLimits]) -> None:
    inst, lim = case
    x, lb, proven, _ = solve_exact(inst, time_limit_s=10.0, limits=lim)
    assert not lim.violations(x)
    best = brute_force_limited(inst, lim)
    assert proven
    assert abs(objective(inst, x) - best) <= 1e-6 * max(1.0, best)
    assert lb <= best + 1e-6 * max(1.0, best)


def test_target_channels_bind() -> None:
    # one battery, two weapons, two equally valuable threats, one free target channel:
    # both rounds must go to the same threat
    inst = WTAInstance(target_values=[1.0, 1.0], kill_probability=[[0.6, 0.6]], weapon_counts=[2])
    free = solve_exact(inst, time_limit_s=5.0)[0]
    assert free.tolist() == [[1, 1]]
    lim = SideLimits(
        weapon_group=np.array([0]),
        group_new_targets=np.array([1]),
        group_engaged=np.zeros((1, 2), dtype=bool),
    )
    x, _, proven, _ = solve_exact(inst, time_limit_s=5.0, limits=lim)
    assert proven and sorted(x[0].tolist()) == [0, 2]


def test_highs_returning_its_start_is_caught() -> None:
    # Found by hypothesis: HiGHS 1.16 reported the optimum 1.49 after presolve but returned
    # the all-zero start (2.0), which the loop took as optimal. highs.run_verified re-solves.
    inst = WTAInstance(
        target_values=[1.0, 1.0], kill_probability=[[0.5, 0.5], [0.0, 0.25]], weapon_counts=[1, 1]
    )
    lim = SideLimits(
        target_max_weapons=np.array([1, 1]),
        weapon_group=np.array([0, 0]),
        weapon_units=np.array([1, 1]),
        group_units=np.array([1]),
        group_new_targets=np.array([1]),
        group_engaged=np.zeros((1, 2), dtype=bool),
    )
    x, lb, proven, _ = solve_exact(inst, time_limit_s=5.0, limits=lim)
    best = brute_force_limited(inst, lim)
    assert proven and not lim.violations(x)
    assert abs(objective(inst, x) - best) <= 1e-9 and abs(best - 1.5) <= 1e-12
    assert lb <= best + 1e-9

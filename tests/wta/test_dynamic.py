"""Shoot-look-shoot (multi-stage) WTA: exact DP, planner, published SLS arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.errors import InputError
from shieldlab.wta import WTAInstance, solve
from shieldlab.wta.dynamic import optimal_dynamic_value, plan_stages

from .helpers import brute_force


@st.composite
def tiny(draw: st.DrawFn) -> WTAInstance:
    m = draw(st.integers(1, 2))
    n = draw(st.integers(1, 3))
    return WTAInstance(
        target_values=draw(st.lists(st.floats(0.5, 10.0), min_size=n, max_size=n)),
        kill_probability=[
            draw(st.lists(st.floats(0.05, 0.95), min_size=n, max_size=n)) for _ in range(m)
        ],
        weapon_counts=draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)),
    )


def test_two_targets_three_weapons_worked_example() -> None:
    # Two targets of value 1, three weapons with p = 0.5: all at once (2, 1) leaves
    # 0.25 + 0.5 = 0.75; one shot each, then the third at a survivor, leaves
    # 0.5 * 0.5 + 0.25 * 1.5 = 0.625 (one or both targets left after the look).
    inst = WTAInstance(target_values=[1.0, 1.0], kill_probability=[[0.5, 0.5]], weapon_counts=[3])
    assert brute_force(inst) == pytest.approx(0.75)
    value, _ = optimal_dynamic_value(inst, 2)
    assert value == pytest.approx(0.625)
    plan = plan_stages(inst, 2)
    assert plan.expected_value == pytest.approx(0.625)
    assert plan.fire_now.tolist() == [[1, 1]] and plan.reserve.tolist() == [1]


@pytest.mark.parametrize(("sspk", "k"), [(0.7, 2), (0.5, 3), (0.8, 4)])
def test_single_target_matches_published_shoot_look_shoot(sspk: float, k: int) -> None:
    # Wilkening (1999), Science & Global Security 8 (PUBLISHED_VALUES.md): k single-shot
    # stages with perfect kill assessment give Pk = 1 - (1 - SSPK)^k and expected shots
    # sum_{i<k} (1 - SSPK)^i.
    inst = WTAInstance(target_values=[1.0], kill_probability=[[sspk]], weapon_counts=[k])
    value, shots = optimal_dynamic_value(inst, k)
    assert 1.0 - value == pytest.approx(1.0 - (1.0 - sspk) ** k, rel=1e-12)
    assert shots == pytest.approx(sum((1.0 - sspk) ** i for i in range(k)), rel=1e-12)
    # and a salvo of all k at once has the same Pk but spends all k
    salvo_value, salvo_shots = optimal_dynamic_value(inst, 1)
    assert salvo_value == pytest.approx(value) and salvo_shots == k


@settings(max_examples=40, deadline=None)
@given(inst=tiny())
def test_more_stages_never_worse_and_planner_between_bounds(inst: WTAInstance) -> None:
    static = brute_force(inst)
    v1, _ = optimal_dynamic_value(inst, 1)
    v2, _ = optimal_dynamic_value(inst, 2)
    v3, _ = optimal_dynamic_value(inst, 3)
    tol = 1e-9 * max(1.0, static)
    assert v1 == pytest.approx(static, rel=1e-9, abs=1e-12)
    assert v2 <= v1 + tol and v3 <= v2 + tol
    plan = plan_stages(inst, 2, static_time_limit_s=2.0)
    # never worse than committing everything in stage one, never better than the optimum
    assert plan.expected_value <= static + tol
    assert plan.expected_value >= v2 - tol
    assert np.all(plan.fire_now.sum(axis=1) + plan.reserve == inst.weapon_counts)
    assert np.all(plan.reserve >= 0)


def test_planner_with_sampling_holds_back_on_a_large_raid() -> None:
    rng = np.random.default_rng(4)
    n = 30
    inst = WTAInstance(
        target_values=rng.uniform(1.0, 10.0, n),
        kill_probability=rng.uniform(0.6, 0.9, (3, n)),
        weapon_counts=[20, 15, 10],
    )
    plan = plan_stages(inst, 2, samples=200, seed=1, static_time_limit_s=2.0)
    static = solve(inst, "auto", time_limit_s=2.0)
    assert plan.method == "sampled"
    assert plan.reserve.sum() > 0
    assert plan.expected_value < static.objective
    assert plan.expected_shots < inst.n_weapons
    again = plan_stages(inst, 2, samples=200, seed=1, static_time_limit_s=2.0)
    assert np.array_equal(again.fire_now, plan.fire_now)


def test_bad_stage_count() -> None:
    inst = WTAInstance(target_values=[1.0], kill_probability=[[0.5]], weapon_counts=[1])
    with pytest.raises(InputError):
        plan_stages(inst, 0)
    with pytest.raises(InputError):
        optimal_dynamic_value(inst, 0)


@settings(max_examples=40, deadline=None)
@given(inst=tiny(), data=st.data())
def test_per_target_stages_start_and_caps(inst: WTAInstance, data: st.DataObject) -> None:
    n = inst.n_targets
    stages = np.array(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    cap = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    start = solve(inst, "exact", time_limit_s=2.0).assignment
    plan = plan_stages(inst, stages, start=start, later_cap=cap)
    # only removes weapons from the start, and never from a target without a later stage
    assert np.all(plan.fire_now <= start)
    no_later = (stages == 1) | (cap == 0)
    assert np.array_equal(plan.fire_now[:, no_later], start[:, no_later])
    assert plan.expected_value <= brute_force(inst) + 1e-9 * max(1.0, brute_force(inst))
    if no_later.all():
        assert np.array_equal(plan.fire_now, start) and plan.method == "static"


def test_later_cap_limits_the_recourse() -> None:
    # one target, 3 weapons of p = 0.5, two stages: with no cap the plan fires 1 and
    # keeps 2 (survival 0.5 * 0.25 = 0.125, the same as all 3 at once, fewer shots); with
    # at most 1 weapon after the look, holding 2 would waste one: fire 2, keep 1
    inst = WTAInstance(target_values=[1.0], kill_probability=[[0.5]], weapon_counts=[3])
    assert plan_stages(inst, 2).fire_now.tolist() == [[1]]
    capped = plan_stages(inst, 2, later_cap=[1])
    assert capped.fire_now.tolist() == [[2]]
    assert capped.expected_value == pytest.approx(0.125)


def test_bad_per_target_input() -> None:
    inst = WTAInstance(target_values=[1.0, 2.0], kill_probability=[[0.5, 0.5]], weapon_counts=[2])
    with pytest.raises(InputError, match="per target"):
        plan_stages(inst, [2, 2, 2])
    with pytest.raises(InputError):
        plan_stages(inst, [2, 0])
    with pytest.raises(InputError):
        plan_stages(inst, 2, start=np.array([[2, 1]]))
    with pytest.raises(InputError):
        plan_stages(inst, 2, later_cap=[1])

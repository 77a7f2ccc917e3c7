"""Factors, designs and cells: paths, card ranges, cell counts, seeds, applied values."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shieldlab.scenario import builtin_scenario, load_catalog
from shieldlab.study import load_study
from shieldlab.study.design import build_cell, cell_seed, morris_trajectories, plan_study
from shieldlab.study.runner import load_base


def _plan(write: Callable[..., Path], text: str):  # type: ignore[no-untyped-def]
    sf = load_study(write(text))
    scenario, posture = load_base(sf)
    return sf, scenario, posture, plan_study(sf, scenario=scenario, posture=posture)


HEAD = "version: 1\nname: t\nbase: {scenario: four-batteries}\n"


def test_grid_is_the_product_in_row_major_order(write: Callable[..., Path]) -> None:
    _, _, _, plan = _plan(
        write,
        HEAD
        + "factors:\n  - {name: a, path: raid.size, values: [16, 32, 64]}\n"
        + "  - {name: b, path: doctrine.salvo_size, values: [1, 2]}\n",
    )
    assert plan.n_cells == 6
    assert plan.values == ((16, 1), (16, 2), (32, 1), (32, 2), (64, 1), (64, 2))


def test_grid_over_range_with_steps_rounds_integer_fields(write: Callable[..., Path]) -> None:
    _, _, _, plan = _plan(
        write,
        HEAD + "factors:\n  - {name: decoys, path: raid.waves.decoys.count, range: [1, 8], "
        "steps: 4}\n",
    )
    assert [v[0] for v in plan.values] == [1, 3, 6, 8]
    assert all(type(v[0]) is int for v in plan.values)


def test_wildcard_name_and_index_paths(write: Callable[..., Path]) -> None:
    _, scenario, _, plan = _plan(
        write,
        HEAD
        + "factors:\n"
        + "  - {name: a, path: 'batteries.*.launchers.*.count', values: [1]}\n"
        + "  - {name: b, path: batteries.battery-east.command_post.max_targets_engaged, "
        "values: [3]}\n" + "  - {name: c, path: raid.waves.0.interval_s, values: [7.5]}\n",
    )
    a, b, c = plan.factors
    n_launcher_groups = sum(len(bt.launchers) for bt in scenario.batteries)
    assert len(a.targets) == n_launcher_groups
    assert b.targets == (("batteries", 1, "command_post", "max_targets_engaged"),)
    assert c.targets == (("raid", "waves", 0, "interval_s"),)


def test_card_factor_acts_on_every_use_with_card_range(write: Callable[..., Path]) -> None:
    _, scenario, _, plan = _plan(
        write,
        HEAD
        + "design: {kind: random, samples: 5}\nfactors:\n"
        + "  - {name: rel, card: s400-class-long-range-interceptor, field: reliability, "
        "range: card}\n",
    )
    (f,) = plan.factors
    param = next(
        p
        for p in load_catalog()["s400-class-long-range-interceptor"].parameters
        if p.field == "reliability"
    )
    assert (f.low, f.high) == (param.low, param.high)
    assert param.source in f.range_source
    assert f.targets == (("interceptor_types", 0, "reliability"),)
    vals = [v[0] for v in plan.values]
    assert all(param.low <= v <= param.high for v in vals)
    assert scenario is not None


def test_path_card_range_matches_card_factor(write: Callable[..., Path]) -> None:
    _, _, _, plan = _plan(
        write,
        HEAD
        + "design: {kind: lhs, samples: 6}\nfactors:\n"
        + "  - {name: a, path: threat_types.generic-srbm.rcs_m2, range: card}\n",
    )
    param = next(p for p in load_catalog()["generic-srbm"].parameters if p.field == "rcs_m2")
    assert (plan.factors[0].low, plan.factors[0].high) == (param.low, param.high)
    # Latin hypercube: one draw in each of the 6 equal strata of the range.
    u = plan.unit
    assert u is not None
    assert sorted(np.floor(u[:, 0] * 6).astype(int).tolist()) == list(range(6))


def test_sobol_design_layout(write: Callable[..., Path]) -> None:
    _, _, _, plan = _plan(
        write,
        HEAD
        + "design: {kind: sobol, samples: 8}\nfactors:\n"
        + "  - {name: a, path: doctrine.decision_cycle_s, range: [1, 3]}\n"
        + "  - {name: b, path: doctrine.track_position_noise_m, range: [10, 100]}\n",
    )
    n, d = 8, 2
    assert plan.n_cells == n * (d + 2)
    u = plan.unit
    assert u is not None
    a, b = u[:n], u[n : 2 * n]
    for j in range(d):
        abj = u[(2 + j) * n : (3 + j) * n]
        assert np.array_equal(abj[:, j], b[:, j])
        other = [k for k in range(d) if k != j]
        assert np.array_equal(abj[:, other], a[:, other])


@given(
    d=st.integers(1, 6),
    r=st.integers(1, 5),
    p=st.sampled_from([2, 4, 6, 8]),
    seed=st.integers(0, 99),
)
def test_morris_trajectories_move_one_factor_by_delta(d: int, r: int, p: int, seed: int) -> None:
    x = morris_trajectories(d, r, p, seed).reshape(r, d + 1, d)
    delta = p / (2 * (p - 1))
    assert np.all(x >= -1e-12) and np.all(x <= 1 + 1e-12)
    steps = np.diff(x, axis=1)
    moved = np.abs(steps) > 1e-12
    assert np.all(moved.sum(axis=2) == 1)  # one factor per step
    assert np.allclose(np.abs(steps[moved]), delta)
    assert np.all(moved.sum(axis=1) == 1)  # every factor moves once per trajectory


@given(seed=st.integers(0, 2**63 - 1), index=st.integers(0, 10**6))
def test_cell_seed_pure_and_in_range(seed: int, index: int) -> None:
    s = cell_seed(seed, index)
    assert 0 <= s < 2**63
    assert s == cell_seed(seed, index)
    assert cell_seed(seed, index, common=True) == seed


def test_cell_seeds_differ_between_cells() -> None:
    seeds = {cell_seed(7, i) for i in range(1000)}
    assert len(seeds) == 1000


def test_build_cell_applies_values(write: Callable[..., Path]) -> None:
    sf, scenario, posture, plan = _plan(
        write,
        HEAD
        + "factors:\n"
        + "  - {name: size, path: raid.size, values: [40]}\n"
        + "  - {name: bat, path: batteries.count, values: [2]}\n"
        + "  - {name: sspk, path: 'interceptor_types.*.sspk.cruise', op: scale, values: [0.5]}\n"
        + "  - {name: decoys, path: raid.waves.decoys.count, values: [9]}\n",
    )
    cell = build_cell(sf, plan, 0, scenario=scenario, posture=posture)
    base = builtin_scenario("four-batteries")
    s = cell.scenario
    assert s is not None
    assert s.raid.total_threats == 40
    assert [b.name for b in s.batteries] == [b.name for b in base.batteries[:2]]
    for new, old in zip(s.interceptor_types, base.interceptor_types, strict=True):
        assert math.isclose(new.sspk.cruise, old.sspk.cruise * 0.5)
        assert new.sspk.ballistic == old.sspk.ballistic
    assert cell.seed == cell_seed(0, 0)


def test_posture_factor_applies(write: Callable[..., Path]) -> None:
    text = (
        "version: 1\nname: p\nbase: {posture: example}\nfactors:\n"
        "  - {name: inv, path: posture.blue.defence.interceptors, values: [0, 500]}\n"
    )
    sf, scenario, posture, plan = _plan(write, text)
    cells = [build_cell(sf, plan, i, scenario=scenario, posture=posture) for i in range(2)]
    assert [c.posture.blue.defence.interceptors for c in cells] == [0, 500]
    # Everything else as posted (card cost references come back as their resolved values).
    assert cells[0].posture.red.offence == posture.red.offence
    assert cells[0].posture.red.costs.missile == posture.red.costs.missile
    assert cells[1].posture.blue.defence.sspk == posture.blue.defence.sspk


def test_too_many_battery_count_is_refused(write: Callable[..., Path]) -> None:
    from shieldlab.errors import InputError

    sf, scenario, posture, plan = _plan(
        write, HEAD + "factors:\n  - {name: bat, path: batteries.count, values: [9]}\n"
    )
    with pytest.raises(InputError, match="more than the base scenario's 4 batteries") as info:
        build_cell(sf, plan, 0, scenario=scenario, posture=posture)
    assert info.value.location.field == "factors.0"


# ---- issue 21, items 8-9 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "factors",
    [
        # The same path twice.
        "  - {name: a, path: doctrine.salvo_size, values: [1, 2]}\n"
        "  - {name: b, path: doctrine.salvo_size, values: [2, 3]}\n",
        # A wildcard that covers a named path.
        "  - {name: a, path: 'interceptor_types.*.sspk.cruise', op: scale, values: [0.5]}\n"
        "  - {name: b, path: 'interceptor_types.0.sspk.cruise', values: [0.7]}\n",
        # raid.size twice.
        "  - {name: a, path: raid.size, values: [4]}\n"
        "  - {name: b, path: raid.size, values: [8]}\n",
    ],
)
def test_two_factors_on_one_target_are_refused(write: Callable[..., Path], factors: str) -> None:
    from shieldlab.errors import InputError

    sf = load_study(write(HEAD + "factors:\n" + factors))
    scenario, posture = load_base(sf)
    with pytest.raises(InputError, match="both act on") as info:
        plan_study(sf, scenario=scenario, posture=posture)
    assert info.value.location.field == "factors.1"


def test_factors_on_different_targets_are_accepted(write: Callable[..., Path]) -> None:
    _, _, _, plan = _plan(
        write,
        HEAD + "factors:\n"
        "  - {name: a, path: 'interceptor_types.*.sspk.cruise', op: scale, values: [0.5]}\n"
        "  - {name: b, path: 'interceptor_types.*.sspk.ballistic', op: scale, values: [0.5]}\n"
        "  - {name: c, path: raid.size, values: [4]}\n"
        "  - {name: d, path: batteries.count, values: [2]}\n",
    )
    assert plan.n_cells == 1


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ("values: [4, 100001]", "values"),
        ("range: [4, 1.0e300], steps: 3", "range"),
        ("range: [4, 1.0e300]", "range"),
    ],
)
def test_raid_size_beyond_the_threat_limit_is_refused_at_plan(
    write: Callable[..., Path], spec: str, where: str
) -> None:
    from shieldlab.errors import InputError

    design = (
        "design: {kind: sobol, samples: 4}\n" if "steps" not in spec and "range" in spec else ""
    )
    sf = load_study(
        write(HEAD + design + "factors:\n  - {name: n, path: raid.size, " + spec + "}\n")
    )
    scenario, posture = load_base(sf)
    with pytest.raises(InputError, match="limit is 100,000 threats") as info:
        plan_study(sf, scenario=scenario, posture=posture)
    assert info.value.location.field == f"factors.0.{where}"


def test_scale_raid_beyond_the_limit_is_an_input_error_not_a_loop() -> None:
    from shieldlab.errors import InputError
    from shieldlab.montecarlo.studies import nested_wave_counts, scale_raid

    with pytest.raises(InputError, match="limit of 100,000"):
        nested_wave_counts([3, 4], 10**300)
    with pytest.raises(InputError, match="limit of 100,000"):
        scale_raid(builtin_scenario("four-batteries"), 100_001)

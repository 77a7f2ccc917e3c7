"""First-strike stability: hand-computed exchanges, range, symmetry, monotonicity."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from posture_builders import make_posture, side_dict

from shieldlab.stability.first_strike import (
    SideForces,
    closed_form_leakage,
    damage_fraction,
    exchange,
    first_strike_stability,
    fluid_leakers,
    posture_stability,
    stability_vs_interceptors,
)
from shieldlab.stability.posture import builtin_posture


def forces(**over: float) -> SideForces:
    base = {
        "launchers": 10.0,
        "warheads_per_launcher": 1.0,
        "survivable_fraction": 0.0,
        "counterforce_pk": 1.0,
        "interceptors": 0.0,
        "shots_per_threat": 1.0,
        "sspk": 1.0,
        "p_detect": 1.0,
        "forces_fraction": 0.5,
        "damage_scale_warheads": 10.0,
        "alpha": 0.5,
    }
    base.update(over)
    return SideForces(**base)


@pytest.mark.parametrize(
    "field,value",
    [("alpha", -0.1), ("sspk", 1.5), ("shots_per_threat", 0.0), ("damage_scale_warheads", 0.0)],
)
def test_side_forces_out_of_range_are_refused(field: str, value: float) -> None:
    # A negative alpha or a probability above 1 would take the index out of [0, 1]; a zero
    # salvo or damage scale would divide by zero.
    with pytest.raises(ValueError, match=field):
        forces(**{field: value})


def test_fluid_leakers_and_damage() -> None:
    # leak(N; I) = N - min(N, I/n) Pk (Wilkening 1999 with fractional counts).
    assert fluid_leakers(10.0, 6.0, 2.0, 0.5) == pytest.approx(10 - 3 * 0.5)
    assert fluid_leakers(2.0, 6.0, 2.0, 0.5) == pytest.approx(2 - 2 * 0.5)
    assert fluid_leakers(0.0, 6.0, 2.0, 0.5) == 0.0
    assert damage_fraction(10.0, 10.0) == pytest.approx(1 - math.exp(-1))
    assert damage_fraction(0.0, 10.0) == 0.0


def test_hand_case_without_defences() -> None:
    # A: 10 launchers x 2 warheads; B: 10 launchers x 1; no survivable launchers, counterforce
    # kill 1, no defences, T = 10, alpha = 0.5.
    a = forces(warheads_per_launcher=2.0)
    b = forces()
    res = first_strike_stability(a, b)
    # A first: 10 warheads destroy all of B's launchers; no retaliation (d_A = 0); A's 10
    # reserve warheads: d_B = 1 - e^-1. C_A1 = 0 + 0.5 e^-1.
    # B first: 10 warheads destroy A's launchers; B has no reserve (d_A = 0), A cannot
    # retaliate (d_B = 0). C_A2 = 0 + 0.5 * 1; C_B1 = 0 + 0.5 * 1.
    # C_B2 (A first) = d_B + 0.5 (1 - d_A) = 1 - e^-1 + 0.5.
    assert res.blue_cost_first == pytest.approx(0.5 * math.exp(-1))
    assert res.blue_cost_second == pytest.approx(0.5)
    assert res.red_cost_first == pytest.approx(0.5)
    assert res.red_cost_second == pytest.approx(1.5 - math.exp(-1))
    assert res.blue_ratio == pytest.approx(math.exp(-1))
    assert res.red_ratio == pytest.approx(0.5 / (1.5 - math.exp(-1)))
    assert res.index == pytest.approx(math.exp(-1) * 0.5 / (1.5 - math.exp(-1)))
    # min(e^-1, 0.5 / (1.5 - e^-1)) = e^-1.
    assert first_strike_stability(a, b, combine="min").index == pytest.approx(math.exp(-1))


def test_hand_case_with_a_defence() -> None:
    # As above, but B has 10 perfect interceptors (Pk = 1, 1 shot), half on its forces.
    a = forces(warheads_per_launcher=2.0)
    b = forces(interceptors=10.0)
    out = exchange(a, b)
    # 10 counterforce warheads vs 5 interceptors: 5 arrive (fraction 0.5); a targeted
    # launcher survives with 1 - 1 * 0.5 -> 5 survive, 5 retaliating warheads (A has no
    # defence): d_A = 1 - e^-0.5. A's 10 reserve warheads vs 5 value interceptors:
    # 5 penetrate, d_B = 1 - e^-0.5.
    assert out.arriving_fraction == pytest.approx(0.5)
    assert out.victim_surviving_launchers == pytest.approx(5.0)
    assert out.retaliation_penetrating == pytest.approx(5.0)
    assert out.reserve_penetrating == pytest.approx(5.0)
    assert out.damage_to_striker == pytest.approx(1 - math.exp(-0.5))
    assert out.cost_to_striker == pytest.approx(1 - math.exp(-0.5) + 0.5 * math.exp(-0.5))
    # Without the reserve attack the first striker's warheads beyond counterforce idle.
    quiet = exchange(a, b, reserve_attack=False)
    assert quiet.reserve_warheads == 0.0 and quiet.damage_to_victim == 0.0
    # Two warheads per target: survival (1 - 0.5)^2 per targeted launcher, all 20 used.
    two = exchange(a, b, warheads_per_target=2)
    # 20 warheads vs 5 interceptors: 15 arrive (0.75): survival (1 - 0.75)^2 = 1/16.
    assert two.arriving_fraction == pytest.approx(0.75)
    assert two.victim_surviving_launchers == pytest.approx(10 / 16)


side_forces = st.builds(
    SideForces,
    launchers=st.floats(0.0, 500.0),
    warheads_per_launcher=st.integers(1, 6).map(float),
    survivable_fraction=st.floats(0.0, 1.0),
    counterforce_pk=st.floats(0.0, 1.0),
    interceptors=st.floats(0.0, 1000.0),
    shots_per_threat=st.integers(1, 3).map(float),
    sspk=st.floats(0.0, 1.0),
    p_detect=st.floats(0.0, 1.0),
    forces_fraction=st.floats(0.0, 1.0),
    damage_scale_warheads=st.floats(1.0, 500.0),
    alpha=st.floats(0.0, 2.0),
)


@settings(max_examples=200, deadline=None)
@given(
    a=side_forces, b=side_forces, r=st.integers(1, 3), combine=st.sampled_from(["product", "min"])
)
def test_index_in_documented_range(a: SideForces, b: SideForces, r: int, combine: str) -> None:
    res = first_strike_stability(a, b, warheads_per_target=r, combine=combine)
    assert 0.0 <= res.index <= 1.0
    assert 0.0 <= res.blue_ratio <= 1.0 and 0.0 <= res.red_ratio <= 1.0


@settings(max_examples=150, deadline=None)
@given(
    a=side_forces,
    b=side_forces,
    pk1=st.floats(0.0, 1.0),
    pk2=st.floats(0.0, 1.0),
    which=st.sampled_from(["blue", "red"]),
)
def test_stronger_counterforce_never_raises_stability(
    a: SideForces, b: SideForces, pk1: float, pk2: float, which: str
) -> None:
    lo, hi = sorted((pk1, pk2))

    def index(pk: float) -> float:
        if which == "blue":
            return first_strike_stability(replace(a, counterforce_pk=pk), b).index
        return first_strike_stability(a, replace(b, counterforce_pk=pk)).index

    assert index(hi) <= index(lo) + 1e-12


@settings(max_examples=100, deadline=None)
@given(a=side_forces)
def test_symmetric_sides_give_symmetric_costs(a: SideForces) -> None:
    res = first_strike_stability(a, a)
    assert res.blue_cost_first == pytest.approx(res.red_cost_first, rel=1e-12, abs=1e-15)
    assert res.blue_cost_second == pytest.approx(res.red_cost_second, rel=1e-12, abs=1e-15)
    assert res.blue_ratio == pytest.approx(res.red_ratio, rel=1e-12, abs=1e-15)


def test_posture_and_interceptor_sweep() -> None:
    p = builtin_posture()
    base = posture_stability(p).index
    sweep = stability_vs_interceptors(p, "red", np.array([p.red.defence.interceptors, 0, 500]))
    assert sweep[0] == pytest.approx(base)
    assert np.all((sweep >= 0) & (sweep <= 1))
    sym = make_posture(side_dict(defence__interceptors=40))
    b = stability_vs_interceptors(sym, "blue", np.arange(0, 200, 20))
    r = stability_vs_interceptors(sym, "red", np.arange(0, 200, 20))
    np.testing.assert_allclose(b, r, rtol=1e-12)  # mirror images in a symmetric posture


def test_leakage_function_is_pluggable() -> None:
    # A leakage function that lets everything through is the same as no interceptors.
    a = forces(warheads_per_launcher=2.0, interceptors=50.0, alpha=0.3)
    b = forces(interceptors=80.0, survivable_fraction=0.4, counterforce_pk=0.7)

    def no_defence(n: float, _interceptors: float, _side: SideForces) -> float:
        return n

    leaky = first_strike_stability(a, b, leakage=no_defence)
    bare = first_strike_stability(replace(a, interceptors=0.0), replace(b, interceptors=0.0))
    assert leaky.index == pytest.approx(bare.index, rel=1e-14)
    assert leaky.blue_cost_first == pytest.approx(bare.blue_cost_first, rel=1e-14)
    # The default is the closed form (fluid Wilkening inventory model).
    assert first_strike_stability(a, b).index == pytest.approx(
        first_strike_stability(a, b, leakage=closed_form_leakage).index, rel=0
    )

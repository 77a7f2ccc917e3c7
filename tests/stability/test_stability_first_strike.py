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
    KENT_THALER,
    ExchangeSettings,
    SideForces,
    closed_form_leakage,
    damage_fraction,
    exchange,
    exchange_cost,
    exchange_settings,
    first_strike_stability,
    fluid_leakers,
    posture_stability,
    stability_vs_interceptors,
)
from shieldlab.stability.posture import builtin_posture

#: The allocation before issue 18: every warhead the striker can aim at vulnerable launchers.
FIXED = ExchangeSettings(strike="fixed")


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
    out = exchange(a, b, rules=FIXED)
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
    quiet = exchange(a, b, reserve_attack=False, rules=FIXED)
    assert quiet.reserve_warheads == 0.0 and quiet.damage_to_victim == 0.0
    # Two warheads per target: survival (1 - 0.5)^2 per targeted launcher, all 20 used.
    two = exchange(a, b, warheads_per_target=2, rules=FIXED)
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

    def run(pk: float, rules: ExchangeSettings) -> tuple[float, float]:
        if which == "blue":
            res = first_strike_stability(replace(a, counterforce_pk=pk), b, rules=rules)
            return res.index, res.blue_cost_first
        res = first_strike_stability(a, replace(b, counterforce_pk=pk), rules=rules)
        return res.index, res.red_cost_first

    # With the fixed allocation the whole index never rises.
    assert run(hi, FIXED)[0] <= run(lo, FIXED)[0] + 1e-12
    # Optimised, the striker's own first-strike cost never rises (it could still choose
    # what it chose before, at a lower cost); the victim's second-strike cost may move
    # either way (a better counterforce frees reserve warheads or saves them), so the
    # index is not monotone (e.g. one launcher each, alpha = 0: Pk 0 -> 1 lets the
    # striker spend its one warhead on the silo and the victim's cost of going second
    # drops to 0).
    assert run(hi, ExchangeSettings())[1] <= run(lo, ExchangeSettings())[1] + 1e-12


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


# --- Issue 18: the striker optimises its counterforce spend; Kent & Thaler's cost form ---


@pytest.mark.parametrize("e", [1.0, 0.75, 0.5])
@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.5])
def test_cost_form_corner_values(e: float, alpha: float) -> None:
    # C = d_X^e + alpha (1 - d_Y^e): total loss with the enemy untouched costs 1 + alpha,
    # no loss with the enemy destroyed costs 0, whatever the exponent.
    assert exchange_cost(1.0, 0.0, alpha, e) == pytest.approx(1.0 + alpha, abs=0)
    assert exchange_cost(0.0, 1.0, alpha, e) == 0.0
    assert exchange_cost(0.0, 0.0, alpha, e) == alpha
    # Kent & Thaler's form at an interior point, by hand: 0.5^0.75 + 0.3 (1 - 0.2^0.75).
    assert exchange_cost(0.5, 0.2, 0.3, 0.75) == pytest.approx(
        0.5946035575013605 + 0.3 * (1 - 0.29906975624424414), rel=1e-14
    )


def test_total_loss_corner_in_an_exchange() -> None:
    # A striker with nothing to strike with, against a victim whose retaliation destroys it
    # (y / T = 1000, so d = 1 in floating point), pays 1 + alpha: it lost everything and
    # the enemy's value is untouched.
    for rules in (ExchangeSettings(), ExchangeSettings.kent_thaler()):
        a = forces(launchers=0.0, alpha=0.3)
        b = forces(launchers=1000.0, warheads_per_launcher=10.0)
        out = exchange(replace(a, damage_scale_warheads=10.0), b, rules=rules)
        assert out.damage_to_striker == 1.0 and out.damage_to_victim == 0.0
        assert out.cost_to_striker == pytest.approx(1.3, abs=0)


def test_optimised_strike_hand_case() -> None:
    # No defences; A: 10 launchers; B: 10 fixed launchers, counterforce Pk p = 0.8, T = 2,
    # alpha = 0.5. Spending cf warheads leaves 10 - p cf launchers to retaliate and 10 - cf
    # reserve warheads, so C_A(cf) = 1 - exp(-(10 - p cf)/T) + alpha exp(-(10 - cf)/T).
    # dC/dcf = 0 gives cf* = T ln(p / alpha) / (1 - p) = 10 ln 1.6 = 4.7000 (a minimum:
    # C'' = alpha e^{-(10 - cf)/T} (1 - p) / T^2 > 0); the fixed rule spends all 10.
    a = forces(counterforce_pk=0.8, damage_scale_warheads=2.0)
    b = forces(damage_scale_warheads=2.0)
    cf = 10 * math.log(1.6)
    out = exchange(a, b)
    assert out.counterforce_warheads == pytest.approx(cf, abs=1e-6)
    hand = 1 - math.exp(-(10 - 0.8 * cf) / 2) + 0.5 * math.exp(-(10 - cf) / 2)
    assert out.cost_to_striker == pytest.approx(hand, rel=1e-12)
    fixed = exchange(a, b, rules=FIXED)
    assert fixed.counterforce_warheads == 10.0
    assert fixed.cost_to_striker == pytest.approx(1 - math.exp(-1) + 0.5, rel=1e-14)
    assert out.cost_to_striker < fixed.cost_to_striker - 0.1


def test_kent_thaler_exchange_by_hand() -> None:
    # Kent & Thaler preset: e = 0.75, first striker uses all fixed + 90 % of survivable
    # forces, the victim launches 90 % of its fixed force under attack (R-3765-AF pp. 34,
    # 35 n. 4, App. C p. 61). A: 10 launchers x 2 warheads, half survivable -> 20 (0.5 +
    # 0.9 x 0.5) = 19 warheads. B: 10 fixed launchers, 1 warhead, no defences, Pk 1.
    # A spends 10: 9 of B's launchers were launched under attack, the 1 left is destroyed;
    # B retaliates with 9, A's reserve is 9. T = 10: d_A = d_B = 1 - e^-0.9.
    assert KENT_THALER == {
        "cost_exponent": 0.75,
        "alpha": 0.3,
        "first_strike_survivable_share": 0.9,
        "launch_under_attack": 0.9,
    }
    a = forces(warheads_per_launcher=2.0, survivable_fraction=0.5, alpha=0.3)
    b = forces(alpha=0.3)
    out = exchange(a, b, rules=ExchangeSettings.kent_thaler(), counterforce_warheads=10.0)
    assert out.available_warheads == pytest.approx(19.0)
    assert out.victim_surviving_launchers == pytest.approx(9.0)
    assert out.reserve_warheads == pytest.approx(9.0)
    d = 1 - math.exp(-0.9)
    assert out.cost_to_striker == pytest.approx(d**0.75 + 0.3 * (1 - d**0.75), rel=1e-14)
    # Optimised, A spends nothing on counterforce: every warhead on value is worth more
    # than one that, 9 times in 10, arrives at an empty silo.
    best = exchange(a, b, rules=ExchangeSettings.kent_thaler())
    assert best.counterforce_warheads < 10.0
    assert best.cost_to_striker <= out.cost_to_striker


def test_builtin_posture_index_before_and_after() -> None:
    # Issue 18's independent recomputation of the built-in posture: Red's fixed strike
    # (160 warheads at Blue's 160 fixed launchers) costs it 0.2746 and the index is 0.848;
    # optimised, Red stops at 118 warheads, its cost falls to 0.2626, Blue's second-strike
    # cost rises 1.090 -> 1.190 and the index falls to 0.743.
    p = builtin_posture()
    fixed = p.exchange.model_copy(update={"strike": "fixed"})
    old = posture_stability(p.model_copy(update={"exchange": fixed}))
    assert old.red_strikes_first.counterforce_warheads == 160.0
    assert old.red_cost_first == pytest.approx(0.2746, abs=5e-5)
    assert old.blue_cost_second == pytest.approx(1.090, abs=5e-4)
    assert old.index == pytest.approx(0.848, abs=5e-4)
    new = posture_stability(p)
    assert new.settings.strike == "optimised"
    assert round(new.red_strikes_first.counterforce_warheads) == 118
    assert new.red_cost_first == pytest.approx(0.2626, abs=5e-5)
    assert new.blue_cost_second == pytest.approx(1.190, abs=5e-4)
    assert new.index == pytest.approx(0.743, abs=5e-4)


def test_posture_preset_and_overrides() -> None:
    p = builtin_posture()
    kt = p.model_copy(update={"exchange": p.exchange.model_copy(update={"preset": "kent-thaler"})})
    s = exchange_settings(kt)
    assert (s.cost_exponent, s.first_strike_survivable_share, s.launch_under_attack) == (
        0.75,
        0.9,
        0.9,
    )
    mine = kt.exchange.model_copy(update={"cost_exponent": 0.8, "launch_under_attack": 0.0})
    s2 = exchange_settings(kt.model_copy(update={"exchange": mine}))
    assert (s2.cost_exponent, s2.first_strike_survivable_share, s2.launch_under_attack) == (
        0.8,
        0.9,
        0.0,
    )
    lin = exchange_settings(p)
    assert (lin.cost_exponent, lin.first_strike_survivable_share, lin.launch_under_attack) == (
        1.0,
        1.0,
        0.0,
    )


@settings(max_examples=120, deadline=None)
@given(
    a=side_forces,
    b=side_forces,
    r=st.integers(1, 3),
    kt=st.booleans(),
    frac=st.floats(0.0, 1.0),
)
def test_optimised_strike_is_no_worse_than_any_spend(
    a: SideForces, b: SideForces, r: int, kt: bool, frac: float
) -> None:
    rules = ExchangeSettings.kent_thaler if kt else ExchangeSettings
    best = exchange(a, b, rules=rules(warheads_per_target=r))
    for rr in range(1, r + 1):
        fixed = exchange(a, b, rules=rules(warheads_per_target=rr, strike="fixed"))
        assert best.cost_to_striker <= fixed.cost_to_striker + 1e-12
        some = exchange(
            a,
            b,
            rules=rules(warheads_per_target=rr),
            counterforce_warheads=frac * fixed.counterforce_limit,
        )
        assert best.cost_to_striker <= some.cost_to_striker + 1e-12
    assert 0.0 <= best.counterforce_warheads <= best.counterforce_limit + 1e-9

"""Channel-time pricing in the ``optimal`` and ``dynamic`` fire-control assigners.

Closed form used below (one battery with one target and one guidance channel, salvos of
one round, one engagement per threat, two threats flying together at 1000 m/s towards
sites of equal value; two rounds of each of two interceptor types, both with a 10 km
minimum intercept range): at the first decision a ``long`` round (SSPK 0.9, 180 m/s)
intercepts after ~75 s, a ``short`` one (SSPK 0.6, 1500 m/s) after ~36 s. The channel
is held until the intercept. After a ``long`` shot the second threat is inside every
minimum range when the channel frees and leaks for sure: expected leakers
(1 - 0.9) + 1 = 1.1, one round fired. After a ``short`` shot the second threat can
still be engaged by a ``short`` round (a ``long`` one would intercept inside 10 km):
(1 - 0.6) + (1 - 0.6) = 0.8, two rounds fired. The per-decision optimum without a
channel price takes the higher kill probability (1.1); with the price it takes the short
flight (0.8), as the time-to-impact greedy rule (earliest intercept) does.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.c2.base import (
    PRIORITY_ASSET_VALUE,
    PRIORITY_TIME_TO_IMPACT,
    AssignmentProblem,
    check_salvos,
)
from shieldlab.c2.greedy import GreedyAssigner
from shieldlab.c2.wta_assigners import (
    DynamicAssigner,
    OptimalAssigner,
    _to_wta,
    _urgent_value,
    channel_prices,
)
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.oracle import run_replications_py
from shieldlab.engine.outcomes import layout_of
from shieldlab.scenario import Scenario, scenario_from_data

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from scenarios import small_scenario


@st.composite
def problems(draw: st.DrawFn, *, ample: bool = False) -> AssignmentProblem:
    """Random decisions with varied flight times; ``ample``: many more channels than used."""
    m = draw(st.integers(1, 5))
    n = draw(st.integers(1, 4))
    n_bat = draw(st.integers(1, 2))
    salvo = draw(st.integers(1, 3))
    t0 = draw(st.sampled_from([0.0, 50.0]))
    pk = np.array([[draw(st.floats(0.05, 0.95)) for _ in range(n)] for _ in range(m)])
    it = np.array(
        [
            [draw(st.sampled_from([-1.0, t0 + 10.0, t0 + 30.0, t0 + 80.0])) for _ in range(n)]
            for _ in range(m)
        ]
    )
    engaging = np.array(
        [[draw(st.booleans()) for _ in range(m)] for _ in range(n_bat)], dtype=bool
    ).reshape(n_bat, m)
    if ample:
        free_t = np.full(n_bat, 100)
        free_g = np.full(n_bat, 400)
        max_t, max_g = free_t.copy(), free_g.copy()
    else:
        free_t = np.array([draw(st.integers(0, 3)) for _ in range(n_bat)])
        free_g = np.array([draw(st.integers(0, 8)) for _ in range(n_bat)])
        max_t = free_t + np.array([draw(st.integers(0, 3)) for _ in range(n_bat)])
        max_g = free_g + np.array([draw(st.integers(0, 8)) for _ in range(n_bat)])
    return AssignmentProblem(
        time_s=t0,
        threat=np.arange(m, dtype=np.int64),
        threat_value=np.array([draw(st.floats(0.5, 10.0)) for _ in range(m)]),
        impact_s=t0 + np.array([draw(st.floats(20.0, 400.0)) for _ in range(m)]),
        survive=np.array([draw(st.sampled_from([1.0, 0.5, 0.2])) for _ in range(m)]),
        salvos_left=np.array([draw(st.integers(0, 2)) for _ in range(m)], dtype=np.int64),
        weapon=np.arange(n, dtype=np.int64),
        weapon_battery=np.array([draw(st.integers(0, n_bat - 1)) for _ in range(n)]),
        ready=np.array([draw(st.integers(0, 6)) for _ in range(n)], dtype=np.int64),
        pk=pk,
        intercept_s=it,
        battery_free_targets=free_t.astype(np.int64),
        battery_free_guided=free_g.astype(np.int64),
        battery_engaging=engaging,
        salvo_size=salvo,
        priority=draw(st.sampled_from([PRIORITY_ASSET_VALUE, PRIORITY_TIME_TO_IMPACT])),
        looks_left=np.array([draw(st.integers(0, 3)) for _ in range(m)], dtype=np.int64),
        battery_max_targets=max_t.astype(np.int64),
        battery_max_guided=max_g.astype(np.int64),
    )


def _prices(p: AssignmentProblem) -> np.ndarray:
    mapped = _to_wta(p)
    if mapped is None:
        return np.zeros(p.battery_free_guided.shape[0])
    inst, _limits, rounds = mapped
    return channel_prices(p, _urgent_value(p), rounds, inst.kill_probability.T.copy())


@settings(max_examples=60, deadline=None)
@given(p=problems())
def test_priced_salvos_are_always_feasible(p: AssignmentProblem) -> None:
    assert np.all(_prices(p) >= 0.0)
    check_salvos(p, OptimalAssigner().assign(p))
    check_salvos(p, DynamicAssigner().assign(p))


@settings(max_examples=40, deadline=None)
@given(p=problems())
def test_zero_price_gives_exactly_the_unpriced_salvos(p: AssignmentProblem) -> None:
    if np.any(_prices(p) > 0.0):
        return  # covered by the feasibility test; here only the lambda = 0 reduction
    assert OptimalAssigner().assign(p) == OptimalAssigner(price_channels=False).assign(p)


@settings(max_examples=30, deadline=None)
@given(p=problems(ample=True))
def test_ample_channels_do_not_bind_and_change_nothing(p: AssignmentProblem) -> None:
    assert np.all(_prices(p) == 0.0)
    assert OptimalAssigner().assign(p) == OptimalAssigner(price_channels=False).assign(p)
    assert DynamicAssigner().assign(p) == DynamicAssigner(price_channels=False).assign(p)


def long_or_short(priority: int) -> AssignmentProblem:
    """One battery with one channel of each kind; two threats of value 1 due in 200 s; two
    weapons with a long option (P 0.9, intercept at 75 s) and a short one (P 0.6, 36 s)."""
    return AssignmentProblem(
        time_s=0.0,
        threat=np.arange(2, dtype=np.int64),
        threat_value=np.ones(2),
        impact_s=np.array([200.0, 200.0]),
        survive=np.ones(2),
        salvos_left=np.ones(2, dtype=np.int64),
        weapon=np.arange(2, dtype=np.int64),
        weapon_battery=np.zeros(2, dtype=np.int64),
        ready=np.array([2, 2], dtype=np.int64),
        pk=np.array([[0.9, 0.6], [0.9, 0.6]]),
        intercept_s=np.array([[75.0, 36.0], [75.0, 36.0]]),
        battery_free_targets=np.array([1], dtype=np.int64),
        battery_free_guided=np.array([1], dtype=np.int64),
        battery_engaging=np.zeros((1, 2), dtype=bool),
        salvo_size=1,
        priority=priority,
        battery_max_targets=np.array([1], dtype=np.int64),
        battery_max_guided=np.array([1], dtype=np.int64),
    )


def test_the_price_is_the_value_of_a_marginal_capacity_second() -> None:
    # one battery, one channel of each kind; two threats of value 1 (asset_value
    # priority: no urgency weight), options long (P 0.9, 75 s) and short (P 0.6, 36 s).
    # LP: both short (72 s) fit in the 75 s horizon; the 3 s left upgrade one threat
    # fractionally, so a capacity-second is worth (0.9 - 0.6) / (75 - 36) per second.
    p = long_or_short(PRIORITY_ASSET_VALUE)
    assert _prices(p)[0] == pytest.approx(0.3 / 39.0, rel=1e-4)
    # unpriced: the higher kill probability; priced: the shorter flight
    assert [(s.threat, s.weapon) for s in OptimalAssigner(price_channels=False).assign(p)] == [
        (0, 0)
    ]
    priced = OptimalAssigner().assign(p)
    assert len(priced) == 1 and priced[0].weapon == 1


def sequence_scenario() -> Scenario:
    """The closed-form case of the module docstring (notional, no real systems)."""
    sc = small_scenario(threats=2, salvo=1, targets=1, guided=1, rounds=4, interval_s=0.0)
    d: dict[str, Any] = sc.model_dump()
    d["raid"]["waves"][0]["launch_area"].update({"radius_m": 0, "lat_deg": -19.2})
    d["threat_types"][0]["speed_mps"] = 1000
    base = d["interceptor_types"][0]

    def kind(name: str, speed_mps: float, sspk: float) -> dict[str, Any]:
        return {
            **base,
            "name": name,
            "min_range_m": 10_000,
            "avg_speed_mps": speed_mps,
            "sspk": dict.fromkeys(base["sspk"], sspk),
        }

    d["interceptor_types"] = [kind("long", 180.0, 0.9), kind("short", 1500.0, 0.6)]
    d["batteries"][0]["launchers"][0]["loadout"] = [
        {"interceptor": "long", "rounds": 2},
        {"interceptor": "short", "rounds": 2},
    ]
    for a in d["assets"]:
        a["value"] = 1
    return scenario_from_data(d)


def _mean_ci(x: np.ndarray) -> tuple[float, float, float]:
    half = 1.96 * float(x.std(ddof=1)) / math.sqrt(x.size)
    return float(x.mean()), float(x.mean()) - half, float(x.mean()) + half


def test_engine_holds_the_channel_for_the_second_threat() -> None:
    cs = compile_scenario(sequence_scenario())
    col = layout_of(cs).columns()
    reps = 400
    assigners = {
        "unpriced": OptimalAssigner(price_channels=False),
        "priced": OptimalAssigner(),
        "greedy": GreedyAssigner(),
    }
    leak = {
        k: run_replications_py(cs, seed=5, first=0, count=reps, assigner=a)[:, col["leakers"]]
        for k, a in assigners.items()
    }
    for name, want in {"unpriced": 1.1, "priced": 0.8, "greedy": 0.8}.items():
        mean, lo, hi = _mean_ci(leak[name])
        assert lo <= want <= hi, (name, mean)
    # paired (common random numbers): pricing leaks less than the unpriced optimum
    _, _, hi = _mean_ci(leak["priced"] - leak["unpriced"])
    assert hi < 0.0


def test_same_seed_same_results_whatever_the_chunks() -> None:
    cs = compile_scenario(sequence_scenario())
    a = OptimalAssigner()
    whole = run_replications_py(cs, seed=9, first=0, count=6, assigner=a)
    parts = np.vstack(
        [run_replications_py(cs, seed=9, first=k, count=3, assigner=a) for k in (0, 3)]
    )
    assert np.array_equal(whole, parts, equal_nan=True)


def test_urgency_priority_is_priced_in_the_same_units() -> None:
    # time_to_impact divides the value by the time to go; the price follows (a ratio of
    # values), so the choice is the same as under asset_value when both threats are alike
    p = long_or_short(PRIORITY_TIME_TO_IMPACT)
    assert [s.weapon for s in OptimalAssigner().assign(p)] == [1]

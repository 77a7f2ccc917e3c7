"""The default ``layered`` doctrine (issue 16, item 2): plan, kernel = oracle, bounds, disposal.

- The engagement plan (``engine.doctrine.engagement_plan``) on hand-derived cases.
- Kernel and Python oracle give identical rows with several layers, both C2 modes, with
  and without shoot-look-shoot.
- Single-battery reaches within 1.25x of the best-case closed form (salvo 2; salvo 1 with
  two looks), where the bound is attainable (``asset_value`` reaches it).
- Free disposal as a property (hypothesis over generated layered defences, paired runs on
  common random numbers): more rounds of any type never significantly more leakers, a
  layer removed never significantly fewer.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenarios import layered_scenario

from shieldlab.analytic.crosscheck import closed_form_for
from shieldlab.engine import CompiledScenario, compile_scenario, layout_of, run_replications
from shieldlab.engine.doctrine import engagement_plan
from shieldlab.engine.oracle import run_replications_py
from shieldlab.scenario import Scenario, scenario_by_name_or_path

# ---- the plan, by hand ------------------------------------------------------------------


def _two_weapon_plan(inner_rows: range) -> tuple[np.ndarray, np.ndarray]:
    """One threat, 10 launch cycles of 2 s; outer weapon (pk 0.5) feasible at every cycle,
    inner (pk 0.8) at ``inner_rows``; every salvo intercepts 2 s after launch, so the look
    is at the next cycle. Salvo 1, shoot-look-shoot, two engagements."""
    nc = 10
    it = np.full((nc, 2), -1.0, dtype=np.float32)
    launch = 2.0 * np.arange(nc)
    it[:, 0] = launch + 2.0
    for k in inner_rows:
        it[k, 1] = launch[k] + 2.0
    return engagement_plan(
        it,
        np.array([0]),
        np.array([nc]),
        np.array([0]),
        np.array([[0.5], [0.8]]),
        np.zeros(2, dtype=np.int64),
        1,
        2.0,
        1,
        2,
        True,
    )


def _worth(plan: np.ndarray, row: int, w: int, left: int) -> bool:
    return bool((int(plan[row, w]) >> (left - 1)) & 1)


def test_plan_holds_the_outer_layer_when_the_inner_has_time_for_both_looks() -> None:
    # Inner rows 6..9: two inner looks are possible (6 then 7, ..., 8 then 9), P = 0.96;
    # outer then inner gives 1 - 0.5 x 0.2 = 0.9, so the outer layer waits at row 0 ...
    plan, last = _two_weapon_plan(range(6, 10))
    assert not _worth(plan, 0, 0, 2)
    assert not _worth(plan, 0, 0, 1)  # ... and never takes the last engagement (0.5 < 0.8)
    assert _worth(plan, 8, 1, 2)  # inner at 8, look, inner at 9: 0.96 = optimum
    assert not _worth(plan, 8, 0, 2)
    # Row 9: one look left in time: inner 0.8 beats outer 0.5.
    assert _worth(plan, 9, 1, 2) and not _worth(plan, 9, 0, 2)
    assert list(last[0]) == [9, 9]


def test_plan_spends_the_outer_layer_when_the_inner_window_is_short() -> None:
    # Inner only at row 9: waiting gives 0.8 with two engagements, outer first then inner
    # 0.9 -- so the outer layer fires (with two left), but keeps the last one for inner.
    plan, _ = _two_weapon_plan(range(9, 10))
    for row in range(9):
        assert _worth(plan, row, 0, 2)
        assert not _worth(plan, row, 0, 1)
    assert _worth(plan, 9, 1, 1) and _worth(plan, 9, 1, 2)


# ---- kernel = oracle -----------------------------------------------------------------------

OUTER = {"max_range_m": 60_000, "avg_speed_mps": 1200, "sspk": 0.5, "rounds": 12}
MIDDLE = {"max_range_m": 35_000, "avg_speed_mps": 1000, "sspk": 0.65, "rounds": 8}
INNER = {"max_range_m": 15_000, "avg_speed_mps": 700, "sspk": 0.85, "rounds": 6}

CONFIGS: list[dict[str, Any]] = [
    {"layers": [OUTER, INNER]},
    {"layers": [OUTER, MIDDLE, INNER], "salvo": 1, "max_engagements": 3},
    {"layers": [OUTER, INNER], "batteries": 2, "c2_mode": "autonomous", "targets": 2},
    {"layers": [OUTER, MIDDLE, INNER], "sls": False, "guided": 3, "threats": 8},
    {"layers": [OUTER, INNER], "ballistic": True, "salvo": 1},
    {"layers": [OUTER, MIDDLE, INNER], "reloads": 1, "reload_s": 20.0, "interval_s": 1.0},
]


@pytest.mark.parametrize("config", CONFIGS, ids=range(len(CONFIGS)))
def test_layered_kernel_equals_oracle(config: dict[str, Any]) -> None:
    cs = compile_scenario(layered_scenario(**config))
    kernel = run_replications(cs, seed=5, first=30, count=20)
    oracle = run_replications_py(cs, seed=5, first=30, count=20)
    np.testing.assert_array_equal(kernel, oracle)


def test_layered_holds_fire_somewhere() -> None:
    """The configurations above exercise the hold: layered fires differently from
    time_to_impact on at least one of them (otherwise the equality test is vacuous)."""
    differs = 0
    for config in CONFIGS:
        cs = compile_scenario(layered_scenario(**config))
        a = run_replications(cs, seed=1, first=0, count=50)
        b = run_replications(
            compile_scenario(layered_scenario(**config, priority="time_to_impact")),
            seed=1,
            first=0,
            count=50,
        )
        differs += int(not np.array_equal(a, b))
    assert differs >= 3


# ---- bounds on single-battery ---------------------------------------------------------------


def _with(sc: Scenario, **update: Any) -> Scenario:
    return sc.replace(doctrine=sc.doctrine.model_copy(update=update))


def _leakers(cs: CompiledScenario, reps: int, seed: int = 0) -> np.ndarray:
    col = layout_of(cs).columns()["leakers"]
    return run_replications(cs, seed=seed, first=0, count=reps)[:, col]


@pytest.mark.parametrize(
    "update", [{}, {"salvo_size": 1, "max_engagements_per_threat": 2}], ids=["salvo2", "salvo1"]
)
def test_single_battery_within_a_quarter_of_the_best_case_bound(update: dict[str, Any]) -> None:
    # Bounds (analytic.crosscheck, best case): 0.150 (salvo 2), 1.095 (salvo 1, two looks);
    # asset_value reaches 0.146 / 1.099 on main, so the bound is attainable. time_to_impact
    # stays at 0.30 / 1.56 (2x / 1.4x): the doctrine the issue says is wrong.
    sc = _with(scenario_by_name_or_path("single-battery"), **update)
    bound = closed_form_for(sc).bound_expected_leakers
    layered = _leakers(compile_scenario(sc), 4000)
    tti = _leakers(compile_scenario(_with(sc, engagement_priority="time_to_impact")), 4000)
    half = 2.58 * layered.std(ddof=1) / np.sqrt(layered.size)
    assert layered.mean() - half <= 1.25 * bound  # within 1.25x of the bound
    assert layered.mean() + half >= bound  # a bound: the engine cannot beat it
    assert tti.mean() - 2.58 * tti.std(ddof=1) / np.sqrt(tti.size) > 1.25 * bound


# ---- free disposal ---------------------------------------------------------------------------

# Paired differences are judged on 99.9 % t intervals; the examples are derandomised, so a
# failure is a reproducible counterexample, not chance.
Z = 3.29


def _scaled(cs: CompiledScenario, factor: np.ndarray) -> CompiledScenario:
    """Each weapon's ready and reserve rounds times its factor (rounded)."""
    ready = np.round(cs.weapon_ready * factor).astype(np.int64)
    reserve = np.round(cs.weapon_reserve * factor).astype(np.int64)
    return dataclasses.replace(cs, weapon_ready=ready, weapon_reserve=reserve)


def _not_significantly_above(more: np.ndarray, fewer: np.ndarray) -> tuple[bool, str]:
    d = more - fewer
    sd = float(d.std(ddof=1))
    half = Z * sd / np.sqrt(d.size)
    return float(d.mean()) - half <= 0.0, f"{d.mean():+.4f} ± {half:.4f}"


def assert_free_disposal(cs: CompiledScenario, reps: int, seed: int = 0) -> None:
    """More rounds of one type (x2), or of all (x3): leakers not significantly above;
    one layer removed: leakers not significantly below."""
    base = _leakers(cs, reps, seed)
    n_types = len(cs.interceptor_names)
    for jt in range(n_types):
        sel = cs.weapon_type == jt
        if not sel.any():
            continue
        more = _leakers(_scaled(cs, np.where(sel, 2.0, 1.0)), reps, seed)
        ok, fig = _not_significantly_above(more, base)
        assert ok, f"{cs.interceptor_names[jt]} x2 raises leakers {fig}"
        removed = _leakers(_scaled(cs, np.where(sel, 0.0, 1.0)), reps, seed)
        ok, fig = _not_significantly_above(base, removed)
        assert ok, f"removing {cs.interceptor_names[jt]} lowers leakers by {fig}"
    more = _leakers(_scaled(cs, np.full(cs.n_weapons, 3.0)), reps, seed)
    ok, fig = _not_significantly_above(more, base)
    assert ok, f"all rounds x3 raise leakers {fig}"


@pytest.mark.parametrize("name", ["single-battery", "four-batteries", "closed-form"])
def test_free_disposal_on_builtin_scenarios(name: str) -> None:
    assert_free_disposal(compile_scenario(scenario_by_name_or_path(name)), 1000)


def _layer() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "max_range_m": st.sampled_from([12_000, 25_000, 45_000, 70_000]),
            "avg_speed_mps": st.sampled_from([600, 900, 1300]),
            "sspk": st.sampled_from([0.4, 0.6, 0.8, 0.9]),
            "rounds": st.integers(1, 10),
        }
    )


generated = st.fixed_dictionaries(
    {
        "layers": st.lists(_layer(), min_size=2, max_size=3),
        "threats": st.integers(2, 8),
        "ballistic": st.booleans(),
        "batteries": st.integers(1, 2),
        "c2_mode": st.sampled_from(["centralised", "autonomous"]),
        "salvo": st.integers(1, 2),
        "max_engagements": st.integers(1, 3),
        "sls": st.booleans(),
        "targets": st.integers(1, 4),
        "guided": st.integers(2, 8),
        "interval_s": st.sampled_from([1.0, 4.0, 10.0]),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(config=generated)
def test_free_disposal_on_generated_defences(config: dict[str, Any]) -> None:
    # Was a strict xfail before the plan projected rounds and channels (docs/engine.md):
    # e.g. 3 layers of 2 / 2 / 1 rounds (SSPK 0.4 / 0.4 / 0.6), salvo 2, 2 threats 1 s
    # apart, 3 guidance channels -- the best single round was held for a full salvo the
    # channels could not give, and removing the first layer lowered leakers by 0.20.
    assert_free_disposal(compile_scenario(layered_scenario(**config)), 300)


def test_channel_counterexample_fixed() -> None:
    """The generated counterexample above, by hand: with one guidance channel free when
    the second threat is engaged, each layer fires one round, so the 0.6 round is the
    best (not held for the full 0.64 salvo of a 0.4 layer that the channels cannot give);
    removing the first layer, or doubling its rounds, changes nothing."""
    layer = {"max_range_m": 12_000, "avg_speed_mps": 600}
    cfg: dict[str, Any] = {
        "layers": [
            {**layer, "sspk": 0.4, "rounds": 2},
            {**layer, "sspk": 0.4, "rounds": 2},
            {**layer, "sspk": 0.6, "rounds": 1},
        ],
        "threats": 2,
        "salvo": 2,
        "max_engagements": 1,
        "sls": False,
        "targets": 2,
        "guided": 3,
        "interval_s": 1.0,
    }
    cs = compile_scenario(layered_scenario(**cfg))
    base = _leakers(cs, 300)
    removed = _leakers(_scaled(cs, np.array([0.0, 1.0, 1.0])), 300)
    doubled = _leakers(_scaled(cs, np.array([2.0, 1.0, 1.0])), 300)
    # The first threat gets a full salvo (0.64), the second one round of 0.6: 0.36 + 0.4.
    assert abs(base.mean() - 0.76) < 3.29 * np.sqrt(0.36 * 0.64 / 300 + 0.6 * 0.4 / 300)
    np.testing.assert_array_equal(base, removed)
    np.testing.assert_array_equal(base, doubled)
    np.testing.assert_array_equal(
        run_replications(cs, seed=3, first=0, count=30),
        run_replications_py(cs, seed=3, first=0, count=30),
    )


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(config=generated)
def test_layered_kernel_equals_oracle_on_generated_defences(config: dict[str, Any]) -> None:
    """Kernel = oracle where the plan is re-run with the rounds and channels left."""
    cs = compile_scenario(layered_scenario(**config))
    np.testing.assert_array_equal(
        run_replications(cs, seed=2, first=0, count=8),
        run_replications_py(cs, seed=2, first=0, count=8),
    )

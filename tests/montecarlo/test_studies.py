"""Engine penetration studies: leaker distributions, inventory variants, common random numbers.

Reference values: Wilkening, "A simple model for calculating ballistic missile defense
effectiveness", Science & Global Security 8 (1999) 183-215 (as listed in
PUBLISHED_VALUES.md): with I interceptors fired n per threat, E = min(N, floor(I/n))
threats are engaged, each killed with Pk = 1 - (1 - SSPK)^n (here Pd = 1), so the
penetrators are (N - E) + Binomial(E, 1 - Pk). The built-in "closed-form" scenario is the
engine's degenerate case where this model is exact (SSPK 0.6, n = 2: 1 - Pk = 0.16).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shieldlab.core.engagement import p_at_least_k_penetrate
from shieldlab.core.stats import wilson_interval
from shieldlab.engine import compile_scenario, run_replications
from shieldlab.errors import InputError
from shieldlab.montecarlo.studies import (
    CompiledRaids,
    leaker_histogram,
    penetration_study,
    scale_raid,
    with_inventory,
)
from shieldlab.scenario import scenario_by_name_or_path

LEAK_1 = 0.16  # 1 - Pk = 0.4^2


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return scenario_by_name_or_path("closed-form")


@pytest.fixture(scope="module")
def raids(scenario):  # type: ignore[no-untyped-def]
    return CompiledRaids(scenario)


def test_with_inventory_total_and_equivalence_to_loadouts(scenario, raids) -> None:  # type: ignore[no-untyped-def]
    cs = raids(16)
    for total in (0, 1, 7, 100, 333):
        v = with_inventory(cs, total)
        assert int(v.weapon_ready.sum()) == total
        assert int(v.weapon_reserve.sum()) == 0
    # 10 launchers x 10 rounds written in the scenario == the compiled inventory of 100.
    data = scenario.model_dump()
    data["batteries"][0]["launchers"][0]["loadout"][0]["rounds"] = 10
    edited = compile_scenario(type(scenario).model_validate(data))
    a = run_replications(edited, seed=5, first=0, count=200)
    b = run_replications(with_inventory(cs, 100), seed=5, first=0, count=200)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(InputError):
        with_inventory(cs, -1)


def test_histogram_independent_of_block_size(raids) -> None:  # type: ignore[no-untyped-def]
    cs = with_inventory(raids(40), 60)
    a = leaker_histogram(cs, replications=300, seed=2, block=64)
    b = leaker_histogram(cs, replications=300, seed=2)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.total == b.total and a.total_sq == b.total_sq
    assert a.replications == 300


@pytest.mark.parametrize(("n_threats", "interceptors"), [(16, 200), (40, 60)])
def test_p_at_least_k_matches_binomial_tail(raids, n_threats: int, interceptors: int) -> None:  # type: ignore[no-untyped-def]
    reps = 2_000
    h = leaker_histogram(with_inventory(raids(n_threats), interceptors), replications=reps, seed=11)
    engaged = min(n_threats, interceptors // 2)
    sure = n_threats - engaged
    for k in range(sure, sure + 9):
        ref = float(p_at_least_k_penetrate(engaged, LEAK_1, k - sure))
        # 99.9 % Wilson interval of the engine's estimate (9 k values per case, fixed seed).
        hits = int(h.counts[k:].sum())
        lo, hi = wilson_interval(hits, reps, confidence=0.999)
        assert lo <= ref <= hi, (k, ref, lo, hi)
    # The reported 95 % interval is Wilson's on the same counts.
    assert h.p_at_least_interval(sure + 2) == wilson_interval(int(h.counts[sure + 2 :].sum()), reps)
    # Mean: (N - E) + E (1 - Pk), within the 95 % t interval widened to 4 standard errors.
    assert abs(h.mean - (sure + engaged * LEAK_1)) <= 2.0 * h.half_width


def test_curve_monotone_in_raid_size_and_inventory(scenario, raids) -> None:  # type: ignore[no-untyped-def]
    sizes = [10, 30, 50, 70, 90, 110]
    invs = [0, 40, 80, 120, 200]
    study = penetration_study(
        scenario, sizes, interceptors=invs, replications=400, seed=3, raids=raids
    )
    mean = study.mean()
    # Paired (common random numbers): no Monte Carlo wiggle can reverse the order.
    assert np.all(np.diff(mean, axis=1) >= 0)
    assert np.all(np.diff(mean, axis=0) <= 0)
    np.testing.assert_array_equal(mean[0], sizes)  # no interceptors: every threat leaks
    for k in (1, 10, 30, 60):
        p = study.p_at_least(k)
        assert np.all(np.diff(p, axis=1) >= 0)
        assert np.all(np.diff(p, axis=0) <= 0)
    # Past the coverage floor(I/2), each added threat adds exactly one leaker (CRN).
    assert mean[2, 5] - mean[2, 4] == pytest.approx(20.0)
    ci = study.p_at_least_interval(10)
    assert ci.shape == (5, 6, 2) and np.all(ci[..., 0] <= ci[..., 1])


def test_raid_growth_keeps_existing_threat_ids(scenario) -> None:  # type: ignore[no-untyped-def]
    small = compile_scenario(scale_raid(scenario, 10))
    large = compile_scenario(scale_raid(scenario, 30))
    np.testing.assert_array_equal(large.threat_rng_id[:10], small.threat_rng_id)


@pytest.fixture(scope="module")
def multi_weapon():  # type: ignore[no-untyped-def]
    # Several batteries, launcher groups and interceptor types (and reloads): the split
    # of a total inventory over weapons is non-trivial here.
    return compile_scenario(scenario_by_name_or_path("four-batteries"))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(total=st.integers(min_value=0, max_value=5_000))
def test_with_inventory_splits_in_proportion(multi_weapon, total: int) -> None:  # type: ignore[no-untyped-def]
    cs = multi_weapon
    v = with_inventory(cs, total)
    share = v.weapon_ready
    assert int(share.sum()) == total and np.all(share >= 0)
    orig = (cs.weapon_ready + cs.weapon_reserve).astype(float)
    exact = total * orig / orig.sum()
    # Largest remainder: every weapon within one round of its proportional share.
    assert np.all(np.abs(share - exact) < 1.0)
    # The compiled tables are untouched (no recompilation needed).
    assert v.it_time is cs.it_time and v.pk is cs.pk

"""The compiled kernel and the plain-Python oracle run the same doctrine.

They share the keyed random draws, so they must give the same outcome row for every
replication (a stronger check than agreeing within intervals, which is also tested).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scenarios import small_scenario

from shieldlab.core.stats import t_interval
from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.oracle import run_replications_py
from shieldlab.scenario import builtin_scenario

CONFIGS: list[dict[str, Any]] = [
    {},
    {"sls": True, "max_engagements": 3, "salvo": 1},
    {
        "batteries": 2,
        "c2_mode": "autonomous",
        "sls": True,
        "max_engagements": 2,
        "salvo": 1,
        "targets": 2,
        "guided": 3,
        "rounds": 6,
    },
    {
        "snr_ref_db": 5.0,
        "m": 2,
        "n": 3,
        "capacity": 3,
        "priority": "asset_value",
        "batteries": 2,
        "rounds": 5,
        "reloads": 2,
        "reload_s": 20.0,
    },
    {"ballistic": True, "sls": True, "max_engagements": 2, "rounds": 9, "targets": 3},
    {"max_engagements": 3, "salvo": 2, "sls": False, "rounds": 11, "guided": 4},
]


@pytest.mark.parametrize("config", CONFIGS, ids=range(len(CONFIGS)))
def test_kernel_equals_oracle_per_replication(config: dict[str, Any]) -> None:
    cs = compile_scenario(small_scenario(**config))
    kernel = run_replications(cs, seed=9, first=100, count=25)
    oracle = run_replications_py(cs, seed=9, first=100, count=25)
    np.testing.assert_array_equal(kernel, oracle)


def test_kernel_equals_oracle_on_four_batteries() -> None:
    cs = compile_scenario(builtin_scenario("four-batteries"))
    kernel = run_replications(cs, seed=1, first=7, count=3)
    oracle = run_replications_py(cs, seed=1, first=7, count=3)
    np.testing.assert_array_equal(kernel, oracle)


def test_oracle_mean_within_kernel_interval() -> None:
    cs = compile_scenario(small_scenario(**CONFIGS[3]))
    kernel = run_replications(cs, seed=2, first=0, count=4000)[:, 0]
    oracle = run_replications_py(cs, seed=2, first=4000, count=200)[:, 0]
    lo, hi = t_interval(float(kernel.mean()), float(kernel.var(ddof=1)), kernel.size)
    o_lo, o_hi = t_interval(float(oracle.mean()), float(oracle.var(ddof=1)), oracle.size)
    assert o_lo <= hi and lo <= o_hi  # the two intervals overlap


def test_ideal_track_noise_changes_who_is_engaged_first() -> None:
    """Threat evaluation uses the track's impact-time estimate (truth + noise).

    With one target channel and threats 2 s apart, the order of engagement follows the
    estimated times to impact: exact without noise, shuffled by a large velocity error.
    """
    common: dict[str, Any] = {"targets": 1, "guided": 1, "salvo": 1, "interval_s": 2.0}
    exact = compile_scenario(small_scenario(pos_noise_m=0.0, vel_noise_mps=0.0, **common))
    noisy = compile_scenario(small_scenario(pos_noise_m=0.0, vel_noise_mps=30.0, **common))
    a = run_replications(exact, seed=3, first=0, count=400)
    b = run_replications(noisy, seed=3, first=0, count=400)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(b[:50], run_replications_py(noisy, seed=3, first=0, count=50))

    from shieldlab.c2.greedy import GreedyAssigner
    from shieldlab.engine.oracle import simulate_replication

    seen: list[tuple[np.ndarray, np.ndarray]] = []

    class Spy(GreedyAssigner):
        def assign(self, problem):  # type: ignore[no-untyped-def]
            seen.append((problem.threat.copy(), problem.impact_s.copy()))
            return super().assign(problem)

    simulate_replication(exact, seed=3, replication=0, assigner=Spy())
    assert seen
    for rows, est in seen:
        np.testing.assert_array_equal(est, exact.threat_impact_s[rows])

"""montecarlo.compare: paired differences with common random numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from shieldlab.montecarlo import simulate
from shieldlab.montecarlo.compare import compare
from shieldlab.scenario import builtin_scenario

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from scenarios import small_scenario


def test_a_scenario_against_itself_differs_by_exactly_nothing() -> None:
    sc = builtin_scenario("single-battery")
    cmp = compare(sc, sc, replications=600, seed=3)
    assert cmp.differences, "no outcome compared"
    for name, d in cmp.differences.items():
        assert d.diff == 0.0 and d.ci95 == (0.0, 0.0), name
        assert d.mean_a == d.mean_b
        assert not d.significant


def test_paired_difference_matches_the_closed_form_and_beats_independent_runs() -> None:
    # 8 aircraft, each engaged once with a salvo of 2: P(kill) = 1 - (1 - p)^2, so mean
    # kills are 8 x 0.84 = 6.72 at SSPK 0.6 and 8 x 0.96 = 7.68 at 0.8: B - A = 0.96.
    a = small_scenario(threats=8, sspk=0.6, salvo=2, max_engagements=1)
    b = small_scenario(threats=8, sspk=0.8, salvo=2, max_engagements=1)
    cmp = compare(a, b, replications=3000, seed=5)
    d = cmp.differences["threats_killed"]
    assert d.ci95[0] <= 0.96 <= d.ci95[1]
    assert d.significant
    # Same uniforms: a round that kills at 0.6 kills at 0.8, so per threat B - A is
    # Bernoulli(0.96 - 0.84 = 0.12): Var(B - A) = 8 x 0.12 x 0.88 = 0.845 per raid against
    # Var A + Var B = 8 x (0.84 x 0.16 + 0.96 x 0.04) = 1.382 for independent runs, a
    # variance reduction of 1.636 (closed form; 15 % allows ~4 sampling sigmas at n = 3000).
    assert d.std**2 == pytest.approx(8 * 0.12 * 0.88, rel=0.15)
    assert d.variance_reduction == pytest.approx(1.382 / 0.845, rel=0.15)
    # A's numbers are those of simulate(A, same seed).
    res = simulate(a, replications=3000, seed=5)
    assert cmp.differences["threats_killed"].mean_a == pytest.approx(
        res.metrics["threats_killed"].mean, rel=1e-12
    )
    assert cmp.differences["p_any_leak"].mean_a == pytest.approx(res.metrics["p_any_leak"].mean)
    assert cmp.differences["interceptors_fired"].diff == 0.0  # 16 rounds in both


def test_outcomes_of_one_scenario_only_are_listed_not_compared() -> None:
    a = small_scenario(threats=8)
    b = small_scenario(
        threats=8,
        extra_waves=[
            {
                "name": "second",
                "threat": "target",
                "count": 2,
                "launch_area": {"lat_deg": -19.4, "lon_deg": -15.0, "radius_m": 5000},
                "start_s": 30,
                "aimpoints": ["site-a"],
            }
        ],
    )
    cmp = compare(a, b, replications=300, seed=1)
    assert "kills_by_wave.second" in cmp.only_b
    assert "kills_by_wave.main" in cmp.differences
    d = cmp.to_dict()
    assert d["only_in_b"] == list(cmp.only_b) and "leakers" in d["differences"]

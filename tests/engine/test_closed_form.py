"""The degenerate scenario where the closed form is exact (issue 2, "Tests that must exist").

Ample interceptors and channels, certain detection, one engagement of n shots of SSPK p at
each of N threats: each threat survives with probability (1-p)^n independently, so
E[leakers] = N (1-p)^n and P(no leaker) = (1 - (1-p)^n)^N (Wilkening 1999, Science &
Global Security 8, as quoted in ../shared/reference/PUBLISHED_VALUES.md, "Engagement
arithmetic"). Shoot-look-shoot with k single-shot stages and perfect assessment: the
same kill probability 1 - (1-p)^k, expected shots sum_{i<k} (1-p)^i per threat (same
source).
"""

from __future__ import annotations

import pytest
from scenarios import small_scenario

from shieldlab.core.engagement import expected_leakers, p_zero_leakers
from shieldlab.montecarlo import simulate
from shieldlab.scenario import builtin_scenario


def _within(metric_ci: tuple[float, float], value: float) -> bool:
    return metric_ci[0] <= value <= metric_ci[1]


def test_builtin_closed_form_scenario() -> None:
    res = simulate(builtin_scenario("closed-form"), replications=4096, seed=11)
    n_threats, p, shots = 16, 0.6, 2
    p_leak = (1 - p) ** shots
    assert res.metrics["leakers"].ci95[0] <= n_threats * p_leak <= res.metrics["leakers"].ci95[1]
    assert _within(res.metrics["p_zero_leakers"].ci95, (1 - p_leak) ** n_threats)
    # Every threat is engaged exactly once with exactly n shots.
    assert res.metrics["interceptors_fired"].mean == n_threats * shots
    assert res.metrics["threats_engaged"].mean == n_threats


@pytest.mark.parametrize(
    ("n_threats", "sspk", "reliability", "shots"),
    [(8, 0.6, 1.0, 2), (12, 0.3, 1.0, 3), (6, 0.9, 0.8, 1), (10, 0.5, 0.9, 2)],
)
def test_salvo_closed_form(n_threats: int, sspk: float, reliability: float, shots: int) -> None:
    sc = small_scenario(threats=n_threats, sspk=sspk, reliability=reliability, salvo=shots)
    res = simulate(sc, replications=4096, seed=3)
    p = sspk * reliability
    kill = 1 - (1 - p) ** shots
    assert _within(res.metrics["leakers"].ci95, float(expected_leakers(n_threats, kill)))
    assert _within(res.metrics["p_zero_leakers"].ci95, float(p_zero_leakers(n_threats, kill)))


def test_shoot_look_shoot_closed_form() -> None:
    n_threats, p, stages = 8, 0.5, 3
    sc = small_scenario(threats=n_threats, sspk=p, salvo=1, sls=True, max_engagements=stages)
    res = simulate(sc, replications=4096, seed=5)
    leak = (1 - p) ** stages
    shots = sum((1 - p) ** i for i in range(stages))
    assert _within(res.metrics["leakers"].ci95, n_threats * leak)
    assert _within(res.metrics["p_zero_leakers"].ci95, (1 - leak) ** n_threats)
    assert _within(res.metrics["interceptors_fired"].ci95, n_threats * shots)


def test_engine_detects_a_wrong_kill_probability() -> None:
    """The closed-form check has teeth: a 10 % error in p is outside the interval."""
    sc = small_scenario(threats=12, sspk=0.5, salvo=1)
    res = simulate(sc, replications=4096, seed=3)
    assert _within(res.metrics["leakers"].ci95, 12 * 0.5)
    assert not _within(res.metrics["leakers"].ci95, 12 * 0.45)


def test_autonomous_batteries_double_engage_centralised_do_not() -> None:
    """Two batteries covering the same threats: uncoordinated nodes waste rounds."""
    kw = {"threats": 6, "batteries": 2, "salvo": 1, "sspk": 0.7, "max_engagements": 1}
    central = simulate(small_scenario(c2_mode="centralised", **kw), replications=2000, seed=1)
    auto = simulate(small_scenario(c2_mode="autonomous", **kw), replications=2000, seed=1)
    # Centralised: exactly one round per threat. Autonomous: each battery fires its own.
    assert central.metrics["interceptors_fired"].mean == 6
    assert auto.metrics["interceptors_fired"].mean == 12
    # Two independent shots leak less: 6 (1-p)^2 against 6 (1-p).
    assert _within(central.metrics["leakers"].ci95, 6 * 0.3)
    assert _within(auto.metrics["leakers"].ci95, 6 * 0.3**2)

"""engine.breakdown: outcomes by threat class, wave and weapon, from the kernel's events.

Checked against the kernel's own totals (the breakdown must add up to them, replication by
replication), against the threat fates of a traced replication (``engine.trace``), and
the kernel columns of the extended rows against ``run_replications`` bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shieldlab.engine import compile_scenario, layout_of, run_replications
from shieldlab.engine.breakdown import breakdown_layout, run_breakdown
from shieldlab.engine.trace import record_replication
from shieldlab.scenario import builtin_scenario
from shieldlab.scenario.model import THREAT_CLASSES


@pytest.fixture(scope="module")
def four() -> object:
    return compile_scenario(builtin_scenario("four-batteries"))


def test_kernel_columns_equal_a_normal_run(four) -> None:  # type: ignore[no-untyped-def]
    base = run_replications(four, seed=3, first=5, count=40)
    ext = run_breakdown(four, seed=3, first=5, count=40)
    assert np.array_equal(base, ext[:, : base.shape[1]], equal_nan=True)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**40), first=st.integers(0, 10_000), count=st.integers(1, 6))
def test_breakdown_adds_up_to_the_kernel_totals(four, seed: int, first: int, count: int) -> None:  # type: ignore[no-untyped-def]
    rows = run_breakdown(four, seed=seed, first=first, count=count)
    c = {**layout_of(four).columns(), **breakdown_layout(four).columns()}
    bd = breakdown_layout(four)
    for r in rows:
        assert sum(r[c[f"leakers_by_class.{k}"]] for k in bd.classes) == r[c["leakers"]]
        assert sum(r[c[f"leakers_by_wave.{w}"]] for w in bd.waves) == r[c["leakers"]]
        assert sum(r[c[f"kills_by_class.{k}"]] for k in bd.classes) == r[c["threats_killed"]]
        assert sum(r[c[f"kills_by_wave.{w}"]] for w in bd.waves) == r[c["threats_killed"]]
        for t in bd.types:
            assert sum(r[c[f"fired.{t}.{k}"]] for k in bd.classes) == r[c[f"fired.{t}"]]
            assert sum(r[c[f"kills.{t}.{k}"]] for k in bd.classes) == r[c[f"kills.{t}"]]
        assert r[c["rounds_on_decoys"]] == sum(r[c[f"fired.{t}.decoy"]] for t in bd.types)
        start = int(np.sum(four.weapon_ready + four.weapon_reserve))
        left = sum(r[c[f"rounds_left.{b}"]] for b in bd.batteries)
        assert left == start - r[c["interceptors_fired"]]
        assert r[c["aircraft_lost"]] == r[c["kills_by_class.aircraft"]]
        aircraft = four.threat_class == THREAT_CLASSES.index("aircraft")
        unit = float(four.threat_cost_usd[aircraft][0])
        expect = float(np.sum(four.threat_cost_usd[~aircraft])) + unit * r[c["aircraft_lost"]]
        assert r[c["consumed_raid_cost_usd"]] == pytest.approx(expect, rel=1e-12)


def test_breakdown_matches_the_traced_fates() -> None:
    sc = builtin_scenario("four-batteries")
    cs = compile_scenario(sc)
    bd = breakdown_layout(cs)
    c = bd.columns()
    rows = run_breakdown(cs, seed=11, first=0, count=4)
    for rep in range(4):
        tr = record_replication(sc, seed=11, replication=rep)
        fate = np.asarray(tr.threat_fate)
        for k in bd.classes:
            mine = cs.threat_class == THREAT_CLASSES.index(k)
            assert rows[rep, c[f"kills_by_class.{k}"]] == np.sum(mine & (fate == 0))
            assert rows[rep, c[f"leakers_by_class.{k}"]] == np.sum(mine & (fate == 1))

"""Accounting invariants of every replication, over random doctrines (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenarios import small_scenario

from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.outcomes import layout_of


@given(
    threats=st.integers(1, 14),
    snr=st.sampled_from([3.0, 8.0, 100.0]),
    sspk=st.floats(0.0, 1.0),
    reliability=st.floats(0.5, 1.0),
    salvo=st.integers(1, 4),
    sls=st.booleans(),
    engagements=st.integers(1, 3),
    rounds=st.integers(1, 12),
    reloads=st.integers(0, 2),
    targets=st.integers(1, 6),
    guided=st.integers(1, 8),
    batteries=st.integers(1, 3),
    autonomous=st.booleans(),
    priority=st.sampled_from(["time_to_impact", "asset_value"]),
    ballistic=st.booleans(),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_outcomes_add_up(
    threats: int,
    snr: float,
    sspk: float,
    reliability: float,
    salvo: int,
    sls: bool,
    engagements: int,
    rounds: int,
    reloads: int,
    targets: int,
    guided: int,
    batteries: int,
    autonomous: bool,
    priority: str,
    ballistic: bool,
) -> None:
    sc = small_scenario(
        threats=threats,
        snr_ref_db=snr,
        m=2 if snr < 50 else 1,
        n=3 if snr < 50 else 1,
        sspk=sspk,
        reliability=reliability,
        salvo=salvo,
        sls=sls,
        max_engagements=engagements,
        rounds=rounds,
        reloads=reloads,
        reload_s=30.0,
        targets=targets,
        guided=guided,
        batteries=batteries,
        c2_mode="autonomous" if autonomous else "centralised",
        priority=priority,
        ballistic=ballistic,
    )
    cs = compile_scenario(sc)
    rows = run_replications(cs, seed=5, first=0, count=60)
    col = layout_of(cs).columns()
    leak = rows[:, col["leakers"]]
    killed = rows[:, col["threats_killed"]]
    fired = rows[:, col["interceptors_fired"]]
    engaged = rows[:, col["threats_engaged"]]
    inventory = batteries * rounds * (1 + reloads)
    assert np.all(leak + rows[:, col["lethal_threats_killed"]] <= cs.n_lethal)
    assert np.all(killed == rows[:, col["lethal_threats_killed"]] + rows[:, col["decoys_killed"]])
    assert np.all(killed <= engaged) and np.all(engaged <= cs.n_threats)
    assert np.all(fired <= inventory)
    assert np.all(engaged <= fired)
    # Without SLS each node fires at most `engagements` salvos per threat; with SLS too.
    nodes = 1 if not autonomous else batteries
    assert np.all(fired <= cs.n_threats * engagements * salvo * nodes)
    assert np.array_equal(leak, rows[:, col["hits.site-a"]] + rows[:, col["hits.site-b"]])
    assert np.array_equal(killed, rows[:, col["kills_by_layer.single"]])
    assert np.array_equal(killed, rows[:, col["kills.test-round"]])
    assert np.allclose(rows[:, col["interceptor_cost_usd"]], fired * 1_000_000)
    first = rows[:, col["time_of_first_leak_s"]]
    assert np.array_equal(np.isnan(first), leak == 0)
    if sspk == 0.0:
        assert np.all(killed == 0)

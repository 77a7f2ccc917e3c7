"""The event trace: a traced replication is the same replication as in a normal run.

``record_replication(cs, seed=s, replication=k)`` must give, bit for bit, the outcome
row ``k`` of ``run_replications(cs, seed=s, ...)``; its events must add up to that row
(rounds launched = interceptors fired, kills = threats killed, leaks = leakers, ...)
and obey the doctrine's order (a track before a launch, a launch before its resolution).
The normal run's specialisation must hold no trace code at all.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenarios import small_scenario
from test_kernel_oracle import CONFIGS

from shieldlab.engine.batch import kernel_tables, run_replications
from shieldlab.engine.compiled import CompiledScenario, compile_scenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.engine.trace import EVENT_KINDS, FATES, EventTrace, record_replication
from shieldlab.errors import InputError
from shieldlab.scenario import builtin_scenario

# A low SSPK so that every kind of event (misses, leaks, re-engagements) shows up.
TRACE_CONFIGS: list[dict[str, Any]] = [
    *CONFIGS,
    {"sspk": 0.3, "sls": True, "max_engagements": 3, "salvo": 1, "threats": 12},
    {"sspk": 0.5, "salvo": 3, "batteries": 2, "c2_mode": "autonomous", "rounds": 8},
]


@pytest.fixture(scope="module")
def compiled() -> list[CompiledScenario]:
    return [compile_scenario(small_scenario(**c)) for c in TRACE_CONFIGS]


@pytest.fixture(scope="module")
def four() -> CompiledScenario:
    return compile_scenario(builtin_scenario("four-batteries"))


def n_of(tr: EventTrace, kind: str) -> int:
    return int(np.sum(tr.mask(kind)))


def check_consistent(cs: CompiledScenario, tr: EventTrace) -> None:
    """The events add up to the outcome row and follow the doctrine's order."""
    cols = layout_of(cs).columns()
    out = tr.outcome
    kinds = set(range(len(EVENT_KINDS)))
    assert set(tr.kind.tolist()) <= kinds
    assert np.all(np.diff(tr.time_s) >= 0.0), "events in time order"
    launch = tr.mask("launch")
    assert int(tr.rounds[launch].sum()) == out[cols["interceptors_fired"]]
    for j, name in enumerate(cs.interceptor_names):
        fired = int(tr.rounds[launch & (tr.interceptor == j)].sum())
        assert fired == out[cols[f"fired.{name}"]]
        kills = int(np.sum(tr.mask("kill") & (tr.interceptor == j)))
        assert kills == out[cols[f"kills.{name}"]]
    assert n_of(tr, "kill") == out[cols["threats_killed"]]
    assert n_of(tr, "leak") == out[cols["leakers"]]
    assert len(set(tr.threat[launch].tolist())) == out[cols["threats_engaged"]]
    cost = sum(
        int(tr.rounds[e]) * float(cs.interceptor_cost_usd[tr.interceptor[e]])
        for e in np.flatnonzero(launch)
    )
    assert cost == pytest.approx(out[cols["interceptor_cost_usd"]], rel=1e-12)
    leaks = tr.mask("leak")
    if leaks.any():
        assert tr.time_s[leaks].min() == out[cols["time_of_first_leak_s"]]
        assert np.all(tr.threat_lethal[tr.threat[leaks]])
        assert np.array_equal(tr.asset[leaks], cs.threat_asset[tr.threat[leaks]])
    else:
        assert np.isnan(out[cols["time_of_first_leak_s"]])
    assert not np.any(tr.threat_lethal[tr.threat[tr.mask("impact")]])
    # Each threat ends once: killed, leaked or impacted (or still flying at the end).
    ends = tr.threat[tr.mask("kill", "leak", "impact")]
    assert len(ends) == len(set(ends.tolist()))
    for i in range(tr.n_threats):
        fate = FATES[int(tr.threat_fate[i])]
        assert fate in ("killed", "leaked", "impacted", "in_flight")
    # Every resolved salvo was launched: same threat, weapon, rounds, and it resolves at
    # the planned intercept time, after the launch.
    launched = collections.Counter(
        (int(tr.threat[e]), int(tr.weapon[e]), int(tr.rounds[e]), float(tr.intercept_s[e]))
        for e in np.flatnonzero(launch)
    )
    resolved = collections.Counter(
        (int(tr.threat[e]), int(tr.weapon[e]), int(tr.rounds[e]), float(tr.time_s[e]))
        for e in np.flatnonzero(tr.mask("kill", "miss", "no_target"))
    )
    assert not resolved - launched
    assert np.all(tr.intercept_s[launch] > tr.time_s[launch])
    # Launches happen at decision cycles, at threats some node tracks by then, before the
    # threat's end; no event about a threat comes after its end.
    cyc = tr.time_s[launch] / cs.cycle_s
    np.testing.assert_allclose(cyc, np.round(cyc), atol=1e-9)
    for e in np.flatnonzero(launch):
        i = tr.threat[e]
        tracked = tr.mask("track") & (tr.threat == i) & (tr.time_s <= tr.time_s[e])
        assert tracked.any()
        assert tr.time_s[e] < tr.threat_end_s[i]
    about = tr.threat >= 0
    no_late = ~tr.mask("no_target", "track_lost")
    assert np.all(tr.time_s[about & no_late] <= tr.threat_end_s[tr.threat[about & no_late]])
    # A radar takes a track only after M-of-N on that radar.
    for e in np.flatnonzero(tr.mask("track")):
        init = (
            tr.mask("track_initiated")
            & (tr.threat == tr.threat[e])
            & (tr.radar == tr.radar[e])
            & (tr.time_s <= tr.time_s[e])
        )
        assert init.any()
    # Positions: a kill is where the threat was at that time (its own trajectory).
    traj = cs.trajectories
    for e in np.flatnonzero(tr.mask("kill", "miss", "leak")):
        i = int(tr.threat[e])
        sl = slice(int(traj["off"][i]), int(traj["off"][i] + traj["n"][i]))
        lat = np.degrees(np.interp(tr.time_s[e], traj["t_s"][sl], traj["lat_rad"][sl]))
        assert tr.lat_deg[e] == pytest.approx(float(lat), abs=1e-9)
    for e in np.flatnonzero(launch):
        b = tr.battery[e]
        assert b == cs.weapon_battery[tr.weapon[e]]
        assert tr.lat_deg[e] == cs.sites["battery_lat_deg"][b]


@pytest.mark.parametrize("k", range(len(TRACE_CONFIGS)))
def test_traced_replication_is_the_normal_one(compiled: list[CompiledScenario], k: int) -> None:
    cs = compiled[k]
    rows = run_replications(cs, seed=11, first=40, count=6)
    seen: collections.Counter[str] = collections.Counter()
    for j in range(6):
        tr = record_replication(cs, seed=11, replication=40 + j)
        np.testing.assert_array_equal(tr.outcome, rows[j])
        check_consistent(cs, tr)
        seen.update({name for name, n in tr.summary().items() if n})
    assert {"detection", "track", "launch"} <= set(seen)


def test_every_kind_of_event_occurs_somewhere(
    compiled: list[CompiledScenario], four: CompiledScenario
) -> None:
    """The scenarios tested here exercise every event kind (else the checks prove less)."""
    seen: set[str] = set()
    for cs in [*compiled, four]:
        for j in range(6):
            tr = record_replication(cs, seed=3, replication=j)
            check_consistent(cs, tr)
            seen |= {name for name, n in tr.summary().items() if n}
    assert seen == set(EVENT_KINDS)


def test_four_batteries_trace_matches_the_run(four: CompiledScenario) -> None:
    rows = run_replications(four, seed=5, first=0, count=3)
    seen: set[str] = set()
    for j in range(3):
        tr = record_replication(four, seed=5, replication=j)
        np.testing.assert_array_equal(tr.outcome, rows[j])
        check_consistent(four, tr)
        seen |= {name for name, n in tr.summary().items() if n}
    assert {"detection", "track_initiated", "track", "launch", "kill"} <= seen


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    k=st.integers(0, len(TRACE_CONFIGS) - 1),
    seed=st.integers(0, 2**63 - 1),
    rep=st.integers(0, 2**31 - 1),
)
def test_property_trace_equals_run_for_any_seed(
    compiled: list[CompiledScenario], k: int, seed: int, rep: int
) -> None:
    cs = compiled[k]
    tr = record_replication(cs, seed=seed, replication=rep)
    row = run_replications(cs, seed=seed, first=rep, count=1)[0]
    np.testing.assert_array_equal(tr.outcome, row)
    check_consistent(cs, tr)


def test_a_batch_is_unchanged_by_tracing_in_between(compiled: list[CompiledScenario]) -> None:
    cs = compiled[-2]
    before = run_replications(cs, seed=2, first=0, count=20)
    record_replication(cs, seed=2, replication=5)
    np.testing.assert_array_equal(run_replications(cs, seed=2, first=0, count=20), before)


def test_ground_track_ends_at_the_intercept_point(compiled: list[CompiledScenario]) -> None:
    cs = compiled[-2]
    tr = record_replication(cs, seed=3, replication=1)
    kills = np.flatnonzero(tr.mask("kill"))
    assert kills.size
    for e in kills:
        i = int(tr.threat[e])
        t, lat, lon, alt = tr.ground_track(i)
        assert t[-1] == tr.time_s[e]
        assert (lat[-1], lon[-1], alt[-1]) == pytest.approx(
            (tr.lat_deg[e], tr.lon_deg[e], tr.alt_m[e]), abs=1e-9
        )
        assert np.all(np.diff(t) > 0)
        t5, *_ = tr.ground_track(i, step_s=5.0)
        assert t5[0] == t[0] and t5[-1] == t[-1] and np.all(np.diff(t5) > 0)
        assert t5.size < t.size or t.size <= 3


def test_errors_name_the_option_or_field() -> None:
    sc = small_scenario()
    with pytest.raises(InputError, match="--seed"):
        record_replication(sc, seed=-1, replication=0)
    with pytest.raises(InputError, match="--replication"):
        record_replication(sc, seed=0, replication=-3)
    other = sc.replace(doctrine={**sc.doctrine.model_dump(), "assigner": "optimal"})
    with pytest.raises(InputError, match="assigner"):
        record_replication(other, seed=0, replication=0)


@pytest.mark.slow
def test_normal_specialisation_holds_no_trace_code() -> None:
    """Dead-branch pruning: with ``ev=None`` the compiled code never calls ``_rec``.

    Compiled afresh (the cached dispatcher keeps no LLVM IR), once with ``None`` and once
    with a buffer, so that the check would see ``_rec`` if it were there.
    """
    import numba

    from shieldlab.engine import kernel

    cs = compile_scenario(small_scenario(threats=2))
    fresh = numba.njit(kernel.simulate_one.py_func)
    tables = kernel_tables(cs)
    out = np.zeros(layout_of(cs).n_columns)
    key = np.uint64(12345)
    fresh(key, out, None, *tables)
    buf = (np.zeros((64, 4), np.int64), np.zeros((64, 2)), np.zeros(1, np.int64))
    out_traced = np.zeros_like(out)
    fresh(key, out_traced, buf, *tables)
    np.testing.assert_array_equal(out, out_traced)
    irs = {str(sig[2]): ir for sig, ir in fresh.inspect_llvm().items()}
    assert len(irs) == 2
    plain = irs.pop("none")
    (traced,) = irs.values()
    assert "_rec" in traced
    assert "_rec" not in plain

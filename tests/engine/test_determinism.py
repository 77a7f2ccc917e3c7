"""Same seed, same results, whatever the batch split; common random numbers across variants."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenarios import small_scenario

from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario
from shieldlab.montecarlo.studies import scale_raid


def test_same_seed_same_rows_and_other_seed_differs() -> None:
    cs = compile_scenario(small_scenario(snr_ref_db=8.0, m=2, n=3, sls=True, max_engagements=2))
    a = run_replications(cs, seed=4, first=0, count=300)
    b = run_replications(cs, seed=4, first=0, count=300)
    c = run_replications(cs, seed=5, first=0, count=300)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@given(cut=st.lists(st.integers(min_value=1, max_value=199), max_size=5))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_batch_split_is_irrelevant(cut: list[int]) -> None:
    cs = compile_scenario(small_scenario(snr_ref_db=8.0, m=2, n=3, salvo=1, sls=True))
    whole = run_replications(cs, seed=8, first=0, count=200)
    edges = [0, *sorted(set(cut)), 200]
    parts = [
        run_replications(cs, seed=8, first=a, count=b - a) for a, b in itertools.pairwise(edges)
    ]
    np.testing.assert_array_equal(whole, np.concatenate(parts))


@given(
    extra=st.integers(min_value=1, max_value=6),
    snr=st.sampled_from([5.0, 10.0, 100.0]),
    sspk=st.floats(min_value=0.2, max_value=0.95),
    salvo=st.integers(min_value=1, max_value=3),
    sls=st.booleans(),
    engagements=st.integers(min_value=1, max_value=3),
    autonomous=st.booleans(),
    priority=st.sampled_from(["time_to_impact", "asset_value"]),
    targets=st.integers(min_value=1, max_value=20),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_adding_threats_never_lowers_leakers_with_ample_inventory(
    extra: int,
    snr: float,
    sspk: float,
    salvo: int,
    sls: bool,
    engagements: int,
    autonomous: bool,
    priority: str,
    targets: int,
) -> None:
    """Paired (CRN) monotonicity per replication, whenever rounds do not run out.

    With a finite inventory the greedy doctrine is not monotone replication by
    replication (test_inventory_competition_is_monotone_in_mean), see docs/engine.md.
    """
    base = small_scenario(
        threats=6,
        snr_ref_db=snr,
        m=2 if snr < 50 else 1,
        n=3 if snr < 50 else 1,
        sspk=sspk,
        salvo=salvo,
        sls=sls,
        max_engagements=engagements,
        batteries=2,
        c2_mode="autonomous" if autonomous else "centralised",
        priority=priority,
        targets=targets,
        rounds=400,
    )
    small = run_replications(compile_scenario(base), seed=1, first=0, count=150)[:, 0]
    big = run_replications(
        compile_scenario(scale_raid(base, 6 + extra)), seed=1, first=0, count=150
    )
    assert np.all(big[:, 0] >= small)


def test_inventory_competition_is_monotone_in_mean() -> None:
    """With scarce rounds, more threats still mean more leakers on average (paired CI)."""
    base = small_scenario(
        threats=6, snr_ref_db=5.0, m=2, n=3, batteries=2, rounds=5, reloads=2, reload_s=20.0
    )
    prev = run_replications(compile_scenario(base), seed=2, first=0, count=2000)[:, 0]
    for size in (7, 9, 12):
        cur = run_replications(
            compile_scenario(scale_raid(base, size)), seed=2, first=0, count=2000
        )
        diff = cur[:, 0] - prev
        half = 1.96 * diff.std(ddof=1) / np.sqrt(diff.size)
        assert diff.mean() - half > 0.0
        prev = cur[:, 0]


def test_common_random_numbers_reduce_variance_of_differences() -> None:
    base = small_scenario(threats=8, snr_ref_db=8.0, m=2, n=3, sspk=0.5, salvo=1)
    a = run_replications(compile_scenario(base), seed=3, first=0, count=2000)[:, 0]
    b = run_replications(compile_scenario(scale_raid(base, 9)), seed=3, first=0, count=2000)[:, 0]
    b_indep = run_replications(compile_scenario(scale_raid(base, 9)), seed=4, first=0, count=2000)
    assert np.var(b - a) < 0.5 * np.var(b_indep[:, 0] - a)

"""Invariants of the tracker on arbitrary plot sequences (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.tracking import (
    GNN,
    JPDA,
    CartesianPosition,
    MissedUpdatesDeleter,
    MOfNInitiator,
    Scan,
    Tracker,
)


@st.composite
def scan_lists(draw: st.DrawFn) -> list[Scan]:
    n_scans = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    scans = []
    t = 0.0
    # A few persistent targets plus random plots, so that tracks form, coast and die.
    base = rng.uniform(-2e3, 2e3, (3, 3))
    for _ in range(n_scans):
        t += draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
        z = np.vstack(
            [
                base + rng.normal(0, 30, base.shape),
                rng.uniform(-5e3, 5e3, (draw(st.integers(0, 6)), 3)),
            ]
        )
        keep = rng.random(z.shape[0]) < 0.8
        scans.append(Scan(time_s=t, z=z[keep], r=np.eye(3) * 900.0, model=CartesianPosition()))
    return scans


@settings(max_examples=60, deadline=None)
@given(
    scans=scan_lists(),
    capacity=st.integers(1, 12),
    jpda=st.booleans(),
    m=st.integers(1, 3),
)
def test_tracker_invariants(scans: list[Scan], capacity: int, jpda: bool, m: int) -> None:
    tracker = Tracker(
        associator=JPDA(p_detect=0.9, clutter_density=1e-10) if jpda else GNN(),
        tentative_associator=GNN(),
        initiator=MOfNInitiator(m=m, n=3, velocity_sigma_mps=200.0),
        deleter=MissedUpdatesDeleter(max_misses=2),
        max_tracks=capacity,
    )
    table = tracker.empty()
    seen_ids: set[int] = set()
    confirmed_before: set[int] = set()
    for scan in scans:
        table = tracker.step(table, scan)
        ids = table.track_id.tolist()
        assert len(ids) == len(set(ids)) <= capacity
        assert all(i < table.next_id for i in ids)
        # Ids are never reused: a new id is above every id seen before.
        new = set(ids) - seen_ids
        assert all(i > max(seen_ids, default=0) for i in new)
        seen_ids |= new
        # Confirmation is never withdrawn from a surviving track.
        conf = set(table.track_id[table.confirmed].tolist())
        assert confirmed_before & set(ids) <= conf
        confirmed_before |= conf
        assert np.all(table.misses < 2)
        assert np.all(table.time_s == scan.time_s)
        mean, cov = tracker.filter.estimate(table.state)
        assert np.all(np.isfinite(mean))
        np.testing.assert_allclose(cov, np.swapaxes(cov, 1, 2), atol=1e-6)
        assert np.all(np.linalg.eigvalsh(cov) > -1e-6)
    # Same plots, same tracks.
    again = tracker.empty()
    for scan in scans:
        again = tracker.step(again, scan)
    np.testing.assert_array_equal(again.track_id, table.track_id)

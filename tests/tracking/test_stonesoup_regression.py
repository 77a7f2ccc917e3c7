"""Regression against Stone Soup (dstl) on a small fixed scenario, same configuration.

Both trackers: Kalman filter, constant velocity (q), Mahalanobis gate (distance 3), GNN by
2-D assignment on Mahalanobis distance, initiation after 2 plots from a zero-velocity prior,
deletion after 3 missed updates. Same plots in, so the same tracks must come out.
"""

from __future__ import annotations

import numpy as np
import pytest

from shieldlab.tracking import (
    GNN,
    CartesianPosition,
    ConstantVelocity,
    KalmanFilter,
    MahalanobisGater,
    MissedUpdatesDeleter,
    MOfNInitiator,
    Scan,
    Tracker,
)
from shieldlab.tracking.peers import stonesoup_gnn_tracker, stonesoup_state

stonesoup = pytest.importorskip(
    "stonesoup", reason="Stone Soup is not installed (optional: pip install stonesoup)"
)

SIGMA, Q, GATE, V0, MISSES, MIN_POINTS = 40.0, 2.0, 3.0, 300.0, 3, 2


def _scenario(seed: int, n_targets: int, n_scans: int, clutter: float) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.uniform([-2e4, -2e4, 2e3], [2e4, 2e4, 9e3], (n_targets, 3))
    v = rng.uniform([-250, -250, 0], [250, 250, 0], (n_targets, 3))
    plots = []
    for k in range(n_scans):
        pk = p + v * k
        det = rng.random(n_targets) < 0.9
        z = pk[det] + rng.normal(0.0, SIGMA, (det.sum(), 3))
        c = rng.uniform([-3e4, -3e4, 0.0], [3e4, 3e4, 1e4], (rng.poisson(clutter), 3))
        plots.append(np.vstack([z, c]))
    return plots


def _shieldlab(plots: list[np.ndarray]) -> list[dict[int, np.ndarray]]:
    tracker = Tracker(
        filter=KalmanFilter(motion=ConstantVelocity(q=Q)),
        gater=MahalanobisGater(max_distance=GATE),
        associator=GNN(cost="distance"),
        initiator=MOfNInitiator(m=MIN_POINTS, n=0, velocity_sigma_mps=V0),
        deleter=MissedUpdatesDeleter(max_misses=MISSES),
    )
    out = []
    table = tracker.empty()
    for k, z in enumerate(plots):
        table = tracker.step(
            table, Scan(time_s=float(k), z=z, r=np.eye(3) * SIGMA**2, model=CartesianPosition())
        )
        mean, _ = tracker.filter.estimate(table.state)
        out.append(mean[table.confirmed])
    return out


def _stonesoup(plots: list[np.ndarray]) -> list[np.ndarray]:
    tracker = stonesoup_gnn_tracker(
        plots,
        [float(k) for k in range(len(plots))],
        sigma_m=SIGMA,
        q=Q,
        gate=GATE,
        speed_sigma_mps=V0,
        misses=MISSES,
        min_points=MIN_POINTS,
    )
    return [np.array([stonesoup_state(t) for t in tracks]).reshape(-1, 6) for _, tracks in tracker]


def _sorted(a: np.ndarray) -> np.ndarray:
    return a[np.lexsort(a[:, ::-1].T)] if a.size else a


@pytest.mark.parametrize(("n_targets", "clutter"), [(1, 0.0), (4, 3.0)])
def test_same_tracks_as_stonesoup(n_targets: int, clutter: float) -> None:
    plots = _scenario(seed=5, n_targets=n_targets, n_scans=30, clutter=clutter)
    ours, theirs = _shieldlab(plots), _stonesoup(plots)
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a.shape == b.shape, f"scan {k}: {a.shape[0]} vs {b.shape[0]} confirmed tracks"
        # Same estimates to well below a millimetre and a mm/s.
        np.testing.assert_allclose(_sorted(a), _sorted(b), rtol=0, atol=1e-4, err_msg=f"scan {k}")

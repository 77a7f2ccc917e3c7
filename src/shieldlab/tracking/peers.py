"""Stone Soup (dstl) configured as shieldlab's tracking peer, for comparisons only.

One place builds the peer the benchmark times and the regression test compares against:
Kalman filter with constant velocity on each axis (q), position measurements with
covariance sigma^2 I, Mahalanobis gating (``missed_distance``), GNN by 2-D assignment,
``MultiMeasurementInitiator`` from a zero-velocity prior, deletion after ``misses`` missed
updates. Stone Soup is an optional dependency (the ``bench`` extra): it is imported only
when a peer is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Stone Soup orders a CV state [x, vx, y, vy, z, vz]; shieldlab uses [x, y, z, vx, vy, vz].
_TO_SHIELDLAB = [0, 2, 4, 1, 3, 5]


def stonesoup_gnn_tracker(
    plots: Sequence[FloatArray],
    times_s: Sequence[float],
    *,
    sigma_m: float,
    q: float,
    gate: float,
    speed_sigma_mps: float,
    misses: int,
    min_points: int,
) -> Any:
    """A Stone Soup ``MultiTargetTracker`` over the plots (scan k: array (m_k, 3) ENU, m).

    Iterating it yields ``(time, tracks)`` per scan, as Stone Soup's trackers do; use
    :func:`stonesoup_state` to read a track in shieldlab's state order.
    """
    from datetime import datetime, timedelta

    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    start = datetime(2026, 1, 1)
    meas = LinearGaussian(ndim_state=6, mapping=(0, 2, 4), noise_covar=np.eye(3) * sigma_m**2)
    predictor = KalmanPredictor(CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3))
    updater = KalmanUpdater(meas)
    assoc = GNNWith2DAssignment(
        DistanceHypothesiser(predictor, updater, measure=Mahalanobis(), missed_distance=gate)
    )
    prior = GaussianState(np.zeros((6, 1)), np.diag([0.0, speed_sigma_mps**2] * 3), timestamp=start)
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        measurement_model=meas,
        deleter=UpdateTimeStepsDeleter(misses),
        data_associator=assoc,
        updater=updater,
        min_points=min_points,
    )
    feed = []
    for t, z in zip(times_s, plots, strict=True):
        ts = start + timedelta(seconds=float(t))
        feed.append(
            (ts, {Detection(p.reshape(3, 1), timestamp=ts, measurement_model=meas) for p in z})
        )
    return MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(misses),
        detector=feed,
        data_associator=assoc,
        updater=updater,
    )


def stonesoup_state(track: Any) -> FloatArray:
    """A Stone Soup CV track's mean as shieldlab's [x, y, z, vx, vy, vz]."""
    return np.asarray(np.ravel(track.state_vector)[_TO_SHIELDLAB], dtype=np.float64)

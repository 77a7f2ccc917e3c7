"""Multi-target tracking: filters, gating, association, initiation, deletion, ``Tracker``.

Compose a tracker from parts (each replaceable by another implementation of its
interface in :mod:`shieldlab.tracking.base`)::

    from shieldlab.tracking import (GNN, KalmanFilter, ConstantVelocity, MahalanobisGater,
                                    MOfNInitiator, MissedUpdatesDeleter, Tracker)
    tracker = Tracker(filter=KalmanFilter(motion=ConstantVelocity(q=5.0)),
                      gater=MahalanobisGater(max_distance=3.0), associator=GNN(),
                      initiator=MOfNInitiator(m=2, n=3), deleter=MissedUpdatesDeleter())
    for table in tracker.run(scans): ...

Metrics (OSPA, GOSPA, continuity) are in :mod:`shieldlab.tracking.metrics`.
"""

from shieldlab.tracking.association import GNN, JPDA
from shieldlab.tracking.base import (
    Association,
    Associator,
    Deleter,
    Filter,
    FilterState,
    Gater,
    Gating,
    Initiator,
    MeasurementModel,
    MotionModel,
    Scan,
)
from shieldlab.tracking.filters import (
    ExtendedKalmanFilter,
    GaussianState,
    IMMFilter,
    IMMState,
    KalmanFilter,
    UnscentedKalmanFilter,
)
from shieldlab.tracking.gating import MahalanobisGater, chi2_gate
from shieldlab.tracking.initiation import MissedUpdatesDeleter, MOfNInitiator
from shieldlab.tracking.models import (
    Ballistic,
    CartesianPosition,
    ConstantAcceleration,
    ConstantVelocity,
    RangeAzEl,
)
from shieldlab.tracking.tracker import Tracker, TrackTable

__all__ = [
    "GNN",
    "JPDA",
    "Association",
    "Associator",
    "Ballistic",
    "CartesianPosition",
    "ConstantAcceleration",
    "ConstantVelocity",
    "Deleter",
    "ExtendedKalmanFilter",
    "Filter",
    "FilterState",
    "Gater",
    "Gating",
    "GaussianState",
    "IMMFilter",
    "IMMState",
    "Initiator",
    "KalmanFilter",
    "MOfNInitiator",
    "MahalanobisGater",
    "MeasurementModel",
    "MissedUpdatesDeleter",
    "MotionModel",
    "RangeAzEl",
    "Scan",
    "TrackTable",
    "Tracker",
    "UnscentedKalmanFilter",
    "chi2_gate",
]

"""Interfaces of the tracker's replaceable parts, and the arrays they pass around.

The tracker is *composed* from a filter, a gater, an associator, an initiator and a
deleter (the composition model of Stone Soup, ``stonesoup/tracker/simple.py``), but every
part works on a whole batch of tracks at once: states are arrays with the track index
first, so one call updates every track. Parts are frozen keyword-only dataclasses with
no hidden state; the track picture itself is an immutable :class:`TrackTable` that
:meth:`shieldlab.tracking.tracker.Tracker.step` turns into the next one.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


# --------------------------------------------------------------------------- states
@dataclass(frozen=True, kw_only=True)
class FilterState:
    """Base of filter states: every field is an array whose first axis is the track."""

    def __len__(self) -> int:
        first = dataclasses.fields(self)[0]
        return int(np.shape(getattr(self, first.name))[0])


S = TypeVar("S", bound=FilterState)


def take_rows(state: S, index: NDArray[Any]) -> S:
    """The tracks selected by an integer index or a boolean mask."""
    return dataclasses.replace(
        state, **{f.name: getattr(state, f.name)[index] for f in dataclasses.fields(state)}
    )


def concat_rows(a: S, b: S) -> S:
    """Tracks of ``a`` followed by those of ``b``."""
    return dataclasses.replace(
        a,
        **{
            f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)], axis=0)
            for f in dataclasses.fields(a)
        },
    )


def put_rows(state: S, index: NDArray[Any], rows: S) -> S:
    """A copy of ``state`` whose tracks at ``index`` are replaced by ``rows``."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(state):
        arr = np.array(getattr(state, f.name), copy=True)
        arr[index] = getattr(rows, f.name)
        out[f.name] = arr
    return dataclasses.replace(state, **out)


# --------------------------------------------------------------------------- models
class MotionModel(ABC):
    """Linear Gauss-Markov motion: x_k+1 = F(T) x_k + u(T) + w, w ~ N(0, Q(T)), batched over T.

    ``u`` is a known input (gravity for a ballistic model); most models have none.
    """

    @abstractmethod
    def matrices(self, dt_s: FloatArray, state_dim: int) -> tuple[FloatArray, FloatArray]:
        """Transition F and process noise Q, shape (n, state_dim, state_dim), or
        (1, state_dim, state_dim) when every track has the same step (broadcasts)."""

    def drift(self, dt_s: FloatArray, state_dim: int) -> FloatArray | None:
        """Known input u(T) added to the predicted mean, shape (n, state_dim), or None."""
        return None


class MeasurementModel(ABC):
    """z = h(x) + v, v ~ N(0, R); linear models give a constant H, others their Jacobian."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """Measurement dimension dz."""

    @abstractmethod
    def predict(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Predicted measurement h(x) (n, dz) and H = dh/dx (n, dz, dx) at states x (n, dx)."""

    def residual(self, z: FloatArray, z_hat: FloatArray) -> FloatArray:
        """z - z_hat, with angles wrapped where the model has them."""
        return np.asarray(z - z_hat)

    @property
    def bounded(self) -> bool:
        """Whether :meth:`covers` can ever say no (saves computing it when it cannot)."""
        return False

    def covers(self, position_m: FloatArray) -> BoolArray:
        """Which positions (n, 3) the sensor can see: a track outside is not charged a miss."""
        return np.ones(position_m.shape[0], dtype=bool)

    @abstractmethod
    def to_position(self, z: FloatArray, r: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Invert a measurement to an ENU position (m, 3) and its covariance (m, 3, 3)."""


@dataclass(frozen=True, kw_only=True)
class Scan:
    """Plots of one sensor at one time, in that sensor's measurement space.

    ``r`` is either one covariance shared by all plots (dz, dz) or one per plot (m, dz, dz).
    ``labels`` (m,) are carried into :attr:`TrackTable.label` and never used to associate.
    """

    time_s: float
    z: FloatArray
    r: FloatArray
    model: MeasurementModel
    sensor_id: int = 0
    # Optional label per plot (a simulation's ground truth: which target made it, -1 for
    # clutter); tracks remember the label of the last plot that updated them.
    labels: IntArray | None = None

    @property
    def size(self) -> int:
        return int(self.z.shape[0])

    def r_per_plot(self) -> FloatArray:
        if self.r.ndim == 2:
            return np.broadcast_to(self.r, (self.size, *self.r.shape))
        return self.r


# --------------------------------------------------------------------------- parts
class Filter(ABC):
    """Recursive Bayesian filter over a batch of tracks."""

    @abstractmethod
    def initiate(
        self, position_m: FloatArray, position_cov: FloatArray, velocity_sigma_mps: float
    ) -> FilterState:
        """New tracks at positions (m, 3) with covariances (m, 3, 3), velocity 0 +- sigma."""

    @abstractmethod
    def predict(self, state: FilterState, dt_s: FloatArray) -> FilterState:
        """Every track predicted ahead by its own dt (n,)."""

    @abstractmethod
    def measurement_prediction(
        self, state: FilterState, model: MeasurementModel
    ) -> tuple[FloatArray, FloatArray]:
        """Predicted measurement z_hat (n, dz) and H P H^T (n, dz, dz) for gating."""

    @abstractmethod
    def update(
        self, state: FilterState, model: MeasurementModel, z: FloatArray, r: FloatArray
    ) -> FilterState:
        """Every track of ``state`` updated with its own measurement z (n, dz), R (n, dz, dz)."""

    def pda_update(
        self,
        state: FilterState,
        model: MeasurementModel,
        z: FloatArray,
        r: FloatArray,
        beta: FloatArray,
        *,
        miss_weight: float = 1.0,
        plot_weight: float = 0.0,
    ) -> FilterState:
        """Update with all m plots z (m, dz) weighted by beta (n, m + 1) (column 0: none).

        ``miss_weight`` (1 - P_D P_G) and ``plot_weight`` (P_D / lambda) scale the likelihood
        of the scan, miss_weight + plot_weight sum_j N(nu_j; 0, S), that multi-model filters
        need to weigh their modes.
        """
        raise NotImplementedError(f"{type(self).__name__} has no probabilistic update")

    @abstractmethod
    def estimate(self, state: FilterState) -> tuple[FloatArray, FloatArray]:
        """Position-velocity mean (n, 6) and covariance (n, 6, 6)."""


@dataclass(frozen=True, kw_only=True)
class Gating:
    """Result of gating n tracks against m plots."""

    d2: FloatArray  # squared Mahalanobis distance (n, m)
    valid: BoolArray  # inside the gate (n, m)
    log_det_s: FloatArray  # ln det S per pair (n, m)
    dim: int  # measurement dimension
    threshold_d2: float  # squared gate distance


class Gater(ABC):
    """Decides which plot may belong to which track."""

    @abstractmethod
    def gate(self, nu: FloatArray, s: FloatArray) -> Gating:
        """Innovations (n, m, dz) with S per track (n, dz, dz) or per pair (n, m, dz, dz)."""


@dataclass(frozen=True, kw_only=True)
class Association:
    """Hard assignment (``assigned[i]`` = plot index or -1) and, for soft associators,
    the association probabilities ``beta`` (n, m + 1), column 0 the "no plot" event."""

    assigned: IntArray
    beta: FloatArray | None = None
    miss_weight: float = 1.0  # 1 - P_D P_G, for soft associators
    plot_weight: float = 0.0  # P_D / lambda, for soft associators


class Associator(ABC):
    """Assigns plots to tracks given the gating result."""

    @abstractmethod
    def associate(self, gating: Gating) -> Association:
        """Association of every track."""


class Initiator(ABC):
    """Starts tentative tracks from unused plots and decides when they are confirmed."""

    @abstractmethod
    def initiate(self, filter_: Filter, scan: Scan, plots: IntArray) -> FilterState:
        """States for tentative tracks started from ``scan.z[plots]``."""

    @abstractmethod
    def confirmed(self, hit_history: IntArray, age_scans: IntArray) -> BoolArray:
        """Which tentative tracks are confirmed (hit history bit 0 = latest scan)."""

    @abstractmethod
    def expired(self, hit_history: IntArray, age_scans: IntArray) -> BoolArray:
        """Which tentative tracks can no longer be confirmed."""


class Deleter(ABC):
    """Decides which tracks to drop."""

    @abstractmethod
    def delete(self, misses: IntArray, confirmed: BoolArray, covariance: FloatArray) -> BoolArray:
        """Mask of tracks to delete, from consecutive misses and position-velocity covariance."""

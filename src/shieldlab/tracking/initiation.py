"""M-of-N track initiation and deletion after missed updates.

A plot that no track takes starts a *tentative* track (position from the plot, velocity
0 with a broad prior, as Stone Soup's ``SimpleMeasurementInitiator`` does). A tentative
track is *confirmed* once it has M hits within its last N scans (the "M/N logic" of
Blackman & Popoli 1999, sec. 3.2); with ``n=0`` there is no window (the last 63 scans
count), which is Stone Soup's ``MultiMeasurementInitiator(min_points=M)``. A tentative
track that has lived N scans without confirmation is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shieldlab.tracking.base import (
    BoolArray,
    Deleter,
    Filter,
    FilterState,
    FloatArray,
    Initiator,
    IntArray,
    Scan,
)


@dataclass(frozen=True, kw_only=True)
class MOfNInitiator(Initiator):
    """Tentative tracks from unused plots; confirmed after ``m`` hits in the last ``n`` scans."""

    m: int = 2
    n: int = 0
    velocity_sigma_mps: float = 300.0

    def __post_init__(self) -> None:
        if self.m < 1 or self.n < 0 or self.n > 63 or (self.n and self.m > self.n):
            raise ValueError(f"invalid M-of-N logic {self.m}/{self.n} (need 1 <= M <= N <= 63)")

    def _window(self) -> int:
        return (1 << (self.n if self.n else 63)) - 1

    def initiate(self, filter_: Filter, scan: Scan, plots: IntArray) -> FilterState:
        r = scan.r if scan.r.ndim == 2 else scan.r[plots]
        pos, cov = scan.model.to_position(scan.z[plots], r)
        return filter_.initiate(pos, cov, self.velocity_sigma_mps)

    def confirmed(self, hit_history: IntArray, age_scans: IntArray) -> BoolArray:
        hits = np.bitwise_count(hit_history & np.int64(self._window()))
        return np.asarray(hits >= self.m)

    def expired(self, hit_history: IntArray, age_scans: IntArray) -> BoolArray:
        if self.n == 0:
            return np.zeros(hit_history.shape, dtype=bool)
        return np.asarray(age_scans >= self.n) & ~self.confirmed(hit_history, age_scans)


@dataclass(frozen=True, kw_only=True)
class MissedUpdatesDeleter(Deleter):
    """Delete a track after ``max_misses`` consecutive scans without a plot.

    Same rule as Stone Soup's ``UpdateTimeStepsDeleter(time_steps_since_update=K)``.
    Tentative tracks may use a shorter limit; ``max_position_sigma_m`` also drops tracks
    whose position uncertainty (sqrt of the largest position variance) exceeds it.
    """

    max_misses: int = 3
    max_misses_tentative: int | None = None
    max_position_sigma_m: float | None = None

    def delete(self, misses: IntArray, confirmed: BoolArray, covariance: FloatArray) -> BoolArray:
        tentative_limit = (
            self.max_misses if self.max_misses_tentative is None else self.max_misses_tentative
        )
        limit = np.where(confirmed, self.max_misses, tentative_limit)
        out = misses >= limit
        if self.max_position_sigma_m is not None and covariance.shape[0]:
            var = np.diagonal(covariance[:, :3, :3], axis1=1, axis2=2).max(axis=1)
            out |= var > self.max_position_sigma_m**2
        return np.asarray(out)

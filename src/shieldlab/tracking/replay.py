"""Replay recorded plots through a tracker: the library half of ``shieldlab track``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shieldlab.errors import InputError
from shieldlab.tracking.base import FloatArray, MeasurementModel, Scan
from shieldlab.tracking.io import Detections
from shieldlab.tracking.tracker import Tracker, TrackTable


@dataclass(frozen=True, kw_only=True)
class SensorView:
    """How the tracker reads one sensor's plots: measurement model and covariance R."""

    model: MeasurementModel
    r: FloatArray


def scans_from_detections(detections: Detections, sensors: Mapping[str, SensorView]) -> list[Scan]:
    """Split plots into scans: runs of consecutive rows with the same time and sensor."""
    n = len(detections)
    if n == 0:
        return []
    sid = np.asarray(detections.sensor_id, dtype=object)
    change = np.ones(n, dtype=bool)
    change[1:] = (detections.time_s[1:] != detections.time_s[:-1]) | (sid[1:] != sid[:-1])
    index = {name: i for i, name in enumerate(sensors)}
    for k in np.flatnonzero(change).tolist():
        if str(sid[k]) not in index:
            raise InputError(
                f"unknown sensor {sid[k]!r} (known: {', '.join(sorted(index)) or 'none'})",
                file=detections.file,
                line=int(detections.line[k]),
                field="sensor_id",
            )
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n)
    scans = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        view = sensors[str(sid[a])]
        scans.append(
            Scan(
                time_s=float(detections.time_s[a]),
                z=detections.values[a:b],
                r=view.r,
                model=view.model,
                sensor_id=index[str(sid[a])],
            )
        )
    return scans


@dataclass(frozen=True, kw_only=True)
class ReplayResult:
    """Track rows (k, 8: time, id, x, y, z, vx, vy, vz) and a summary of the run."""

    rows: NDArray[np.float64]
    scans: int
    scan_times: int
    tracks_confirmed: int
    final_table: TrackTable


def replay(tracker: Tracker, scans: list[Scan]) -> ReplayResult:
    """Run the tracker over the scans; after the last scan of each time, emit the
    confirmed tracks' position and velocity."""
    table = tracker.empty()
    chunks: list[NDArray[np.float64]] = []
    confirmed_ids: set[int] = set()
    n_times = 0
    for k, scan in enumerate(scans):
        table = tracker.step(table, scan)
        last_of_time = k + 1 == len(scans) or scans[k + 1].time_s != scan.time_s
        if not last_of_time:
            continue
        n_times += 1
        conf = table.confirmed
        if not conf.any():
            continue
        mean, _ = tracker.filter.estimate(table.state)
        ids = table.track_id[conf]
        confirmed_ids.update(ids.tolist())
        block = np.empty((ids.size, 8))
        block[:, 0] = scan.time_s
        block[:, 1] = ids
        block[:, 2:8] = mean[conf]
        chunks.append(block)
    rows = np.concatenate(chunks) if chunks else np.zeros((0, 8))
    return ReplayResult(
        rows=rows,
        scans=len(scans),
        scan_times=n_times,
        tracks_confirmed=len(confirmed_ids),
        final_table=table,
    )

"""The multi-target tracker, composed from a filter, gater, associator, initiator, deleter.

One :meth:`Tracker.step` per scan (plots of one sensor at one time):

1. predict every track to the scan time;
2. gate every track against every plot (one batched Mahalanobis computation);
3. associate confirmed tracks with the plots, then tentative tracks with the plots left
   over (so a confirmed track never loses its plot to a tentative one; Stone Soup's
   ``MultiTargetTracker`` with a ``MultiMeasurementInitiator`` does the same);
4. update the tracks that got a plot, count hits and misses;
5. confirm tentative tracks (M of N), drop expired and deleted ones;
6. start tentative tracks from the plots still unused, within the track capacity.

Several radars are fused *centrally at measurement level*: their scans are fed to the same
track table one after the other (sequential updates, exact for independent measurement
errors; Bar-Shalom, Willett & Tian, *Tracking and Data Fusion*, 2011, sec. 8.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from shieldlab.tracking.association import GNN
from shieldlab.tracking.base import (
    Association,
    Associator,
    BoolArray,
    Deleter,
    Filter,
    FilterState,
    FloatArray,
    Gater,
    Gating,
    Initiator,
    IntArray,
    Scan,
    concat_rows,
    put_rows,
    take_rows,
)
from shieldlab.tracking.filters import KalmanFilter
from shieldlab.tracking.gating import MahalanobisGater
from shieldlab.tracking.initiation import MissedUpdatesDeleter, MOfNInitiator


@dataclass(frozen=True, kw_only=True)
class TrackTable:
    """The track picture after a scan: one row per track (tentative or confirmed)."""

    state: FilterState
    track_id: IntArray
    confirmed: BoolArray
    hit_history: IntArray  # bit 0 = hit on the latest scan
    misses: IntArray  # consecutive scans without a plot
    age_scans: IntArray
    time_s: FloatArray  # time of each track's state
    born_time_s: FloatArray
    confirmed_time_s: FloatArray  # NaN while tentative
    label: IntArray  # label of the last plot that updated the track (-1: none/unlabelled)
    next_id: int = 1

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    def select(self, index: IntArray | BoolArray) -> TrackTable:
        return replace(
            self,
            state=take_rows(self.state, index),
            track_id=self.track_id[index],
            confirmed=self.confirmed[index],
            hit_history=self.hit_history[index],
            misses=self.misses[index],
            age_scans=self.age_scans[index],
            time_s=self.time_s[index],
            born_time_s=self.born_time_s[index],
            confirmed_time_s=self.confirmed_time_s[index],
            label=self.label[index],
        )


def _sub_gating(g: Gating, rows: IntArray, cols: IntArray) -> Gating:
    # An open mesh, as np.ix_ builds, without np.ix_'s per-call Python overhead (hot: twice
    # per scan).
    ix = (rows[:, None], cols)
    return Gating(
        d2=g.d2[ix],
        valid=g.valid[ix],
        log_det_s=g.log_det_s[ix],
        dim=g.dim,
        threshold_d2=g.threshold_d2,
    )


@dataclass(frozen=True, kw_only=True)
class Tracker:
    """A multi-target tracker composed from replaceable parts (see the module docstring).

    ``tentative_associator`` associates tentative tracks with the plots the confirmed
    tracks left (default: the main associator). ``max_tracks`` is the processor's track
    capacity: when it is full no new tentative track starts (existing tracks are kept).
    """

    filter: Filter = field(default_factory=KalmanFilter)
    gater: Gater = field(default_factory=MahalanobisGater)
    associator: Associator = field(default_factory=GNN)
    initiator: Initiator = field(default_factory=MOfNInitiator)
    deleter: Deleter = field(default_factory=MissedUpdatesDeleter)
    tentative_associator: Associator | None = None
    max_tracks: int = 10_000

    def empty(self) -> TrackTable:
        """A track table with no tracks."""
        state = self.filter.initiate(np.zeros((0, 3)), np.zeros((0, 3, 3)), 1.0)
        zi = np.zeros(0, dtype=np.int64)
        zf = np.zeros(0)
        return TrackTable(
            state=state,
            track_id=zi,
            confirmed=np.zeros(0, dtype=bool),
            hit_history=zi,
            misses=zi,
            age_scans=zi,
            time_s=zf,
            born_time_s=zf,
            confirmed_time_s=zf,
            label=zi,
        )

    def run(self, scans: Iterable[Scan], table: TrackTable | None = None) -> Iterator[TrackTable]:
        """The track table after each scan."""
        table = self.empty() if table is None else table
        for scan in scans:
            table = self.step(table, scan)
            yield table

    def _associate(
        self,
        associator: Associator,
        gating: Gating,
        rows: IntArray,
        cols: IntArray,
    ) -> Association:
        return associator.associate(_sub_gating(gating, rows, cols))

    def _apply(
        self,
        state: FilterState,
        scan: Scan,
        rows: IntArray,
        cols: IntArray,
        assoc: Association,
        valid: BoolArray,
        pending: list[tuple[IntArray, IntArray]],
    ) -> tuple[FilterState, BoolArray, BoolArray]:
        """Apply an association of tracks ``rows`` with plots ``cols``: soft ones update now,
        hard ones are queued in ``pending`` as (tracks, plots) for one batched update.
        Returns state, hit mask and used-plot mask."""
        hit = np.zeros(rows.size, dtype=bool)
        used = np.zeros(cols.size, dtype=bool)
        if assoc.beta is None:
            got = assoc.assigned >= 0
            if got.any():
                pending.append((rows[got], cols[assoc.assigned[got]]))
                hit = got
                used[assoc.assigned[got]] = True
        else:
            gated = np.asarray(valid.any(axis=1), dtype=bool)
            if gated.any() and cols.size:
                t_idx = rows[gated]
                new = self.filter.pda_update(
                    take_rows(state, t_idx),
                    scan.model,
                    scan.z[cols],
                    scan.r,
                    assoc.beta[gated],
                    miss_weight=assoc.miss_weight,
                    plot_weight=assoc.plot_weight,
                )
                state = put_rows(state, t_idx, new)
            # A hit is a scan where some plot is more likely the track's than none is;
            # counting any gated plot as a hit would keep tracks alive on clutter alone.
            hit = np.asarray(assoc.assigned >= 0, dtype=bool)
            used = np.asarray(valid.any(axis=0), dtype=bool)
        return state, hit, used

    def step(self, table: TrackTable, scan: Scan) -> TrackTable:
        """The track table after one scan."""
        n, m = len(table), scan.size
        state = table.state
        hit = np.zeros(n, dtype=bool)
        free = np.ones(m, dtype=bool)
        label = table.label.copy()
        if n:
            dt = scan.time_s - table.time_s
            if np.any(dt < 0.0):
                raise ValueError(f"scan at t={scan.time_s} s is older than the track picture")
            state = self.filter.predict(state, dt)
        if n and m:
            z_hat, hph = self.filter.measurement_prediction(state, scan.model)
            nu = scan.model.residual(scan.z[None, :, :], z_hat[:, None, :])
            s = hph + scan.r if scan.r.ndim == 2 else hph[:, None] + scan.r[None]
            gating = self.gater.gate(nu, s)
            all_cols = np.arange(m)
            # Gating is done once up front and the stages touch disjoint tracks, so the
            # hard assignments of both stages can be applied in one batched update.
            pending: list[tuple[IntArray, IntArray]] = []
            for stage_rows, associator in (
                (np.flatnonzero(table.confirmed), self.associator),
                (np.flatnonzero(~table.confirmed), self.tentative_associator or self.associator),
            ):
                cols = all_cols[free]
                if stage_rows.size == 0 or cols.size == 0:
                    continue
                assoc = self._associate(associator, gating, stage_rows, cols)
                valid = gating.valid[stage_rows[:, None], cols]
                state, stage_hit, used = self._apply(
                    state, scan, stage_rows, cols, assoc, valid, pending
                )
                hit[stage_rows] = stage_hit
                free[cols[used]] = False
                if assoc.beta is not None and scan.labels is not None:
                    soft = stage_rows[assoc.assigned >= 0]
                    label[soft] = scan.labels[cols[assoc.assigned[assoc.assigned >= 0]]]
            if pending:
                t_idx = np.concatenate([p[0] for p in pending])
                p_idx = np.concatenate([p[1] for p in pending])
                if scan.labels is not None:
                    label[t_idx] = scan.labels[p_idx]
                r = scan.r_per_plot()[p_idx]
                new = self.filter.update(take_rows(state, t_idx), scan.model, scan.z[p_idx], r)
                state = put_rows(state, t_idx, new)

        # A track outside this sensor's coverage was not looked at: no hit, no miss, no age.
        if scan.model.bounded and n and not hit.all():
            mean, _ = self.filter.estimate(state)
            seen = hit | scan.model.covers(mean[:, :3])
        else:
            seen = np.ones(n, dtype=bool)
        shifted = ((table.hit_history << 1) | hit.astype(np.int64)) & np.int64(
            0x7FFF_FFFF_FFFF_FFFF
        )
        hist = np.where(seen, shifted, table.hit_history)
        misses = np.where(hit, 0, np.where(seen, table.misses + 1, table.misses))
        age = table.age_scans + seen
        confirmed = table.confirmed.copy()
        newly = ~confirmed & self.initiator.confirmed(hist, age)
        confirmed |= newly
        confirmed_time = np.where(newly, scan.time_s, table.confirmed_time_s)
        _, cov = self.filter.estimate(state)
        drop = self.deleter.delete(misses, confirmed, cov)
        drop |= ~confirmed & self.initiator.expired(hist, age)
        keep = ~drop
        kept = replace(
            table,
            state=state,
            confirmed=confirmed,
            hit_history=hist,
            misses=misses,
            age_scans=age,
            time_s=np.full(n, scan.time_s),
            confirmed_time_s=confirmed_time,
            label=label,
        ).select(keep)

        plots = np.flatnonzero(free)
        room = max(self.max_tracks - len(kept), 0)
        plots = plots[:room]
        if plots.size == 0:
            return kept
        new_state = self.initiator.initiate(self.filter, scan, plots)
        k = plots.size
        new_confirmed = self.initiator.confirmed(np.ones(k, dtype=np.int64), np.ones(k, np.int64))
        ids = kept.next_id + np.arange(k, dtype=np.int64)
        return TrackTable(
            state=concat_rows(kept.state, new_state),
            track_id=np.concatenate([kept.track_id, ids]),
            confirmed=np.concatenate([kept.confirmed, new_confirmed]),
            hit_history=np.concatenate([kept.hit_history, np.ones(k, dtype=np.int64)]),
            misses=np.concatenate([kept.misses, np.zeros(k, dtype=np.int64)]),
            age_scans=np.concatenate([kept.age_scans, np.ones(k, dtype=np.int64)]),
            time_s=np.concatenate([kept.time_s, np.full(k, scan.time_s)]),
            born_time_s=np.concatenate([kept.born_time_s, np.full(k, scan.time_s)]),
            confirmed_time_s=np.concatenate(
                [kept.confirmed_time_s, np.where(new_confirmed, scan.time_s, np.nan)]
            ),
            label=np.concatenate(
                [
                    kept.label,
                    np.full(k, -1, dtype=np.int64)
                    if scan.labels is None
                    else scan.labels[plots].astype(np.int64),
                ]
            ),
            next_id=int(kept.next_id + k),
        )

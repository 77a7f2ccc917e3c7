"""Multi-target tracking metrics: OSPA, GOSPA, track continuity, time to confirmed track.

OSPA: Schuhmacher, Vo & Vo, "A consistent metric for performance evaluation of multi-object
filters", IEEE Trans. Signal Processing 56(8), 2008:

    OSPA = ( (1/n) (min_pi sum_i min(d(x_i, y_pi(i)), c)^p + c^p (n - m)) )^(1/p),  m <= n.

GOSPA: Rahmathullah, García-Fernández & Svensson, "Generalized optimal sub-pattern
assignment metric", FUSION 2017, eq. (1); for alpha = 2 (their Proposition 1)

    GOSPA^p = min_gamma sum_(i,j) in gamma d(x_i, y_j)^p + c^p/2 (|X| - |gamma|)
              + c^p/2 (|Y| - |gamma|),

the three terms being the localisation, missed-target and false-target parts; pairs at
distance >= c are left unassigned. The optimal assignment comes from
``scipy.optimize.linear_sum_assignment`` on min(d, c)^p.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _as_points(a: ArrayLike) -> FloatArray:
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 1:
        arr = arr.reshape(0, 0) if arr.size == 0 else arr[None, :]
    return arr


def _assign(
    x: FloatArray, y: FloatArray, c: float, p: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Optimal assignment on min(d, c)^p; returns row/col indices and their distances."""
    from scipy.optimize import linear_sum_assignment

    if x.shape[0] == 0 or y.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    d = np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=-1))
    cost = np.minimum(d, c) ** p
    rows, cols = linear_sum_assignment(cost)
    return rows.astype(np.int64), cols.astype(np.int64), d[rows, cols]


def ospa(truth: ArrayLike, estimates: ArrayLike, *, c: float, p: float = 2.0) -> float:
    """OSPA distance of order p with cut-off c between two finite point sets (n, d), (m, d)."""
    x, y = _as_points(truth), _as_points(estimates)
    n, m = x.shape[0], y.shape[0]
    if n == 0 and m == 0:
        return 0.0
    _, _, d = _assign(x, y, c, p)
    total = float(np.sum(np.minimum(d, c) ** p)) + c**p * abs(n - m)
    return float((total / max(n, m)) ** (1.0 / p))


@dataclass(frozen=True, kw_only=True)
class GospaResult:
    """GOSPA and its parts; the parts are in units of distance^p and sum to distance^p."""

    distance: float
    localisation: float
    missed: float
    false: float
    n_assigned: int
    n_missed: int
    n_false: int
    assignment: IntArray  # assignment[i] = estimate index for truth i, -1 if missed


def gospa(
    truth: ArrayLike, estimates: ArrayLike, *, c: float, p: float = 2.0, alpha: float = 2.0
) -> GospaResult:
    """GOSPA of order p, cut-off c, alpha (Rahmathullah et al. 2017) between (n, d) and (m, d).

    The missed/false split is defined for alpha = 2 only; for other alpha it still counts
    unassigned points but ``distance`` follows the general definition
    (min sum min(d, c)^p + c^p/alpha | |Y| - |X| |)^(1/p).
    """
    if not 0.0 < alpha <= 2.0:
        raise ValueError("GOSPA needs 0 < alpha <= 2")
    x, y = _as_points(truth), _as_points(estimates)
    n, m = x.shape[0], y.shape[0]
    rows, cols, d = _assign(x, y, c, p)
    close = d < c
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[rows[close]] = cols[close]
    n_assigned = int(close.sum())
    loc = float(np.sum(d[close] ** p))
    n_missed, n_false = n - n_assigned, m - n_assigned
    missed = c**p / 2.0 * n_missed
    false = c**p / 2.0 * n_false
    if alpha == 2.0:
        total = loc + missed + false
    else:
        total = float(np.sum(np.minimum(d, c) ** p)) + c**p / alpha * abs(m - n)
    return GospaResult(
        distance=float(total ** (1.0 / p)),
        localisation=loc,
        missed=missed,
        false=false,
        n_assigned=n_assigned,
        n_missed=n_missed,
        n_false=n_false,
        assignment=assignment,
    )


@dataclass(frozen=True, kw_only=True)
class Frame:
    """Truth and confirmed tracks at one time."""

    time_s: float
    truth_ids: IntArray
    truth_pos: FloatArray  # (n, d)
    track_ids: IntArray
    track_pos: FloatArray  # (m, d)


@dataclass(frozen=True, kw_only=True)
class ContinuityResult:
    """Track continuity over a run.

    ``id_switches``: times a truth's assigned track changes from one id to another;
    ``breaks``: times a truth's track coverage is interrupted (tracked, then not, then
    tracked again: the "fragmentations" of the CLEAR-MOT practice); ``time_to_track_s``:
    per truth, time from its first possible detection to its first assignment to a
    confirmed track (NaN if never tracked).
    """

    id_switches: int
    breaks: int
    time_to_track_s: dict[int, float]

    @property
    def mean_time_to_track_s(self) -> float:
        vals = [v for v in self.time_to_track_s.values() if np.isfinite(v)]
        return float(np.mean(vals)) if vals else float("nan")


def _mot_assignment(fr: Frame, previous: Mapping[int, int], c: float) -> dict[int, int]:
    """Truth id -> track id at one frame, CLEAR-MOT style (Bernardin & Stiefelhagen 2008):
    a truth keeps last frame's track while it is still within c; the others are paired by
    the optimal assignment on min(d, c)^2, pairs at d >= c left out."""
    truth_ids = np.asarray(fr.truth_ids).tolist()
    track_ids = np.asarray(fr.track_ids).tolist()
    col_of = {tid: j for j, tid in enumerate(track_ids)}
    out: dict[int, int] = {}
    used_rows: set[int] = set()
    used_cols: set[int] = set()
    tp = np.asarray(fr.truth_pos, dtype=float)
    yp = np.asarray(fr.track_pos, dtype=float)
    for i, tid in enumerate(truth_ids):
        trk = previous.get(tid)
        if trk is not None and trk in col_of and col_of[trk] not in used_cols:
            j = col_of[trk]
            if np.linalg.norm(tp[i] - yp[j]) < c:
                out[tid] = trk
                used_rows.add(i)
                used_cols.add(j)
    rows = [i for i in range(len(truth_ids)) if i not in used_rows]
    cols = [j for j in range(len(track_ids)) if j not in used_cols]
    if rows and cols:
        rr, cc, d = _assign(tp[rows], yp[cols], c, 2.0)
        for a, b, dist in zip(rr.tolist(), cc.tolist(), d.tolist(), strict=True):
            if dist < c:
                out[truth_ids[rows[a]]] = track_ids[cols[b]]
    return out


def track_continuity(
    frames: Sequence[Frame],
    *,
    c: float,
    first_detectable_s: Mapping[int, float] | None = None,
) -> ContinuityResult:
    """ID switches, breaks and time to track over a sequence of frames.

    Truths are matched to tracks frame by frame as in CLEAR MOT (a truth keeps its track
    while that track stays within ``c``; the rest by optimal assignment, pairs closer than
    ``c``), so two targets passing through the same point do not count as swapping.
    ``first_detectable_s`` gives, per truth id, the first time it could have been detected
    (default: the first frame in which it appears).
    """
    last_track: dict[int, int] = {}
    gap_open: dict[int, bool] = {}
    first_seen: dict[int, float] = {}
    first_tracked: dict[int, float] = {}
    switches = 0
    breaks = 0
    for fr in frames:
        match = _mot_assignment(fr, last_track, c)
        for tid in np.asarray(fr.truth_ids).tolist():
            first_seen.setdefault(tid, fr.time_s)
            trk = match.get(tid)
            if trk is not None:
                if tid in last_track and last_track[tid] != trk:
                    switches += 1
                if gap_open.get(tid, False):
                    breaks += 1
                    gap_open[tid] = False
                last_track[tid] = trk
                first_tracked.setdefault(tid, fr.time_s)
            elif tid in last_track:
                gap_open[tid] = True
    start = dict(first_seen)
    if first_detectable_s is not None:
        start.update(first_detectable_s)
    ttt = {
        tid: (first_tracked[tid] - start[tid]) if tid in first_tracked else float("nan")
        for tid in first_seen
    }
    return ContinuityResult(id_switches=switches, breaks=breaks, time_to_track_s=ttt)

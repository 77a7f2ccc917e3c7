"""Data association: global nearest neighbour (2-D assignment) and JPDA.

GNN solves min sum_i c_i(a_i) over one-to-one assignments in which a track may also take
"no plot" at the cost of the gate (the augmented 2-D assignment matrix of Blackman &
Popoli, *Design and Analysis of Modern Tracking Systems*, 1999, sec. 6.5), with
``scipy.optimize.linear_sum_assignment``.

JPDA (Fortmann, Bar-Shalom & Scheffe 1983; Bar-Shalom & Fortmann 1988, sec. 9.3): the
probability that plot j belongs to track i is the sum of the probabilities of the feasible
joint events containing that pairing; an event weighs
prod_assigned P_D N(nu_ij; 0, S_ij) / lambda * prod_missed (1 - P_D P_G).
Events are enumerated exactly per cluster of tracks sharing plots.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from shieldlab.tracking.base import (
    Association,
    Associator,
    BoolArray,
    FloatArray,
    Gating,
    IntArray,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class GNN(Associator):
    """Global nearest neighbour: the one-to-one assignment of least total cost.

    ``cost="distance"`` sums Mahalanobis distances and charges the gate distance for a miss
    (Stone Soup's ``GNNWith2DAssignment`` over a ``DistanceHypothesiser``);
    ``cost="likelihood"`` sums d^2 + ln det S, the negative log-likelihood, with the gate's
    d^2 + ln det S as the miss cost.
    """

    cost: Literal["distance", "likelihood"] = "distance"
    max_enumeration: int = 64

    def associate(self, gating: Gating) -> Association:
        n, m = gating.d2.shape
        assigned = np.full(n, -1, dtype=np.int64)
        if n == 0 or m == 0:
            return Association(assigned=assigned)
        valid = gating.valid
        per_row = valid.sum(axis=1)
        per_col = valid.sum(axis=0)
        # A track whose gate holds one plot that no other track gates is a cluster of its
        # own: taking the plot (cost <= gate) beats the miss (cost = gate), so it is assigned
        # without the solver. Only the clusters with conflicts go to the 2-D assignment.
        lone = (per_row == 1) & (per_col[np.argmax(valid, axis=1)] == 1)
        assigned[lone] = np.argmax(valid[lone], axis=1)
        rows = np.flatnonzero((per_row > 0) & ~lone)
        if rows.size == 0:
            return Association(assigned=assigned)
        cols = np.flatnonzero(valid[rows].any(axis=0))
        self._solve(gating, rows, cols, assigned)
        return Association(assigned=assigned)

    def _solve(self, gating: Gating, rows: IntArray, cols: IntArray, assigned: IntArray) -> None:
        """Optimal assignment of ``rows`` to ``cols`` (or to a miss), into ``assigned``.

        The problem splits into clusters (tracks linked by shared plots). A cluster with at
        most ``max_enumeration`` joint choices is solved exactly by enumeration; the others
        together by ``linear_sum_assignment`` on the augmented matrix. Both give the optimum;
        enumeration avoids loading scipy.optimize (~0.3 s CPU) for the small clusters
        that make up almost every scan.
        """
        ix = (rows[:, None], cols)  # the open mesh of np.ix_, built once
        sub_valid = gating.valid[ix]
        if self.cost == "distance":
            c = np.sqrt(gating.d2[ix])
            miss = np.full(rows.size, np.sqrt(gating.threshold_d2))
        else:
            logdet = gating.log_det_s[ix]
            c = gating.d2[ix] + logdet
            miss = gating.threshold_d2 + np.where(sub_valid, logdet, np.inf).min(axis=1)
        c = np.where(sub_valid, c, np.inf)
        big: list[int] = []
        for members in _clusters(sub_valid):
            options = [np.flatnonzero(sub_valid[i]) for i in members]
            if math.prod(o.size + 1 for o in options) > self.max_enumeration:
                big.extend(members)
                continue
            choice = _best_choice(members, options, c, miss)
            for i, j in zip(members, choice, strict=True):
                if j >= 0:
                    assigned[rows[i]] = cols[j]
        if big:
            from scipy.optimize import linear_sum_assignment

            b = np.asarray(big, dtype=np.int64)
            k = b.size
            matrix = np.full((k, cols.size + k), np.inf)
            matrix[:, : cols.size] = c[b]
            matrix[np.arange(k), cols.size + np.arange(k)] = miss[b]
            r_idx, c_idx = linear_sum_assignment(matrix)
            hit = c_idx < cols.size
            assigned[rows[b[r_idx[hit]]]] = cols[c_idx[hit]]


def _clusters(valid: BoolArray) -> list[list[int]]:
    """Rows of ``valid`` grouped into connected components (rows linked by shared columns)."""
    k = valid.shape[0]
    parent = list(range(k))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for j in range(valid.shape[1]):
        rs = np.flatnonzero(valid[:, j]).tolist()
        for r in rs[1:]:
            ra, rb = find(rs[0]), find(r)
            if ra != rb:
                parent[rb] = ra
    groups: dict[int, list[int]] = {}
    for i in range(k):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _best_choice(
    members: list[int], options: list[IntArray], cost: FloatArray, miss: FloatArray
) -> list[int]:
    """Least-cost choice of one distinct column (or -1, a miss) per member row, by
    depth-first enumeration with pruning on the running cost."""
    best_total = math.inf
    best: list[int] = [-1] * len(members)
    choice: list[int] = [-1] * len(members)
    used: set[int] = set()

    def visit(t: int, total: float) -> None:
        nonlocal best_total, best
        if total >= best_total:
            return
        if t == len(members):
            best_total, best = total, choice.copy()
            return
        i = members[t]
        for j in options[t].tolist():
            if j not in used:
                used.add(j)
                choice[t] = j
                visit(t + 1, total + float(cost[i, j]))
                used.discard(j)
        choice[t] = -1
        visit(t + 1, total + float(miss[i]))

    visit(0, 0.0)
    return best


@dataclass(frozen=True, kw_only=True)
class JPDA(Associator):
    """Joint probabilistic data association with exact enumeration per cluster.

    ``clutter_density`` is lambda, false plots per unit measurement volume (in the units of
    the measurement space: m^3 for Cartesian plots, m rad^2 for range/az/el). Clusters whose
    joint events exceed ``max_events`` fall back, with a logged warning, to independent PDA
    per track (the tracks are then treated as if they did not share plots). With the IMM,
    every mode gets the PDA update with the same beta and the modes are weighed by the
    scan's likelihood under each (the IMM-PDA of Houles & Bar-Shalom 1989; IMM-JPDA of
    Blom & Bloem 2000 in its simplest form).
    """

    p_detect: float = 0.9
    clutter_density: float = 1e-12
    gate_probability: float = 0.99
    max_events: int = 100_000

    def associate(self, gating: Gating) -> Association:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n, m = gating.d2.shape
        beta = np.zeros((n, m + 1))
        beta[:, 0] = 1.0
        assigned = np.full(n, -1, dtype=np.int64)
        if n == 0 or m == 0:
            return self._result(assigned, beta)
        # Likelihood ratios of track-plot pairs; zero outside the gate.
        norm = 0.5 * (gating.dim * np.log(2.0 * np.pi) + gating.log_det_s)
        lr = np.where(
            gating.valid,
            np.exp(np.log(self.p_detect) - 0.5 * gating.d2 - norm - np.log(self.clutter_density)),
            0.0,
        )
        miss = 1.0 - self.p_detect * self.gate_probability
        ti, pj = np.nonzero(gating.valid)
        graph = coo_matrix((np.ones(ti.size), (ti, n + pj)), shape=(n + m, n + m)).tocsr()
        n_comp, label = connected_components(graph, directed=False)
        for comp in range(n_comp):
            tracks = np.flatnonzero(label[:n] == comp)
            plots = np.flatnonzero(label[n:] == comp)
            if tracks.size == 0 or plots.size == 0:
                continue
            sub = lr[np.ix_(tracks, plots)]
            marg = _jpda_marginals(sub, miss, self.max_events)
            if marg is None:
                log.warning(
                    "JPDA cluster of %d tracks and %d plots exceeds %d events; using PDA",
                    tracks.size,
                    plots.size,
                    self.max_events,
                )
                total = miss + sub.sum(axis=1, keepdims=True)
                marg = np.column_stack([np.full(tracks.size, miss), sub]) / total
            beta[tracks, 0] = marg[:, 0]
            beta[np.ix_(tracks, plots + 1)] = marg[:, 1:]
        best = beta[:, 1:].argmax(axis=1)
        take = beta[np.arange(n), best + 1] > beta[:, 0]
        assigned[take] = best[take]
        return self._result(assigned, beta)

    def _result(self, assigned: IntArray, beta: FloatArray) -> Association:
        return Association(
            assigned=assigned,
            beta=beta,
            miss_weight=1.0 - self.p_detect * self.gate_probability,
            plot_weight=self.p_detect / self.clutter_density,
        )


def _jpda_marginals(lr: FloatArray, miss: float, max_events: int) -> FloatArray | None:
    """Exact marginal association probabilities of one cluster (tracks x plots).

    Depth-first over tracks; each track takes a free plot in its gate or none. Returns
    (n, m + 1) probabilities, or None when the number of joint events exceeds max_events.
    """
    n, m = lr.shape
    cand: list[IntArray] = [np.flatnonzero(lr[i] > 0.0) for i in range(n)]
    acc = np.zeros((n, m + 1))
    total = 0.0
    events = 0
    choice = [-1] * n
    used = [False] * m

    def visit(i: int, weight: float) -> bool:
        nonlocal total, events
        if i == n:
            events += 1
            if events > max_events:
                return False
            total += weight
            for t in range(n):
                acc[t, choice[t] + 1] += weight
            return True
        choice[i] = -1
        if not visit(i + 1, weight * miss):
            return False
        for j in cand[i]:
            jj = int(j)
            if not used[jj]:
                used[jj] = True
                choice[i] = jj
                ok = visit(i + 1, weight * lr[i, jj])
                used[jj] = False
                if not ok:
                    return False
        choice[i] = -1
        return True

    if not visit(0, 1.0):
        return None
    return acc / total

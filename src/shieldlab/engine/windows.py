"""Feasibility windows and timed launches: when a weapon can launch at a threat, and when.

For one (threat, weapon) pair the trajectory samples k (strictly before impact) carry the
time t_k, whether the point lies in the weapon's envelope for the threat's class
(``inside_k``), and L_k = t_k - d_k / v_avg, the launch time from which the interceptor,
flying at its average speed, arrives at that point just as the threat does (d_k the
slant distance from the battery). The **feasibility window** is every launch time whose
intercept point is inside the envelope: the set {L(t) : t on a stretch of the trajectory
inside the envelope}, with L linear between samples (a point k inside alone contributes
L_k). It is a union of intervals, not one interval, and not necessarily increasing in the
intercept time (a threat flying away makes L fall).

A C2 node decides at decision cycles t_c = c * cycle. A decision at cycle c **times the
launch** inside the window: among the launch times of the window in [t_c, t_c + cycle)
it picks the one with the earliest intercept (the most time left to look and shoot
again), and the round is launched then -- a timed launch, not a loiter: it flies straight
at its average speed to that point. Every window, however short, is met by the cycle
whose span holds it. ``cycle_intercepts`` fills, per cycle, that earliest intercept time
and its launch time (-1 where the window has no launch time in the cycle's span).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

F64 = npt.NDArray[np.float64]


@njit(cache=True)
def _cover(
    ta: float,
    tb: float,
    la: float,
    lb: float,
    c0: int,
    cycle_s: float,
    out_t: F64,
    out_l: F64,
) -> None:
    """Assign the stretch from (ta, la) to (tb, lb) to the cycles whose span it meets and
    that have no earlier intercept yet (stretches arrive in time order)."""
    lo = min(la, lb)
    hi = max(la, lb)
    first = max(int(np.floor(lo / cycle_s)), c0)
    last = min(int(np.floor(hi / cycle_s)), c0 + out_t.size - 1)
    for c in range(first, last + 1):
        j = c - c0
        if out_t[j] >= 0.0:
            continue
        tc = c * cycle_s
        if lb > la:  # L rising: the earliest intercept is at the earliest launch
            launch = max(tc, la)
            ti = ta + (launch - la) / (lb - la) * (tb - ta)
        elif lb < la:  # L falling: the earliest intercept is at the latest launch
            launch = min(tc + cycle_s, la)
            ti = ta + (la - launch) / (la - lb) * (tb - ta)
        else:
            launch = la
            ti = ta
        if launch < tc or launch > tc + cycle_s:
            continue
        out_t[j] = ti
        out_l[j] = launch


@njit(cache=True)
def cycle_intercepts(
    t_k: F64,
    latest: F64,
    inside: npt.NDArray[np.bool_],
    c0: int,
    n_cycles: int,
    cycle_s: float,
) -> tuple[F64, F64]:
    """Earliest intercept time and its launch time for a decision at each of n_cycles
    cycles from c0 (module docstring); -1 where none."""
    out_t = np.full(n_cycles, -1.0)
    out_l = np.full(n_cycles, -1.0)
    n = t_k.size
    for k in range(n):
        if not inside[k]:
            continue
        _cover(t_k[k], t_k[k], latest[k], latest[k], c0, cycle_s, out_t, out_l)
        if k + 1 < n and inside[k + 1]:
            _cover(t_k[k], t_k[k + 1], latest[k], latest[k + 1], c0, cycle_s, out_t, out_l)
    return out_t, out_l


def window_intervals(
    t_k: F64, latest: F64, inside: npt.NDArray[np.bool_]
) -> list[tuple[float, float]]:
    """The feasibility window as merged launch-time intervals [lo, hi] (for reports/tests)."""
    parts: list[tuple[float, float]] = []
    for k in range(t_k.size):
        if not inside[k]:
            continue
        parts.append((float(latest[k]), float(latest[k])))
        if k + 1 < t_k.size and inside[k + 1]:
            a, b = float(latest[k]), float(latest[k + 1])
            parts.append((min(a, b), max(a, b)))
    parts.sort()
    merged: list[tuple[float, float]] = []
    for lo, hi in parts:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged

"""The ``layered`` doctrine's engagement plan: which weapon is worth firing now, per threat.

For every C2 node, threat and row of the intercept table (a launch cycle), a backward
dynamic programme over the threat's remaining launch cycles finds the best kill
probability the node's weapons can achieve with ``L`` engagements left (L = 1 ..
``max_engagements``), when the threat is engaged by itself (channels and rounds not
binding):

    V[k, 0] = 0,   V[nc, L] = 0,
    F[k, w, L] = 1 - (1 - q_w) (1 - V[next(k, w), L - 1])   (w can intercept at cycle k),
    V[k, L] = max(V[k + 1, L], max_w F[k, w, L]),

with q_w the salvo kill probability of weapon w (``salvo_size`` rounds, SSPK x
reliability) and next(k, w) the cycle the salvo is assessed (its intercept time rounded
up to a cycle, at least one cycle later: the engine's shoot-look-shoot timing), or k
itself without shoot-look-shoot (salvos need not wait). Weapon w is *worth firing* at k
with L left when F[k, w, L] is the optimum V[k, L] (to a relative 1e-12): firing it now is
no worse than waiting for a better layer or firing another weapon. That holds fire with an
outer layer while a better inner one will still have a window, keeps the last engagement
for the better layer, and spends outer rounds when the inner layer's window leaves time
for only part of the engagements.

The plan is a table of bits ``plan[row, w]`` (bit L - 1: worth firing with L left), with
every weapon firing a full salvo, and ``last[i, w]``, the last row at which w can
intercept threat i. At a decision the kernel and the Python oracle (``engine.kernel``,
``engine.oracle.hold_mask``) use the plan while every weapon of the node that can still
reach the threat could fire a full salvo now; otherwise they rerun the programme for that
threat from the current row (:func:`threat_values`) with the weapons as they could fire
now: no option without a ready round or a free target channel, and q_w with the rounds
the ready rounds and free guidance channels allow (projected inventory and channels).
A salvo is held exactly when it is not worth firing.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Relative tolerance for "as good as the optimum" (rounding of the products).
PLAN_TOL = 1e-12


@njit(cache=True)
def ceil_cycle(t: float, cycle_s: float) -> int:
    """First decision cycle at or after time t."""
    c = int(np.ceil(t / cycle_s - 1e-9))
    return c if c > 0 else 0


@njit(cache=True)
def salvo_pk(pk: float, rounds: int) -> float:
    """Kill probability of a salvo of ``rounds`` independent rounds of kill probability pk."""
    q = 1.0
    for _ in range(rounds):
        q *= 1.0 - pk
    return 1.0 - q


@njit(cache=True)
def threat_values(
    it_time: npt.NDArray[np.float32],
    off: int,
    c0: int,
    nc: int,
    k_from: int,
    q: F64,
    use: npt.NDArray[np.bool_],
    cycle_s: float,
    max_eng: int,
    sls: bool,
    v: F64,
    f: F64,
) -> None:
    """The backward programme of one threat for one node, rows ``k_from .. nc - 1``.

    ``q[w]``: salvo kill probability of weapon w, used where ``use[w]``. Fills
    ``v[k, L]`` (rows k_from .. nc, L = 0 .. max_eng) and ``f[k, w, L]`` (-1 where w cannot
    fire), k relative to the threat's first row ``off``.
    """
    n_w = it_time.shape[1]
    for ell in range(max_eng + 1):
        v[nc, ell] = 0.0
    for k in range(nc - 1, k_from - 1, -1):
        v[k, 0] = 0.0
        for w in range(n_w):
            f[k, w, 0] = -1.0
        for ell in range(1, max_eng + 1):
            best = v[k + 1, ell]
            for w in range(n_w):
                f[k, w, ell] = -1.0
                if not use[w]:
                    continue
                tint = np.float64(it_time[off + k, w])
                if tint < 0.0 or q[w] <= 0.0:
                    continue
                nxt = k
                if sls:
                    nxt = max(k + 1, ceil_cycle(tint, cycle_s) - c0)
                    if nxt > nc:
                        nxt = nc
                val = 1.0 - (1.0 - q[w]) * (1.0 - v[nxt, ell - 1])
                f[k, w, ell] = val
                if val > best:
                    best = val
            v[k, ell] = best


@njit(cache=True)
def worth_bits(v: F64, f: F64, k: int, w: int, max_eng: int) -> int:
    """Bit L - 1 set when firing w at row k reaches the optimum with L engagements left."""
    bits = 0
    for ell in range(1, max_eng + 1):
        val = f[k, w, ell]
        if val >= 0.0 and val >= v[k, ell] * (1.0 - PLAN_TOL):
            bits |= 1 << (ell - 1)
    return bits


@njit(cache=True)
def engagement_plan(
    it_time: npt.NDArray[np.float32],
    it_c0: I64,
    it_nc: I64,
    it_off: I64,
    pk: F64,
    weapon_node: I64,
    n_nodes: int,
    cycle_s: float,
    salvo_size: int,
    max_eng: int,
    sls: bool,
) -> tuple[npt.NDArray[np.uint16], I64]:
    """``(plan, last)``: the plan bits (rows, W) and last feasible rows (T, W), -1 if none.

    ``weapon_node[w]``: the C2 node commanding weapon w (0 for all when centralised).
    Every weapon with its full salvo (``salvo_size`` rounds).
    """
    n_rows, n_w = it_time.shape
    n_t = it_c0.shape[0]
    plan = np.zeros((n_rows, n_w), dtype=np.uint16)
    last = np.full((n_t, n_w), -1, dtype=np.int64)
    nc_max = 0
    for i in range(n_t):
        nc_max = max(nc_max, it_nc[i])
    v = np.zeros((nc_max + 1, max_eng + 1))
    f = np.full((max(nc_max, 1), n_w, max_eng + 1), -1.0)
    q = np.zeros(n_w)
    use = np.zeros(n_w, dtype=np.bool_)
    for i in range(n_t):
        nc = it_nc[i]
        off = it_off[i]
        if nc == 0:
            continue
        for w in range(n_w):
            q[w] = salvo_pk(pk[w, i], salvo_size)
            for k in range(nc - 1, -1, -1):
                if it_time[off + k, w] >= 0.0:
                    last[i, w] = off + k
                    break
        for g in range(n_nodes):
            for w in range(n_w):
                use[w] = weapon_node[w] == g
            threat_values(it_time, off, it_c0[i], nc, 0, q, use, cycle_s, max_eng, sls, v, f)
            for k in range(nc):
                for w in range(n_w):
                    if use[w]:
                        plan[off + k, w] = worth_bits(v, f, k, w, max_eng)
    return plan, last

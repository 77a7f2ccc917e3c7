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

The plan is a table of bits ``plan[row, w]`` (bit L - 1: worth firing with L left); the
kernel and the Python oracle read it (``engine.kernel``, ``engine.oracle.hold_mask``),
together with ``last[row_threat, w]``, the last row at which w can intercept (for the
rounds fallback: a salvo is held only while some better weapon with ready rounds can still
reach the threat).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from shieldlab.engine.kernel import _ceil_cycle, _salvo_pk

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Relative tolerance for "as good as the optimum" (rounding of the products).
PLAN_TOL = 1e-12


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
    """
    n_rows, n_w = it_time.shape
    n_t = it_c0.shape[0]
    plan = np.zeros((n_rows, n_w), dtype=np.uint16)
    last = np.full((n_t, n_w), -1, dtype=np.int64)
    for i in range(n_t):
        nc = it_nc[i]
        off = it_off[i]
        c0 = it_c0[i]
        if nc == 0:
            continue
        for w in range(n_w):
            for k in range(nc - 1, -1, -1):
                if it_time[off + k, w] >= 0.0:
                    last[i, w] = off + k
                    break
        for g in range(n_nodes):
            v = np.zeros((nc + 1, max_eng + 1))
            f = np.full((nc, n_w, max_eng + 1), -1.0)
            for k in range(nc - 1, -1, -1):
                for ell in range(1, max_eng + 1):
                    best = v[k + 1, ell]
                    for w in range(n_w):
                        if weapon_node[w] != g:
                            continue
                        tint = np.float64(it_time[off + k, w])
                        if tint < 0.0 or pk[w, i] <= 0.0:
                            continue
                        nxt = k
                        if sls:
                            nxt = max(k + 1, _ceil_cycle(tint, cycle_s) - c0)
                            if nxt > nc:
                                nxt = nc
                        q = _salvo_pk(pk[w, i], salvo_size)
                        val = 1.0 - (1.0 - q) * (1.0 - v[nxt, ell - 1])
                        f[k, w, ell] = val
                        if val > best:
                            best = val
                    v[k, ell] = best
            for k in range(nc):
                for w in range(n_w):
                    if weapon_node[w] != g:
                        continue
                    bits = 0
                    for ell in range(1, max_eng + 1):
                        val = f[k, w, ell]
                        if val >= 0.0 and val >= v[k, ell] * (1.0 - PLAN_TOL):
                            bits |= 1 << (ell - 1)
                    plan[off + k, w] = bits
    return plan, last

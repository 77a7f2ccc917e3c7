"""Streaming aggregation of per-replication outcomes: memory stays flat as runs grow.

Replications are summarised in fixed blocks of ``BLOCK`` consecutive replication numbers
(block k holds replications [k·BLOCK, (k+1)·BLOCK)). Each block is reduced to per-column
(count, mean, M2) by a plain sequential loop, and blocks are merged in block order with
Chan, Golub & LeVeque's pairwise update (Chan et al. 1979, "Updating formulae and a
pairwise algorithm for computing sample variances"):

    n = n_a + n_b,  δ = mean_b - mean_a,  mean = mean_a + δ n_b / n,
    M2 = M2_a + M2_b + δ² n_a n_b / n.

Because block boundaries depend only on replication numbers, and the merge order is the
block order, the floating-point result is the same whatever the batch size or the number
of worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from numba import njit

F64 = npt.NDArray[np.float64]

BLOCK = 256


@njit(cache=True)
def block_moments(rows: F64) -> tuple[F64, F64, F64]:
    """Per-column count of finite values, mean and M2 (sum of squared deviations)."""
    n_rows, n_cols = rows.shape
    cnt = np.zeros(n_cols)
    mean = np.zeros(n_cols)
    m2 = np.zeros(n_cols)
    for j in range(n_cols):
        s = 0.0
        c = 0.0
        for k in range(n_rows):
            x = rows[k, j]
            if np.isfinite(x):
                s += x
                c += 1.0
        if c == 0.0:
            continue
        mu = s / c
        acc = 0.0
        for k in range(n_rows):
            x = rows[k, j]
            if np.isfinite(x):
                acc += (x - mu) * (x - mu)
        cnt[j] = c
        mean[j] = mu
        m2[j] = acc
    return cnt, mean, m2


@dataclass(frozen=True, kw_only=True)
class BlockSummary:
    """Moments of one block of replications plus the count of leak-free replications."""

    first: int
    n: int
    count: F64
    mean: F64
    m2: F64
    zero_leak: int


def summarise(rows: F64, *, first: int, leak_col: int) -> list[BlockSummary]:
    """Cut rows of replications first, first+1, ... into aligned blocks and summarise each.

    ``first`` must be a multiple of ``BLOCK`` (the runner only starts chunks there).
    """
    if first % BLOCK:
        raise ValueError(f"first replication {first} is not a multiple of {BLOCK}")
    out: list[BlockSummary] = []
    for a in range(0, rows.shape[0], BLOCK):
        blk = np.ascontiguousarray(rows[a : a + BLOCK])
        cnt, mean, m2 = block_moments(blk)
        out.append(
            BlockSummary(
                first=first + a,
                n=blk.shape[0],
                count=cnt,
                mean=mean,
                m2=m2,
                zero_leak=int(np.count_nonzero(blk[:, leak_col] == 0.0)),
            )
        )
    return out


@dataclass(kw_only=True)
class Accumulator:
    """Running per-column moments over blocks merged in replication order."""

    n_cols: int
    n: int = 0
    zero_leak: int = 0
    count: F64 = field(default_factory=lambda: np.zeros(0))
    mean: F64 = field(default_factory=lambda: np.zeros(0))
    m2: F64 = field(default_factory=lambda: np.zeros(0))
    next_first: int = 0

    def __post_init__(self) -> None:
        self.count = np.zeros(self.n_cols)
        self.mean = np.zeros(self.n_cols)
        self.m2 = np.zeros(self.n_cols)

    def add(self, blk: BlockSummary) -> None:
        """Merge the next block (blocks must arrive in replication order)."""
        if blk.first != self.next_first:
            raise ValueError(
                f"block at {blk.first} merged out of order (expected {self.next_first})"
            )
        self.next_first = blk.first + blk.n
        self.n += blk.n
        self.zero_leak += blk.zero_leak
        na = self.count
        nb = blk.count
        tot = na + nb
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = blk.mean - self.mean
            mean = np.where(tot > 0, self.mean + delta * nb / np.where(tot > 0, tot, 1.0), 0.0)
            m2 = (
                self.m2
                + blk.m2
                + np.where(tot > 0, delta * delta * na * nb / np.where(tot > 0, tot, 1.0), 0.0)
            )
        self.count, self.mean, self.m2 = tot, mean, m2

    def variance(self) -> F64:
        """Sample variance (ddof = 1) per column; NaN with fewer than two values."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 1, self.m2 / np.maximum(self.count - 1.0, 1.0), np.nan)

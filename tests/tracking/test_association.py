"""GNN optimality and JPDA marginals against brute-force enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from shieldlab.tracking import GNN, JPDA, MahalanobisGater


def _gating(d2: np.ndarray, gate: float = 3.0):  # type: ignore[no-untyped-def]
    from shieldlab.tracking.base import Gating

    return Gating(
        d2=d2, valid=d2 <= gate**2, log_det_s=np.zeros_like(d2), dim=3, threshold_d2=gate**2
    )


def _brute_force_gnn(d2: np.ndarray, gate: float, squared: bool = False) -> float:
    n, m = d2.shape
    best = math.inf
    for choice in itertools.product(range(-1, m), repeat=n):
        taken = [c for c in choice if c >= 0]
        if len(taken) != len(set(taken)):
            continue
        if any(c >= 0 and d2[i, c] > gate**2 for i, c in enumerate(choice)):
            continue
        if squared:
            cost = sum(gate**2 if c < 0 else d2[i, c] for i, c in enumerate(choice))
        else:
            cost = sum(gate if c < 0 else math.sqrt(d2[i, c]) for i, c in enumerate(choice))
        best = min(best, cost)
    return best


@pytest.mark.parametrize("max_enumeration", [0, 64, 10_000])
@pytest.mark.parametrize("cost", ["distance", "likelihood"])
def test_gnn_finds_the_optimal_assignment(max_enumeration: int, cost: str) -> None:
    # Both paths (enumeration of small clusters, linear_sum_assignment for the others)
    # against brute force over every feasible assignment.
    rng = np.random.default_rng(max_enumeration)
    for _ in range(150):
        n, m = rng.integers(1, 6), rng.integers(1, 6)
        d2 = rng.uniform(0.0, 14.0, (n, m))
        gnn = GNN(cost=cost, max_enumeration=max_enumeration)  # type: ignore[arg-type]
        a = gnn.associate(_gating(d2)).assigned
        taken = a[a >= 0]
        assert len(taken) == len(set(taken.tolist()))
        if cost == "distance":
            total = sum(3.0 if c < 0 else math.sqrt(d2[i, c]) for i, c in enumerate(a))
            assert total == pytest.approx(_brute_force_gnn(d2, 3.0))
        else:  # log det S = 0 here: costs d^2, miss 9
            total = sum(9.0 if c < 0 else d2[i, c] for i, c in enumerate(a))
            assert total == pytest.approx(_brute_force_gnn(d2, 3.0, squared=True))


def test_gnn_prefers_the_global_optimum_over_greedy() -> None:
    # Track 0 is nearest to plot 0, but giving plot 0 to track 1 (its only plot) is cheaper
    # overall: greedy would leave track 1 without a plot.
    d2 = np.array([[0.5**2, 1.0**2], [0.6**2, np.inf]])
    assert GNN().associate(_gating(d2)).assigned.tolist() == [1, 0]


def test_jpda_marginals_match_enumeration() -> None:
    pd, lam, pg = 0.9, 1e-9, 0.99
    d2 = np.array([[0.5, 2.0, 20.0], [1.5, 0.3, 4.0], [30.0, 30.0, 1.0]])
    g = _gating(d2, gate=4.0)
    res = JPDA(p_detect=pd, clutter_density=lam, gate_probability=pg).associate(g)
    assert res.beta is not None
    lr = np.where(g.valid, pd * np.exp(-0.5 * d2) / ((2 * np.pi) ** 1.5 * lam), 0.0)
    miss = 1 - pd * pg
    acc = np.zeros((3, 4))
    for choice in itertools.product(range(-1, 3), repeat=3):
        taken = [c for c in choice if c >= 0]
        if len(taken) != len(set(taken)) or any(
            c >= 0 and lr[i, c] == 0 for i, c in enumerate(choice)
        ):
            continue
        w = math.prod(miss if c < 0 else lr[i, c] for i, c in enumerate(choice))
        for i, c in enumerate(choice):
            acc[i, c + 1] += w
    np.testing.assert_allclose(res.beta, acc / acc.sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(res.beta.sum(axis=1), 1.0)


def test_gater_threshold_and_per_pair_covariances() -> None:
    nu = np.array([[[3.0, 0.0, 0.0], [0.0, 0.0, 0.5]]])
    s = np.eye(3)[None]
    g = MahalanobisGater(max_distance=2.0).gate(nu, s)
    np.testing.assert_allclose(g.d2, [[9.0, 0.25]])
    assert g.valid.tolist() == [[False, True]]
    g2 = MahalanobisGater(max_distance=2.0).gate(nu, np.broadcast_to(np.eye(3) * 4.0, (1, 2, 3, 3)))
    np.testing.assert_allclose(g2.d2, [[9.0 / 4.0, 0.0625]])
    np.testing.assert_allclose(g2.log_det_s, [[3 * math.log(4.0)] * 2])

"""Closed-form engagement arithmetic (Wilkening 1999, Science & Global Security 8)."""

from __future__ import annotations

import numpy as np
import pytest

from shieldlab.core import engagement as eg


def test_per_threat_kill_leakers_no_leaker_hand_values() -> None:
    # Wilkening (1999), as in PUBLISHED_VALUES.md: Pk = Pd(1-(1-SSPK)^n), N(1-Pk), Pk^N.
    # Hand: SSPK 0.7, n 2, Pd 0.95 -> Pk = 0.95*0.91 = 0.8645; N = 10: 1.355 leakers,
    # P(no leaker) = 0.8645^10 = 0.233158...
    pk = eg.p_kill_per_threat(0.7, 2, 0.95)
    assert pk == pytest.approx(0.8645, abs=1e-15)
    assert eg.expected_leakers(10, pk) == pytest.approx(1.355, abs=1e-12)
    assert eg.p_zero_leakers(10, pk) == pytest.approx(0.8645**10, rel=1e-14)
    assert eg.p_zero_leakers(10, pk) == pytest.approx(0.233158, abs=1e-6)


def test_vectorised() -> None:
    pk = eg.p_kill_per_threat(np.array([0.5, 0.8]), np.array([[1], [2], [3]]))
    assert pk.shape == (3, 2)
    np.testing.assert_allclose(pk[:, 0], [0.5, 0.75, 0.875])


def test_binomial_tail() -> None:
    # P(X >= k), X ~ Bin(3, 0.5): k=0 -> 1, k=1 -> 7/8, k=2 -> 1/2, k=3 -> 1/8, k=4 -> 0.
    np.testing.assert_allclose(
        eg.p_at_least_k_penetrate(3, 0.5, np.arange(5)), [1, 7 / 8, 1 / 2, 1 / 8, 0], atol=1e-15
    )


def test_inventory_limit() -> None:
    # 10 threats, 2 shots each, 15 interceptors: floor(15/2) = 7 engaged, 3 leak for sure.
    res = eg.leakage_with_inventory(10, 2, 0.8, 15)
    assert res.threats_engaged == 7
    assert res["expected_leakers"] == pytest.approx(7 * 0.04 + 3)
    assert res.p_zero_leakers == 0.0
    full = eg.leakage_with_inventory(10, 2, 0.8, 20)
    assert full.expected_leakers == pytest.approx(10 * 0.04)
    assert full.p_zero_leakers == pytest.approx(0.96**10)
    assert set(full.to_dict()) == {
        "threats_engaged",
        "p_kill_per_threat",
        "expected_leakers",
        "p_zero_leakers",
    }


def test_interceptors_needed_is_minimal() -> None:
    # Hand: N=10, SSPK=0.8, P=0.9 -> Pk >= 0.9^0.1 = 0.98952 -> 0.2^n <= 0.01048 -> n = 3.
    req = eg.interceptors_needed(10, 0.8, 0.9)
    assert req.shots_per_threat == 3 and req.interceptors == 30
    n_grid = np.arange(1, 60)
    for n_thr, s, p in [(1, 0.5, 0.99), (20, 0.3, 0.5), (100, 0.9, 0.95), (5, 0.6, 0.8)]:
        n = float(eg.interceptors_needed(n_thr, s, p).shots_per_threat)
        p0 = eg.p_zero_leakers(n_thr, eg.p_kill_per_threat(s, n_grid))
        assert n == n_grid[np.argmax(p0 >= p)]


def test_interceptors_needed_unattainable_is_inf() -> None:
    assert np.isinf(eg.interceptors_needed(10, 0.8, 0.9, p_detect=0.98).shots_per_threat)
    assert np.isinf(eg.interceptors_needed(10, 0.0, 0.5).shots_per_threat)
    assert eg.interceptors_needed(10, 1.0, 1.0).shots_per_threat == 1
    assert eg.interceptors_needed(10, 0.5, 0.0).shots_per_threat == 0


def test_shoot_look_shoot() -> None:
    # PUBLISHED_VALUES.md (Wilkening 1999): Pk = 1-(1-SSPK)^k, E[shots] = sum (1-SSPK)^i.
    pk, shots = eg.shoot_look_shoot(0.8, 3)
    assert pk == pytest.approx(0.992)
    assert shots == pytest.approx(1 + 0.2 + 0.04)
    pk0, shots0 = eg.shoot_look_shoot(0.0, 4)
    assert pk0 == 0 and shots0 == 4


def test_layered_leak() -> None:
    assert eg.layered_leak([0.5, 0.8]) == pytest.approx(0.1)
    np.testing.assert_allclose(eg.layered_leak([[0.5, 0.5], [0.9, 0.0]]), [0.25, 0.1])


def test_binomial_tail_matches_scipy_binom() -> None:
    from scipy import stats

    n, p = 25, 0.13
    k = np.arange(0, 27)
    np.testing.assert_allclose(
        eg.p_at_least_k_penetrate(n, p, k), stats.binom.sf(k - 1, n, p), rtol=1e-12, atol=1e-300
    )

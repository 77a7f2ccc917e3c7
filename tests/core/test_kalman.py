"""Kalman kernels: process-noise models, steady state against the alpha-beta closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, linalg

from shieldlab.core import kalman


def test_cv_transition_and_continuous_noise_per_axis() -> None:
    t = 2.0
    f = kalman.kinematic_transition(np.array([t]), 2)[0]
    q = kalman.continuous_white_noise(np.array([t]), 2, 3.0)[0]
    # Per axis F = [[1, T], [0, 1]], Q = q [[T^3/3, T^2/2], [T^2/2, T]] (BLK eq. 6.2.2-12).
    assert f[0, 3] == t and f[0, 0] == 1.0 and f[3, 3] == 1.0 and f[0, 1] == 0.0
    assert q[0, 0] == pytest.approx(3.0 * t**3 / 3)
    assert q[0, 3] == pytest.approx(3.0 * t**2 / 2)
    assert q[3, 3] == pytest.approx(3.0 * t)
    assert q[0, 1] == 0.0


def test_continuous_noise_is_the_integral_of_the_white_noise() -> None:
    # Q = int_0^T F(s) G q G^T F(s)^T ds with G the last-derivative input (BLK eq. 6.2.2-7).
    t, qd = 1.7, 2.5
    for order in (2, 3):

        def integrand(s: float, a: int, b: int, order: int = order) -> float:
            f = kalman.kinematic_transition(np.array([s]), order)[0]
            g = np.zeros(3 * order)
            g[3 * (order - 1)] = 1.0
            return float((f @ g)[a] * (f @ g)[b] * qd)

        q = kalman.continuous_white_noise(np.array([t]), order, qd)[0]
        for a in range(0, 3 * order, 3):
            for b in range(0, 3 * order, 3):
                val, _ = integrate.quad(integrand, 0.0, t, args=(a, b))
                assert q[a, b] == pytest.approx(val, rel=1e-9)


def test_steady_state_matches_kalata_alpha_beta() -> None:
    # Kalata (1984), "The tracking index", IEEE TAES 20(2): for the discrete white-noise
    # acceleration model with tracking index L = sigma_v T^2 / sigma_w the steady-state
    # gains are alpha = -(L^2 + 8L - (L + 4) sqrt(L^2 + 8L)) / 8,
    # beta = (L^2 + 4L - L sqrt(L^2 + 8L)) / 4, and P11 = alpha sigma_w^2,
    # P12 = beta sigma_w^2 / T, P22 = beta (alpha - beta/2) sigma_w^2 / ((1 - alpha) T^2)
    # (also Bar-Shalom, Li & Kirubarajan 2001, eq. 6.5.3-6 to 6.5.3-12).
    t, sigma_v, sigma_w = 1.0, 3.0, 50.0
    lam = sigma_v * t**2 / sigma_w
    root = math.sqrt(lam**2 + 8 * lam)
    alpha = -(lam**2 + 8 * lam - (lam + 4) * root) / 8
    beta = (lam**2 + 4 * lam - lam * root) / 4
    f = kalman.kinematic_transition(np.array([t]), 2)
    q = kalman.discrete_white_noise(np.array([t]), 2, sigma_v**2)
    h = np.zeros((1, 3, 6))
    h[0, [0, 1, 2], [0, 1, 2]] = 1.0
    r = np.eye(3)[None] * sigma_w**2
    x = np.zeros((1, 6))
    p = np.eye(6)[None] * 1e8
    for _ in range(400):
        x, p = kalman.predict(x, p, f, q)
        x, p = kalman.update(x, p, np.zeros((1, 3)), h, r)
    assert p[0, 0, 0] == pytest.approx(alpha * sigma_w**2, rel=1e-9)
    assert p[0, 0, 3] == pytest.approx(beta * sigma_w**2 / t, rel=1e-9)
    assert p[0, 3, 3] == pytest.approx(
        beta * (alpha - beta / 2) * sigma_w**2 / ((1 - alpha) * t**2), rel=1e-9
    )
    # And the same through the discrete algebraic Riccati equation of one axis.
    f1, q1 = f[0][np.ix_([0, 3], [0, 3])], q[0][np.ix_([0, 3], [0, 3])]
    pp = linalg.solve_discrete_are(f1.T, np.array([[1.0], [0.0]]), q1, np.array([[sigma_w**2]]))
    k = pp[:, :1] / (pp[0, 0] + sigma_w**2)
    assert k[0, 0] == pytest.approx(alpha, rel=1e-9)


def test_update_matches_textbook_scalar_case() -> None:
    x = np.array([[10.0]])
    p = np.array([[[4.0]]])
    x1, p1 = kalman.update(x, p, np.array([[2.0]]), np.array([[[1.0]]]), np.array([[[1.0]]]))
    # K = 4 / 5: x+ = 10 + 0.8 * 2, P+ = (1 - 0.8) 4.
    assert x1[0, 0] == pytest.approx(11.6)
    assert p1[0, 0, 0] == pytest.approx(0.8)


def test_pda_update_with_certain_association_is_the_kalman_update() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(2, 6, 6))
    p = a @ np.swapaxes(a, 1, 2) + np.eye(6)
    x = rng.normal(size=(2, 6))
    h = np.zeros((2, 3, 6))
    h[:, [0, 1, 2], [0, 1, 2]] = 1.0
    r = np.eye(3)[None].repeat(2, 0)
    s = h @ p @ np.swapaxes(h, 1, 2) + r
    nu = rng.normal(size=(2, 2, 3))
    beta = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    xp, pp = kalman.pda_update(x, p, h, s, nu, beta)
    xk, pk = kalman.update(x, p, nu[[0, 1], [0, 1]], h, r)
    np.testing.assert_allclose(xp, xk, atol=1e-9)
    np.testing.assert_allclose(pp, pk, atol=1e-9)
    # All weight on "no plot": nothing changes.
    x0, p0 = kalman.pda_update(x, p, h, s, nu, np.array([[1.0, 0, 0], [1.0, 0, 0]]))
    np.testing.assert_allclose(x0, x)
    np.testing.assert_allclose(p0, p, atol=1e-9)

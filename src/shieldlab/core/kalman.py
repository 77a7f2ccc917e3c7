"""Kalman-filter steps batched over tracks: pure functions on arrays, SI units.

State layout for 3-D kinematic models: ``[x, y, z, vx, vy, vz(, ax, ay, az)]`` (position
block first, then velocity, then acceleration), so the first three components are the
position in the local frame.

Formulas: Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to Tracking and
Navigation* (Wiley, 2001), sec. 5.2 (Kalman filter), 6.2-6.3 (white-noise kinematic models).

Transposes of stacked matrices are written ``a.mT`` (``np.swapaxes(a, -1, -2)`` without the
function-call overhead: these functions run several times per tracker scan).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def _kron_axes(block: FloatArray) -> FloatArray:
    """Expand per-axis blocks (n, k, k) to 3-D blocks (n, 3k, 3k) in [pos, vel, acc] order."""
    n, k, _ = block.shape
    out = np.einsum("nab,ij->naibj", block, np.eye(3))
    return np.asarray(out.reshape(n, 3 * k, 3 * k))


def kinematic_transition(dt_s: FloatArray, order: int) -> FloatArray:
    """State transition for a polynomial (order 2: CV, order 3: CA) model, shape (n, 3k, 3k).

    Per axis F = [[1, T, T^2/2], [0, 1, T], [0, 0, 1]] truncated to ``order`` (BLK 6.2-6.3).
    """
    t = np.asarray(dt_s, dtype=float).reshape(-1)
    n = t.shape[0]
    blk = np.zeros((n, order, order))
    for a in range(order):
        for b in range(a, order):
            blk[:, a, b] = t ** (b - a) / math.factorial(b - a)
    return _kron_axes(blk)


def continuous_white_noise(dt_s: FloatArray, order: int, q: float) -> FloatArray:
    """Process noise of a continuous white-noise model with spectral density ``q``, (n, 3k, 3k).

    Order 2 (CV, white acceleration, q in m^2/s^3): per axis q [[T^3/3, T^2/2], [T^2/2, T]].
    Order 3 (CA, white jerk, q in m^2/s^5): q [[T^5/20, T^4/8, T^3/6], [T^4/8, T^3/3, T^2/2],
    [T^3/6, T^2/2, T]]. General term q T^(2k-a-b-1) / ((k-1-a)! (k-1-b)! (2k-a-b-1)) (BLK 6.2.2).
    """
    t = np.asarray(dt_s, dtype=float).reshape(-1)
    n = t.shape[0]
    blk = np.zeros((n, order, order))
    for a in range(order):
        for b in range(order):
            pa, pb = order - 1 - a, order - 1 - b
            power = pa + pb + 1
            blk[:, a, b] = q * t**power / (math.factorial(pa) * math.factorial(pb) * power)
    return _kron_axes(blk)


def discrete_white_noise(dt_s: FloatArray, order: int, sigma2: float) -> FloatArray:
    """Process noise of a piecewise-constant white noise on the k-th derivative, (n, 3k, 3k).

    Q = sigma^2 G G^T per axis with G_a = T^(k-a) / (k-a)!; for order 2 (CV) this is the
    discrete white-noise acceleration model, G = [T^2/2, T] (BLK sec. 6.3.2), sigma in m/s^2.
    """
    t = np.asarray(dt_s, dtype=float).reshape(-1)
    g = np.stack([t ** (order - a) / math.factorial(order - a) for a in range(order)], axis=-1)
    blk = sigma2 * g[:, :, None] * g[:, None, :]
    return _kron_axes(blk)


def predict(
    x: FloatArray, p: FloatArray, f: FloatArray, q: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Kalman prediction x' = F x, P' = F P F^T + Q, batched (n, d), (n, d, d)."""
    x_new = np.matmul(f, x[:, :, None])[:, :, 0]
    p_new = f @ p @ f.mT + q
    return x_new, 0.5 * (p_new + p_new.mT)


def update(
    x: FloatArray, p: FloatArray, nu: FloatArray, h: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Kalman update with innovation ``nu`` (n, m), measurement matrix H (n, m, d), R (n, m, m).

    S = H P H^T + R, K = P H^T S^-1, x+ = x + K nu, P+ = (I - K H) P (I - K H)^T + K R K^T
    (Joseph form, kept for numerical symmetry and positivity; BLK eq. 5.2.3-18).
    """
    pht = p @ h.mT
    s = h @ pht + r
    k = np.linalg.solve(s, pht.mT).mT
    x_new = x + np.matmul(k, nu[:, :, None])[:, :, 0]
    i_kh = np.eye(x.shape[-1]) - k @ h
    p_new = i_kh @ p @ i_kh.mT + k @ r @ k.mT
    return x_new, 0.5 * (p_new + p_new.mT)


def pda_update(
    x: FloatArray,
    p: FloatArray,
    h: FloatArray | None,
    s: FloatArray,
    nu: FloatArray,
    beta: FloatArray,
    *,
    pht: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Probabilistic-data-association update (Bar-Shalom & Fortmann, *Tracking and Data
    Association*, 1988, ch. 6), batched over tracks.

    ``nu`` (n, m, dz) innovations of m candidate measurements, ``beta`` (n, m + 1) their
    association probabilities with column 0 the "none is correct" event. With K = P H^T S^-1,
    nu_bar = sum_j beta_j nu_j:
    x+ = x + K nu_bar,
    P+ = beta_0 P + (1 - beta_0)(P - K S K^T) + K (sum_j beta_j nu_j nu_j^T - nu_bar nu_bar^T) K^T.
    ``pht`` replaces P H^T when the cross-covariance comes from elsewhere (sigma points).
    """
    if pht is None:
        if h is None:
            raise ValueError("pda_update needs H or P H^T")
        pht = p @ h.mT
    k = np.linalg.solve(s, pht.mT).mT
    b0 = beta[:, 0]
    bj = beta[:, 1:]
    nu_bar = np.einsum("nm,nmi->ni", bj, nu)
    spread = np.einsum("nm,nmi,nmj->nij", bj, nu, nu) - nu_bar[:, :, None] * nu_bar[:, None, :]
    x_new = x + np.einsum("nij,nj->ni", k, nu_bar)
    ksk = k @ s @ k.mT
    p_new = p - (1.0 - b0)[:, None, None] * ksk + k @ spread @ k.mT
    return x_new, 0.5 * (p_new + p_new.mT)


def mahalanobis_squared(nu: FloatArray, s_inv: FloatArray) -> FloatArray:
    """d^2 = nu^T S^-1 nu for innovations (n, m, dz) against per-track S^-1 (n, dz, dz)."""
    return np.asarray(np.einsum("nmi,nij,nmj->nm", nu, s_inv, nu))


def nees(x_true: FloatArray, x_est: FloatArray, p: FloatArray) -> FloatArray:
    """Normalised estimation error squared e^T P^-1 e per row (BLK sec. 5.4.2)."""
    e = np.asarray(x_true, dtype=float) - np.asarray(x_est, dtype=float)
    sol = np.linalg.solve(p, e[..., None])[..., 0]
    return np.asarray(np.sum(e * sol, axis=-1))

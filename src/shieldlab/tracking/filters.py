"""Filters batched over tracks: Kalman / extended Kalman, and the IMM.

:class:`KalmanFilter` is the Kalman filter with a linear measurement model and the
extended Kalman filter with a nonlinear one (range/azimuth/elevation): the measurement
model is linearised at each track's predicted state (Bar-Shalom, Li & Kirubarajan 2001,
sec. 10.3). :class:`IMMFilter` is the interacting multiple model filter of Blom &
Bar-Shalom (1988) in the form of BLK sec. 11.6.6, with mode switching in continuous time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from shieldlab.core import kalman
from shieldlab.tracking.base import (
    Filter,
    FilterState,
    FloatArray,
    MeasurementModel,
    MotionModel,
)
from shieldlab.tracking.models import ConstantAcceleration, ConstantVelocity


def _swap(a: FloatArray) -> FloatArray:
    return a.mT  # np.swapaxes(a, -1, -2) without the function-call overhead


def _initial_gaussian(
    position_m: FloatArray,
    position_cov: FloatArray,
    velocity_sigma_mps: float,
    state_dim: int,
    acceleration_sigma_mps2: float = 0.0,
) -> tuple[FloatArray, FloatArray]:
    m = position_m.shape[0]
    x = np.zeros((m, state_dim))
    x[:, :3] = position_m
    p = np.zeros((m, state_dim, state_dim))
    p[:, :3, :3] = position_cov
    idx = np.arange(3, 6)
    p[:, idx, idx] = velocity_sigma_mps**2
    if state_dim >= 9:
        idx = np.arange(6, 9)
        p[:, idx, idx] = acceleration_sigma_mps2**2
    return x, p


@dataclass(frozen=True, kw_only=True)
class GaussianState(FilterState):
    """Mean (n, d) and covariance (n, d, d) of every track."""

    x: FloatArray
    p: FloatArray


@dataclass(frozen=True, kw_only=True)
class KalmanFilter(Filter):
    """Kalman filter (linear measurement model) / EKF (nonlinear model), one motion model."""

    motion: MotionModel = field(default_factory=lambda: ConstantVelocity(q=1.0))
    state_dim: int = 6

    def initiate(
        self, position_m: FloatArray, position_cov: FloatArray, velocity_sigma_mps: float
    ) -> GaussianState:
        x, p = _initial_gaussian(position_m, position_cov, velocity_sigma_mps, self.state_dim)
        return GaussianState(x=x, p=p)

    def predict(self, state: FilterState, dt_s: FloatArray) -> GaussianState:
        assert isinstance(state, GaussianState)
        f, q = self.motion.matrices(dt_s, self.state_dim)
        x, p = kalman.predict(state.x, state.p, f, q)
        u = self.motion.drift(dt_s, self.state_dim)
        return GaussianState(x=x if u is None else x + u, p=p)

    def measurement_prediction(
        self, state: FilterState, model: MeasurementModel
    ) -> tuple[FloatArray, FloatArray]:
        assert isinstance(state, GaussianState)
        z_hat, h = model.predict(state.x)
        return z_hat, h @ state.p @ _swap(h)

    def update(
        self, state: FilterState, model: MeasurementModel, z: FloatArray, r: FloatArray
    ) -> GaussianState:
        assert isinstance(state, GaussianState)
        z_hat, h = model.predict(state.x)
        x, p = kalman.update(state.x, state.p, model.residual(z, z_hat), h, r)
        return GaussianState(x=x, p=p)

    def pda_update(
        self,
        state: FilterState,
        model: MeasurementModel,
        z: FloatArray,
        r: FloatArray,
        beta: FloatArray,
        *,
        miss_weight: float = 1.0,
        plot_weight: float = 0.0,
    ) -> GaussianState:
        assert isinstance(state, GaussianState)
        if r.ndim != 2:
            raise ValueError("the PDA update needs one measurement covariance for the scan")
        z_hat, h = model.predict(state.x)
        s = h @ state.p @ _swap(h) + r
        nu = model.residual(z[None, :, :], z_hat[:, None, :])
        x, p = kalman.pda_update(state.x, state.p, h, s, nu, beta)
        return GaussianState(x=x, p=p)

    def estimate(self, state: FilterState) -> tuple[FloatArray, FloatArray]:
        assert isinstance(state, GaussianState)
        return state.x[:, :6], state.p[:, :6, :6]


# Alias that says what the class does with a nonlinear measurement model.
ExtendedKalmanFilter = KalmanFilter


@dataclass(frozen=True, kw_only=True)
class UnscentedKalmanFilter(KalmanFilter):
    """Kalman prediction (the motion models are linear) with the unscented update.

    Scaled sigma points (Julier 2002; Wan & van der Merwe 2000): chi_0 = x,
    chi_+-i = x +- sqrt(n + lambda) L_i with L L^T = P, lambda = alpha^2 (n + kappa) - n;
    mean weights W0 = lambda/(n + lambda), Wi = 1/(2(n + lambda)), covariance weight
    W0 + 1 - alpha^2 + beta. z_bar = sum W h(chi), S = sum W (Z - z_bar)(..)^T + R,
    P_xz = sum W (chi - x)(Z - z_bar)^T, K = P_xz S^-1. Angles are averaged as residuals
    about the central point, so azimuth near north does not wrap into nonsense.
    """

    alpha: float = 1.0
    beta: float = 2.0
    kappa: float = 0.0

    def _sigma(
        self, x: FloatArray, p: FloatArray, model: MeasurementModel
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        n, d = x.shape
        lam = self.alpha**2 * (d + self.kappa) - d
        # A tiny diagonal load keeps Cholesky defined for the IMM-style zero blocks.
        chol = np.linalg.cholesky(p + 1e-9 * np.eye(d))
        offs = np.sqrt(d + lam) * np.swapaxes(chol, 1, 2)  # rows = columns of L
        chi = np.concatenate([x[:, None, :], x[:, None, :] + offs, x[:, None, :] - offs], axis=1)
        wm = np.full(2 * d + 1, 1.0 / (2.0 * (d + lam)))
        wc = wm.copy()
        wm[0] = lam / (d + lam)
        wc[0] = wm[0] + 1.0 - self.alpha**2 + self.beta
        z_pts, _ = model.predict(chi.reshape(n * (2 * d + 1), d))
        z_pts = z_pts.reshape(n, 2 * d + 1, -1)
        dz = model.residual(z_pts, z_pts[:, :1, :])  # about the central point
        z_bar = z_pts[:, 0, :] + np.einsum("k,nkj->nj", wm, dz)
        dzc = model.residual(z_pts, z_bar[:, None, :])
        pzz = np.einsum("k,nki,nkj->nij", wc, dzc, dzc)
        pxz = np.einsum("k,nki,nkj->nij", wc, chi - x[:, None, :], dzc)
        return z_bar, pzz, pxz, dzc

    def measurement_prediction(
        self, state: FilterState, model: MeasurementModel
    ) -> tuple[FloatArray, FloatArray]:
        assert isinstance(state, GaussianState)
        z_bar, pzz, _, _ = self._sigma(state.x, state.p, model)
        return z_bar, pzz

    def update(
        self, state: FilterState, model: MeasurementModel, z: FloatArray, r: FloatArray
    ) -> GaussianState:
        assert isinstance(state, GaussianState)
        z_bar, pzz, pxz, _ = self._sigma(state.x, state.p, model)
        s = pzz + r
        k = np.swapaxes(np.linalg.solve(s, np.swapaxes(pxz, 1, 2)), 1, 2)
        nu = model.residual(z, z_bar)
        x = state.x + np.matmul(k, nu[:, :, None])[:, :, 0]
        p = state.p - k @ s @ np.swapaxes(k, 1, 2)
        return GaussianState(x=x, p=0.5 * (p + np.swapaxes(p, 1, 2)))

    def pda_update(
        self,
        state: FilterState,
        model: MeasurementModel,
        z: FloatArray,
        r: FloatArray,
        beta: FloatArray,
        *,
        miss_weight: float = 1.0,
        plot_weight: float = 0.0,
    ) -> GaussianState:
        assert isinstance(state, GaussianState)
        if r.ndim != 2:
            raise ValueError("the PDA update needs one measurement covariance for the scan")
        z_bar, pzz, pxz, _ = self._sigma(state.x, state.p, model)
        nu = model.residual(z[None, :, :], z_bar[:, None, :])
        x, p = kalman.pda_update(state.x, state.p, None, pzz + r, nu, beta, pht=pxz)
        return GaussianState(x=x, p=p)


@dataclass(frozen=True, kw_only=True)
class IMMState(FilterState):
    """Per-mode means (n, M, d), covariances (n, M, d, d) and mode probabilities (n, M)."""

    x: FloatArray
    p: FloatArray
    mu: FloatArray


def _combine(x: FloatArray, p: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Moment-matched Gaussian of a mixture: x = sum mu x_j, P = sum mu (P_j + dx dx^T)."""
    xm = np.einsum("nm,nmi->ni", mu, x)
    dx = x - xm[:, None, :]
    pm = np.einsum("nm,nmij->nij", mu, p + dx[..., :, None] * dx[..., None, :])
    return xm, pm


@dataclass(frozen=True, kw_only=True)
class IMMFilter(Filter):
    """Interacting multiple model filter over a common 9-D state [pos, vel, acc].

    Mode switching is a continuous-time Markov chain: model i is left at rate
    1/``mean_sojourn_s[i]`` towards the others with equal probability, so a scan of length T
    uses Pi_ii = exp(-T / tau_i) and Pi_ij = (1 - Pi_ii) / (M - 1); a zero-length step (two
    radars at the same instant) mixes nothing.
    """

    models: Sequence[MotionModel] = field(
        default_factory=lambda: (ConstantVelocity(q=1.0), ConstantAcceleration(q=1.0))
    )
    mean_sojourn_s: Sequence[float] = (30.0, 10.0)
    initial_mode_probability: Sequence[float] = (0.9, 0.1)
    acceleration_sigma_mps2: float = 30.0
    state_dim: int = 9

    def __post_init__(self) -> None:
        if len(self.models) < 2 or len(self.models) != len(self.mean_sojourn_s):
            raise ValueError("an IMM needs >= 2 models and one mean sojourn time per model")
        if len(self.initial_mode_probability) != len(self.models):
            raise ValueError("one initial mode probability per model")

    def initiate(
        self, position_m: FloatArray, position_cov: FloatArray, velocity_sigma_mps: float
    ) -> IMMState:
        x, p = _initial_gaussian(
            position_m,
            position_cov,
            velocity_sigma_mps,
            self.state_dim,
            self.acceleration_sigma_mps2,
        )
        n_models = len(self.models)
        mu = np.tile(np.asarray(self.initial_mode_probability, dtype=float), (x.shape[0], 1))
        return IMMState(
            x=np.repeat(x[:, None], n_models, axis=1),
            p=np.repeat(p[:, None], n_models, axis=1),
            mu=mu / mu.sum(axis=1, keepdims=True),
        )

    def transition(self, dt_s: FloatArray) -> FloatArray:
        """Mode transition matrices Pi (n, M, M) for steps of dt (n,)."""
        n_models = len(self.models)
        tau = np.asarray(self.mean_sojourn_s, dtype=float)
        stay = np.exp(-np.asarray(dt_s, dtype=float)[:, None] / tau[None, :])
        pi = np.repeat(((1.0 - stay) / (n_models - 1))[:, :, None], n_models, axis=2)
        idx = np.arange(n_models)
        pi[:, idx, idx] = stay
        return pi

    def predict(self, state: FilterState, dt_s: FloatArray) -> IMMState:
        assert isinstance(state, IMMState)
        dt = np.asarray(dt_s, dtype=float).reshape(-1)
        pi = self.transition(dt)
        c = np.einsum("nij,ni->nj", pi, state.mu)  # predicted mode probabilities
        c = np.maximum(c, 1e-300)
        w = pi * state.mu[:, :, None] / c[:, None, :]  # mu_{i|j}
        x0 = np.einsum("nij,nid->njd", w, state.x)
        dx = state.x[:, :, None, :] - x0[:, None, :, :]  # (n, i, j, d)
        p0 = np.einsum(
            "nij,nijab->njab", w, state.p[:, :, None] + dx[..., :, None] * dx[..., None, :]
        )
        xs, ps = [], []
        for j, model in enumerate(self.models):
            f, q = model.matrices(dt, self.state_dim)
            xj, pj = kalman.predict(x0[:, j], p0[:, j], f, q)
            u = model.drift(dt, self.state_dim)
            xs.append(xj if u is None else xj + u)
            ps.append(pj)
        return IMMState(
            x=np.stack(xs, axis=1), p=np.stack(ps, axis=1), mu=c / c.sum(axis=1, keepdims=True)
        )

    def measurement_prediction(
        self, state: FilterState, model: MeasurementModel
    ) -> tuple[FloatArray, FloatArray]:
        assert isinstance(state, IMMState)
        xm, pm = _combine(state.x, state.p, state.mu)
        z_hat, h = model.predict(xm)
        return z_hat, h @ pm @ _swap(h)

    def update(
        self, state: FilterState, model: MeasurementModel, z: FloatArray, r: FloatArray
    ) -> IMMState:
        assert isinstance(state, IMMState)
        n, n_models, d = state.x.shape
        flat_x = state.x.reshape(n * n_models, d)
        flat_p = state.p.reshape(n * n_models, d, d)
        z_rep = np.repeat(z, n_models, axis=0)
        r_rep = np.repeat(r, n_models, axis=0)
        z_hat, h = model.predict(flat_x)
        nu = model.residual(z_rep, z_hat)
        s = h @ flat_p @ _swap(h) + r_rep
        # Mode likelihoods N(nu; 0, S_j), in logs for the products that follow.
        sol = np.linalg.solve(s, nu[..., None])[..., 0]
        _, logdet = np.linalg.slogdet(s)
        loglik = (-0.5 * (np.sum(nu * sol, axis=1) + logdet)).reshape(n, n_models)
        x_new, p_new = kalman.update(flat_x, flat_p, nu, h, r_rep)
        logw = np.log(np.maximum(state.mu, 1e-300)) + loglik
        logw -= logw.max(axis=1, keepdims=True)
        mu = np.exp(logw)
        mu /= mu.sum(axis=1, keepdims=True)
        return IMMState(x=x_new.reshape(n, n_models, d), p=p_new.reshape(n, n_models, d, d), mu=mu)

    def pda_update(
        self,
        state: FilterState,
        model: MeasurementModel,
        z: FloatArray,
        r: FloatArray,
        beta: FloatArray,
        *,
        miss_weight: float = 1.0,
        plot_weight: float = 0.0,
    ) -> IMMState:
        """IMM-PDA (Houles & Bar-Shalom 1989): PDA update of every mode with the common beta;
        mode j weighed by Lambda_j = miss_weight + plot_weight sum_k N(nu_jk; 0, S_j) over
        the plots with beta_k > 0."""
        assert isinstance(state, IMMState)
        if r.ndim != 2:
            raise ValueError("the PDA update needs one measurement covariance for the scan")
        n_models = state.x.shape[1]
        dz = z.shape[1]
        gated = beta[:, 1:] > 0.0
        xs, ps, lik = [], [], []
        for j in range(n_models):
            xj, pj = state.x[:, j], state.p[:, j]
            z_hat, h = model.predict(xj)
            s = h @ pj @ _swap(h) + r
            nu = model.residual(z[None, :, :], z_hat[:, None, :])
            x_new, p_new = kalman.pda_update(xj, pj, h, s, nu, beta)
            xs.append(x_new)
            ps.append(p_new)
            d2 = np.sum(np.matmul(nu, np.linalg.inv(s)) * nu, axis=-1)
            _, logdet = np.linalg.slogdet(s)
            dens = np.exp(-0.5 * (d2 + logdet[:, None] + dz * np.log(2.0 * np.pi)))
            lik.append(miss_weight + plot_weight * np.sum(np.where(gated, dens, 0.0), axis=1))
        w = state.mu * np.column_stack(lik)
        total = w.sum(axis=1, keepdims=True)
        mu = np.where(total > 0.0, w / np.where(total > 0.0, total, 1.0), state.mu)
        return IMMState(x=np.stack(xs, axis=1), p=np.stack(ps, axis=1), mu=mu)

    def estimate(self, state: FilterState) -> tuple[FloatArray, FloatArray]:
        assert isinstance(state, IMMState)
        xm, pm = _combine(state.x, state.p, state.mu)
        return xm[:, :6], pm[:, :6, :6]

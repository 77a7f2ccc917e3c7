"""Filter consistency (NEES within chi-square bounds) for the KF, the EKF and the IMM."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from shieldlab.core import kalman
from shieldlab.tracking import (
    CartesianPosition,
    ConstantAcceleration,
    ConstantVelocity,
    GaussianState,
    IMMFilter,
    KalmanFilter,
    RangeAzEl,
    UnscentedKalmanFilter,
)
from shieldlab.tracking.base import take_rows

RUNS, STEPS, T = 100, 60, 1.0


def _nees_run(filt: KalmanFilter, model, r: np.ndarray, x0: np.ndarray, seed: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Average NEES over RUNS Monte Carlo runs at each step (runs batched as tracks)."""
    rng = np.random.default_rng(seed)
    p0 = np.diag([100.0**2] * 3 + [30.0**2] * 3)
    truth = x0 + rng.multivariate_normal(np.zeros(6), p0, RUNS)
    state = filt.initiate(np.tile(x0[:3], (RUNS, 1)), np.tile(p0[:3, :3], (RUNS, 1, 1)), 30.0)
    state = GaussianState(x=np.tile(x0, (RUNS, 1)), p=state.p)  # prior mean = x0
    f, q = filt.motion.matrices(np.full(RUNS, T), 6)
    chol_q = np.linalg.cholesky(q[0])
    chol_r = np.linalg.cholesky(r)
    out = []
    for _ in range(STEPS):
        truth = np.einsum("ij,nj->ni", f[0], truth) + rng.standard_normal((RUNS, 6)) @ chol_q.T
        state = filt.predict(state, np.full(RUNS, T))
        z_true, _ = model.predict(truth)
        z = z_true + rng.standard_normal((RUNS, r.shape[0])) @ chol_r.T
        state = filt.update(state, model, z, np.broadcast_to(r, (RUNS, *r.shape)))
        mean, cov = filt.estimate(state)
        out.append(kalman.nees(truth, mean, cov).mean())
    return np.asarray(out)


def _check_nees(avg: np.ndarray, dim: int = 6) -> None:
    # BLK 2001 sec. 5.4.2: RUNS * average NEES ~ chi2(RUNS * dim); 95% two-sided region.
    lo, hi = stats.chi2.ppf([0.025, 0.975], RUNS * dim) / RUNS
    outside = np.sum((avg < lo) | (avg > hi))
    # 5% of the steps are expected outside; allow up to 15% (binomial tail ~1e-3).
    assert outside <= 0.15 * avg.size, (outside, avg.round(2))
    # The time-averaged NEES is close to the state dimension.
    assert abs(avg.mean() - dim) < 0.5


def test_kalman_cv_nees_within_chi2_bounds() -> None:
    filt = KalmanFilter(motion=ConstantVelocity(q=2.0))
    x0 = np.array([1e4, -2e4, 5e3, 200.0, 100.0, 0.0])
    avg = _nees_run(filt, CartesianPosition(), np.eye(3) * 40.0**2, x0, seed=11)
    _check_nees(avg)


@pytest.mark.parametrize("kind", ["ekf", "ukf"])
def test_ekf_and_ukf_range_az_el_nees_within_chi2_bounds(kind: str) -> None:
    cls = UnscentedKalmanFilter if kind == "ukf" else KalmanFilter
    filt = cls(motion=ConstantVelocity(q=2.0))
    model = RangeAzEl(sensor_enu_m=np.array([0.0, 0.0, 20.0]))
    r = np.diag([20.0**2, 1e-3**2, 1e-3**2])
    x0 = np.array([4e4, 3e4, 6e3, -150.0, 100.0, 0.0])
    avg = _nees_run(filt, model, r, x0, seed=12)
    _check_nees(avg)


@pytest.mark.parametrize("kind", ["ekf", "ukf"])
def test_ekf_and_ukf_with_radial_velocity_are_consistent(kind: str) -> None:
    x0 = np.array([4e4, 3e4, 6e3, -150.0, 100.0, 0.0])
    cls = UnscentedKalmanFilter if kind == "ukf" else KalmanFilter
    filt = cls(motion=ConstantVelocity(q=2.0))
    model = RangeAzEl(sensor_enu_m=np.zeros(3), radial_velocity=True)
    r = np.diag([20.0**2, 1e-3**2, 1e-3**2, 1.0])
    avg = _nees_run(filt, model, r, x0, seed=13)
    _check_nees(avg)


def _turning_truth(steps: int, turn_start: int, turn_len: int) -> np.ndarray:
    """Position-velocity truth: straight at 250 m/s, then a 4 g level turn, then straight."""
    speed, acc = 250.0, 4 * 9.81
    omega = acc / speed
    x = np.array([0.0, 0.0, 5000.0])
    heading = 0.0
    out = []
    for k in range(steps):
        if turn_start <= k < turn_start + turn_len:
            heading += omega * T
        v = speed * np.array([math.sin(heading), math.cos(heading), 0.0])
        x = x + v * T
        out.append(np.concatenate([x, v]))
    return np.array(out)


def test_imm_beats_cv_in_a_manoeuvre_and_switches_mode() -> None:
    truth = _turning_truth(90, 40, 20)
    runs, sigma = 30, 50.0
    rng = np.random.default_rng(5)
    model = CartesianPosition()
    cv = KalmanFilter(motion=ConstantVelocity(q=1.0))
    imm = IMMFilter(
        models=(ConstantVelocity(q=1.0), ConstantAcceleration(q=10.0)),
        mean_sojourn_s=(40.0, 15.0),
    )
    r = np.broadcast_to(np.eye(3) * sigma**2, (runs, 3, 3))
    p0 = np.eye(3)[None].repeat(runs, 0) * sigma**2
    s_cv = cv.initiate(np.tile(truth[0, :3], (runs, 1)), p0, 300.0)
    s_imm = imm.initiate(np.tile(truth[0, :3], (runs, 1)), p0, 300.0)
    err_cv, err_imm, mu_ca = [], [], []
    for k in range(1, truth.shape[0]):
        z = truth[k, :3] + rng.normal(0, sigma, (runs, 3))
        dt = np.full(runs, T)
        s_cv = cv.update(cv.predict(s_cv, dt), model, z, r)
        s_imm = imm.update(imm.predict(s_imm, dt), model, z, r)
        err_cv.append(np.linalg.norm(cv.estimate(s_cv)[0][:, :3] - truth[k, :3], axis=1))
        err_imm.append(np.linalg.norm(imm.estimate(s_imm)[0][:, :3] - truth[k, :3], axis=1))
        mu_ca.append(s_imm.mu[:, 1].mean())
    err_cv_a, err_imm_a, mu = np.array(err_cv), np.array(err_imm), np.array(mu_ca)
    turn = slice(42, 60)  # steps k = 43..60 (index k - 1)
    rms_cv = np.sqrt(np.mean(err_cv_a[turn] ** 2))
    rms_imm = np.sqrt(np.mean(err_imm_a[turn] ** 2))
    assert rms_imm < 0.6 * rms_cv, (rms_imm, rms_cv)
    assert mu[turn].mean() > 0.6  # the CA mode takes over in the turn
    assert mu[20:38].mean() < 0.4  # and is unlikely in straight flight
    # IMM state rows survive take_rows (the tracker's bookkeeping).
    assert take_rows(s_imm, np.array([0, 2])).x.shape == (2, 2, 9)


def test_imm_pda_with_a_certain_plot_is_the_imm_update() -> None:
    # beta one-hot on the true plot and no miss weight: the IMM-PDA reduces to the IMM
    # update (same per-mode states, mode probabilities from the same likelihoods).
    imm = IMMFilter(models=(ConstantVelocity(q=1.0), ConstantAcceleration(q=10.0)))
    model = CartesianPosition()
    rng = np.random.default_rng(2)
    st = imm.initiate(rng.normal(0, 100, (3, 3)), np.eye(3)[None].repeat(3, 0) * 50.0**2, 100.0)
    st = imm.predict(st, np.full(3, 1.0))
    z = rng.normal(0, 100, (2, 3))
    r = np.eye(3) * 40.0**2
    beta = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    pda = imm.pda_update(st, model, z, r, beta, miss_weight=0.0, plot_weight=1.0)
    hard = imm.update(st, model, z[[0, 1, 0]], np.broadcast_to(r, (3, 3, 3)))
    np.testing.assert_allclose(pda.x, hard.x, atol=1e-8)
    np.testing.assert_allclose(pda.p, hard.p, atol=1e-6)
    np.testing.assert_allclose(pda.mu, hard.mu, atol=1e-12)


def test_ballistic_model_is_consistent_on_ballistic_truth_and_cv_is_not() -> None:
    # Truth: unpowered flight under gravity with the ballistic model's own process noise.
    from shieldlab.tracking import Ballistic

    g, q, sigma = 9.80665, 1.0, 40.0
    rng = np.random.default_rng(21)
    model = CartesianPosition()
    bal = KalmanFilter(motion=Ballistic(q=q, g_mps2=g))
    cv = KalmanFilter(motion=ConstantVelocity(q=q))
    x0 = np.array([0.0, 0.0, 60e3, 1500.0, 500.0, 800.0])
    p0 = np.diag([100.0**2] * 3 + [30.0**2] * 3)
    truth = x0 + rng.multivariate_normal(np.zeros(6), p0, RUNS)
    f, qm = bal.motion.matrices(np.full(RUNS, T), 6)
    u = bal.motion.drift(np.full(RUNS, T), 6)
    chol_q = np.linalg.cholesky(qm[0])
    states = {
        name: GaussianState(x=np.tile(x0, (RUNS, 1)), p=np.tile(p0, (RUNS, 1, 1)))
        for name in ("bal", "cv")
    }
    nees_bal, nees_cv = [], []
    r = np.broadcast_to(np.eye(3) * sigma**2, (RUNS, 3, 3))
    for _ in range(STEPS):
        truth = truth @ f[0].T + u + rng.standard_normal((RUNS, 6)) @ chol_q.T
        z = truth[:, :3] + rng.normal(0.0, sigma, (RUNS, 3))
        for name, filt in (("bal", bal), ("cv", cv)):
            states[name] = filt.update(filt.predict(states[name], np.full(RUNS, T)), model, z, r)
        for name, filt, out in (("bal", bal, nees_bal), ("cv", cv, nees_cv)):
            mean, cov = filt.estimate(states[name])
            out.append(kalman.nees(truth, mean, cov).mean())
    _check_nees(np.asarray(nees_bal))
    # Without gravity the filter lags the fall: its NEES sits far above its chi-square bound.
    hi = stats.chi2.ppf(0.975, RUNS * 6) / RUNS
    assert np.mean(nees_cv[10:]) > 3 * hi


def test_ukf_equals_kalman_for_a_linear_measurement() -> None:
    # With h linear the unscented transform is exact: the UKF update is the Kalman update.
    rng = np.random.default_rng(8)
    a = rng.normal(size=(4, 6, 6))
    st = GaussianState(x=rng.normal(size=(4, 6)) * 100, p=a @ np.swapaxes(a, 1, 2) + np.eye(6))
    z, r = rng.normal(size=(4, 3)), np.broadcast_to(np.eye(3) * 4.0, (4, 3, 3))
    kf, ukf = KalmanFilter(), UnscentedKalmanFilter()
    a_ = kf.update(st, CartesianPosition(), z, r)
    b_ = ukf.update(st, CartesianPosition(), z, r)
    np.testing.assert_allclose(b_.x, a_.x, atol=1e-6)
    np.testing.assert_allclose(b_.p, a_.p, atol=1e-6)


def test_ukf_handles_azimuth_across_north() -> None:
    # A target just east of north seen from the origin: sigma points straddle az = 0/2pi.
    ukf = UnscentedKalmanFilter()
    model = RangeAzEl(sensor_enu_m=np.zeros(3))
    x = np.array([[5.0, 3e4, 1e3, 0.0, 0.0, 0.0]])
    st = GaussianState(x=x, p=np.diag([200.0**2] * 3 + [10.0**2] * 3)[None])
    z_hat, pzz = ukf.measurement_prediction(st, model)
    assert z_hat[0, 1] < 0.01 or z_hat[0, 1] > 2 * np.pi - 0.01
    assert np.sqrt(pzz[0, 1, 1]) < 0.02  # ~200 m / 30 km, not ~pi

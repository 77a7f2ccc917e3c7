"""The composed tracker: steady-state accuracy, crossing targets, M-of-N, capacity, fusion."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shieldlab.core import coords
from shieldlab.tracking import (
    GNN,
    JPDA,
    CartesianPosition,
    ConstantAcceleration,
    ConstantVelocity,
    IMMFilter,
    KalmanFilter,
    MahalanobisGater,
    MissedUpdatesDeleter,
    MOfNInitiator,
    RangeAzEl,
    Scan,
    Tracker,
    UnscentedKalmanFilter,
)
from shieldlab.tracking.metrics import Frame, gospa, track_continuity

CART = CartesianPosition()


def _confirmed(tracker: Tracker, table):  # type: ignore[no-untyped-def]
    mean, cov = tracker.filter.estimate(table.state)
    c = table.confirmed
    return table.track_id[c], mean[c], cov[c]


def test_single_target_steady_state_error_matches_alpha_beta() -> None:
    # One target, Pd = 1, no clutter, DWNA motion matching the filter: the steady-state
    # position variance per axis is alpha sigma_w^2 (Kalata 1984, see test_kalman.py).
    t, sigma_v, sigma_w, n = 1.0, 3.0, 50.0, 2000
    lam = sigma_v * t**2 / sigma_w
    root = math.sqrt(lam**2 + 8 * lam)
    alpha = -(lam**2 + 8 * lam - (lam + 4) * root) / 8
    rng = np.random.default_rng(42)
    tracker = Tracker(
        filter=KalmanFilter(motion=ConstantVelocity(q=sigma_v**2, noise="discrete")),
        # A wide gate (P_G ~ 1 - 1e-6): every plot updates the track, as in the closed form.
        gater=MahalanobisGater(max_distance=6.0),
        initiator=MOfNInitiator(m=2, n=3, velocity_sigma_mps=400.0),
    )
    pos, vel = np.array([0.0, 0.0, 8000.0]), np.array([200.0, -100.0, 0.0])
    table = tracker.empty()
    errors, variances = [], []
    for k in range(n):
        if k:
            a = rng.normal(0.0, sigma_v, 3)  # piecewise-constant acceleration over the step
            pos = pos + vel * t + 0.5 * a * t**2
            vel = vel + a * t
        z = pos + rng.normal(0.0, sigma_w, (1, 3))
        table = tracker.step(table, Scan(time_s=k * t, z=z, r=np.eye(3) * sigma_w**2, model=CART))
        ids, mean, cov = _confirmed(tracker, table)
        if k >= 100:
            assert ids.tolist() == [1]
            errors.append(mean[0, :3] - pos)
            variances.append(np.diag(cov[0])[:3])
    err = np.array(errors)
    assert np.allclose(variances, alpha * sigma_w**2, rtol=1e-6)
    # Empirical MSE per axis vs alpha sigma_w^2: ~5700 correlated samples, 12% is > 3 sigma.
    assert np.mean(err**2) == pytest.approx(alpha * sigma_w**2, rel=0.12)
    assert np.all(np.abs(err.mean(axis=0)) < 0.15 * sigma_w)


def _crossing(angle_deg: float, n_scans: int = 60) -> list[np.ndarray]:
    """Two 250 m/s targets crossing at the middle scan at ``angle_deg`` to each other."""
    half = math.radians(angle_deg) / 2
    v1 = 250.0 * np.array([math.sin(half), math.cos(half), 0.0])
    v2 = 250.0 * np.array([-math.sin(half), math.cos(half), 0.0])
    centre = np.array([0.0, 0.0, 6000.0])
    k0 = n_scans // 2
    return [np.vstack([centre + v1 * (k - k0), centre + v2 * (k - k0)]) for k in range(n_scans)]


@pytest.mark.parametrize("angle_deg", [90.0, 30.0, 10.0])
@pytest.mark.parametrize("associator", [GNN(), GNN(cost="likelihood"), JPDA(p_detect=0.99)])
def test_crossing_targets_keep_their_identities(angle_deg: float, associator) -> None:  # type: ignore[no-untyped-def]
    # Textbook crossing (Blackman & Popoli 1999, sec. 6.5): with the Kalman prediction the
    # association at the crossing follows the velocities, so no identity swaps.
    sigma = 30.0
    tracker = Tracker(
        filter=KalmanFilter(motion=ConstantVelocity(q=1.0)),
        associator=associator,
        tentative_associator=GNN(),
        initiator=MOfNInitiator(m=2, n=3, velocity_sigma_mps=400.0),
    )
    for seed in range(5):
        rng = np.random.default_rng(seed)
        table = tracker.empty()
        frames = []
        for k, truth in enumerate(_crossing(angle_deg)):
            z = truth + rng.normal(0.0, sigma, truth.shape)
            z = z[rng.permutation(2)]
            scan = Scan(time_s=float(k), z=z, r=np.eye(3) * sigma**2, model=CART)
            table = tracker.step(table, scan)
            ids, mean, _ = _confirmed(tracker, table)
            frames.append(
                Frame(
                    time_s=float(k),
                    truth_ids=np.array([0, 1]),
                    truth_pos=truth,
                    track_ids=ids,
                    track_pos=mean[:, :3],
                )
            )
        cont = track_continuity(frames, c=500.0)
        assert cont.id_switches == 0, (seed, angle_deg)
        assert cont.breaks == 0
        assert len(table) == 2 and table.confirmed.all()


def test_m_of_n_logic() -> None:
    ini = MOfNInitiator(m=2, n=3)
    hist = np.array([0b1, 0b11, 0b101, 0b100, 0b1001], dtype=np.int64)
    age = np.array([1, 2, 3, 3, 4], dtype=np.int64)
    assert ini.confirmed(hist, age).tolist() == [False, True, True, False, False]
    assert ini.expired(hist, age).tolist() == [False, False, False, True, True]
    with pytest.raises(ValueError):
        MOfNInitiator(m=4, n=3)


def test_tentative_track_confirmed_after_m_hits_and_deleted_after_misses() -> None:
    tracker = Tracker(
        initiator=MOfNInitiator(m=3, n=5, velocity_sigma_mps=300.0),
        deleter=MissedUpdatesDeleter(max_misses=2),
    )
    table = tracker.empty()
    r = np.eye(3) * 100.0
    for k in range(3):
        z = np.array([[100.0 * k, 0.0, 1000.0]])
        table = tracker.step(table, Scan(time_s=float(k), z=z, r=r, model=CART))
        assert table.confirmed.tolist() == [k == 2]
    assert table.confirmed_time_s[0] == 2.0
    empty = np.zeros((0, 3))
    table = tracker.step(table, Scan(time_s=3.0, z=empty, r=r, model=CART))
    assert len(table) == 1
    table = tracker.step(table, Scan(time_s=4.0, z=empty, r=r, model=CART))
    assert len(table) == 0


def test_track_capacity_limits_new_tracks() -> None:
    tracker = Tracker(max_tracks=5)
    rng = np.random.default_rng(0)
    table = tracker.empty()
    for k in range(4):
        z = rng.uniform(-1e5, 1e5, (20, 3))
        table = tracker.step(table, Scan(time_s=float(k), z=z, r=np.eye(3) * 1e4, model=CART))
        assert len(table) <= 5


def _three_targets(rng: np.random.Generator, clutter: float, n_scans: int = 40):  # type: ignore[no-untyped-def]
    p0 = np.array([[0.0, 0.0, 5e3], [2e4, 1e4, 8e3], [-1.5e4, 2e4, 3e3]])
    v = np.array([[200.0, 50.0, 0.0], [-150.0, 100.0, 0.0], [100.0, -220.0, 0.0]])
    scans, truth = [], []
    for k in range(n_scans):
        p = p0 + v * k
        det = rng.random(3) < 0.9
        z = np.vstack(
            [
                p[det] + rng.normal(0.0, 40.0, (det.sum(), 3)),
                rng.uniform([-4e4, -4e4, 0], [4e4, 4e4, 1e4], (rng.poisson(clutter), 3)),
            ]
        )
        scans.append(Scan(time_s=float(k), z=z, r=np.eye(3) * 40.0**2, model=CART))
        truth.append(p)
    return scans, truth


FILTERS = [
    KalmanFilter(motion=ConstantVelocity(q=5.0)),
    IMMFilter(models=(ConstantVelocity(q=5.0), ConstantAcceleration(q=5.0))),
    UnscentedKalmanFilter(motion=ConstantVelocity(q=5.0)),
]


JPDA_3 = JPDA(p_detect=0.9, clutter_density=5.0 / (8e4 * 8e4 * 1e4))


@pytest.mark.parametrize(
    ("filt", "associator"),
    [
        (FILTERS[0], GNN()),
        (FILTERS[1], GNN()),
        (FILTERS[2], GNN()),
        (FILTERS[0], JPDA_3),
        (FILTERS[1], JPDA_3),
        (FILTERS[2], JPDA_3),
    ],
    ids=["kalman-gnn", "imm-gnn", "ukf-gnn", "kalman-jpda", "imm-jpda", "ukf-jpda"],
)
def test_every_filter_and_associator_tracks_three_targets(filt, associator) -> None:  # type: ignore[no-untyped-def]
    tracker = Tracker(
        filter=filt,
        gater=MahalanobisGater(max_distance=3.5),
        associator=associator,
        tentative_associator=GNN(),
        initiator=MOfNInitiator(m=3, n=4, velocity_sigma_mps=300.0),
    )
    scans, truth = _three_targets(np.random.default_rng(9), clutter=5.0)
    tables = list(tracker.run(scans))
    g = []
    for table, x in zip(tables[10:], truth[10:], strict=True):
        _, mean, _ = _confirmed(tracker, table)
        g.append(gospa(x, mean[:, :3], c=2000.0).distance)
    # With 3 targets, every one tracked within ~100 m and rare false tracks.
    assert np.median(g) < 150.0, np.round(g)


def test_same_input_same_output() -> None:
    scans, _ = _three_targets(np.random.default_rng(3), clutter=5.0)
    tracker = Tracker()
    a = list(tracker.run(scans))[-1]
    b = list(tracker.run(scans))[-1]
    np.testing.assert_array_equal(a.track_id, b.track_id)
    np.testing.assert_array_equal(a.state.x, b.state.x)  # type: ignore[attr-defined]


def test_centralised_fusion_of_two_radars_beats_one() -> None:
    # Two radars 60 km apart, range/az/el plots; sequential EKF updates of one track table.
    rng = np.random.default_rng(4)
    lat0, lon0 = math.radians(50.0), math.radians(20.0)
    rot_b = coords.enu_frame_rotation(lat0, lon0, lat0 + 0.0, lon0 + math.radians(60e3 / 4.1e6))
    radars = [
        RangeAzEl(sensor_enu_m=np.array([0.0, 0.0, 10.0])),
        RangeAzEl(sensor_enu_m=np.array([60e3, 0.0, 10.0]), rotation=rot_b),
    ]
    r = np.diag([30.0**2, 2e-3**2, 2e-3**2])
    p0, v = np.array([30e3, 60e3, 8e3]), np.array([-100.0, -200.0, 0.0])

    def run(which: list[int], filt=None) -> float:  # type: ignore[no-untyped-def]
        tracker = Tracker(
            filter=filt or KalmanFilter(),
            initiator=MOfNInitiator(m=2, n=3, velocity_sigma_mps=300.0),
        )
        table = tracker.empty()
        errs = []
        for k in range(60):
            p = p0 + v * k
            for s in which:
                z_true, _ = radars[s].predict(np.concatenate([p, v])[None])
                z = z_true + rng.standard_normal((1, 3)) * np.sqrt(np.diag(r))
                table = tracker.step(table, Scan(time_s=float(k), z=z, r=r, model=radars[s]))
            if k >= 20:
                _, mean, _ = _confirmed(tracker, table)
                assert mean.shape[0] == 1
                errs.append(np.sum((mean[0, :3] - p) ** 2))
        return float(np.sqrt(np.mean(errs)))

    one, both = run([0]), run([0, 1])
    assert both < 0.8 * one, (one, both)
    both_ukf = run([0, 1], UnscentedKalmanFilter())
    assert both_ukf < 0.8 * one, (one, both_ukf)


def test_range_az_el_inverse_is_consistent_with_prediction() -> None:
    rot = coords.enu_frame_rotation(0.9, 0.3, 0.91, 0.32)
    model = RangeAzEl(sensor_enu_m=np.array([1e4, -5e3, 50.0]), rotation=rot)
    x = np.array([[4e4, 2e4, 7e3, 0.0, 0.0, 0.0]])
    z, _ = model.predict(x)
    pos, cov = model.to_position(z, np.diag([1.0, 1e-6, 1e-6]))
    np.testing.assert_allclose(pos[0], x[0, :3], atol=1e-6)
    assert np.all(np.linalg.eigvalsh(cov[0]) > 0)


@pytest.mark.parametrize("b_range_m", [20e3, np.inf])
def test_scans_of_a_radar_that_cannot_see_the_track_are_not_misses(b_range_m: float) -> None:
    # Radar A sees the target (missing it every 4th scan); radar B, 100 km away, never
    # does. With B's coverage known, B's empty scans charge no miss and the track lives on;
    # without it, A's miss plus B's scan make 2 misses in a row and the track is dropped.
    a = RangeAzEl(sensor_enu_m=np.zeros(3))
    b = RangeAzEl(sensor_enu_m=np.array([100e3, 0.0, 0.0]), max_range_m=b_range_m)
    r = np.diag([30.0**2, 1e-3**2, 1e-3**2])
    tracker = Tracker(
        initiator=MOfNInitiator(m=2, n=3, velocity_sigma_mps=300.0),
        deleter=MissedUpdatesDeleter(max_misses=2),
    )
    table = tracker.empty()
    ids: set[int] = set()
    rng = np.random.default_rng(0)
    for k in range(40):
        p = np.array([-30e3 + 200.0 * k, 20e3, 5e3])
        z_true, _ = a.predict(np.concatenate([p, np.zeros(3)])[None])
        z = z_true + rng.standard_normal((1, 3)) * np.sqrt(np.diag(r)) if k % 4 else z_true[:0]
        table = tracker.step(table, Scan(time_s=float(k), z=z, r=r, model=a))
        table = tracker.step(table, Scan(time_s=float(k), z=np.zeros((0, 3)), r=r, model=b))
        ids |= set(table.track_id.tolist())
    if np.isfinite(b_range_m):
        assert ids == {1} and table.confirmed.all()
    else:
        assert len(ids) > 1


def test_tracks_carry_the_label_of_their_last_plot() -> None:
    # Labels ride along (never used to associate): after a clean crossing each confirmed
    # track's label is the target it follows; tracks started on clutter carry -1.
    tracker = Tracker(initiator=MOfNInitiator(m=2, n=3, velocity_sigma_mps=400.0))
    rng = np.random.default_rng(1)
    table = tracker.empty()
    for k, truth in enumerate(_crossing(60.0)):
        clutter = rng.uniform([-5e4, -5e4, 0.0], [5e4, 5e4, 1e4], (1, 3))
        z = np.vstack([truth + rng.normal(0.0, 30.0, truth.shape), clutter])
        labels = np.array([0, 1, -1], dtype=np.int64)
        scan = Scan(time_s=float(k), z=z, r=np.eye(3) * 900.0, model=CART, labels=labels)
        table = tracker.step(table, scan)
    mean, _ = tracker.filter.estimate(table.state)
    for j in np.flatnonzero(table.confirmed):
        nearest = int(np.argmin(np.linalg.norm(truth - mean[j, :3], axis=1)))
        assert table.label[j] == nearest
    assert set(table.label[table.confirmed].tolist()) == {0, 1}
    assert -1 in table.label[~table.confirmed].tolist()  # the last clutter plot's track

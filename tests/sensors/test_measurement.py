"""Radar measurement model: Pd from SNR, detection statistics, errors, clutter, frames."""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest
from scipy import stats

from shieldlab.core import coords
from shieldlab.core.radar import pd_from_snr
from shieldlab.sensors.measurement import (
    RadarMeasurementSpec,
    detection_probability,
    enu_to_ecef,
    plots_to_enu,
    scan_generator,
    simulate_scan,
    snr_db,
)

SPEC = RadarMeasurementSpec(
    snr_ref_db=13.0,
    ref_range_m=150e3,
    ref_rcs_m2=1.0,
    pfa=1e-6,
    swerling=1,
    sigma_range_m=25.0,
    sigma_azimuth_rad=math.radians(0.3),
    sigma_elevation_rad=math.radians(0.3),
    clutter_per_scan=4.0,
)


def test_snr_follows_the_fourth_power_law() -> None:
    # SNR = SNR_ref (sigma / sigma_ref) (R_ref / R)^4:
    # half the range -> +12.04 dB, ten times the RCS -> +10 dB.
    assert snr_db(SPEC, 150e3, 1.0) == pytest.approx(13.0)
    assert snr_db(SPEC, 75e3, 1.0) == pytest.approx(13.0 + 40 * math.log10(2))
    assert snr_db(SPEC, 150e3, 10.0) == pytest.approx(23.0)


def test_pd_is_the_swerling_pd_and_zero_outside_coverage() -> None:
    pos = np.array([[100e3, 0.0, 5e3], [0.0, 350e3, 5e3], [1e4, 0.0, -500.0]])
    pd = detection_probability(SPEC, pos, 1.0)
    r = np.linalg.norm(pos[0])
    assert pd[0] == pytest.approx(float(pd_from_snr(snr_db(SPEC, r, 1.0), 1e-6, 1, 1)))
    # Swerling 1, one pulse: Pd = Pfa^(1 / (1 + SNR)) (PUBLISHED_VALUES.md; Richards 2014).
    snr = 10 ** (float(snr_db(SPEC, r, 1.0)) / 10)
    assert pd[0] == pytest.approx(1e-6 ** (1 / (1 + snr)), rel=1e-9)
    assert pd[1] == 0.0 and pd[2] == 0.0  # beyond instrumented range / below the horizon


def test_detection_rate_errors_and_clutter_statistics() -> None:
    target = np.array([[60e3, 80e3, 8e3]])
    pd = float(detection_probability(SPEC, target, 1.0)[0])
    n_scans = 4000
    hits, n_fa, errs = 0, 0, []
    aer_true = coords.enu_to_aer(target)[0]
    for k in range(n_scans):
        plots = simulate_scan(SPEC, target, 1.0, scan_generator(1, 0, k))
        det = plots.z[plots.target_index == 0]
        hits += det.shape[0]
        n_fa += int(np.sum(plots.target_index < 0))
        if det.shape[0]:
            errs.append(det[0] - aer_true)
        fa = plots.z[plots.target_index < 0]
        assert np.all((fa[:, 0] >= SPEC.min_range_m) & (fa[:, 0] <= SPEC.instrumented_range_m))
    # Binomial and Poisson 4-sigma bounds.
    assert abs(hits - n_scans * pd) < 4 * math.sqrt(n_scans * pd * (1 - pd))
    assert abs(n_fa - n_scans * 4.0) < 4 * math.sqrt(n_scans * 4.0)
    e = np.array(errs)
    e[:, 1] = coords.wrap_angle_rad(e[:, 1])
    sig = np.sqrt(np.diag(SPEC.measurement_covariance()))
    # Sample std within 5% (n ~ 3000: relative std error ~1.3%).
    np.testing.assert_allclose(e.std(axis=0), sig, rtol=0.05)
    assert np.all(np.abs(e.mean(axis=0)) < 4 * sig / math.sqrt(len(e)))


def test_same_key_same_scan_whatever_the_order() -> None:
    target = np.array([[60e3, 80e3, 8e3]])
    a = [simulate_scan(SPEC, target, 1.0, scan_generator(7, 0, k)).z for k in range(5)]
    b = [simulate_scan(SPEC, target, 1.0, scan_generator(7, 0, k)).z for k in reversed(range(5))]
    for x, y in zip(a, reversed(b), strict=True):
        np.testing.assert_array_equal(x, y)


def test_radial_velocity_is_the_range_rate() -> None:
    spec = RadarMeasurementSpec(
        p_detect=1.0,
        sigma_radial_velocity_mps=1e-9,
        sigma_range_m=1e-9,
        sigma_azimuth_rad=1e-12,
        sigma_elevation_rad=1e-12,
    )
    pos, vel = np.array([[30e3, 40e3, 0.0]]), np.array([[-300.0, 0.0, 0.0]])
    plots = simulate_scan(spec, pos, 1.0, scan_generator(0, 0, 0), target_vel_enu_mps=vel)
    z = plots.z[plots.target_index == 0][0]
    assert z[0] == pytest.approx(50e3)
    assert z[3] == pytest.approx(-300.0 * 30e3 / 50e3)  # v . r_hat


def test_plots_to_enu_and_ecef_covariances() -> None:
    z = np.array([[5e4, 0.5, 0.1]])
    pos, cov = plots_to_enu(SPEC, z)
    np.testing.assert_allclose(pos[0], coords.aer_to_enu(5e4, 0.5, 0.1), atol=1e-6)
    lat, lon, alt = 51.0, 19.0, 100.0
    ecef, cov_e = enu_to_ecef(pos, cov, lat, lon, alt)
    x = pymap3d.enu2ecef(*pos[0], lat, lon, alt)
    np.testing.assert_allclose(ecef[0], x, atol=1e-6)
    # Rotation keeps the eigenvalues (error ellipsoid size) of the covariance.
    np.testing.assert_allclose(np.linalg.eigvalsh(cov_e[0]), np.linalg.eigvalsh(cov[0]), rtol=1e-9)


def test_chi2_consistency_of_converted_plots() -> None:
    # Converted plots are consistent with J R J^T: their NEES is chi-square with 3 dof.
    target = np.array([[60e3, 30e3, 6e3]])
    spec = RadarMeasurementSpec(p_detect=1.0, sigma_azimuth_rad=1e-3, sigma_elevation_rad=1e-3)
    d2 = []
    for k in range(2000):
        plots = simulate_scan(spec, target, 1.0, scan_generator(3, 0, k))
        pos, cov = plots_to_enu(spec, plots.z)
        e = pos[0] - target[0]
        d2.append(e @ np.linalg.solve(cov[0], e))
    assert stats.kstest(d2, "chi2", args=(3,)).pvalue > 0.01


def test_invalid_spec_is_refused() -> None:
    with pytest.raises(ValueError):
        RadarMeasurementSpec(pfa=0.0)
    with pytest.raises(ValueError):
        RadarMeasurementSpec(p_detect=1.5)


def test_spec_from_a_scenario_radar() -> None:
    from shieldlab.scenario.model import Radar

    radar = Radar(
        name="r", role="acquisition", snr_ref_db=13.0, ref_range_m=200e3, ref_rcs_m2=1.0,
        pfa=1e-6, swerling=1, instrumented_range_m=400e3, min_elevation_deg=0.5,
        scan_period_s=10.0, track_capacity=100,
    )  # fmt: skip
    spec = RadarMeasurementSpec.from_radar(radar, position_enu_m=(1.0, 2.0, 30.0))
    assert spec.instrumented_range_m == 400e3 and spec.scan_period_s == 10.0
    assert spec.min_elevation_rad == pytest.approx(math.radians(0.5))
    assert snr_db(spec, 200e3, 1.0) == pytest.approx(13.0)


def test_given_pd_and_detection_uniforms_decide_the_detections() -> None:
    spec = RadarMeasurementSpec(clutter_per_scan=0.0)
    pos = np.array([[5e4, 0.0, 5e3], [0.0, 6e4, 5e3], [3e4, 3e4, 5e3]])
    plots = simulate_scan(
        spec, pos, 1.0, scan_generator(0, 0, 0),
        p_detect=[0.5, 0.5, 0.0], detect_uniforms=[0.4, 0.6, 0.0],
    )  # fmt: skip
    assert plots.target_index.tolist() == [0]

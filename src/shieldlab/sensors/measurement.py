"""Measurement-level radar model: per-scan plots with misses, errors and false alarms.

Per scan, each target inside the radar's coverage is detected with probability

    Pd = pd_from_snr(SNR, Pfa, N, Swerling),
    SNR = SNR_ref (sigma / sigma_ref) (R_ref / R)^4    (reference-range form of the radar
    equation, e.g. Richards, *Fundamentals of Radar Signal Processing*, 2nd ed. 2014, eq. 2.17),

with the exact detection probabilities of :func:`shieldlab.core.radar.pd_from_snr`
(Marcum Q / Swerling closed forms), or a fixed ``p_detect`` when one is given. A detection
reports range, azimuth, elevation (and optionally radial velocity) with independent
Gaussian errors. False alarms: a Poisson number per scan with mean ``clutter_per_scan``
(or Pfa times the number of resolution cells), spread uniformly over the coverage in
(range, azimuth, elevation), as a cell-averaging detector's false alarms are spread over
its cells (Richards 2014, sec. 6.5).

Plots convert to ENU with the first-order covariance J R J^T and on to ECEF by rotation
(:mod:`shieldlab.core.coords`, positions through pymap3d).

Randomness comes only from the ``numpy.random.Generator`` passed in; :func:`scan_generator`
keys one per (seed, sensor, scan), so results do not depend on the order scans are drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core import coords
from shieldlab.core.radar import pd_from_snr
from shieldlab.scenario.model import Radar

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, kw_only=True)
class RadarMeasurementSpec:
    """One radar's detection performance, coverage and measurement errors (SI, radians)."""

    sensor_id: int = 0
    position_enu_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    snr_ref_db: float = 20.0
    ref_range_m: float = 100_000.0
    ref_rcs_m2: float = 1.0
    pfa: float = 1e-6
    swerling: int = 1
    n_pulses: int = 1
    p_detect: float | None = None  # fixed Pd; overrides the SNR model when set
    min_range_m: float = 1_000.0
    instrumented_range_m: float = 300_000.0
    min_elevation_rad: float = 0.0
    max_elevation_rad: float = math.radians(80.0)
    sigma_range_m: float = 30.0
    sigma_azimuth_rad: float = math.radians(0.2)
    sigma_elevation_rad: float = math.radians(0.2)
    sigma_radial_velocity_mps: float | None = None
    clutter_per_scan: float | None = None
    n_resolution_cells: float | None = None
    scan_period_s: float = 1.0
    # Rotation from the common ENU frame into the radar's own ENU frame (None = same frame);
    # see shieldlab.core.coords.enu_frame_rotation.
    frame_rotation: FloatArray | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.pfa < 1.0:
            raise ValueError(f"pfa must be in (0, 1), not {self.pfa}")
        if self.p_detect is not None and not 0.0 <= self.p_detect <= 1.0:
            raise ValueError(f"p_detect must be in [0, 1], not {self.p_detect}")
        if not 0.0 <= self.min_range_m < self.instrumented_range_m:
            raise ValueError("need 0 <= min_range_m < instrumented_range_m")
        if not self.min_elevation_rad < self.max_elevation_rad:
            raise ValueError("need min_elevation_rad < max_elevation_rad")
        if min(self.sigma_range_m, self.sigma_azimuth_rad, self.sigma_elevation_rad) <= 0.0:
            raise ValueError("measurement standard deviations must be positive")

    @property
    def measures_radial_velocity(self) -> bool:
        return self.sigma_radial_velocity_mps is not None

    @property
    def position(self) -> FloatArray:
        return np.asarray(self.position_enu_m, dtype=float)

    @classmethod
    def from_radar(
        cls,
        radar: Radar,
        *,
        position_enu_m: tuple[float, float, float],
        frame_rotation: FloatArray | None = None,
        sensor_id: int = 0,
        sigma_range_m: float = 30.0,
        sigma_azimuth_rad: float = math.radians(0.2),
        sigma_elevation_rad: float = math.radians(0.2),
        n_resolution_cells: float | None = None,
        clutter_per_scan: float | None = None,
    ) -> RadarMeasurementSpec:
        """The measurement model of a scenario radar: detection, coverage and scan period
        from the scenario; the errors and false-alarm count are the arguments (defaults:
        30 m, 0.2 degrees) -- the engine passes the radar's own ``sigma_*`` /
        ``clutter_per_scan`` fields, resolved by ``engine.measured.radar_errors``."""
        return cls(
            sensor_id=sensor_id,
            position_enu_m=position_enu_m,
            frame_rotation=frame_rotation,
            snr_ref_db=radar.snr_ref_db,
            ref_range_m=radar.ref_range_m,
            ref_rcs_m2=radar.ref_rcs_m2,
            pfa=radar.pfa,
            swerling=radar.swerling,
            instrumented_range_m=radar.instrumented_range_m,
            min_elevation_rad=radar.min_elevation_rad,
            scan_period_s=radar.scan_period_s,
            sigma_range_m=sigma_range_m,
            sigma_azimuth_rad=sigma_azimuth_rad,
            sigma_elevation_rad=sigma_elevation_rad,
            n_resolution_cells=n_resolution_cells,
            clutter_per_scan=clutter_per_scan,
        )

    def to_local(self, v: FloatArray) -> FloatArray:
        """Vectors (n, 3) of the common ENU frame expressed in the radar's own frame."""
        return v if self.frame_rotation is None else v @ np.asarray(self.frame_rotation).T

    def measurement_covariance(self) -> FloatArray:
        """R = diag(sigma_r^2, sigma_az^2, sigma_el^2[, sigma_rdot^2])."""
        sig = [self.sigma_range_m, self.sigma_azimuth_rad, self.sigma_elevation_rad]
        if self.sigma_radial_velocity_mps is not None:
            sig.append(self.sigma_radial_velocity_mps)
        return np.diag(np.square(sig))

    def expected_false_alarms(self) -> float:
        """Mean false plots per scan: ``clutter_per_scan``, else Pfa x resolution cells."""
        if self.clutter_per_scan is not None:
            return float(self.clutter_per_scan)
        if self.n_resolution_cells is not None:
            return float(self.pfa * self.n_resolution_cells)
        return 0.0

    def coverage_volume(self) -> float:
        """Coverage in measurement space, metres x radian^2 (range x azimuth x elevation)."""
        return (
            (self.instrumented_range_m - self.min_range_m)
            * 2.0
            * math.pi
            * (self.max_elevation_rad - self.min_elevation_rad)
        )

    def clutter_density(self) -> float:
        """False plots per unit measurement volume (per m rad^2) for JPDA."""
        return self.expected_false_alarms() / self.coverage_volume()


def snr_db(spec: RadarMeasurementSpec, range_m: ArrayLike, rcs_m2: ArrayLike) -> FloatArray:
    """SNR_dB = SNR_ref + 10 log10(sigma / sigma_ref) + 40 log10(R_ref / R)."""
    r = np.maximum(np.asarray(range_m, dtype=float), 1e-9)
    rcs = np.asarray(rcs_m2, dtype=float)
    return np.asarray(
        spec.snr_ref_db
        + 10.0 * np.log10(rcs / spec.ref_rcs_m2)
        + 40.0 * np.log10(spec.ref_range_m / r)
    )


def in_coverage(spec: RadarMeasurementSpec, aer: FloatArray) -> NDArray[np.bool_]:
    """Inside [min, instrumented] range and [min, max] elevation (all azimuths)."""
    return np.asarray(
        (aer[..., 0] >= spec.min_range_m)
        & (aer[..., 0] <= spec.instrumented_range_m)
        & (aer[..., 2] >= spec.min_elevation_rad)
        & (aer[..., 2] <= spec.max_elevation_rad)
    )


def detection_probability(
    spec: RadarMeasurementSpec, target_enu_m: ArrayLike, rcs_m2: ArrayLike
) -> FloatArray:
    """Per-scan Pd of targets at ENU positions (n, 3); zero outside coverage."""
    pos = np.atleast_2d(np.asarray(target_enu_m, dtype=float))
    aer = coords.enu_to_aer(spec.to_local(pos - spec.position))
    inside = in_coverage(spec, aer)
    if spec.p_detect is not None:
        pd = np.full(pos.shape[0], spec.p_detect)
    else:
        pd = np.asarray(
            pd_from_snr(snr_db(spec, aer[:, 0], rcs_m2), spec.pfa, spec.n_pulses, spec.swerling)
        )
        pd = np.broadcast_to(pd, (pos.shape[0],))
    return np.where(inside, pd, 0.0)


@dataclass(frozen=True, kw_only=True)
class RadarPlots:
    """Plots of one scan in radar coordinates (range m, azimuth rad, elevation rad[, m/s]).

    ``target_index[k]`` is the truth row that made plot k, or -1 for a false alarm.
    """

    time_s: float
    sensor_id: int
    z: FloatArray
    target_index: IntArray
    r: FloatArray = field(repr=False)

    def __len__(self) -> int:
        return int(self.z.shape[0])


def scan_generator(seed: int, sensor_id: int, scan_index: int) -> np.random.Generator:
    """A generator keyed by (seed, sensor, scan): the same draws whatever the run order."""
    return np.random.Generator(
        np.random.Philox(np.random.SeedSequence([seed, sensor_id, scan_index]))
    )


def simulate_scan(
    spec: RadarMeasurementSpec,
    target_enu_m: ArrayLike,
    rcs_m2: ArrayLike,
    rng: np.random.Generator,
    *,
    time_s: float = 0.0,
    target_vel_enu_mps: ArrayLike | None = None,
    p_detect: ArrayLike | None = None,
    detect_uniforms: ArrayLike | None = None,
) -> RadarPlots:
    """One scan: detections of the targets (Pd from SNR) plus Poisson false alarms.

    A caller that already knows each target's Pd this scan (an engine with its own
    visibility and detection tables) passes it as ``p_detect`` (n,); one that draws its
    detection decisions from its own keyed stream passes those uniforms as
    ``detect_uniforms`` (n,) -- target k is detected when u_k < Pd_k -- so that two
    fidelities of a simulation see the same detections (common random numbers).
    """
    pos = np.asarray(target_enu_m, dtype=float).reshape(-1, 3)
    n = pos.shape[0]
    rel = spec.to_local(pos - spec.position)
    aer = coords.enu_to_aer(rel)
    if p_detect is None:
        pd = detection_probability(spec, pos, rcs_m2)
    else:
        pd = np.broadcast_to(np.asarray(p_detect, dtype=float), (n,))
    u = rng.random(n) if detect_uniforms is None else np.asarray(detect_uniforms, dtype=float)
    detected = np.flatnonzero(u < pd)
    dim = 4 if spec.measures_radial_velocity else 3
    sig = np.sqrt(np.diag(spec.measurement_covariance()))
    z_true = np.empty((detected.size, dim))
    z_true[:, :3] = aer[detected]
    if spec.measures_radial_velocity:
        if target_vel_enu_mps is None:
            raise ValueError("this radar measures radial velocity: give target velocities")
        vel = spec.to_local(np.asarray(target_vel_enu_mps, dtype=float).reshape(-1, 3)[detected])
        z_true[:, 3] = np.sum(rel[detected] * vel, axis=1) / aer[detected, 0]
    z_det = z_true + rng.standard_normal((detected.size, dim)) * sig
    z_det[:, 1] = np.mod(z_det[:, 1], 2.0 * math.pi)

    n_fa = int(rng.poisson(spec.expected_false_alarms()))
    clutter = np.empty((n_fa, dim))
    clutter[:, 0] = rng.uniform(spec.min_range_m, spec.instrumented_range_m, n_fa)
    clutter[:, 1] = rng.uniform(0.0, 2.0 * math.pi, n_fa)
    clutter[:, 2] = rng.uniform(spec.min_elevation_rad, spec.max_elevation_rad, n_fa)
    if spec.measures_radial_velocity:
        # False alarms fall in any Doppler bin: spread over +-1 km/s.
        clutter[:, 3] = rng.uniform(-1000.0, 1000.0, n_fa)
    z = np.vstack([z_det, clutter])
    idx = np.concatenate([detected.astype(np.int64), np.full(n_fa, -1, dtype=np.int64)])
    # Plots arrive in no particular order: shuffle so that no tracker can lean on it.
    order = rng.permutation(z.shape[0])
    return RadarPlots(
        time_s=time_s,
        sensor_id=spec.sensor_id,
        z=z[order],
        target_index=idx[order],
        r=spec.measurement_covariance(),
    )


def plots_to_enu(spec: RadarMeasurementSpec, z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """ENU positions (k, 3) of plots and their first-order covariances J R J^T (k, 3, 3)."""
    local = coords.aer_to_enu(z[:, 0], z[:, 1], z[:, 2])
    cov = coords.aer_cov_to_enu(z[:, 0], z[:, 1], z[:, 2], spec.measurement_covariance()[:3, :3])
    if spec.frame_rotation is not None:
        rot = np.asarray(spec.frame_rotation)
        local = local @ rot
        cov = rot.T @ cov @ rot
    return local + spec.position, cov


def enu_to_ecef(
    pos_enu_m: FloatArray,
    cov_enu: FloatArray,
    lat0_deg: float,
    lon0_deg: float,
    alt0_m: float = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """ECEF positions (pymap3d, WGS84) and covariances R P R^T of ENU points about an origin."""
    import pymap3d

    x, y, zz = pymap3d.enu2ecef(
        pos_enu_m[:, 0], pos_enu_m[:, 1], pos_enu_m[:, 2], lat0_deg, lon0_deg, alt0_m
    )
    ecef = np.column_stack([np.asarray(x), np.asarray(y), np.asarray(zz)])
    cov = coords.enu_cov_to_ecef(cov_enu, math.radians(lat0_deg), math.radians(lon0_deg))
    return ecef, cov

"""Motion and measurement models for the tracking filters.

Motion: constant velocity (white-noise acceleration) and constant acceleration (white-noise
jerk) in 3-D, continuous or piecewise-constant noise (Bar-Shalom, Li & Kirubarajan 2001,
sec. 6.2-6.3). Both can live in a larger state (an IMM's common 9-D state): a lower-order
model then holds the higher derivatives at zero.

Measurement: Cartesian position (linear), and range/azimuth/elevation (+ radial velocity)
from a radar at a known ENU position (nonlinear; Jacobian in :mod:`shieldlab.core.coords`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from shieldlab.core import coords, kalman
from shieldlab.tracking.base import BoolArray, FloatArray, MeasurementModel, MotionModel


def _distinct(dt_s: FloatArray) -> tuple[FloatArray, int]:
    """All tracks usually share one time step: build F and Q once, not once per track
    (the result then has a leading dimension of 1 and broadcasts over the tracks)."""
    dt = np.asarray(dt_s, dtype=float).reshape(-1)
    if dt.size > 1 and np.all(dt == dt[0]):
        return dt[:1], dt.size
    return dt, 0


def _spread(f: FloatArray, q: FloatArray, n: int) -> tuple[FloatArray, FloatArray]:
    # One shared (1, d, d) pair broadcasts over the tracks in the batched matmuls; no copies.
    return f, q


# (time step, state dimension, F, Q) of the last step every track shared.
_Shared = tuple[float, int, FloatArray, FloatArray]


def _recall(
    last: list[_Shared | None], dt: FloatArray, state_dim: int
) -> tuple[FloatArray, FloatArray] | None:
    """F and Q kept from the previous call when all tracks share that same step again.

    Scans come at a fixed period, so the pair is almost always the same; building it
    costs ~60 us, about a tenth of a 10-target scan (measured). One entry per model,
    replaced whole, so a concurrent reader never sees half of one.
    """
    entry = last[0]
    if entry is None or dt.shape[0] != 1 or entry[1] != state_dim or entry[0] != dt[0]:
        return None
    return entry[2], entry[3]


def _keep(
    last: list[_Shared | None], dt: FloatArray, state_dim: int, fq: tuple[FloatArray, FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """Remember a shared step's F and Q (read-only: callers get the same arrays again)."""
    if dt.shape[0] == 1:
        for a in fq:
            a.setflags(write=False)
        last[0] = (float(dt[0]), state_dim, fq[0], fq[1])
    return fq


def _embed(f: FloatArray, q: FloatArray, state_dim: int) -> tuple[FloatArray, FloatArray]:
    n, d, _ = f.shape
    if state_dim == d:
        return f, q
    if state_dim < d:
        raise ValueError(f"state dimension {state_dim} too small for a {d}-D motion model")
    f_big = np.zeros((n, state_dim, state_dim))
    q_big = np.zeros((n, state_dim, state_dim))
    f_big[:, :d, :d] = f
    q_big[:, :d, :d] = q
    return f_big, q_big


@dataclass(frozen=True, kw_only=True)
class ConstantVelocity(MotionModel):
    """Nearly constant velocity.

    ``noise="continuous"``: white acceleration of spectral density ``q`` (m^2/s^3), the model
    of Stone Soup's ``ConstantVelocity(noise_diff_coeff=q)``; ``noise="discrete"``: piecewise
    constant acceleration with variance ``q`` (m^2/s^4) per step.
    """

    q: float
    noise: Literal["continuous", "discrete"] = "continuous"
    _last: list[_Shared | None] = field(
        default_factory=lambda: [None], init=False, repr=False, compare=False
    )

    def matrices(self, dt_s: FloatArray, state_dim: int = 6) -> tuple[FloatArray, FloatArray]:
        dt, n = _distinct(dt_s)
        if (hit := _recall(self._last, dt, state_dim)) is not None:
            return hit
        f = kalman.kinematic_transition(dt, 2)
        if self.noise == "continuous":
            q = kalman.continuous_white_noise(dt, 2, self.q)
        else:
            q = kalman.discrete_white_noise(dt, 2, self.q)
        return _keep(self._last, dt, state_dim, _embed(*_spread(f, q, n), state_dim))


@dataclass(frozen=True, kw_only=True)
class ConstantAcceleration(MotionModel):
    """Nearly constant acceleration: white jerk of spectral density ``q`` (m^2/s^5)."""

    q: float
    _last: list[_Shared | None] = field(
        default_factory=lambda: [None], init=False, repr=False, compare=False
    )

    def matrices(self, dt_s: FloatArray, state_dim: int = 9) -> tuple[FloatArray, FloatArray]:
        dt, n = _distinct(dt_s)
        if (hit := _recall(self._last, dt, state_dim)) is not None:
            return hit
        f = kalman.kinematic_transition(dt, 3)
        q = kalman.continuous_white_noise(dt, 3, self.q)
        return _keep(self._last, dt, state_dim, _embed(*_spread(f, q, n), state_dim))


@dataclass(frozen=True, kw_only=True)
class Ballistic(MotionModel):
    """Unpowered flight in a flat-Earth local frame: constant velocity plus gravity.

    x_k+1 = F x_k + u with per-axis CV F and u = [0, 0, -g T^2/2, 0, 0, -g T] (up axis),
    white acceleration of density ``q`` (m^2/s^3) for drag and the curvature the flat frame
    ignores (the "constant-gravity" ballistic model of Li & Jilkov, *Survey of Maneuvering
    Target Tracking, Part II: Motion Models of Ballistic and Space Targets*, IEEE TAES 46(1),
    2010, sec. III). In a 9-D state the acceleration components are pinned to (0, 0, -g).
    """

    q: float
    g_mps2: float = 9.80665

    def matrices(self, dt_s: FloatArray, state_dim: int = 6) -> tuple[FloatArray, FloatArray]:
        return ConstantVelocity(q=self.q).matrices(dt_s, state_dim)

    def drift(self, dt_s: FloatArray, state_dim: int = 6) -> FloatArray:
        dt = np.asarray(dt_s, dtype=float).reshape(-1)
        u = np.zeros((dt.size, state_dim))
        u[:, 2] = -0.5 * self.g_mps2 * dt**2
        u[:, 5] = -self.g_mps2 * dt
        if state_dim >= 9:
            u[:, 8] = -self.g_mps2
        return u


@dataclass(frozen=True, kw_only=True)
class CartesianPosition(MeasurementModel):
    """z = [x, y, z] in the tracker's ENU frame: H = [I 0]."""

    @property
    def dim(self) -> int:
        return 3

    def predict(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        n, dx = x.shape
        h = np.zeros((n, 3, dx))
        h[:, 0, 0] = h[:, 1, 1] = h[:, 2, 2] = 1.0
        return x[:, :3], h

    def to_position(self, z: FloatArray, r: FloatArray) -> tuple[FloatArray, FloatArray]:
        cov = np.broadcast_to(r, (z.shape[0], 3, 3)) if r.ndim == 2 else r
        return np.asarray(z[:, :3], dtype=float), np.array(cov, dtype=float)


@dataclass(frozen=True, kw_only=True)
class RangeAzEl(MeasurementModel):
    """z = [range, azimuth, elevation(, radial velocity)] from a radar at ``sensor_enu_m``.

    Azimuth clockwise from north, elevation above the horizontal, radians; radial velocity
    positive when opening. The filter linearises at the predicted state (EKF).
    ``rotation`` (3, 3) takes vectors from the tracker's ENU frame into the radar's own ENU
    frame (:func:`shieldlab.core.coords.enu_frame_rotation`); None = the same frame.
    ``max_range_m`` / ``min_elevation_rad`` bound the coverage (tracks outside are not
    charged a miss by this radar's scans).
    """

    sensor_enu_m: FloatArray = field(default_factory=lambda: np.zeros(3))
    radial_velocity: bool = False
    rotation: FloatArray | None = None
    max_range_m: float = np.inf
    min_elevation_rad: float = -np.pi / 2

    @property
    def bounded(self) -> bool:
        return bool(np.isfinite(self.max_range_m) or self.min_elevation_rad > -np.pi / 2)

    def covers(self, position_m: FloatArray) -> BoolArray:
        aer = coords.enu_to_aer(self._local(position_m - np.asarray(self.sensor_enu_m)))
        return np.asarray((aer[:, 0] <= self.max_range_m) & (aer[:, 2] >= self.min_elevation_rad))

    def _local(self, v: FloatArray) -> FloatArray:
        return v if self.rotation is None else v @ np.asarray(self.rotation).T

    @property
    def dim(self) -> int:
        return 4 if self.radial_velocity else 3

    def predict(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        n, dx = x.shape
        rel = self._local(x[:, :3] - np.asarray(self.sensor_enu_m, dtype=float))
        aer = coords.enu_to_aer(rel)
        h = np.zeros((n, self.dim, dx))
        if self.radial_velocity:
            vel = self._local(x[:, 3:6])
            jac = coords.aer_measurement_jacobian(rel, vel)
            if self.rotation is not None:
                rot = np.asarray(self.rotation)
                jac[:, :, :3] = jac[:, :, :3] @ rot
                jac[:, :, 3:6] = jac[:, :, 3:6] @ rot
            h[:, :, :6] = jac
            rdot = np.sum(rel * vel, axis=1) / aer[:, 0]
            return np.column_stack([aer, rdot]), h
        jac = coords.aer_measurement_jacobian(rel)
        h[:, :, :3] = jac if self.rotation is None else jac @ np.asarray(self.rotation)
        return aer, h

    def residual(self, z: FloatArray, z_hat: FloatArray) -> FloatArray:
        nu = np.array(z - z_hat, dtype=float)
        nu[..., 1] = coords.wrap_angle_rad(nu[..., 1])
        return nu

    def to_position(self, z: FloatArray, r: FloatArray) -> tuple[FloatArray, FloatArray]:
        local = coords.aer_to_enu(z[:, 0], z[:, 1], z[:, 2])
        r3 = r[:3, :3] if r.ndim == 2 else r[:, :3, :3]
        cov = coords.aer_cov_to_enu(z[:, 0], z[:, 1], z[:, 2], r3)
        if self.rotation is not None:
            rot = np.asarray(self.rotation)  # local = rot @ tracker  =>  tracker = rot^T local
            local = local @ rot
            cov = rot.T @ cov @ rot
        return local + np.asarray(self.sensor_enu_m), cov

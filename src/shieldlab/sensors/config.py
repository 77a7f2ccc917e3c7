"""Sensor files: where each radar stands and how accurate its plots are.

A small YAML file (read with :mod:`shieldlab.scenario.yamlio`, so every error names file,
line and field)::

    origin: {lat_deg: 52.0, lon_deg: 20.0, alt_m: 0}   # optional: needed for geodetic positions
    sensors:
      - id: R1
        position_enu_m: [0, 0, 10]          # in the tracker's ENU frame, or:
        # position: {lat_deg: 52.1, lon_deg: 20.3, alt_m: 120}
        sigma_range_m: 30
        sigma_azimuth_deg: 0.2
        sigma_elevation_deg: 0.2
        sigma_radial_velocity_mps: 2        # optional: plots carry radial_velocity_mps
        sigma_position_m: 50                # optional: per-axis error of Cartesian plots
        max_range_m: 250000                 # optional coverage: tracks outside are not
        min_elevation_deg: 0                #   charged a miss by this radar's scans

The errors are capped as a scenario's radars are (``sigma_range_m`` and
``sigma_position_m`` <= 10 km, angles <= 10°, ``sigma_radial_velocity_mps`` <= 1 km/s;
:data:`shieldlab.scenario.model.MAX_SIGMA_RANGE_M` and beside it say why).

A radar given by geodetic position measures azimuth and elevation in its *own* ENU frame;
the rotation from the tracker's frame is computed (:func:`shieldlab.core.coords.
enu_frame_rotation`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shieldlab.core import coords
from shieldlab.core.geodesy import geodetic_to_enu
from shieldlab.errors import InputError
from shieldlab.scenario.loader import expect_kind
from shieldlab.scenario.model import (
    MAX_SIGMA_POSITION_M,
    MAX_SIGMA_RADIAL_VELOCITY_MPS,
    AngleSigma,
    RangeSigma,
)
from shieldlab.scenario.yamlio import PathValueError, load_yaml, validate

PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
# Caps shared with the scenario's radars (see shieldlab.scenario.model.MAX_SIGMA_RANGE_M).
PositionSigma = Annotated[float, Field(gt=0.0, le=MAX_SIGMA_POSITION_M, allow_inf_nan=False)]
VelocitySigma = Annotated[
    float, Field(gt=0.0, le=MAX_SIGMA_RADIAL_VELOCITY_MPS, allow_inf_nan=False)
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class GeoPosition(_Model):
    lat_deg: Annotated[float, Field(ge=-90.0, le=90.0)]
    lon_deg: Annotated[float, Field(ge=-180.0, le=180.0)]
    alt_m: Annotated[float, Field(ge=-500.0, le=100_000.0, allow_inf_nan=False)] = 0.0


class SensorEntry(_Model):
    """One radar of a sensor file (see the module docstring)."""

    id: Annotated[str, Field(min_length=1)]
    position_enu_m: tuple[float, float, float] | None = None
    position: GeoPosition | None = None
    sigma_range_m: RangeSigma = 30.0
    sigma_azimuth_deg: AngleSigma = 0.2
    sigma_elevation_deg: AngleSigma = 0.2
    sigma_radial_velocity_mps: VelocitySigma | None = None
    sigma_position_m: PositionSigma | None = None
    max_range_m: PositiveFloat | None = None
    min_elevation_deg: Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _one_position(self) -> SensorEntry:
        if (self.position_enu_m is None) == (self.position is None):
            raise PathValueError(
                "give exactly one of position_enu_m and position", path=("position_enu_m",)
            )
        if self.position_enu_m is not None and not all(
            math.isfinite(v) for v in self.position_enu_m
        ):
            raise PathValueError("position must be finite", path=("position_enu_m",))
        return self


class SensorFile(_Model):
    """The whole sensor file."""

    origin: GeoPosition | None = None
    sensors: Annotated[list[SensorEntry], Field(min_length=1)]

    @model_validator(mode="after")
    def _checks(self) -> SensorFile:
        seen: dict[str, int] = {}
        for i, s in enumerate(self.sensors):
            if s.id in seen:
                raise PathValueError(
                    f"duplicate sensor id '{s.id}' (also sensors.{seen[s.id]})",
                    path=("sensors", i, "id"),
                )
            seen[s.id] = i
            if s.position is not None and self.origin is None:
                raise PathValueError(
                    "a geodetic sensor position needs an 'origin' for the ENU frame",
                    path=("sensors", i, "position"),
                )
        return self


class SensorGeometry(BaseModel):
    """A sensor resolved into the tracker's ENU frame."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    entry: SensorEntry
    position_enu_m: tuple[float, float, float]
    rotation: tuple[tuple[float, float, float], ...] | None = None

    def rotation_matrix(self) -> np.ndarray | None:
        return None if self.rotation is None else np.asarray(self.rotation, dtype=float)

    def polar_covariance(self) -> np.ndarray:
        """R in (range m, azimuth rad, elevation rad[, radial velocity m/s])."""
        e = self.entry
        sig = [
            e.sigma_range_m,
            math.radians(e.sigma_azimuth_deg),
            math.radians(e.sigma_elevation_deg),
        ]
        if e.sigma_radial_velocity_mps is not None:
            sig.append(e.sigma_radial_velocity_mps)
        return np.diag(np.square(sig))


def load_sensor_file(path: str | Path) -> dict[str, SensorGeometry]:
    """Read a sensor file; sensors keyed by id, positions in the tracker's ENU frame."""
    data, lines = load_yaml(path, max_bytes=1 << 20)
    expect_kind(data, "sensors", lines, str(path))
    parsed = validate(SensorFile, data, lines, str(path))
    out: dict[str, SensorGeometry] = {}
    for s in parsed.sensors:
        if s.position_enu_m is not None:
            out[s.id] = SensorGeometry(entry=s, position_enu_m=s.position_enu_m)
            continue
        assert s.position is not None and parsed.origin is not None
        o = parsed.origin
        e, n, u = geodetic_to_enu(
            s.position.lat_deg, s.position.lon_deg, s.position.alt_m, o.lat_deg, o.lon_deg, o.alt_m
        )
        rot = coords.enu_frame_rotation(
            math.radians(o.lat_deg),
            math.radians(o.lon_deg),
            math.radians(s.position.lat_deg),
            math.radians(s.position.lon_deg),
        )
        out[s.id] = SensorGeometry(
            entry=s,
            position_enu_m=(float(e), float(n), float(u)),
            rotation=tuple(tuple(float(v) for v in row) for row in rot),
        )
    if not out:
        raise InputError("no sensors", file=str(path), field="sensors")
    return out

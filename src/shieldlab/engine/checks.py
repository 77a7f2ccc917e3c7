"""Plausibility warnings on a valid scenario: what ``shieldlab validate`` warns about.

A scenario can be valid -- every field in range -- and still not be the raid its author
meant. A sign typo in a launch latitude moves a wave thousands of kilometres, and its
threats then arrive hours after the rest of the raid, fly farther than their type can, or
never come into any radar's coverage. Each check below computes the same trajectories the
engine flies (``core.kinematics``, launch points as in :mod:`shieldlab.engine.compiled`)
and returns :class:`ScenarioWarning` s naming file, line and field, like an
:class:`~shieldlab.errors.InputError`, but the scenario still runs.

- **Arrival spread**: a wave whose arrivals (launch time + flight time) are all more than
  :data:`ARRIVAL_GAP_WARN_S` away from every other wave's arrivals. Waves in two groups an
  hour apart (a second strike) are not flagged: only a wave alone in time is.
- **Unreachable aimpoint**: the ground distance from a launch point through the wave's
  waypoints to an aimpoint exceeds the threat type's ``max_range_m`` (when it has one).
- **No radar coverage**: a threat whose trajectory never enters any radar's coverage --
  inside its instrumented range, above its minimum elevation and above the 4/3-Earth
  horizon (``core.sensing.visible``), sampled every :data:`COVERAGE_DT_S` -- so no radar
  can ever detect it (detection probability also needs the radar equation; this is the
  geometric bound).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from shieldlab.core.ballistic import EARTH_RADIUS_M
from shieldlab.core.kinematics import (
    LocalFrame,
    Track,
    central_angle_rad,
)
from shieldlab.core.sensing import apparent_elevation_rad, visible
from shieldlab.engine.compiled import _offset_lat_lon, launch_point_offsets, wave_threat_track
from shieldlab.engine.routing import wave_route
from shieldlab.errors import Location
from shieldlab.scenario.model import Scenario, Wave

__all__ = [
    "ARRIVAL_GAP_WARN_S",
    "COVERAGE_DT_S",
    "ScenarioWarning",
    "scenario_warnings",
]

log = logging.getLogger(__name__)

#: A wave whose arrivals are all farther than this from every other wave's is flagged (s).
ARRIVAL_GAP_WARN_S = 1800.0
#: Trajectory sampling of the coverage check (s).
COVERAGE_DT_S = 2.0


@dataclass(frozen=True, kw_only=True)
class ScenarioWarning:
    """One plausibility warning: what, and where in the file (as an InputError says it)."""

    kind: str  # "arrival-spread" | "unreachable-aimpoint" | "no-radar-coverage"
    message: str
    file: str | None
    line: int | None
    field: str

    def __str__(self) -> str:
        where = str(Location(file=self.file, line=self.line, field=self.field))
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "field": self.field,
        }


def _wave_label(i: int, wave: Wave) -> str:
    return f"wave '{wave.name}'" if wave.name else f"wave {i}"


def _warning(sc: Scenario, kind: str, message: str, *path: str | int) -> ScenarioWarning:
    file, line = sc.source_of(*path)
    return ScenarioWarning(
        kind=kind, message=message, file=file, line=line, field=".".join(map(str, path))
    )


def _fmt_s(t: float) -> str:
    return f"{t / 3600.0:.1f} h" if abs(t) >= 5400.0 else f"{t / 60.0:.0f} min"


@dataclass(frozen=True)
class _WaveTracks:
    launch_lat: np.ndarray
    launch_lon: np.ndarray
    tracks: list[Track]
    launch_s: tuple[float, ...]


def _wave_tracks(sc: Scenario, wave: Wave) -> _WaveTracks:
    tt = sc.threat_types[sc.threat_type_index(wave.threat)]
    de, dn = launch_point_offsets(wave.count, wave.launch_area.radius_m, wave.pattern_count)
    lats, lons = _offset_lat_lon(
        math.radians(wave.launch_area.lat_deg), math.radians(wave.launch_area.lon_deg), de, dn
    )
    tracks = []
    for k in range(wave.count):
        ap = sc.assets[sc.asset_index(wave.aimpoints[k % len(wave.aimpoints)])].position
        route_lat, route_lon = wave_route(sc, wave, ap)
        tr = wave_threat_track(
            tt, float(lats[k]), float(lons[k]), route_lat, route_lon, ap, COVERAGE_DT_S, wave
        )
        tracks.append(tr)
    return _WaveTracks(
        launch_lat=np.asarray(lats),
        launch_lon=np.asarray(lons),
        tracks=tracks,
        launch_s=wave.launch_times_s(),
    )


def _arrival_warnings(sc: Scenario, waves: list[_WaveTracks]) -> list[ScenarioWarning]:
    if len(waves) < 2:
        return []
    windows = []
    for wt in waves:
        arr = np.asarray(
            [t0 + tr.flight_time_s for t0, tr in zip(wt.launch_s, wt.tracks, strict=True)]
        )
        windows.append((float(arr.min()), float(arr.max())))
    out = []
    for i, (lo, hi) in enumerate(windows):
        others = [w for j, w in enumerate(windows) if j != i]
        gap = min(max(o_lo - hi, lo - o_hi, 0.0) for o_lo, o_hi in others)
        if gap <= ARRIVAL_GAP_WARN_S:
            continue
        o_lo = min(w[0] for w in others)
        o_hi = max(w[1] for w in others)
        rel = "after" if lo > o_hi else "before"
        wave = sc.raid.waves[i]
        out.append(
            _warning(
                sc,
                "arrival-spread",
                f"{_wave_label(i, wave)} arrives {_fmt_s(gap)} {rel} every other wave "
                f"(its threats at {lo:,.0f}-{hi:,.0f} s, the others' at {o_lo:,.0f}-"
                f"{o_hi:,.0f} s): check its launch_area and start_s",
                "raid",
                "waves",
                i,
                "launch_area",
            )
        )
    return out


def _range_warnings(sc: Scenario) -> list[ScenarioWarning]:
    out = []
    for i, wave in enumerate(sc.raid.waves):
        tt = sc.threat_types[sc.threat_type_index(wave.threat)]
        if tt.max_range_m is None:
            continue
        lat0 = math.radians(wave.launch_area.lat_deg)
        lon0 = math.radians(wave.launch_area.lon_deg)
        route = [(math.radians(p.lat_deg), math.radians(p.lon_deg)) for p in wave.waypoints]
        for j, name in enumerate(wave.aimpoints):
            ap = sc.assets[sc.asset_index(name)].position
            pts = [(lat0, lon0), *route, (math.radians(ap.lat_deg), math.radians(ap.lon_deg))]
            lat = np.asarray([p[0] for p in pts])
            lon = np.asarray([p[1] for p in pts])
            dist = float(np.sum(central_angle_rad(lat[:-1], lon[:-1], lat[1:], lon[1:])))
            # Launch points lie anywhere in the launch area: its radius is given the benefit.
            dist = dist * EARTH_RADIUS_M - wave.launch_area.radius_m
            if dist > tt.max_range_m:
                via = " via its waypoints" if route else ""
                out.append(
                    _warning(
                        sc,
                        "unreachable-aimpoint",
                        f"aimpoint '{name}' is {dist / 1e3:,.0f} km from the launch area "
                        f"of {_wave_label(i, wave)}{via}, beyond the "
                        f"{tt.max_range_m / 1e3:,.0f} km range of '{tt.name}'",
                        "raid",
                        "waves",
                        i,
                        "aimpoints",
                        j,
                    )
                )
    return out


def _coverage_warnings(sc: Scenario, waves: list[_WaveTracks]) -> list[ScenarioWarning]:
    frame = LocalFrame(
        lat0_rad=math.radians(sc.origin.lat_deg),
        lon0_rad=math.radians(sc.origin.lon_deg),
        alt0_m=sc.origin.alt_m,
    )
    radars = []
    for bat in sc.batteries:
        for radar in bat.radars:
            pos = radar.position if radar.position is not None else bat.position
            h = pos.alt_m + radar.antenna_height_m
            radars.append(
                (frame.to_local(math.radians(pos.lat_deg), math.radians(pos.lon_deg), h), h, radar)
            )
    out = []
    for i, wt in enumerate(waves):
        lat = np.concatenate([tr.lat_rad for tr in wt.tracks])
        lon = np.concatenate([tr.lon_rad for tr in wt.tracks])
        alt = np.concatenate([tr.alt_m for tr in wt.tracks])
        owner = np.repeat(np.arange(len(wt.tracks)), [tr.t_s.size for tr in wt.tracks])
        xyz = frame.to_local(lat, lon, alt)
        seen = np.zeros(lat.size, dtype=bool)
        for r_pos, h, radar in radars:
            rng = np.linalg.norm(xyz - r_pos, axis=-1)
            seen |= visible(
                range_m=rng,
                elevation_rad=apparent_elevation_rad(
                    range_m=rng, radar_height_m=h, target_alt_m=alt
                ),
                radar_height_m=h,
                target_alt_m=alt,
                instrumented_range_m=radar.instrumented_range_m,
                min_elevation_rad=radar.min_elevation_rad,
            )
        covered = np.zeros(len(wt.tracks), dtype=bool)
        covered[owner[seen]] = True
        blind = int(np.sum(~covered))
        if blind:
            wave = sc.raid.waves[i]
            out.append(
                _warning(
                    sc,
                    "no-radar-coverage",
                    f"{blind} of {wave.count} threats of {_wave_label(i, wave)} never enter "
                    "any radar's coverage (instrumented range, minimum elevation, horizon): "
                    "no radar can detect them",
                    "raid",
                    "waves",
                    i,
                )
            )
    return out


def scenario_warnings(scenario: Scenario) -> list[ScenarioWarning]:
    """Every plausibility warning of a valid scenario, in file order per check."""
    try:
        with np.errstate(all="ignore"):
            waves = [_wave_tracks(scenario, w) for w in scenario.raid.waves]
    except (ValueError, ArithmeticError) as exc:
        # Degenerate geometry the trajectory models refuse (the engine says so when it
        # runs); the warnings that need trajectories are left out, the others kept.
        log.debug("trajectory checks skipped: %s", exc)
        return _range_warnings(scenario)
    return [
        *_arrival_warnings(scenario, waves),
        *_range_warnings(scenario),
        *_coverage_warnings(scenario, waves),
    ]

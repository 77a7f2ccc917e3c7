"""The body of ``shieldlab track``, its options, and a start-up fast path that needs no typer.

Why a fast path: ``shieldlab track`` is a short process (a 200-scan file tracks in about
0.1 s), so its wall time is mostly start-up. Typer costs ~0.15 s before a command body
runs -- typer and its vendored click, plus pydantic, which typer uses to coerce every
parameter -- and registering every command imports rich and the other command modules.
:func:`shieldlab.cli.main.main` therefore hands a plain ``track`` command line to
:func:`parse_fast`, which reads it from :data:`OPTIONS` (the same table the typer command
is built from) and gives up -- returns ``None`` -- on anything it would have to interpret:
``--help``, an unknown or repeated option, ``--opt=value``, a number not in plain decimal
notation, an integer below its minimum, a missing argument. Those lines go through typer
as before, so help and usage errors read exactly like every other command's, and a line
the fast path does accept gives the same :class:`TrackSettings` as typer
(tests/cli/test_track_fast.py checks both on generated command lines).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shieldlab.errors import InputError

HELP = """Track recorded radar plots and write one row per confirmed track per scan time.

DETECTIONS.csv has a header and rows sorted by time: either time_s,sensor_id,x_m,y_m,z_m
(Cartesian, local east-north-up) or time_s,sensor_id,range_m,azimuth_deg,elevation_deg
[,radial_velocity_mps] with the radars described in --sensors SENSORS.yaml. Output columns:
time_s,track_id,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps.
"""


@dataclass(frozen=True, kw_only=True)
class TrackOption:
    """One ``shieldlab track`` option: flag, parameter name, type, default, help, minimum."""

    flag: str
    dest: str
    kind: type
    default: Any
    help: str
    min: int | None = None


OPTIONS: tuple[TrackOption, ...] = (
    TrackOption(
        flag="--measurement-sigma-m",
        dest="measurement_sigma_m",
        kind=float,
        default=50.0,
        help="Per-axis std of Cartesian plots, m (at most 10000).",
    ),
    TrackOption(
        flag="--p-detect",
        dest="p_detect",
        kind=float,
        default=0.9,
        help="Probability of detection per scan (JPDA weights).",
    ),
    TrackOption(
        flag="--clutter-per-scan",
        dest="clutter_per_scan",
        kind=float,
        default=1.0,
        help="Mean false plots per scan (JPDA clutter density; at most 1000).",
    ),
    TrackOption(
        flag="--process-noise",
        dest="process_noise",
        kind=float,
        default=10.0,
        help="White-acceleration spectral density q of the constant-velocity model, m^2/s^3.",
    ),
    TrackOption(
        flag="--sensors",
        dest="sensors",
        kind=Path,
        default=None,
        help="YAML file with radar positions and errors.",
    ),
    TrackOption(
        flag="--association", dest="association", kind=str, default="gnn", help="gnn or jpda."
    ),
    TrackOption(
        flag="--filter",
        dest="filter_kind",
        kind=str,
        default="cv",
        help="cv (Kalman/EKF, constant velocity), ukf (unscented, constant velocity), "
        "imm (CV + CA) or ballistic (CV + gravity).",
    ),
    TrackOption(
        flag="--gate",
        dest="gate",
        kind=float,
        default=3.4,
        help="Gate on the Mahalanobis distance (3.37 holds 99% of 3-D plots).",
    ),
    TrackOption(
        flag="--confirm",
        dest="confirm",
        kind=str,
        default="2/3",
        help="M/N confirmation (M alone: no window).",
    ),
    TrackOption(
        flag="--delete-after",
        dest="delete_after",
        kind=int,
        default=3,
        help="Delete a track after this many scans without a plot.",
        min=1,
    ),
    TrackOption(
        flag="--max-tracks",
        dest="max_tracks",
        kind=int,
        default=10_000,
        help="Track capacity (no new tracks when full).",
        min=1,
    ),
    TrackOption(
        flag="--initial-speed-sigma-mps",
        dest="speed_sigma_mps",
        kind=float,
        default=300.0,
        help="Prior velocity std of a new track, m/s.",
    ),
    TrackOption(
        flag="--json", dest="as_json", kind=bool, default=False, help="Print a JSON summary."
    ),
)
OPTION_BY_DEST: dict[str, TrackOption] = {o.dest: o for o in OPTIONS}


@dataclass(frozen=True, kw_only=True)
class TrackSettings:
    """Everything ``shieldlab track`` was asked to do (one field per argument/option)."""

    detections: Path
    out: Path
    measurement_sigma_m: float
    p_detect: float
    clutter_per_scan: float
    process_noise: float
    sensors: Path | None
    association: str
    filter_kind: str
    gate: float
    confirm: str
    delete_after: int
    max_tracks: int
    speed_sigma_mps: float
    as_json: bool


# Plain decimal numbers only: whatever else typer/pydantic might accept ("nan", "1_0",
# " 3") is left to typer, so both paths agree on every line the fast path takes.
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")
_INT = re.compile(r"[1-9]\d{0,17}")
_BY_FLAG: dict[str, TrackOption] = {o.flag: o for o in OPTIONS}


def parse_fast(args: list[str]) -> TrackSettings | None:
    """Settings from the arguments after ``track``, or ``None`` to leave them to typer."""
    values: dict[str, Any] = {o.dest: o.default for o in OPTIONS}
    seen: set[str] = set()
    positional: list[str] = []
    out: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        if arg in seen:
            return None
        seen.add(arg)
        if arg == "--out" or arg in _BY_FLAG:
            opt = _BY_FLAG.get(arg)
            if opt is not None and opt.kind is bool:
                values[opt.dest] = True
                continue
            if i == len(args):
                return None
            text = args[i]
            i += 1
            if opt is None:
                out = text
            elif (value := _convert(opt, text)) is None:
                return None
            else:
                values[opt.dest] = value
        else:
            return None  # --help, --opt=value, "--", unknown options: typer decides
    if len(positional) != 1 or out is None or not positional[0] or not out:
        return None
    return TrackSettings(detections=Path(positional[0]), out=Path(out), **values)


def _convert(opt: TrackOption, text: str) -> Any:
    """``text`` as the option's type, or ``None`` when typer should interpret it."""
    if opt.kind is float:
        return float(text) if _FLOAT.fullmatch(text) else None
    if opt.kind is int:
        if not _INT.fullmatch(text):
            return None
        value = int(text)
        return value if opt.min is None or value >= opt.min else None
    if opt.kind is Path:
        return Path(text) if text else None
    return text


def _parse_confirm(text: str) -> tuple[int, int]:
    parts = text.split("/")
    try:
        m = int(parts[0])
        n = int(parts[1]) if len(parts) == 2 else 0
    except (ValueError, IndexError):
        raise InputError(f"expected M/N such as 2/3, got {text!r}", field="--confirm") from None
    if len(parts) > 2 or m < 1 or n < 0 or n > 63 or (n and m > n):
        raise InputError(
            f"invalid M-of-N {text!r}: need 1 <= M <= N <= 63 (or just M)", field="--confirm"
        )
    return m, n


# The caps of shieldlab.scenario.model (MAX_SIGMA_POSITION_M, MAX_CLUTTER_PER_SCAN; the
# reasons are given there), repeated so that this start-up path need not import pydantic;
# tests/cli/test_track_cli.py checks they agree.
MAX_MEASUREMENT_SIGMA_M = 10_000.0
MAX_CLUTTER_PER_SCAN = 1_000.0


def _positive(value: float, option: str, cap: float | None = None) -> None:
    import math

    if not (math.isfinite(value) and value > 0.0):
        raise InputError(f"must be a positive number, got {value}", field=option)
    if cap is not None and value > cap:
        raise InputError(f"must be <= {cap:g}, got {value:g}", field=option)


def run_track(s: TrackSettings) -> dict[str, Any]:
    """Check the options, read the plots, track, write the tracks; the JSON summary."""
    t0 = time.perf_counter()
    import numpy as np

    from shieldlab.tracking import (
        GNN,
        JPDA,
        Ballistic,
        CartesianPosition,
        ConstantAcceleration,
        ConstantVelocity,
        IMMFilter,
        KalmanFilter,
        MahalanobisGater,
        MissedUpdatesDeleter,
        MOfNInitiator,
        RangeAzEl,
        Tracker,
        UnscentedKalmanFilter,
    )
    from shieldlab.tracking.io import read_detections_csv, write_tracks_csv
    from shieldlab.tracking.replay import SensorView, replay, scans_from_detections

    t_imported = time.perf_counter()
    _positive(s.measurement_sigma_m, "--measurement-sigma-m", MAX_MEASUREMENT_SIGMA_M)
    _positive(s.process_noise, "--process-noise")
    _positive(s.gate, "--gate")
    _positive(s.speed_sigma_mps, "--initial-speed-sigma-mps")
    if not 0.0 < s.p_detect <= 1.0:
        raise InputError(f"must be in (0, 1], got {s.p_detect}", field="--p-detect")
    if not (0.0 <= s.clutter_per_scan <= MAX_CLUTTER_PER_SCAN):
        raise InputError(
            f"must lie in [0, {MAX_CLUTTER_PER_SCAN:g}], got {s.clutter_per_scan:g}",
            field="--clutter-per-scan",
        )
    if s.association not in ("gnn", "jpda"):
        raise InputError(f"expected gnn or jpda, got {s.association!r}", field="--association")
    if s.filter_kind not in ("cv", "ukf", "imm", "ballistic"):
        raise InputError(
            f"expected cv, ukf, imm or ballistic, got {s.filter_kind!r}", field="--filter"
        )
    m, n = _parse_confirm(s.confirm)

    dets = read_detections_csv(s.detections)
    geometry = {}
    if s.sensors is not None:
        from shieldlab.sensors.config import load_sensor_file

        geometry = load_sensor_file(s.sensors)
    if dets.kind == "polar" and s.sensors is None:
        raise InputError(
            "range/azimuth/elevation plots need --sensors SENSORS.yaml (radar positions)",
            file=str(s.detections),
            line=1,
        )

    views: dict[str, SensorView] = {}
    names = sorted(set(dets.sensor_id))
    if dets.kind == "cartesian":
        for name in names:
            sigma = s.measurement_sigma_m
            if name in geometry and geometry[name].entry.sigma_position_m is not None:
                sigma = float(geometry[name].entry.sigma_position_m)  # type: ignore[arg-type]
            views[name] = SensorView(model=CartesianPosition(), r=np.eye(3) * sigma**2)
    else:
        rv = dets.values.shape[1] == 4
        for name, g in geometry.items():
            if rv and g.entry.sigma_radial_velocity_mps is None:
                raise InputError(
                    "plots carry radial_velocity_mps but this sensor has no "
                    "sigma_radial_velocity_mps",
                    file=str(s.sensors),
                    field=f"sensors.{name}",
                )
            r = g.polar_covariance()
            views[name] = SensorView(
                model=RangeAzEl(
                    sensor_enu_m=np.asarray(g.position_enu_m),
                    radial_velocity=rv,
                    rotation=g.rotation_matrix(),
                    max_range_m=np.inf if g.entry.max_range_m is None else g.entry.max_range_m,
                    min_elevation_rad=-np.pi / 2
                    if g.entry.min_elevation_deg is None
                    else np.radians(g.entry.min_elevation_deg),
                ),
                r=r if rv else r[:3, :3],
            )
    scans = scans_from_detections(dets, views)
    t_read = time.perf_counter()

    q = s.process_noise
    filt: Any
    if s.filter_kind == "cv":
        filt = KalmanFilter(motion=ConstantVelocity(q=q))
    elif s.filter_kind == "ukf":
        filt = UnscentedKalmanFilter(motion=ConstantVelocity(q=q))
    elif s.filter_kind == "ballistic":
        filt = KalmanFilter(motion=Ballistic(q=q))
    else:
        filt = IMMFilter(models=(ConstantVelocity(q=q), ConstantAcceleration(q=q)))
    associator: Any = GNN()
    if s.association == "jpda":
        associator = JPDA(
            p_detect=s.p_detect,
            clutter_density=_clutter_density(dets, s.clutter_per_scan, s.measurement_sigma_m),
        )
    tracker = Tracker(
        filter=filt,
        gater=MahalanobisGater(max_distance=s.gate),
        associator=associator,
        tentative_associator=GNN(),
        initiator=MOfNInitiator(m=m, n=n, velocity_sigma_mps=s.speed_sigma_mps),
        deleter=MissedUpdatesDeleter(max_misses=s.delete_after),
        max_tracks=s.max_tracks,
    )
    result = replay(tracker, scans)
    t_tracked = time.perf_counter()
    if s.out.is_dir():
        raise InputError("is a directory, expected a file name", field="--out")
    try:
        write_tracks_csv(s.out, result.rows)
    except OSError as exc:
        raise InputError(f"cannot write {s.out}: {exc.strerror or exc}", field="--out") from None
    t_written = time.perf_counter()
    return {
        "detections": len(dets),
        "scans": result.scans,
        "scan_times": result.scan_times,
        "tracks_confirmed": result.tracks_confirmed,
        "rows": int(result.rows.shape[0]),
        "out": str(s.out),
        "seconds": round(t_written - t0, 4),
        # Where those seconds went: loading numpy and the tracker, reading and checking the
        # plots (and the sensor file), tracking, writing.
        "import_s": round(t_imported - t0, 4),
        "read_s": round(t_read - t_imported, 4),
        "track_s": round(t_tracked - t_read, 4),
        "write_s": round(t_written - t_tracked, 4),
    }


def _clutter_density(dets: Any, clutter_per_scan: float, sigma_m: float) -> float:
    """lambda = false plots per scan / volume of the plots' extent in measurement space."""
    import numpy as np

    if len(dets) == 0 or clutter_per_scan == 0.0:
        return 1e-300
    v = dets.values[:, :3]
    span = v.max(axis=0) - v.min(axis=0)
    if dets.kind == "cartesian":
        span = np.maximum(span, 6.0 * sigma_m)
        volume = float(np.prod(span))
    else:
        # Range x azimuth x elevation extent, with a floor so degenerate files stay finite.
        volume = float(max(span[0], 1.0) * 2.0 * np.pi * max(span[2], 1e-3))
    return clutter_per_scan / volume


def track_and_report(s: TrackSettings) -> None:
    """Run the command and print its summary (JSON with ``--json``, else one line)."""
    summary = run_track(s)
    if s.as_json:
        from shieldlab.cli._output import emit_json

        emit_json(summary)
    else:
        # One plain line on stdout: neither click nor rich is needed to print it.
        sys.stdout.write(
            f"{summary['tracks_confirmed']} confirmed tracks from {summary['detections']} plots "
            f"in {summary['scans']} scans; {summary['rows']} rows written to {s.out} "
            f"({summary['seconds']:.2f} s)\n"
        )
        sys.stdout.flush()

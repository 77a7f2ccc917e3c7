"""``shieldlab track``: run the multi-target tracker over recorded plots (CSV in, CSV out)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from shieldlab.errors import InputError

_HELP = """Track recorded radar plots and write one row per confirmed track per scan time.

DETECTIONS.csv has a header and rows sorted by time: either time_s,sensor_id,x_m,y_m,z_m
(Cartesian, local east-north-up) or time_s,sensor_id,range_m,azimuth_deg,elevation_deg
[,radial_velocity_mps] with the radars described in --sensors SENSORS.yaml. Output columns:
time_s,track_id,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps.
"""


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


def _positive(value: float, option: str) -> None:
    import math

    if not (math.isfinite(value) and value > 0.0):
        raise InputError(f"must be a positive number, got {value}", field=option)


def track(
    detections: Annotated[Path, typer.Argument(help="Plots CSV (see above).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Tracks CSV to write (atomically).")],
    measurement_sigma_m: float = typer.Option(
        50.0, "--measurement-sigma-m", help="Per-axis std of Cartesian plots, m."
    ),
    p_detect: float = typer.Option(
        0.9, "--p-detect", help="Probability of detection per scan (JPDA weights)."
    ),
    clutter_per_scan: float = typer.Option(
        1.0, "--clutter-per-scan", help="Mean false plots per scan (JPDA clutter density)."
    ),
    process_noise: float = typer.Option(
        10.0,
        "--process-noise",
        help="White-acceleration spectral density q of the constant-velocity model, m^2/s^3.",
    ),
    sensors: Annotated[
        Path | None, typer.Option("--sensors", help="YAML file with radar positions and errors.")
    ] = None,
    association: str = typer.Option("gnn", "--association", help="gnn or jpda."),
    filter_kind: str = typer.Option(
        "cv",
        "--filter",
        help="cv (Kalman/EKF, constant velocity), ukf (unscented, constant velocity), "
        "imm (CV + CA) or ballistic (CV + gravity).",
    ),
    gate: float = typer.Option(
        3.4, "--gate", help="Gate on the Mahalanobis distance (3.37 holds 99% of 3-D plots)."
    ),
    confirm: str = typer.Option("2/3", "--confirm", help="M/N confirmation (M alone: no window)."),
    delete_after: int = typer.Option(
        3, "--delete-after", min=1, help="Delete a track after this many scans without a plot."
    ),
    max_tracks: int = typer.Option(
        10_000, "--max-tracks", min=1, help="Track capacity (no new tracks when full)."
    ),
    speed_sigma_mps: float = typer.Option(
        300.0, "--initial-speed-sigma-mps", help="Prior velocity std of a new track, m/s."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Track recorded radar plots (multi-target tracker: filter, gate, associate, M-of-N)."""
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

    _positive(measurement_sigma_m, "--measurement-sigma-m")
    _positive(process_noise, "--process-noise")
    _positive(gate, "--gate")
    _positive(speed_sigma_mps, "--initial-speed-sigma-mps")
    if not 0.0 < p_detect <= 1.0:
        raise InputError(f"must be in (0, 1], got {p_detect}", field="--p-detect")
    if not (clutter_per_scan >= 0.0 and np.isfinite(clutter_per_scan)):
        raise InputError(f"must be >= 0, got {clutter_per_scan}", field="--clutter-per-scan")
    if association not in ("gnn", "jpda"):
        raise InputError(f"expected gnn or jpda, got {association!r}", field="--association")
    if filter_kind not in ("cv", "ukf", "imm", "ballistic"):
        raise InputError(
            f"expected cv, ukf, imm or ballistic, got {filter_kind!r}", field="--filter"
        )
    m, n = _parse_confirm(confirm)

    dets = read_detections_csv(detections)
    geometry = {}
    if sensors is not None:
        from shieldlab.sensors.config import load_sensor_file

        geometry = load_sensor_file(sensors)
    if dets.kind == "polar" and sensors is None:
        raise InputError(
            "range/azimuth/elevation plots need --sensors SENSORS.yaml (radar positions)",
            file=str(detections),
            line=1,
        )

    views: dict[str, SensorView] = {}
    names = sorted(set(dets.sensor_id))
    if dets.kind == "cartesian":
        for name in names:
            sigma = measurement_sigma_m
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
                    file=str(sensors),
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

    filt: Any
    if filter_kind == "cv":
        filt = KalmanFilter(motion=ConstantVelocity(q=process_noise))
    elif filter_kind == "ukf":
        filt = UnscentedKalmanFilter(motion=ConstantVelocity(q=process_noise))
    elif filter_kind == "ballistic":
        filt = KalmanFilter(motion=Ballistic(q=process_noise))
    else:
        filt = IMMFilter(
            models=(ConstantVelocity(q=process_noise), ConstantAcceleration(q=process_noise))
        )
    associator: Any = GNN()
    if association == "jpda":
        associator = JPDA(
            p_detect=p_detect,
            clutter_density=_clutter_density(dets, clutter_per_scan, measurement_sigma_m),
        )
    tracker = Tracker(
        filter=filt,
        gater=MahalanobisGater(max_distance=gate),
        associator=associator,
        tentative_associator=GNN(),
        initiator=MOfNInitiator(m=m, n=n, velocity_sigma_mps=speed_sigma_mps),
        deleter=MissedUpdatesDeleter(max_misses=delete_after),
        max_tracks=max_tracks,
    )
    result = replay(tracker, scans)
    if out.is_dir():
        raise InputError("is a directory, expected a file name", field="--out")
    try:
        write_tracks_csv(out, result.rows)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}", field="--out") from None
    seconds = time.perf_counter() - t0
    summary = {
        "detections": len(dets),
        "scans": result.scans,
        "scan_times": result.scan_times,
        "tracks_confirmed": result.tracks_confirmed,
        "rows": int(result.rows.shape[0]),
        "out": str(out),
        "seconds": round(seconds, 4),
    }
    if as_json:
        from shieldlab.cli._output import emit_json

        emit_json(summary)
    else:
        # One plain line: typer.echo, so that a summary does not pay for loading rich.
        typer.echo(
            f"{summary['tracks_confirmed']} confirmed tracks from {summary['detections']} plots "
            f"in {summary['scans']} scans; {summary['rows']} rows written to {out} "
            f"({seconds:.2f} s)"
        )


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


def register(app: typer.Typer) -> None:
    """Add ``shieldlab track`` to the main app."""
    app.command("track", help=_HELP)(track)

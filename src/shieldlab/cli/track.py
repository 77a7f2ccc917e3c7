"""``shieldlab track``: run the multi-target tracker over recorded plots (CSV in, CSV out).

The options are declared once, in :data:`shieldlab.cli._track_impl.OPTIONS`; this module
turns them into the typer command (``--help``, usage errors). Plain command lines usually
never reach it: :func:`shieldlab.cli.main.main` parses them with the typer-free fast path
in :mod:`shieldlab.cli._track_impl` (see there for why).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shieldlab.cli._track_impl import HELP, OPTIONS, TrackSettings, track_and_report

# The typer options, declared in the shared table (module-level: evaluated once).
_OPTION: dict[str, Any] = {
    o.dest: typer.Option(o.default, o.flag, help=o.help, min=o.min) for o in OPTIONS
}


def track(
    detections: Annotated[Path, typer.Argument(help="Plots CSV (see above).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Tracks CSV to write (atomically).")],
    measurement_sigma_m: float = _OPTION["measurement_sigma_m"],
    p_detect: float = _OPTION["p_detect"],
    clutter_per_scan: float = _OPTION["clutter_per_scan"],
    process_noise: float = _OPTION["process_noise"],
    sensors: Path | None = _OPTION["sensors"],
    association: str = _OPTION["association"],
    filter_kind: str = _OPTION["filter_kind"],
    gate: float = _OPTION["gate"],
    confirm: str = _OPTION["confirm"],
    delete_after: int = _OPTION["delete_after"],
    max_tracks: int = _OPTION["max_tracks"],
    speed_sigma_mps: float = _OPTION["speed_sigma_mps"],
    as_json: bool = _OPTION["as_json"],
) -> None:
    """Track recorded radar plots (multi-target tracker: filter, gate, associate, M-of-N)."""
    track_and_report(
        TrackSettings(
            detections=detections,
            out=out,
            measurement_sigma_m=measurement_sigma_m,
            p_detect=p_detect,
            clutter_per_scan=clutter_per_scan,
            process_noise=process_noise,
            sensors=sensors,
            association=association,
            filter_kind=filter_kind,
            gate=gate,
            confirm=confirm,
            delete_after=delete_after,
            max_tracks=max_tracks,
            speed_sigma_mps=speed_sigma_mps,
            as_json=as_json,
        )
    )


def register(app: typer.Typer) -> None:
    """Add ``shieldlab track`` to the main app."""
    app.command("track", help=HELP)(track)

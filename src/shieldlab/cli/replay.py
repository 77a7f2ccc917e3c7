"""``shieldlab replay``: record one replication's events; write replay files and figures.

Thin: resolve the scenario, :func:`shieldlab.engine.trace.record_replication`, then the
writers of :mod:`shieldlab.viz`. Replication ``N`` with ``--seed S`` is the same as
replication ``N`` of ``shieldlab run --seed S`` (docs/viz.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from shieldlab.cli._output import StatusLine, console, emit_json
from shieldlab.errors import InputError

_FIGURE_SUFFIXES = (".html", ".png")


def _figure_path(value: Path | None, option: str) -> Path | None:
    if value is not None and value.suffix.lower() not in _FIGURE_SUFFIXES:
        raise InputError(
            f"must end in .html (interactive) or .png (static), got '{value.name}'",
            field=option,
        )
    return value


def _check_dir(value: Path | None, option: str) -> None:
    """Fail before the replay if ``value`` cannot be written (shieldlab._io)."""
    if value is None:
        return
    from shieldlab._io import check_output_path

    if not value.parent.resolve().is_dir() and not value.parent.is_symlink():
        raise InputError(f"no such directory: '{value.parent}'", field=option)
    check_output_path(value, option)


def replay_cmd(
    scenario: str | None = typer.Argument(
        None, help="Scenario file, or built-in name (default: four-batteries)."
    ),
    replication: int | None = typer.Option(
        None, "--replication", "-r", help="Which replication of the run to record (default 0)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the run (as in shieldlab run)."),
    czml: str | None = typer.Option(None, "--czml", help="Write a CZML replay (Cesium)."),
    kml: str | None = typer.Option(None, "--kml", help="Write a KML replay (gx:Track)."),
    map_out: str | None = typer.Option(
        None, "--map", help="Write the theatre map (.html or .png)."
    ),
    timeline: str | None = typer.Option(
        None, "--timeline", help="Write the engagement timeline (.html or .png)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    animate: str | None = typer.Option(
        None,
        "--animate",
        help="Write an animated replay: one offline HTML page with a time slider and Play.",
    ),
    worst: bool = typer.Option(
        False, "--worst", help="Replay the replication with the most leakers (of --search)."
    ),
    where: str | None = typer.Option(
        None,
        "--where",
        help="Replay the first replication whose outcome matches, e.g. 'leakers>=3' or "
        "'leakers>=2 and threats_killed<50'.",
    ),
    search: int = typer.Option(
        1000, "--search", help="Replications searched by --worst / --where (from 0)."
    ),
) -> None:
    """Replay one replication: its events, as CZML/KML files, a map and a timeline."""
    from shieldlab.engine.trace import record_replication
    from shieldlab.scenario.loader import scenario_by_name_or_path

    czml_p, kml_p, map_p, timeline_p = (
        None if v is None else Path(v) for v in (czml, kml, map_out, timeline)
    )
    animate_p = None if animate is None else Path(animate)
    if animate_p is not None and animate_p.suffix.lower() != ".html":
        raise InputError(f"must end in .html, got '{animate_p.name}'", field="--animate")
    _check_dir(animate_p, "--animate")
    if (worst or where is not None) and replication is not None:
        raise InputError("give --replication or --worst/--where, not both", field="--replication")
    _figure_path(map_p, "--map")
    _figure_path(timeline_p, "--timeline")
    for value, option in (
        (czml_p, "--czml"),
        (kml_p, "--kml"),
        (map_p, "--map"),
        (timeline_p, "--timeline"),
    ):
        _check_dir(value, option)
    sc = scenario_by_name_or_path(scenario)
    picked = _pick(sc, seed, worst, where, search)
    if picked is not None:
        replication = picked.replication
    replication = replication or 0
    status = StatusLine(f"recording replication {replication} of {sc.name} (first run: compiling)")
    trace = record_replication(sc, seed=seed, replication=replication)
    status.update("writing the replay files and figures")
    written: list[str] = []
    _write_all(sc, trace, written, czml_p, kml_p, map_p, timeline_p, animate_p)
    status.stop()
    _report(trace, picked, written, json_out)


def _write_all(
    sc: Any,
    trace: Any,
    written: list[str],
    czml_p: Path | None,
    kml_p: Path | None,
    map_p: Path | None,
    timeline_p: Path | None,
    animate_p: Path | None,
) -> None:
    """Write the files asked for; a failed write is one line naming its option (exit 2)."""
    from shieldlab._io import output_errors

    if czml_p is not None or kml_p is not None:
        from shieldlab.viz.replay import write_czml, write_kml

        if czml_p is not None:
            with output_errors(czml_p, "--czml"):
                written.append(str(write_czml(trace, sc, czml_p)))
        if kml_p is not None:
            with output_errors(kml_p, "--kml"):
                written.append(str(write_kml(trace, sc, kml_p)))
    if map_p is not None or timeline_p is not None:
        from shieldlab.viz import theatre

        if map_p is not None:
            with output_errors(map_p, "--map"):
                if map_p.suffix.lower() == ".png":
                    theatre.map_png(sc, map_p, trace)
                else:
                    theatre.write_html(theatre.map_figure(sc, trace), map_p)
            written.append(str(map_p))
        if timeline_p is not None:
            with output_errors(timeline_p, "--timeline"):
                if timeline_p.suffix.lower() == ".png":
                    theatre.timeline_png(trace, timeline_p)
                else:
                    theatre.write_html(theatre.timeline_figure(trace), timeline_p)
            written.append(str(timeline_p))

    if animate_p is not None:
        from shieldlab.viz.animation import write_animation

        with output_errors(animate_p, "--animate"):
            written.append(str(write_animation(sc, trace, animate_p)))


def _report(trace: Any, picked: Any, written: list[str], json_out: bool) -> None:
    cols = trace.outcome_columns
    outcome = {name: float(trace.outcome[c]) for name, c in cols.items()}
    if json_out:
        emit_json(
            {
                "scenario": trace.scenario,
                "seed": trace.seed,
                "replication": trace.replication,
                "events": trace.summary(),
                "outcome": outcome,
                "files": written,
                "picked": None
                if picked is None
                else {"reason": picked.reason, "searched": picked.searched},
            }
        )
        return
    out = console()
    if picked is not None:
        out.print(f"picked replication {picked.replication}: {picked.reason}")
    out.print(
        f"{trace.scenario}: replication {trace.replication} of seed {trace.seed} "
        f"(the same as in shieldlab run --seed {trace.seed})"
    )
    out.print(
        f"leakers {outcome['leakers']:g}, threats killed {outcome['threats_killed']:g} "
        f"of {trace.n_threats}, interceptors fired {outcome['interceptors_fired']:g}"
    )
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in trace.summary().items() if v)
    out.print(f"events: {counts}")
    for path in written:
        out.print(f"wrote {path}")


def _pick(sc: Any, seed: int, worst: bool, where: str | None, search: int) -> Any:
    """The replication --worst / --where chooses (``None`` when neither is given)."""
    if not worst and where is None:
        return None
    from shieldlab.engine.pick import pick_replication

    return pick_replication(sc, seed=seed, search=search, worst=worst, where=where)


def register(app: typer.Typer) -> None:
    """Add ``replay`` to the main app."""
    app.command("replay")(replay_cmd)

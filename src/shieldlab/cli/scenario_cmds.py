"""File commands: ``validate`` a scenario, posture or sensor file, print the ``schema`` (of
scenarios, or postures with ``--posture``), list built-in ``scenarios``.

Thin: each command loads, calls ``shieldlab.scenario``, prints. Bad input raises
:class:`~shieldlab.errors.InputError`, which ``shieldlab.cli.main`` prints as one line
(file, line, field) with exit status 2.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from shieldlab.cli._output import console, emit_json
from shieldlab.errors import InputError

if TYPE_CHECKING:
    from shieldlab.scenario import Scenario
    from shieldlab.stability.posture import Posture


def _summary(scenario: Scenario) -> dict[str, Any]:
    from shieldlab.scenario import card_sources

    return {
        "scenario": scenario.name,
        "schema_version": scenario.schema_version,
        "fidelity": scenario.fidelity,
        "assets": len(scenario.assets),
        "batteries": len(scenario.batteries),
        "interceptor_types": len(scenario.interceptor_types),
        "interceptors": sum(
            launcher.count * item.rounds * (1 + launcher.reloads)
            for b in scenario.batteries
            for launcher in b.launchers
            for item in launcher.loadout
        ),
        "threat_types": len(scenario.threat_types),
        "waves": len(scenario.raid.waves),
        "threats": scenario.raid.total_threats,
        "cards": [c.card for c in card_sources(scenario)],
    }


def _posture_summary(posture: Posture) -> dict[str, Any]:
    sides: dict[str, Any] = {}
    for key in ("blue", "red"):
        sp = posture.side(key)
        sides[key] = {
            "name": posture.label(key),
            "launchers": sp.offence.launchers,
            "warheads": sp.offence.launchers * sp.offence.warheads_per_launcher,
            "interceptors": sp.defence.interceptors,
            "batteries": sp.defence.batteries,
            "battery_card": sp.defence.card,
            "magazine": sp.defence.magazine_text(),
        }
    return {"posture": posture.name, "schema_version": posture.schema_version, "sides": sides}


def _load_any(file: str) -> tuple[str, Any]:
    """``("scenario", Scenario)``, ``("posture", Posture)`` or ``("sensors", {id: geometry})``:
    the kind is told by the file's top-level keys (a file that says none is a scenario)."""
    from shieldlab.scenario.loader import document_kind, scenario_from_data
    from shieldlab.scenario.yamlio import load_yaml

    data, linemap = load_yaml(file)
    kind = document_kind(data)
    if kind == "posture":
        from shieldlab.stability.posture import posture_from_data

        return kind, posture_from_data(data, linemap, file)
    if kind == "sensors":
        from shieldlab.sensors.config import load_sensor_file

        return kind, load_sensor_file(file)
    from shieldlab.c2.registry import check_assigner

    scenario = scenario_from_data(data, linemap, file)
    check_assigner(
        scenario.doctrine.assigner, file=file, line=scenario.source_of("doctrine", "assigner")[1]
    )
    return "scenario", scenario


def validate_cmd(
    file: str = typer.Argument(..., help="Scenario, posture or sensor YAML file to check."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    strict: bool = typer.Option(
        False, "--strict", help="Exit 2 when a scenario has plausibility warnings."
    ),
) -> None:
    """Check a scenario, posture or sensor file (the kind is told by its keys): exit 0 with a
    one-line summary, or exit 2 naming file, line and field.

    A valid scenario is also checked for plausibility: a wave arriving long before or
    after the rest, an aimpoint beyond its threat's range, threats no radar can ever see.
    Each is one warning line on stderr naming file, line and field (exit 0; 2 with
    --strict)."""
    try:
        kind, obj = _load_any(file)
    except InputError as exc:
        if json_out:
            loc = exc.location
            emit_json(
                {
                    "file": file,
                    "valid": False,
                    "error": {
                        "message": exc.message,
                        "file": loc.file,
                        "line": loc.line,
                        "field": loc.field,
                    },
                }
            )
        raise
    if kind == "posture":
        ps = _posture_summary(obj)
        if json_out:
            emit_json({"file": file, "valid": True, "kind": kind, **ps})
            return
        sides = "; ".join(
            f"{v['name']}: {v['launchers']} launchers, {v['warheads']} warheads, "
            f"{v['interceptors']} interceptors"
            + (f" ({v['magazine']})" if v["magazine"] is not None else "")
            for v in ps["sides"].values()
        )
        typer.echo(f"OK {file}: posture '{ps['posture']}'; {sides}")
        return
    if kind == "sensors":
        ids = sorted(obj)
        if json_out:
            emit_json({"file": file, "valid": True, "kind": kind, "sensors": ids})
            return
        typer.echo(f"OK {file}: sensor file, {len(ids)} sensors ({', '.join(ids)})")
        return
    from shieldlab.engine.checks import scenario_warnings

    s = _summary(obj)
    warnings = scenario_warnings(obj)
    if json_out:
        emit_json(
            {
                "file": file,
                "valid": True,
                "kind": kind,
                **s,
                "warnings": [w.to_dict() for w in warnings],
            }
        )
    else:
        for w in warnings:
            sys.stderr.write(f"shieldlab: warning: {w}\n")
        typer.echo(
            f"OK {file}: scenario '{s['scenario']}', {s['assets']} assets, {s['batteries']} "
            f"batteries, {s['interceptors']} interceptors of {s['interceptor_types']} types, "
            f"{s['threats']} threats in {s['waves']} waves, {len(s['cards'])} cards"
            + (f"; {len(warnings)} warnings" if warnings else "")
        )
    if strict and warnings:
        sys.stderr.write(f"shieldlab: {len(warnings)} warnings and --strict: exit 2\n")
        raise typer.Exit(2)


def schema_cmd(
    output: str | None = typer.Option(
        None, "--output", "-o", help="Write the schema to this file instead of stdout."
    ),
    study: bool = typer.Option(
        False, "--study", help="The schema of study files (shieldlab study run) instead."
    ),
    posture: bool = typer.Option(
        False, "--posture", help="The schema of posture files (shieldlab stability)."
    ),
) -> None:
    """Print the JSON Schema of scenario files, or of study (--study) or posture (--posture)
    files."""
    import json

    from shieldlab._io import atomic_write_text

    if study and posture:
        raise InputError("give one of --study and --posture", field="--posture")
    if study:
        from shieldlab.study.model import study_file_schema

        schema = study_file_schema()
    elif posture:
        from shieldlab.stability.posture import posture_file_schema

        schema = posture_file_schema()
    else:
        from shieldlab.scenario.schema import scenario_file_schema

        schema = scenario_file_schema()
    if output is None:
        emit_json(schema)
        return
    from pathlib import Path

    if Path(output).is_dir():
        raise InputError(f"'{output}' is a directory; give a file name", field="--output")
    try:
        atomic_write_text(output, json.dumps(schema, indent=2) + "\n")
    except OSError as exc:
        raise InputError(
            f"cannot write '{output}': {exc.strerror or exc}", field="--output"
        ) from None
    typer.echo(f"wrote {output}")


def scenarios_cmd(
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List the built-in scenarios with their descriptions."""
    from shieldlab.scenario import builtin_scenario, list_builtin_scenarios

    rows: list[dict[str, Any]] = []
    for b in list_builtin_scenarios():
        s = builtin_scenario(b.name)
        rows.append(
            {
                "name": b.name,
                "description": b.description,
                "batteries": len(s.batteries),
                "threats": s.raid.total_threats,
                "file": b.path.name,
            }
        )
    if json_out:
        emit_json({"scenarios": rows})
        return
    from rich.table import Table

    table = Table(title="Built-in scenarios (run one with: shieldlab run NAME)")
    table.add_column("name", no_wrap=True)
    table.add_column("batteries", justify="right")
    table.add_column("threats", justify="right")
    table.add_column("description")
    for r in rows:
        table.add_row(str(r["name"]), str(r["batteries"]), str(r["threats"]), str(r["description"]))
    console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``validate``, ``schema`` and ``scenarios`` to the main app."""
    app.command("validate")(validate_cmd)
    app.command("schema")(schema_cmd)
    app.command("scenarios")(scenarios_cmd)

"""``shieldlab examples [DIR]``: list the shipped example files, or copy them into DIR.

The examples are package data (:mod:`shieldlab.examples`), so they are there after any
install. Copying never replaces a file: every target is checked first, and if one exists
with other contents the command exits 2 naming it, before anything is written (a file
already holding the same bytes is left as it is).
"""

from __future__ import annotations

from pathlib import Path

import typer

from shieldlab.cli._output import console, emit_json
from shieldlab.errors import InputError

_DIR = typer.Argument(None, help="Copy the examples into this directory (created if missing).")


def examples_cmd(
    directory: Path | None = _DIR,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List the example files shipped with shieldlab, or copy them into DIR."""
    from shieldlab.examples import list_examples

    examples = list_examples()
    if directory is None:
        if as_json:
            emit_json(
                {
                    "examples": [
                        {
                            "name": e.name,
                            "file": e.path.name,
                            "kind": e.kind,
                            "about": e.description,
                        }
                        for e in examples
                    ]
                }
            )
            return
        from rich.table import Table

        t = Table(
            title="Shipped examples (copy with: shieldlab examples DIR; "
            "run a study one by name: shieldlab study run NAME --out DIR)",
            title_justify="left",
        )
        t.add_column("name", no_wrap=True)
        t.add_column("file", no_wrap=True)
        t.add_column("about")
        for e in examples:
            t.add_row(e.name, e.path.name, e.description)
        console().print(t)
        return
    if directory.exists() and not directory.is_dir():
        raise InputError("exists and is not a directory", file=directory)
    plan: list[tuple[Path, bytes]] = []
    same: list[Path] = []
    for e in examples:
        data = e.path.read_bytes()
        target = directory / e.path.name
        if target.exists() or target.is_symlink():
            if target.is_file() and target.read_bytes() == data:
                same.append(target)
                continue
            raise InputError(
                "already exists; not replaced (remove it or choose another directory); "
                "nothing copied",
                file=target,
            )
        plan.append((target, data))
    from shieldlab._io import atomic_write_bytes

    try:
        directory.mkdir(parents=True, exist_ok=True)
        for target, data in plan:
            atomic_write_bytes(target, data)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=directory) from None
    if as_json:
        emit_json(
            {
                "directory": str(directory),
                "copied": [str(t) for t, _ in plan],
                "unchanged": [str(t) for t in same],
            }
        )
        return
    out = console()
    for target, _ in plan:
        out.print(f"wrote {target}")
    if same:
        out.print(f"{len(same)} already there with the same contents: {', '.join(map(str, same))}")


def register(app: typer.Typer) -> None:
    """Add ``examples`` to the main app."""
    app.command("examples")(examples_cmd)

"""Smoke test of a base install: ``pip install shieldlab`` with no extras (issue 21).

Run by ``make smoke-base`` with the python of a fresh virtual environment into which only
``pip install .`` went (no ``[plot]``, ``[store]``, ``[dask]``, ``[dev]``). It checks:

- that it really is such an install: shieldlab is imported from that environment, not
  from the source tree, and none of the optional packages can be imported;
- ``shieldlab --version`` and ``--help`` of every command and sub-command (walked from
  the typer application, so a new command is covered without editing this file): exit 0,
  usage text on stdout, nothing on stderr;
- a little real work: ``scenarios``, ``schema``, ``validate`` and ``run`` of a built-in
  scenario, one closed form;
- every command that needs an extra says so in one line, exit 2, naming the extra to
  install, before any work and without creating its output.

Any failure is printed and the script exits 1. Usage: ``PYTHON .ci/smoke_base.py``, any
working directory (it runs the commands in a temporary one).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "shieldlab"
OPTIONAL = ("matplotlib", "plotly", "czml3", "simplekml", "duckdb", "pyarrow", "pandas")
OPTIONAL += ("xarray", "dask", "distributed")
BUILTIN = "single-battery.yaml"

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1")
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(BIN), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def command_paths() -> list[list[str]]:
    import typer.main

    from shieldlab.cli.main import app

    def walk(cmd: object, path: list[str]) -> list[list[str]]:
        out = [path]
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            out += walk(sub, [*path, name])
        return out

    return walk(typer.main.get_command(app), [])


def main() -> int:
    import shieldlab

    where = Path(shieldlab.__file__).resolve()
    check(
        REPO / "src" not in where.parents and Path(sys.prefix) in where.parents,
        f"shieldlab is imported from the environment under test ({where})",
    )
    present = [m for m in OPTIONAL if importlib.util.find_spec(m) is not None]
    check(not present, f"no optional package installed (found: {present or 'none'})")

    with tempfile.TemporaryDirectory(prefix="shieldlab-smoke-") as tmp:
        cwd = Path(tmp)
        r = cli("--version", cwd=cwd)
        check(
            r.returncode == 0 and r.stdout.startswith("shieldlab ") and not r.stderr,
            f"shieldlab --version: exit {r.returncode}, {r.stdout.strip()!r} {r.stderr[-300:]!r}",
        )
        # One process per command, as many at once as there are cores (reported in order).
        paths = command_paths()
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            helps = list(pool.map(lambda p: cli(*p, "--help", cwd=cwd), paths))
        for path, r in zip(paths, helps, strict=True):
            check(
                r.returncode == 0 and r.stdout.startswith("Usage:") and not r.stderr,
                f"shieldlab {' '.join([*path, '--help'])}: exit {r.returncode}"
                + ("" if r.returncode == 0 else f" {r.stderr[-300:]!r}"),
            )

        # A little real work with the core dependencies only.
        for args in (
            ["scenarios"],
            ["schema"],
            ["validate", str(where.parent / "scenario" / "builtin" / BUILTIN)],
            ["analytic", "horizon", "--antenna-height-m", "10", "--json"],
            ["run", "single-battery", "-n", "50", "--json"],
            ["examples", "ex"],  # package data: the shipped examples are installed
        ):
            t0 = time.perf_counter()
            r = cli(*args, cwd=cwd)
            check(
                r.returncode == 0 and r.stdout.strip() != "",
                f"shieldlab {' '.join(args)}: exit {r.returncode} "
                f"({time.perf_counter() - t0:.1f} s) {r.stderr[-300:]!r}",
            )

        # Each extra is asked for in one line, exit 2, before the work, nothing written.
        study = "study-sweep"  # a shipped example, by name
        cases = [
            (["run", "single-battery", "-n", "50", "--report", "rep"], "plot", "rep"),
            (["run", "single-battery", "-n", "50", "--out", "m.parquet"], "store", "m.parquet"),
            (["run", "single-battery", "-n", "50", "--scheduler", "local"], "dask", None),
            (["replay", "single-battery", "--czml", "r.czml"], "plot", "r.czml"),
            (["replay", "single-battery", "--kml", "r.kml"], "plot", "r.kml"),
            (["replay", "single-battery", "--map", "m.html"], "plot", "m.html"),
            (["replay", "single-battery", "--timeline", "t.png"], "plot", "t.png"),
            (["stability", "penetration", "--plot", "figs"], "plot", "figs"),
            (["study", "run", study, "--out", "st"], "store", "st"),
        ]
        for args, extra, output in cases:
            r = cli(*args, cwd=cwd)
            lines = r.stderr.splitlines()
            check(
                r.returncode == 2
                and len(lines) == 1
                and f"pip install 'shieldlab[{extra}]'" in lines[0]
                and (output is None or not (cwd / output).exists()),
                f"shieldlab {' '.join(args)}: exit {r.returncode}, {r.stderr.strip()[-300:]!r}",
            )
    print(f"{len(failures)} failure(s)" if failures else "base install: all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""``shieldlab study run|show``: sweeps and sensitivity studies with a results store.

Thin: load the study, call :func:`shieldlab.study.run_study` (in-process, or on a process
pool with ``--workers N``), print. ``show`` reads a results directory, complete or not.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from shieldlab.cli._output import console, emit_json
from shieldlab.errors import InputError

if TYPE_CHECKING:
    from shieldlab.study import StudyResults

app = typer.Typer(
    help="Studies: sweeps, sampled designs and sensitivity over a scenario or posture.",
    no_args_is_help=True,
)

#: Cells shown by the table of ``study show`` unless --all.
SHOW_ROWS = 40


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        return f"{v:,.{digits}f}" if abs(v) < 1e6 else f"{v:.3g}"
    return str(v)


def _summary(res: StudyResults) -> dict[str, Any]:
    return {
        "study": res.name,
        "design": res.design,
        "cells": res.n_cells,
        "cells_done": len(res.records),
        "computed_now": res.computed,
        "resumed": res.resumed,
        "directory": None if res.directory is None else str(res.directory),
        "factors": list(res.factors),
        "outputs": list(res.outputs),
        "records": res.records,
        "sensitivity": res.sensitivity,
    }


def _print(res: StudyResults, show_all: bool = False) -> None:
    from rich.table import Table

    out = console()
    shown = res.records if show_all else res.records[:SHOW_ROWS]
    main = [
        o
        for o in ("leakers", "p_any_leak", "interceptors_fired", "stability_index")
        if o in res.outputs
    ]
    t = Table(
        title=f"{res.name}: {res.design} design, {len(res.records):,} of {res.n_cells:,} cells",
        title_justify="left",
    )
    t.add_column("cell", justify="right")
    for f in res.factors:
        t.add_column(f, justify="right")
    for o in main:
        t.add_column(o + (" ±95 %" if o == "leakers" else ""), justify="right")
    for r in shown:
        o = r["outputs"]
        row = [str(r["cell"]), *(_fmt(v) for v in r["values"])]
        for name in main:
            if name == "leakers":
                half = (o["leakers_ci_high"] - o["leakers_ci_low"]) / 2.0
                row.append(f"{_fmt(o['leakers'], 2)} ±{_fmt(half, 2)}")
            else:
                row.append(_fmt(o.get(name), 3))
        t.add_row(*row)
    out.print(t)
    if len(shown) < len(res.records):
        out.print(f"({len(res.records) - len(shown):,} more cells: --all, --json or the store)")
    if res.sensitivity:
        _print_sensitivity(res)
    if res.directory is not None:
        out.print(
            f"results in {res.directory}: study.duckdb (tables cells, factors, sensitivity, "
            "meta, replications), cells.parquet"
        )


def _print_sensitivity(res: StudyResults) -> None:
    from rich.table import Table

    out = console()
    sens = res.sensitivity or []
    by: dict[tuple[str, str], dict[str, Any]] = {}
    for s in sens:
        by.setdefault((s["output"], s["factor"]), {})[s["measure"]] = s
    outputs = list(dict.fromkeys(s["output"] for s in sens))
    sobol = res.design == "sobol"
    for o in outputs:
        rows = [(f, by[(o, f)]) for f in res.factors if (o, f) in by]
        key = "ST" if sobol else "mu_star"
        rows.sort(key=lambda fr: -abs(fr[1][key]["value"]))
        title = (
            f"Sobol indices of {o} (95 % bootstrap intervals), by total index"
            if sobol
            else f"Morris screening of {o} (mu*: mean |elementary effect| per full range)"
        )
        t = Table(title=title, title_justify="left")
        t.add_column("factor")
        cols = ("S1", "ST") if sobol else ("mu_star", "mu", "sigma")
        for c in cols:
            t.add_column(c, justify="right")
        for f, m in rows:
            cells = []
            for c in cols:
                s = m[c]
                txt = _fmt(s["value"], 3)
                if not math.isnan(s["low"]):
                    txt += f" [{_fmt(s['low'], 3)}, {_fmt(s['high'], 3)}]"
                cells.append(txt)
            t.add_row(f, *cells)
        out.print(t)


_STUDY = typer.Argument(
    ..., help="Study file (YAML, version 1), or the name of a shipped example (study-sweep)."
)
_OUT = typer.Option(..., "--out", "-o", help="Results directory (created or resumed).")
_DIR = typer.Argument(..., help="Results directory of 'shieldlab study run'.")
_PLOT = typer.Option(
    None,
    "--plot",
    help="Write the study's figures (PNG and offline HTML) and study.html, a static "
    "page of the whole study, into this directory. Needs: pip install 'shieldlab[plot]'.",
)


@app.command("run")
def run_cmd(
    study: Path = _STUDY,
    out: Path = _OUT,
    workers: int = typer.Option(
        1, "--workers", help="Run cells on this many worker processes (1: in this process)."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Run cells on Dask: 'local' (a LocalCluster of --workers processes) or the "
        "address of a running scheduler. Needs: pip install 'shieldlab[dask]'.",
    ),
    per_replication: bool = typer.Option(
        False, "--per-replication", help="Also store every replication's outcome row (Parquet)."
    ),
    fresh: bool = typer.Option(
        False, "--fresh", help="Discard results of a different study found in --out."
    ),
    replications: int | None = typer.Option(
        None,
        "--replications",
        "-n",
        help="Replications per cell instead of the study file's (a different study: "
        "results of the file's count in --out are not mixed in; --fresh replaces them).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    show_all: bool = typer.Option(False, "--all", help="Show every cell in the table."),
) -> None:
    """Run a study, or resume an interrupted one (only missing cells are computed).

    STUDY is a study file or the name of a shipped example (shieldlab examples).
    """
    from shieldlab.study import load_study, process_pool, run_study
    from shieldlab.study.model import with_replications

    if not 1 <= workers <= 256:
        raise InputError(f"must be between 1 and 256, got {workers}", field="--workers")
    sf = load_study(study)
    if replications is not None:
        sf = with_replications(sf, replications)
    from concurrent.futures import Executor
    from contextlib import ExitStack

    stack = ExitStack()
    executor: Executor | None
    if scheduler is not None:
        from shieldlab.montecarlo.backends import open_executor

        executor = stack.enter_context(open_executor(scheduler, workers))
    else:
        executor = process_pool(workers) if workers > 1 else None
    try:
        if as_json:
            res = run_study(
                sf, out, executor=executor, per_replication=per_replication, fresh=fresh
            )
        else:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            err = console(stderr=True)
            with Progress(
                SpinnerColumn(),
                TextColumn(f"study {sf.study.name}: cells"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
                disable=not err.is_terminal,
            ) as bar:
                task = bar.add_task("cells", total=None)
                res = run_study(
                    sf,
                    out,
                    executor=executor,
                    per_replication=per_replication,
                    fresh=fresh,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
    finally:
        if scheduler is None and executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        stack.close()
    if as_json:
        emit_json(_summary(res))
        return
    _print(res, show_all)
    console().print(
        f"{res.computed:,} cells computed, {res.resumed:,} already done; "
        f"{res.timing.get('cells_s', 0.0):.1f} s on cells"
    )


def _plot_dir(plot: Path | None) -> None:
    """Check the extras and create the --plot directory before any work."""
    if plot is None:
        return
    from shieldlab._optional import require

    require("matplotlib", feature="study show --plot")
    require("plotly", feature="study show --plot")
    if plot.exists() and not plot.is_dir():
        raise InputError(f"{str(plot)!r} exists and is not a directory", field="--plot")
    from shieldlab._io import check_output_path

    check_output_path(plot, "--plot", directory=True)  # read-only, full, name too long
    try:
        plot.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the figure directory {str(plot)!r}: {exc.strerror or exc}",
            field="--plot",
        ) from None


@app.command("show")
def show_cmd(
    directory: Path = _DIR,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    show_all: bool = typer.Option(False, "--all", help="Show every cell in the table."),
    plot: Path | None = _PLOT,
) -> None:
    """Show a study's results (complete or interrupted) and its sensitivity indices."""
    from shieldlab.study import load_results

    res = load_results(directory)
    _plot_dir(plot)
    figures: list[str] = []
    if plot is not None:
        from shieldlab._io import output_errors
        from shieldlab.study.figures import write_study_figures

        with output_errors(plot, "--plot"):
            figures = [str(p) for p in write_study_figures(res, plot)]
    if as_json:
        summary = _summary(res)
        if plot is not None:
            summary["figures"] = figures
        emit_json(summary)
        return
    _print(res, show_all)
    for f in figures:
        console().print(f"wrote {f}", soft_wrap=True)  # a path never folds
    if len(res.records) < res.n_cells:
        console().print(
            f"incomplete: {res.n_cells - len(res.records):,} cells missing; "
            "'shieldlab study run' with the same study and --out resumes it"
        )

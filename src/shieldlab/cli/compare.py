"""``shieldlab compare A B``: two scenarios, same seed, paired differences with intervals.

Thin: resolve both scenarios, call :func:`shieldlab.montecarlo.compare.compare`, print a
table or one JSON object, optionally write an HTML report (``report.compare``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import typer

from shieldlab.cli._output import console, emit_json

if TYPE_CHECKING:
    from shieldlab.montecarlo.compare import Comparison
    from shieldlab.scenario import Scenario


def _f(x: float, digits: int = 3) -> str:
    if not math.isfinite(x):
        return "-" if math.isnan(x) else ("∞" if x > 0 else "-∞")
    return f"{x:,.{digits}g}" if abs(x) < 1e4 else f"{x:,.0f}"


def compare_cmd(
    a: str = typer.Argument(..., help="Scenario A (file or built-in name): the baseline."),
    b: str = typer.Argument(..., help="Scenario B (file or built-in name): the variant."),
    replications: int = typer.Option(10_000, "--replications", "-n", help="Paired replications."),
    seed: int = typer.Option(0, "--seed", help="Random seed, the same for both scenarios."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    report: str | None = typer.Option(
        None,
        "--report",
        help="Also write an offline HTML report of the differences into this directory "
        "(needs shieldlab[plot]).",
    ),
    show_all: bool = typer.Option(
        False, "--all", help="List every outcome, also those equal in every replication."
    ),
) -> None:
    """Compare two scenarios with common random numbers: B - A per outcome, 95 % intervals."""
    from shieldlab.montecarlo.runner import check_run_options
    from shieldlab.scenario.loader import scenario_by_name_or_path

    check_run_options(replications=replications, seed=seed, workers=1, precision=None)
    if report is not None:
        from shieldlab._optional import require
        from shieldlab.report.document import check_report_dir

        require("plotly", feature="--report")
        check_report_dir(report)
    sa = scenario_by_name_or_path(a)
    sb = scenario_by_name_or_path(b)
    cmp = _compare_with_progress(sa, sb, replications, seed, bar=not json_out)
    if cmp.a == cmp.b:  # two variants of one scenario: name them by what was given
        cmp = dataclasses.replace(cmp, a=a, b=b)
    written = None
    if report is not None:
        from shieldlab.report.compare import compare_report

        written = compare_report(cmp, a_ref=a, b_ref=b).write(report)
    if json_out:
        d = cmp.to_dict()
        if written is not None:
            d["report"] = str(written)
        emit_json(d)
        return
    _table(cmp, show_all)
    if written is not None:
        console().print(f"wrote the report: {written}")


def _compare_with_progress(
    sa: Scenario, sb: Scenario, replications: int, seed: int, *, bar: bool
) -> Comparison:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shieldlab.montecarlo.compare import compare

    err = console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not (bar and err.is_terminal),
    ) as prog:
        task = prog.add_task("comparing (paired replications)", total=replications)
        return compare(
            sa,
            sb,
            replications=replications,
            seed=seed,
            progress=lambda done, total: prog.update(task, completed=done),
        )


def _table(cmp: Comparison, show_all: bool) -> None:
    from rich.table import Table

    out = console()
    t = Table(
        title=f"B - A: {cmp.b} minus {cmp.a}, {cmp.replications:,} paired replications, seed "
        f"{cmp.seed} (common random numbers)",
        title_justify="left",
    )
    t.add_column("outcome", no_wrap=True)
    t.add_column("A", justify="right")
    t.add_column("B", justify="right")
    t.add_column("B - A", justify="right")
    t.add_column("95 % interval", justify="right", no_wrap=True)
    t.add_column("var. reduction", justify="right")
    hidden = 0
    for name, d in cmp.differences.items():
        if not show_all and d.std == 0.0 and d.diff == 0.0:
            hidden += 1
            continue
        ci = "" if d.ci95[0] == d.ci95[1] else f"[{_f(d.ci95[0])}, {_f(d.ci95[1])}]"
        style = "bold" if d.significant else None
        t.add_row(
            name,
            _f(d.mean_a),
            _f(d.mean_b),
            _f(d.diff),
            ci,
            _f(d.variance_reduction, 2),
            style=style,
        )
    out.print(t)
    notes = [
        "Bold: the interval excludes 0. Intervals: Student t on the paired differences. "
        "Variance reduction: (Var A + Var B) / Var(B - A), the gain over independent runs."
    ]
    if hidden:
        notes.append(f"{hidden} outcomes equal in every replication not shown (--all shows them).")
    if cmp.only_a or cmp.only_b:
        notes.append(
            f"Not compared (in one scenario only): A {', '.join(cmp.only_a) or '-'}; "
            f"B {', '.join(cmp.only_b) or '-'}."
        )
    for n in notes:
        out.print(n, style="dim")


def register(app: typer.Typer) -> None:
    """Add ``compare`` to the main app."""
    app.command("compare")(compare_cmd)

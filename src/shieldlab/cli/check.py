"""``shieldlab check``: a scenario's Monte Carlo beside the closed form that matches or bounds it.

Thin: resolve the scenario, call :func:`shieldlab.analytic.crosscheck.check`, print a table
(or one JSON object with ``--json``). Exit status 0 when every judged row agrees, 3 when
one disagrees, 2 for bad input. Heavy imports stay inside the command.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import typer

from shieldlab.cli._output import console, emit_json

if TYPE_CHECKING:
    from shieldlab.analytic.crosscheck import CheckReport

EXIT_DISAGREE = 3


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "-"
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


_LABELS = {
    "p_kill_per_threat": "P(kill) per lethal threat",
    "expected_leakers": "expected leakers",
    "p_zero_leakers": "P(no leaker)",
    # Short words: an 80-column terminal wraps the labels at spaces instead of cutting
    # a long word off with an ellipsis.
    "interceptors_fired": "shots fired",
    "p_leak_per_threat_independent_layers": "P(leak) per threat, indep. layers",
}


def _label(quantity: str) -> str:
    if quantity.startswith("kills_by_layer."):
        return f"kills by layer {quantity.split('.', 1)[1]}, indep. layers"
    return _LABELS.get(quantity, quantity)


def _table(rep: CheckReport) -> None:
    from rich.table import Table

    out = console()
    title = (
        f"{rep.scenario}: closed form vs Monte Carlo ({rep.replications:,} replications, "
        f"seed {rep.seed}, 99 % intervals)"
    )
    t = Table(title=title, title_justify="left")
    t.add_column("quantity")
    t.add_column("closed form", justify="right")
    t.add_column("Monte Carlo", justify="right")
    t.add_column("99 % interval", justify="right")
    t.add_column("relation")
    t.add_column("agrees")
    for r in rep.rows:
        verdict = "-" if r.agree is None else ("yes" if r.agree else "[bold red]NO[/bold red]")
        lo, hi = r.mc_interval
        t.add_row(
            _label(r.quantity),
            _fmt(r.closed_form),
            _fmt(r.mc_mean),
            f"[{_fmt(lo)}, {_fmt(hi)}]",
            r.relation,
            verdict,
        )
    out.print(t)
    if rep.exact:
        out.print(
            "The closed form is exact here: every threat got its planned shots with one kill "
            "probability and certain detection, so it must fall inside each interval."
        )
    else:
        out.print(
            "The closed form only bounds this scenario (best case for the defence: certain "
            "detection, every round at the best kill probability, spread evenly): the engine's "
            "leakers can only be higher, its kills and P(no leaker) only lower, because"
        )
        for why in rep.why:
            out.print(f"  - {why}")
    if any(r.agree is None for r in rep.rows):
        out.print(
            "Rows marked 'reference' are shown, not judged ('indep. layers': each layer fires "
            "one salvo at what the outer layers let through; the engine's assigner picks "
            "the layer itself)."
        )
    _distance(rep)
    out.print("AGREE" if rep.agree else "[bold red]DISAGREE[/bold red]")


def _distance(rep: CheckReport) -> None:
    """How far the engine is from the closed form, and the reference doctrines."""
    out = console()
    ratio = rep.leakers_ratio
    kind = "exact value" if rep.exact else "best-case bound"
    if not math.isnan(ratio):
        reasons = f"{len(rep.why)} reasons it is a bound, above" if rep.why else "exact"
        out.print(f"Engine ({rep.doctrine}) leakers / {kind}: {ratio:.2f}x ({reasons}).")
    if not rep.references:
        return
    from rich.table import Table

    t = Table(
        title="Reference doctrines on the same replications (paired, 99 % intervals)",
        title_justify="left",
    )
    t.add_column("doctrine")
    t.add_column("leakers", justify="right")
    t.add_column(f"/ {kind}", justify="right")
    t.add_column(f"minus {rep.doctrine}", justify="right")
    t.add_column("doctrine loss")
    for r in rep.references:
        lo, hi = r.interval
        t.add_row(
            r.doctrine,
            _fmt(r.leakers),
            "-" if math.isnan(r.ratio) else f"{r.ratio:.2f}x",
            f"{r.difference:+.3f} [{lo:+.3f}, {hi:+.3f}]",
            f"[bold red]yes: {rep.doctrine} leaks more[/bold red]" if r.loss else "no",
        )
    out.print(t)


def check_cmd(
    scenario: str | None = typer.Argument(
        None, help="Scenario file, or built-in name (default: four-batteries)."
    ),
    replications: int = typer.Option(
        10_000, "--replications", "-n", help="Monte Carlo replications."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same results)."),
    workers: int = typer.Option(1, "--workers", "-w", help="Worker processes."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Run a scenario's Monte Carlo and the closed form that matches or bounds it."""
    from shieldlab.analytic.crosscheck import check
    from shieldlab.montecarlo.runner import check_run_options
    from shieldlab.scenario.loader import scenario_by_name_or_path

    check_run_options(replications=replications, seed=seed, workers=workers, precision=None)
    sc = scenario_by_name_or_path(scenario)
    rep = check(sc, replications=replications, seed=seed, workers=workers)
    if json_out:
        emit_json(rep.to_dict())
    else:
        _table(rep)
    if not rep.agree:
        # SystemExit rather than typer.Exit: the app runs with standalone_mode=False, where
        # click turns Exit into a return value and the status would be lost.
        raise SystemExit(EXIT_DISAGREE)


def register(app: typer.Typer) -> None:
    """Add ``check`` to the main app."""
    app.command("check")(check_cmd)

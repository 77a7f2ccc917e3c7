"""``shieldlab run``: Monte Carlo of a scenario, summary table or one JSON object.

Thin: resolve the scenario (file path or built-in name), call
:func:`shieldlab.montecarlo.simulate`, print. Heavy imports happen inside the command so
``shieldlab --help`` stays fast.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

import typer

from shieldlab.cli._output import console, emit_json

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from shieldlab.montecarlo import Metric, Results

DEFAULT_REPLICATIONS = 10_000


def _fmt(x: float, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:,.{digits}f}"


def _ci(m: Metric, digits: int = 2, scale: float = 1.0) -> str:
    lo, hi = m.ci95
    if m.is_constant:  # a constant, or an outcome that never varied: no interval
        return ""
    if math.isnan(lo):
        return "-"
    return f"[{_fmt(lo * scale, digits)}, {_fmt(hi * scale, digits)}]"


def _pm(m: Metric, digits: int = 2) -> str:
    """Mean and its 95 % interval (not symmetric about the mean): a narrow column."""
    if math.isnan(m.mean):
        return "-"
    lo, hi = m.ci95
    if math.isnan(lo) or m.is_constant:
        return _fmt(m.mean, digits)
    return f"{_fmt(m.mean, digits)} ({_fmt(lo, digits)}-{_fmt(hi, digits)})"


def _table(res: Results, sources: list[Any], catalog_path: str, elapsed_note: str) -> None:
    from rich.table import Table

    out = console()
    m = res.metrics
    n_decoys = res.n_threats - res.n_lethal
    if res.headline:
        out.print(f"[bold]{res.headline}[/bold]")
    title = (
        f"{res.scenario}: {res.replications:,} replications, seed {res.seed} "
        f"(mean per raid, 95 % interval)"
    )
    t = Table(title=title, title_justify="left")
    t.add_column("outcome")
    t.add_column("mean", justify="right")
    t.add_column("95 % interval", justify="right")
    t.add_row(
        f"threats in the raid ({res.n_lethal} lethal, {n_decoys} decoys)",
        f"{res.n_threats}",
        "",
    )
    t.add_row(
        "[bold]leakers[/bold] (lethal threats reaching their aimpoint)",
        f"[bold]{_fmt(m['leakers'].mean)}[/bold]",
        _ci(m["leakers"]),
    )
    t.add_row("P(no leaker)", _fmt(m["p_zero_leakers"].mean, 4), _ci(m["p_zero_leakers"], 4))
    t.add_row(
        "lethal threats shot down",
        _fmt(m["lethal_threats_killed"].mean),
        _ci(m["lethal_threats_killed"]),
    )
    if n_decoys:
        t.add_row("decoys shot down", _fmt(m["decoys_killed"].mean), _ci(m["decoys_killed"]))
    t.add_row("threats engaged", _fmt(m["threats_engaged"].mean), _ci(m["threats_engaged"]))
    t.add_row(
        "interceptors fired", _fmt(m["interceptors_fired"].mean), _ci(m["interceptors_fired"])
    )
    t.add_row(
        "interceptor cost (M$)",
        _fmt(m["interceptor_cost_usd"].mean / 1e6),
        _ci(m["interceptor_cost_usd"], scale=1e-6),
    )
    t.add_row(
        "raid cost consumed (M$): missiles and decoys launched, aircraft lost",
        _fmt(m["raid_cost_usd"].mean / 1e6),
        _ci(m["raid_cost_usd"], scale=1e-6),
    )
    t.add_row(
        "interceptor cost / raid cost consumed",
        _fmt(m["interceptor_to_raid_cost_ratio"].mean, 3),
        _ci(m["interceptor_to_raid_cost_ratio"], 3),
    )
    if m["raid_missile_cost_usd"].mean != m["raid_launched_value_usd"].mean:
        t.add_row(
            "interceptor cost / missiles and decoys only",
            _fmt(m["interceptor_to_missile_cost_ratio"].mean, 3),
            _ci(m["interceptor_to_missile_cost_ratio"], 3),
        )
    if "aircraft_lost" in m and m["aircraft_lost"].upper:
        t.add_row(
            f"aircraft shot down (of {m['aircraft_lost'].upper:.0f})",
            _fmt(m["aircraft_lost"].mean),
            _ci(m["aircraft_lost"]),
        )
    if "rounds_on_decoys" in m and n_decoys:
        t.add_row(
            "interceptors fired at decoys",
            _fmt(m["rounds_on_decoys"].mean),
            _ci(m["rounds_on_decoys"]),
        )
    first = m["time_of_first_leak_s"]
    t.add_row(
        f"time of first leak, s ({first.n:,} raids with a leak)",
        _fmt(first.mean, 0),
        _ci(first, 0),
    )
    out.print(t)

    bt = Table(title="What stops what: by layer and interceptor type", title_justify="left")
    bt.add_column("layer", no_wrap=True)
    bt.add_column("interceptor type", overflow="fold")
    bt.add_column("fired (95 %)", justify="right", no_wrap=True)
    bt.add_column("kills (95 %)", justify="right", no_wrap=True)
    fired = res.by_type["interceptors_fired_by_type"]
    kills = res.by_type["kills_by_type"]
    layer_of = dict(zip(fired, res.layers, strict=True)) if res.layers else {}
    for layer, km in res.by_type["kills_by_layer"].items():
        in_layer = [n for n in fired if layer_of.get(n) == layer]
        for name in in_layer:
            bt.add_row(layer, name, _pm(fired[name]), _pm(kills[name]))
        if len(in_layer) != 1:
            bt.add_row(layer, "(all types)", "", _pm(km))
    out.print(bt)

    ht = Table(title="What leaks through: leakers per defended asset", title_justify="left")
    ht.add_column("defended asset", min_width=24)
    ht.add_column("leakers", justify="right")
    ht.add_column("95 % interval", justify="right")
    for name, hm in res.by_type["hits_by_asset"].items():
        ht.add_row(name, _fmt(hm.mean), _ci(hm))
    out.print(ht)
    _breakdown_tables(res)
    out.print(f"Raid cost: {res.cost_basis}.", style="dim")

    if res.precision is not None:
        from shieldlab.core.stats import t_half_width

        # The stopping rule's measure: the Student t half-width sqrt(var/n) t (runner).
        half = t_half_width(m["leakers"].std ** 2, m["leakers"].n)
        state = "met" if res.precision_met else "NOT met (raise --replications)"
        out.print(
            f"precision target: leakers interval half-width {_fmt(half, 4)} "
            f"vs {res.precision:g}: {state}"
        )
    d = res.doctrine
    if d:
        out.print(
            f"Doctrine: {d['assigner']} assigner, priority {d['engagement_priority']} "
            f"({d['weapon_choice']}); salvo {d['salvo_size']}, "
            f"{'shoot-look-shoot' if d['shoot_look_shoot'] else 'no shoot-look-shoot'}, "
            f"at most {d['max_engagements_per_threat']} engagements per threat, "
            f"{d['c2_mode']} C2."
        )
        if d["engagement_priority"] == "time_to_impact":
            out.print(
                "  With this weapon choice more rounds can mean more leakers (long-range "
                "rounds use up the engagements per threat): see docs/engine.md, "
                "'Doctrine and inventory'.",
                style="dim",
            )
    out.print(
        "Intervals: means, Student t on the logit/log scale (inside the outcome's range); "
        "proportions, Wilson.",
        style="dim",
    )
    if res.path == "python":
        out.print("assigner not compiled: ran the Python event loop (slower)")
    if sources:
        names = ", ".join(s.card for s in sources)
        notional = sum(1 for s in sources for p in s.parameters if p.notional)
        out.print(
            f"Parameter cards used: {names}.\n"
            f"Every value's unit, range and source is in the card files in {catalog_path} "
            f"({notional} values there are marked NOTIONAL)."
        )
    else:
        out.print("Parameter cards used: none (all values given in the scenario file).")
    out.print(elapsed_note, style="dim")


def _breakdown_tables(res: Results) -> None:
    """What leaks by threat class and wave, type x class, magazines (with a breakdown)."""
    from rich.table import Table

    g = res.by_type
    if "kills_by_class" not in g:
        return
    out = console()
    for key, label in (("class", "threat class"), ("wave", "wave")):
        kills, leaks = g[f"kills_by_{key}"], g[f"leakers_by_{key}"]
        t = Table(title=f"What leaks, by {label} (mean per raid, 95 %)", title_justify="left")
        t.add_column(label, no_wrap=True)
        t.add_column("threats", justify="right")
        t.add_column("shot down (95 %)", justify="right", no_wrap=True)
        t.add_column("leakers (95 %)", justify="right", no_wrap=True)
        for name, km in kills.items():
            lm = leaks.get(name)
            t.add_row(
                name,
                f"{km.upper:.0f}" if km.upper is not None else "",
                _pm(km),
                _pm(lm) if lm is not None else "(not lethal)",
            )
        out.print(t)
    t = Table(title="Interceptor type x threat class (mean per raid, 95 %)", title_justify="left")
    t.add_column("interceptor type", no_wrap=True)
    t.add_column("at", no_wrap=True)
    t.add_column("fired (95 %)", justify="right", no_wrap=True)
    t.add_column("shot down (95 %)", justify="right", no_wrap=True)
    for key, fm in g["fired_by_type_and_class"].items():
        if fm.mean > 0:
            ty, _, cl = key.rpartition("/")
            t.add_row(ty, cl, _pm(fm), _pm(g["kills_by_type_and_class"][key]))
    out.print(t)
    t = Table(title="Magazines at the end of the raid (mean per raid)", title_justify="left")
    t.add_column("battery", no_wrap=True)
    t.add_column("rounds at start", justify="right")
    t.add_column("rounds left (95 %)", justify="right", no_wrap=True)
    t.add_column("reloads done", justify="right", no_wrap=True)
    for name, rm in g["rounds_left_by_battery"].items():
        start = f"{rm.upper:.0f}" if rm.upper is not None else ""
        t.add_row(name, start, _pm(rm), _pm(g["reloads_by_battery"][name]))
    out.print(t)


def _simulate_with_progress(
    sc: Any,
    *,
    replications: int,
    seed: int,
    workers: int,
    precision: float | None,
    executor: Executor | None,
    bar_wanted: bool,
) -> Results:
    from shieldlab.montecarlo.runner import simulate

    if not bar_wanted:
        return simulate(
            sc,
            replications=replications,
            seed=seed,
            workers=workers,
            precision=precision,
            executor=executor,
        )
    # Always a (transient, stderr) bar: the first run spends 20-60 s compiling the
    # kernel (said so, instead of a frozen "0/N"), and a non-compiled assigner runs a
    # few replications per second.
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from shieldlab.engine.batch import kernel_cached

    err = console(stderr=True)
    label = "simulating" if precision is None else f"simulating until ±{precision:g} leakers"
    first_label = (
        "compiling the simulation kernel (first run only, 20-60 s)"
        if kernel_cached() is False
        else "preparing the scenario"
    )
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,  # nothing at all on a pipe or in a log file
    ) as bar:
        task = bar.add_task(first_label, total=replications)

        def on_progress(done: int, total: int) -> None:
            # At the end the results are summarised (what leaks, by threat), a second or
            # two on large runs: say so instead of a still "N/N".
            desc = label if done < total else "summarising the results"
            bar.update(task, completed=done, description=desc)

        return simulate(
            sc,
            replications=replications,
            seed=seed,
            workers=workers,
            precision=precision,
            executor=executor,
            progress=on_progress,
        )


def run_cmd(
    scenario: str | None = typer.Argument(
        None, help="Scenario file, or built-in name (default: four-batteries)."
    ),
    replications: int | None = typer.Option(
        None,
        "--replications",
        "-n",
        help="Replications to run (default 10,000); with --precision the most to run "
        "(default 1,000,000).",
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same results)."),
    workers: int = typer.Option(1, "--workers", "-w", help="Worker processes."),
    precision: float | None = typer.Option(
        None,
        "--precision",
        help="Stop once the 95 % interval on mean leakers has a half-width below this.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    report: str | None = typer.Option(
        None,
        "--report",
        help="Also write an offline HTML report (tables, figures, parameter sources, the "
        "command to rerun it) with PNGs into this directory (needs shieldlab[plot]).",
    ),
    out_path: str | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Also write the metrics, one row per metric (mean, interval, n, std), to "
        "FILE.csv or FILE.parquet (format by suffix; parquet needs shieldlab[store]).",
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Run on Dask: 'local' (a LocalCluster of --workers processes) or the address "
        "of a running scheduler (tcp://host:8786). Needs: pip install 'shieldlab[dask]'.",
    ),
) -> None:
    """Simulate a layered air and missile defence: what is stopped, what leaks through."""
    import time

    from shieldlab.montecarlo.backends import open_executor
    from shieldlab.montecarlo.runner import PRECISION_DEFAULT_MAX, check_run_options
    from shieldlab.scenario import card_sources
    from shieldlab.scenario.cards import catalog_dir
    from shieldlab.scenario.loader import scenario_by_name_or_path

    if replications is None:
        replications = DEFAULT_REPLICATIONS if precision is None else PRECISION_DEFAULT_MAX
    check_run_options(replications=replications, seed=seed, workers=workers, precision=precision)
    if report is not None:  # fail before the run: a missing extra or an unusable directory
        from shieldlab._optional import require
        from shieldlab.report.document import check_report_dir

        require("plotly", feature="--report")
        require("matplotlib", feature="--report")
        check_report_dir(report)
    if out_path is not None:
        from shieldlab._io import check_output_path
        from shieldlab.montecarlo.results import table_format

        table_format(out_path)  # a bad suffix or a missing pyarrow fails before the run
        check_output_path(out_path, "--out")  # ... and so does a path that cannot be written
    t0 = time.perf_counter()
    sc = scenario_by_name_or_path(scenario)
    # Without --scheduler, simulate() uses the process's reusable pool itself.
    backend = open_executor(scheduler, workers) if scheduler is not None else nullcontext()
    with backend as executor:
        res = _simulate_with_progress(
            sc,
            replications=replications,
            seed=seed,
            workers=workers,
            precision=precision,
            executor=executor,
            bar_wanted=not json_out,
        )
    wall = time.perf_counter() - t0
    written = None
    if report is not None:
        from shieldlab.cli._output import StatusLine
        from shieldlab.report.run import run_report

        status = StatusLine(f"writing the report to {report} (figures, tables, sources)")
        rep = run_report(
            sc,
            res,
            sources=card_sources(sc),
            scenario_ref=scenario,
            report_dir=report,
            precision=precision,
            replications=replications,
            workers=workers,
        )
        written = rep.write(report)
        status.stop()
    if out_path is not None:
        from shieldlab._io import output_errors
        from shieldlab.montecarlo.results import write_table

        with output_errors(out_path, "--out"):
            write_table(res, out_path)
    if json_out:
        d = res.to_dict()
        d["timing"]["wall_s"] = wall
        if written is not None:
            d["report"] = str(written)
        emit_json(d)
        return
    path = "compiled kernel" if res.timing["path"] == "compiled" else "Python event loop"
    note = (
        f"{wall:.1f} s in all; {res.timing['replications_per_s']:,.0f} replications/s, "
        f"{res.timing['backend']} ({path})"
    )
    _table(res, card_sources(sc), str(catalog_dir()), note)
    if written is not None:
        console().print(f"wrote the report: {written}")


def register(app: typer.Typer) -> None:
    """Add ``run`` to the main app."""
    app.command("run")(run_cmd)

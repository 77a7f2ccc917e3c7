"""``shieldlab attack optimise|cheapest|duel``: the attacker's best response (docs/attack.md).

Thin: load the scenario and the arsenal (and the defender's options for ``duel``), check
every output target before the search, call :mod:`shieldlab.attack`, print a table (or
``--json``), and write ``--out`` (results store, raid.yaml, convergence.png) and
``--report`` (HTML). Optuna is the ``[attack]`` extra.
"""

from __future__ import annotations

import math
import shlex
import sys
from pathlib import Path
from typing import Any

import typer

from shieldlab.cli._output import console, emit_json
from shieldlab.errors import InputError

app = typer.Typer(
    help="The attacker's best response: optimised raids, the cheapest raid that restores "
    "deterrence, and attacker and defender answering each other in turn.",
    no_args_is_help=True,
)

_SCENARIO = typer.Argument(..., help="Scenario file, or built-in name (four-batteries).")
_ARSENAL = typer.Argument(
    ..., help="Arsenal file, or built-in name (four-batteries-red): the attacker's options."
)
_EVALS = typer.Option(60, "--evaluations", help="Distinct candidate raids to simulate.")
_REPS = typer.Option(200, "--replications", "-n", help="Replications per candidate (screening).")
_FINAL = typer.Option(
    2000, "--final-replications", help="Fresh replications per leader in the final ranking."
)
_LEADERS = typer.Option(5, "--leaders", help="Best screening candidates re-run and ranked.")
_SEED = typer.Option(0, "--seed", help="Random seed (same seed, same answer).")
_STORAGE = typer.Option(
    None,
    "--storage",
    help="Optuna storage: a SQLite file or an Optuna URL; an interrupted or finished "
    "search resumes from it, and several processes may share it.",
)
_STUDY = typer.Option(None, "--study-name", help="Study name in --storage (default: derived).")
_JSON = typer.Option(False, "--json", help="Print one JSON object.")
_OUT = typer.Option(
    None,
    "--out",
    "-o",
    help="Results directory: attack.json, raid.yaml, Parquet tables, attack.duckdb and "
    "convergence.png (needs shieldlab[store], the figure shieldlab[plot]).",
)
_RAID_OUT = typer.Option(
    None, "--raid-out", help="Write the best raid as a ready-to-run scenario YAML here."
)
_REPORT = typer.Option(
    None, "--report", help="Also write an offline HTML report into this directory."
)
_OBJECTIVE = typer.Option(
    "leakers", "--objective", help="leakers, value (value destroyed) or p_k (P(>= k leak))."
)
_K = typer.Option(1, "--k", help="K of the p_k objective.")


def _settings(
    evaluations: int,
    replications: int,
    final: int,
    leaders: int,
    seed: int,
    storage: str | None,
    study: str | None,
) -> Any:
    from shieldlab.attack import SearchSettings

    return SearchSettings(
        evaluations=evaluations,
        replications=replications,
        final_replications=final,
        leaders=leaders,
        seed=seed,
        storage=storage,
        study_name=study,
    )


def _precheck(out: str | None, report: str | None) -> None:
    """Everything that can fail about the outputs fails before the search."""
    from shieldlab._optional import require

    require("optuna", feature="shieldlab attack", extra="attack")
    if out is not None:
        from shieldlab.attack.store import check_out_dir

        check_out_dir(out)
    if report is not None:
        from shieldlab.report.document import check_report_dir

        require("plotly", feature="--report")
        require("matplotlib", feature="--report")
        check_report_dir(report)


def _load(scenario: str, arsenal: str) -> tuple[Any, Any]:
    from shieldlab.attack.arsenal import arsenal_by_name_or_path
    from shieldlab.scenario.loader import scenario_by_name_or_path

    return scenario_by_name_or_path(scenario), arsenal_by_name_or_path(arsenal)


class _Bar:
    """A transient progress bar on stderr (nothing on a pipe): evaluations and best so far."""

    def __init__(self, total: int, label: str) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.err = console(stderr=True)
        self.label = label
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} raids"),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
            disable=not self.err.is_terminal,
        )
        self.task = self.bar.add_task("compiling and searching", total=total)

    def __enter__(self) -> _Bar:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, done: int, total: int, best: float) -> None:
        shown = "-" if math.isnan(best) else f"{best:,.3f}"
        self.bar.update(
            self.task, completed=min(done, total), description=f"{self.label}: best {shown}"
        )


def _command() -> str:
    return "shieldlab " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def _write_report(kind: str, result: dict[str, Any], report: str | None) -> str | None:
    if report is None:
        return None
    from shieldlab.report.attack import attack_report

    return str(attack_report(kind, result, command=_command()).write(report))


def _save(
    kind: str,
    result: dict[str, Any],
    *,
    out: str | None,
    report: str | None,
    candidates: list[dict[str, Any]],
    second: list[dict[str, Any]],
    second_name: str,
    scenario_yaml: str | None,
    figure_png: bytes | None = None,
) -> str | None:
    """Write ``--out`` (results store) and ``--report`` (HTML); return the report's path."""
    if out is not None:
        from shieldlab.attack.store import write_attack_store

        write_attack_store(
            out,
            result,
            candidates=candidates,
            second=second,
            second_name=second_name,
            scenario_yaml=scenario_yaml,
            figure_png=figure_png,
        )
    return _write_report(kind, result, report)


def _wrote(*targets: tuple[Any, str]) -> None:
    for path, what in targets:
        if path is not None:
            console().print(f"wrote {what}: {path}")


def _in_range(value: int, lo: int, hi: int, option: str) -> None:
    if not lo <= value <= hi:
        raise InputError(f"must be between {lo:,} and {hi:,}, got {value}", field=option)


def _convergence_png(result: dict[str, Any], label: str) -> bytes | None:
    try:
        from shieldlab.report.attack import convergence_figure, png_bytes

        _, mfig = convergence_figure(result.get("convergence", []), label)
    except InputError:  # no [plot] extra: the store is written without the figure
        return None
    return png_bytes(mfig)


def _ci(ci: Any) -> str:
    if ci is None or ci[0] is None:
        return "-"
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _print_raid(title: str, raid: list[dict[str, Any]]) -> None:
    from rich.table import Table

    t = Table(title=title)
    for c in ("option", "threat", "count", "launch area", "window", "aim", "cost (USD)"):
        t.add_column(c)
    for w in raid:
        t.add_row(
            w["option"], w["threat"], str(w["count"]), w["launch_area"], w["window"],
            w["aim"], f"{w['cost_usd']:,.0f}",
        )  # fmt: skip
    console().print(t)


@app.command()
def optimise(
    scenario: str = _SCENARIO,
    arsenal: str = _ARSENAL,
    objective: str = _OBJECTIVE,
    k: int = _K,
    evaluations: int = _EVALS,
    replications: int = _REPS,
    final_replications: int = _FINAL,
    leaders: int = _LEADERS,
    seed: int = _SEED,
    storage: str | None = _STORAGE,
    study_name: str | None = _STUDY,
    as_json: bool = _JSON,
    out: str | None = _OUT,
    report: str | None = _REPORT,
    raid_out: Path | None = _RAID_OUT,
) -> None:
    """The raid within the arsenal's budget that maximises the objective."""
    from shieldlab.attack import Objective, optimise_raid

    obj = Objective(kind=objective, k=k)  # type: ignore[arg-type]
    settings = _settings(
        evaluations, replications, final_replications, leaders, seed, storage, study_name
    )
    _precheck(out, report)
    if raid_out is not None and not raid_out.absolute().parent.is_dir():
        raise InputError("the directory does not exist", file=str(raid_out), field="--raid-out")
    sc, ars = _load(scenario, arsenal)
    with _Bar(evaluations, "searching") as bar:
        res = optimise_raid(sc, ars, obj, settings=settings, progress=bar)
    result = res.to_dict()
    if raid_out is not None:
        from shieldlab.study.store import durable_write

        durable_write(raid_out, res.scenario_yaml.encode())
    html = _save(
        "optimise",
        result,
        out=out,
        report=report,
        candidates=[
            {"trial": r.trial, "raid_key": r.choice.key(), "objective": r.value,
             "cost_usd": r.cost_usd}
            for r in res.log.records
        ],
        second=[
            {"raid_key": x.choice.key(), "screening": x.screening, **x.final.summary(),
             "minus_best": x.vs_best.mean, "minus_best_lo": x.vs_best.ci95[0],
             "minus_best_hi": x.vs_best.ci95[1]}
            for x in res.leaders
        ],
        second_name="leaders",
        scenario_yaml=res.scenario_yaml,
        figure_png=_convergence_png(result, obj.describe()) if out is not None else None,
    )  # fmt: skip
    if as_json:
        emit_json(result)
        return
    c = console()
    best = result["best"]
    c.print(
        f"[bold]{obj.describe()}[/bold]: {best['objective']:.3f} {_ci(best['ci95'])} "
        f"({best['replications']:,} fresh replications; {res.evaluations} raids simulated of "
        f"{res.space_size:,}; seed {seed})"
    )
    _print_raid(f"Best raid -- {sc.name} vs {ars.name}", best["raid"])
    diff = result["best_minus_baseline"]
    base = result["baseline"]
    if diff is not None and base is not None:
        c.print(
            f"scenario's own raid resized to the budget ({base['threats']} threats, "
            f"{base['cost_usd']:,.0f} USD): {base['objective']:.3f} {_ci(base['ci95'])}; "
            f"optimised minus own (paired): {diff['mean']:+.3f} {_ci(diff['ci95'])}"
            + (" -- significant" if diff["significant"] else " -- not significant")
        )
    _wrote((raid_out, "raid scenario"), (out, "results"), (html, "report"))


@app.command()
def cheapest(
    scenario: str = _SCENARIO,
    arsenal: str = _ARSENAL,
    k: int = typer.Option(..., "--k", help="K: lethal leakers the requirement counts."),
    p: float = typer.Option(..., "--p", help="P: the probability P(>= K leak) must reach."),
    evaluations: int = _EVALS,
    replications: int = _REPS,
    final_replications: int = _FINAL,
    leaders: int = _LEADERS,
    seed: int = _SEED,
    storage: str | None = _STORAGE,
    study_name: str | None = _STUDY,
    as_json: bool = _JSON,
    out: str | None = _OUT,
    report: str | None = _REPORT,
    descent_evaluations: int = typer.Option(
        400,
        "--descent-evaluations",
        help="Most fresh-block evaluations of each local descent (drops, swaps, aim/timing).",
    ),
) -> None:
    """The cheapest raid with P(>= K lethal leakers) >= P, beside the closed form."""
    from shieldlab.attack.cheapest import cheapest_raid, check_requirement

    check_requirement(k, p, descent_evaluations)  # before loading anything
    settings = _settings(
        evaluations, replications, final_replications, leaders, seed, storage, study_name
    )
    _precheck(out, report)
    sc, ars = _load(scenario, arsenal)
    with _Bar(2 * evaluations, f"searching (cost and P(>= {k}) front, then best raids)") as bar:
        res = cheapest_raid(
            sc,
            ars,
            k=k,
            p=p,
            settings=settings,
            progress=bar,
            descent_evaluations=descent_evaluations,
        )
    result = res.to_dict()
    html = _save(
        "cheapest",
        result,
        out=out,
        report=report,
        candidates=[
            {"trial": r.trial, "raid_key": r.choice.key(), "cost_usd": r.cost_usd}
            for r in res.log.records
        ],
        second=result["verified"],
        second_name="verified",
        scenario_yaml=res.scenario_yaml,
    )
    if as_json:
        emit_json(result)
        return
    c = console()
    cf = result["closed_form"]
    c.print(f"requirement: P(>= {k} lethal leakers) >= {p:g}")
    c.print(
        f"closed form (stability restore): {cf['missiles']} missiles, "
        f"{cf['cost_usd']:,.0f} USD ({cf['interceptors']} interceptors, "
        f"{cf['shots_per_threat']} shots per warhead, SSPK {cf['sspk']:.3f})"
    )
    ch = result["cheapest"]
    if ch is None:
        c.print("engine: no raid of the arsenal met the requirement in the search")
    else:
        c.print(
            f"engine: {ch['threats']} threats, {ch['cost_usd']:,.0f} USD, P(>= {k}) "
            f"{ch['p_at_least_k']:.3f} {_ci(ch['ci95'])} on {ch['replications']:,} fresh "
            "replications"
        )
        _print_raid("Cheapest raid", ch["raid"])
        below = result["just_below"]
        if below is not None:
            c.print(
                f"just below: the best raid one round cheaper ({below['cost_usd']:,.0f} USD) "
                f"reaches {below['p_at_least_k']:.3f} {_ci(below['ci95'])}"
            )
        conf = result["confirmation"]
        if conf is not None:
            a = conf["answer"]
            c.print(
                f"confirmation on {a['replications']:,} independent replications: "
                f"{a['p_at_least_k']:.3f} {_ci(a['ci95'])}"
                + (
                    ""
                    if conf["just_below"] is None
                    else f", just below {conf['just_below']['p_at_least_k']:.3f}"
                )
                + (
                    " -- confirmed"
                    if conf["confirmed"]
                    else " -- NOT confirmed (P is "
                    "within the noise at this raid; raise --final-replications)"
                )
            )
    for d in result["descents"]:
        c.print(
            f"descent from {d['start_cost_usd']:,.0f} USD to {d['end_cost_usd']:,.0f} USD "
            f"({d['moves']['drop']} drops, {d['moves']['swap']} swaps, {d['moves']['config']} "
            f"area/window/aim changes; {d['evaluations']} evaluations): "
            + ("a local minimum" if d["local_minimum"] else "stopped at --descent-evaluations")
        )
    c.print("the gap:")
    for line in result["gap"]:
        c.print(f"  - {line}")
    _wrote((out, "results"), (html, "report"))


@app.command()
def duel(
    scenario: str = _SCENARIO,
    arsenal: str = _ARSENAL,
    defence: str = typer.Argument(
        ..., help="Defender's option file, or built-in name (four-batteries-blue)."
    ),
    rounds: int = typer.Option(4, "--rounds", help="Most rounds (attack then defence)."),
    objective: str = _OBJECTIVE,
    k: int = _K,
    evaluations: int = _EVALS,
    defence_evaluations: int = typer.Option(
        30, "--defence-evaluations", help="Distinct defences simulated per defender turn."
    ),
    replications: int = _REPS,
    final_replications: int = _FINAL,
    leaders: int = _LEADERS,
    seed: int = _SEED,
    as_json: bool = _JSON,
    out: str | None = _OUT,
    report: str | None = _REPORT,
) -> None:
    """Attacker's best raid and defender's best response in turn, until neither improves."""
    from shieldlab.attack import Objective
    from shieldlab.attack.arsenal import file_by_name_or_path
    from shieldlab.attack.duel import duel as run_duel
    from shieldlab.attack.duel import load_defence_options

    obj = Objective(kind=objective, k=k)  # type: ignore[arg-type]
    _in_range(rounds, 1, 100, "--rounds")
    _in_range(defence_evaluations, 1, 100_000, "--defence-evaluations")
    settings = _settings(evaluations, replications, final_replications, leaders, seed, None, None)
    _precheck(out, report)
    sc, ars = _load(scenario, arsenal)
    opts = load_defence_options(file_by_name_or_path(defence, "defence option file"))
    c = console()
    err = console(stderr=True)

    def on_round(r: Any) -> None:
        if not as_json:
            err.print(
                f"round {r.round}: raid {r.raid_key} -> {r.objective_after_attack:.3f}; "
                f"defence answer -> {r.objective_after_defence:.3f}"
            )

    with _Bar(evaluations, "attacker searching") as bar:
        res = run_duel(
            sc,
            ars,
            opts,
            obj,
            rounds=rounds,
            settings=settings,
            defence_evaluations=defence_evaluations,
            progress=bar,
            on_round=on_round,
        )
    result = res.to_dict()
    html = _save(
        "duel",
        result,
        out=out,
        report=report,
        candidates=[],
        second=[dict(r.to_dict(), defence=r.defence) for r in res.rounds],
        second_name="rounds",
        scenario_yaml=res.final_scenario_yaml or None,
    )
    if as_json:
        emit_json(result)
        return
    from rich.table import Table

    t = Table(title=f"Duel -- {sc.name}: {ars.name} vs {opts.name} ({obj.describe()})")
    for col in ("round", "raid cost (USD)", "after attack", "after defence", "A", "D", "defence"):
        t.add_column(col)
    for r in res.rounds:
        t.add_row(
            str(r.round), f"{r.raid_cost_usd:,.0f}", f"{r.objective_after_attack:.3f}",
            f"{r.objective_after_defence:.3f}", "+" if r.attacker_improved else "=",
            "+" if r.defender_improved else "=",
            ", ".join(f"{k_}={v}" for k_, v in r.defence.items()),
        )  # fmt: skip
    c.print(t)
    tail = f" (cycle of {res.cycle_length} rounds)" if res.cycle_length else ""
    c.print(f"outcome: {res.outcome}{tail}")
    _wrote((out, "results"), (html, "report"))

"""`shieldlab stability`: penetration, restore, first-strike, race and restraint studies.

Each command reads a posture (YAML; the built-in example when none is given), calls
:mod:`shieldlab.stability`, and prints a table, or one JSON object with ``--json``.
``--plot DIR`` also writes the figures as PNG and self-contained HTML. Heavy modules are
imported inside the commands so that ``shieldlab --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from shieldlab.errors import InputError

if TYPE_CHECKING:
    from shieldlab.stability.engine_curves import EngineSource
    from shieldlab.stability.posture import CapName, Posture

app = typer.Typer(
    help="Strategic stability: penetration, deterrence, first-strike stability, races, caps.",
    no_args_is_help=True,
)

_POSTURE = typer.Argument(
    None, help="Posture YAML file (default: the built-in notional example).", show_default=False
)
_JSON = typer.Option(False, "--json", help="Print one JSON object instead of tables.")
_PLOT = typer.Option(
    None, "--plot", help="Write figures (PNG and offline HTML) into this directory."
)


_ENGINE = typer.Option(
    None,
    "--engine",
    help="Curve source: the Monte Carlo engine on this scenario (built-in name or file) "
    "as both sides' defence, instead of the closed forms.",
)
_ENGINE_REPS = typer.Option(
    None, "--replications", help="Engine replications per (inventory, raid size) [300]."
)
_ENGINE_SEED = typer.Option(0, "--seed", help="Engine seed (shared by every run: CRN).")
_RAID_STEP = typer.Option(25, "--raid-step", help="Engine raid-size grid step (threats).")
_INV_STEP = typer.Option(
    50, "--inventory-step", help="Engine defence sizes: one curve per this many interceptors."
)


def _engine_source(
    engine: str | None,
    replications: int | None,
    seed: int,
    raid_step: int = 25,
    inventory_step: int = 50,
) -> EngineSource | None:
    """The engine curve source the options name (``None``: closed forms)."""
    if engine is None:
        if replications is not None:
            raise InputError("only applies with --engine", field="--replications")
        return None
    reps = 300 if replications is None else replications
    if not 1 <= reps <= 10_000_000:
        raise InputError(f"must lie in [1, 10000000], got {reps}", field="--replications")
    if not 0 <= seed < 2**63:
        raise InputError(f"must lie in [0, 2**63 - 1], got {seed}", field="--seed")
    for val, opt in ((raid_step, "--raid-step"), (inventory_step, "--inventory-step")):
        if not 1 <= val <= 100_000:
            raise InputError(f"must lie in [1, 100000], got {val}", field=opt)
    from shieldlab.stability.engine_curves import EngineSource, load_engine_scenario

    return EngineSource(
        scenario=load_engine_scenario(engine),
        replications=reps,
        seed=seed,
        raid_step=raid_step,
        inventory_step=inventory_step,
    )


class _EngineStatus:
    """A transient spinner on stderr while the engine runs (nothing on a pipe or in a log).

    Engine studies take from seconds to minutes and the first run also compiles the
    kernel (20-60 s); the line says which, how many engine runs are done and the last one.
    """

    def __init__(self) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from shieldlab.cli._output import console
        from shieldlab.engine.batch import kernel_cached

        err = console(stderr=True)
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        first = (
            "engine: compiling the simulation kernel (first run only, 20-60 s)"
            if kernel_cached() is False
            else "engine: starting"
        )
        self._task = self._bar.add_task(first, total=None)

    def __enter__(self) -> _EngineStatus:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)  # type: ignore[arg-type]

    def runs(self, done: int, interceptors: int, threats: int) -> None:
        """EngineSource.progress: after each (inventory, raid size) engine run."""
        self._bar.update(
            self._task,
            description=f"engine: {done:,} runs done (last: {threats:,} threats against "
            f"{interceptors:,} interceptors)",
        )

    def sizes(self, done: int, total: int) -> None:
        """engine_curve's progress: after each raid size."""
        self._bar.update(self._task, description=f"engine: raid size {done} of {total} done")

    def source(self, src: EngineSource) -> EngineSource:
        """``src`` reporting its runs here."""
        import dataclasses

        return dataclasses.replace(src, progress=self.runs)


def _load(posture: Path | None) -> Posture:
    from shieldlab.stability.posture import builtin_posture, load_posture

    return builtin_posture() if posture is None else load_posture(posture)


def _plot_dir(plot: Path | None) -> None:
    """Create the --plot directory up front, so a bad one fails before any work."""
    if plot is None:
        return
    from shieldlab._optional import require

    require("matplotlib", feature="--plot")
    require("plotly", feature="--plot")
    if plot.exists() and not plot.is_dir():
        raise InputError(f"{str(plot)!r} exists and is not a directory", field="--plot")
    try:
        plot.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the figure directory {str(plot)!r}: {exc.strerror or exc}",
            field="--plot",
        ) from None


def _sides(value: str, option: str, posture: Posture, *, both: bool = False) -> list[str]:
    """The side(s) an --attacker option names: blue, red (or both, where allowed).

    A side's display name in the posture (``blue: {name: Northland}``) names it too;
    all matches ignore case.
    """
    v = value.strip().casefold()
    if both and v == "both":
        return ["blue", "red"]
    by_name = {"blue": "blue", "red": "red"}
    for key, label in posture.labels.items():
        by_name.setdefault(label.strip().casefold(), key)
    if v not in by_name:
        names = [f"'{k}'" for k in ("blue", "red")]
        names += [f"'{lab}'" for k, lab in posture.labels.items() if lab != k]
        allowed = ", ".join(names) + (" or 'both'" if both else "")
        raise InputError(f"must be one of {allowed}, got {value!r}", field=option)
    return [by_name[v]]


def _print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from shieldlab.cli._output import console

    con = console()
    con.print(escape(title), soft_wrap=True)
    table = Table()
    for c in columns:
        table.add_column(escape(c), justify="right" if c != columns[0] else "left")
    for r in rows:
        table.add_row(*(escape(_fmt(v)) for v in r))
    con.print(table)


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return _yes(v)
    if isinstance(v, float):
        if v != v:
            return "n/a"
        if v in (float("inf"), float("-inf")):
            return "inf"
        return f"{v:.4g}"
    return "-" if v is None else str(v)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _money(usd: float) -> str:
    """A cost with its unit: '12.3 million USD', '450 thousand USD', 'n/a', 'inf'.

    Posture costs are in USD (the catalog cards' ``unit_cost_usd``; numbers given in a
    posture are read in the same unit).
    """
    if usd != usd:
        return "n/a"
    if usd in (float("inf"), float("-inf")):
        return "unbounded"
    a = abs(usd)
    for scale, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if a >= scale:
            return f"{usd / scale:,.4g} {word} USD"
    return f"{usd:,.4g} USD"


def _mix(option: Any) -> str:
    if option is None:
        return "-"
    return f"{option.missiles} missiles + {option.decoys} decoys ({_money(option.cost)})"


def _forces(settled: dict[str, int], labels: dict[str, str] | None = None) -> str:
    """Settled forces as words: 'blue 215 missiles, 186 interceptors; red ...' (each side
    by its posture name when ``labels`` give one)."""
    names = labels or {"blue": "blue", "red": "red"}
    return "; ".join(
        f"{names[s]} {settled[f'{s}_missiles']} missiles, "
        f"{settled[f'{s}_interceptors']} interceptors"
        for s in ("blue", "red")
    )


def _note(text: str) -> None:
    from rich.markup import escape

    from shieldlab.cli._output import console

    console().print(escape(text), soft_wrap=True)


@app.command()
def penetration(
    posture: Path | None = _POSTURE,
    attacker: str = typer.Option(
        "blue", "--attacker", help="Side whose raid is studied: blue, red or its display name."
    ),
    max_raid: int | None = typer.Option(
        None, "--max-raid", help="Largest raid (missiles); default: well past saturation."
    ),
    epsilon: float = typer.Option(
        0.05, "--epsilon", help="Saturation: each added missile adds >= (1 - eps) w."
    ),
    k_warheads: int | None = typer.Option(
        None, "--k", help="P(at least k penetrate); default: the attacker's requirement K."
    ),
    engine: str | None = typer.Option(
        None,
        "--engine",
        help="Also run the Monte Carlo engine on this scenario (built-in name or file).",
    ),
    raid_sizes: str | None = typer.Option(
        None, "--raid-sizes", help="Engine raid sizes (threats), e.g. 4,8,16 or 10:100:10."
    ),
    replications: int = typer.Option(1000, "--replications", help="Engine replications."),
    seed: int = typer.Option(0, "--seed", help="Engine seed (the same for every raid size)."),
    engine_interceptors: int | None = typer.Option(
        None,
        "--engine-interceptors",
        help="Rescale the engine scenario's interceptor inventory to this total.",
    ),
    as_json: bool = _JSON,
    plot: Path | None = _PLOT,
) -> None:
    """Penetrating warheads and P(>= K) against raid size; the saturation point.

    The closed-form curve uses the posture; with --engine the Monte Carlo engine also runs
    a scenario's raid at several sizes with common random numbers.
    """
    import numpy as np

    from shieldlab.stability.penetration import (
        DefenceModel,
        closed_form_curve,
        saturation_point,
        saturation_raid_closed_form,
    )

    if not 0.0 <= epsilon < 1.0:
        raise InputError(f"must lie in [0, 1), got {epsilon:g}", field="--epsilon")
    if max_raid is not None and max_raid < 1:
        raise InputError(f"must be at least 1, got {max_raid}", field="--max-raid")
    if k_warheads is not None and k_warheads < 0:
        raise InputError(f"must be >= 0, got {k_warheads}", field="--k")
    if engine is not None and not 1 <= replications <= 10_000_000:
        raise InputError(f"must lie in [1, 10000000], got {replications}", field="--replications")
    if engine_interceptors is not None and engine_interceptors < 0:
        raise InputError(f"must be >= 0, got {engine_interceptors}", field="--engine-interceptors")
    _plot_dir(plot)
    p = _load(posture)
    (att,) = _sides(attacker, "--attacker", p)
    a = p.side(att)  # type: ignore[arg-type]
    d = p.side("red" if att == "blue" else "blue")
    defence = DefenceModel.from_posture(d.defence)
    w = a.offence.warheads_per_launcher
    k = a.deterrence.warheads if k_warheads is None else k_warheads
    sat_cf = saturation_raid_closed_form(defence, w, epsilon)
    top = max_raid if max_raid is not None else max(2 * sat_cf, sat_cf + 10, 2 * k // w + 10)
    raids = np.arange(0, top + 1)
    curve = closed_form_curve(defence, raids, warheads_per_missile=w, k=k)
    sat = saturation_point(curve, epsilon)
    out: dict[str, Any] = {
        "attacker": att,
        "defender": "red" if att == "blue" else "blue",
        "names": p.labels,
        "epsilon": epsilon,
        "saturation_raid": sat,
        "saturation_raid_closed_form": sat_cf,
        "defence": {
            "interceptors": defence.interceptors,
            "shots_per_threat": defence.shots_per_threat,
            "p_kill": defence.p_kill,
        },
        "curve": curve.to_dict(),
    }
    eng_curve = None
    if engine is not None:
        from shieldlab.stability.engine_curves import engine_curve, load_engine_scenario

        scenario = load_engine_scenario(engine)
        sizes = _values(raid_sizes, "--raid-sizes")
        if sizes is None:
            n0 = sum(w.count for w in scenario.raid.waves)
            lo = len(scenario.raid.waves)
            sizes = sorted({max(lo, round(n0 * f)) for f in (0.25, 0.5, 1, 2, 4, 6, 8, 12)})
        with _EngineStatus() as status:
            eng_curve = engine_curve(
                scenario,
                sizes,
                k=k,
                interceptors=engine_interceptors,
                replications=replications,
                seed=seed,
                progress=status.sizes,
            )
        eng_sat = saturation_point(eng_curve, epsilon) if len(sizes) > 1 else None
        out["engine"] = {
            "scenario": scenario.name,
            "saturation_raid": eng_sat,
            "curve": eng_curve.to_dict(),
        }
    if plot is not None:
        from shieldlab.stability.plots import CurveSpec, penetration_figures

        req = a.deterrence
        label = f"{p.label(att)} vs {p.label(out['defender'])}"
        out["figures"] = [
            str(f)
            for f in penetration_figures(
                plot,
                [],
                saturation=[],
                labels=[],
                specs=[
                    CurveSpec(
                        curve=curve,
                        label=label,
                        side=att,
                        saturation=sat,
                        k_line=float(k),
                        probability=req.probability if k == req.warheads else None,
                        current=a.offence.launchers,
                    )
                ],
                title=f"{label}: penetration (closed form)",
            )
        ]
        if eng_curve is not None:
            out["figures"] += [
                str(f)
                for f in penetration_figures(
                    plot,
                    [],
                    saturation=[],
                    labels=[],
                    specs=[
                        CurveSpec(
                            curve=eng_curve,
                            label=f"engine: {out['engine']['scenario']}",
                            side=att,
                            saturation=out["engine"]["saturation_raid"],
                            k_line=float(k),
                        )
                    ],
                    name="penetration_engine",
                    title=f"Engine penetration: scenario {out['engine']['scenario']} (threats)",
                )
            ]
    if as_json:
        from shieldlab.cli._output import emit_json

        emit_json(out)
        return
    step = max(1, len(raids) // 15)
    rows = [
        [int(n), float(curve.expected_penetrating[i]), float(curve.p_at_least_k[i])]
        for i, n in enumerate(raids)
        if i % step == 0 or i == len(raids) - 1
    ]
    _print_table(
        f"{p.label(att)} raid vs {p.label(out['defender'])} defence "
        f"({defence.interceptors} interceptors, "
        f"Pk {defence.p_kill:.3f}, {w} warhead(s)/missile) -- closed form",
        ["raid (missiles)", "E[penetrating]", f"P(>= {k})"],
        rows,
    )
    _note(
        f"saturation (each added missile adds >= {1 - epsilon:g} x {w} warheads): "
        f"{sat if sat is not None else f'beyond {top}'} missiles (closed form {sat_cf})"
    )
    if eng_curve is not None:
        half = eng_curve.expected_ci95_half_width
        ci = eng_curve.p_at_least_k_ci95
        assert half is not None and ci is not None
        inv_text = "" if engine_interceptors is None else f", {engine_interceptors} interceptors"
        _print_table(
            f"scenario {out['engine']['scenario']}{inv_text} -- {eng_curve.source}",
            ["raid (threats)", "E[leakers]", "95% +/-", f"P(>= {k})", "95% Wilson"],
            [
                [
                    int(n),
                    float(eng_curve.expected_penetrating[i]),
                    float(half[i]),
                    float(eng_curve.p_at_least_k[i]),
                    f"[{ci[i, 0]:.3f}, {ci[i, 1]:.3f}]",
                ]
                for i, n in enumerate(eng_curve.raid_missiles)
            ],
        )
        es = out["engine"]["saturation_raid"]
        _note(
            "engine saturation: not reached within the raid sizes run"
            if es is None
            else f"engine saturation: {es} threats (to the resolution of the raid sizes run)"
        )
    for f in out.get("figures", []):
        _note(f"wrote {f}")


@app.command()
def restore(
    posture: Path | None = _POSTURE,
    attacker: str = typer.Option(
        "both", "--attacker", help="blue, red, a side's display name, or both."
    ),
    engine: str | None = _ENGINE,
    replications: int | None = _ENGINE_REPS,
    seed: int = _ENGINE_SEED,
    raid_step: int = _RAID_STEP,
    as_json: bool = _JSON,
    plot: Path | None = _PLOT,
) -> None:
    """Offence needed with and without the other's defence, decoys, and cost exchange."""
    from shieldlab.stability.deterrence import restore_deterrence

    src = _engine_source(engine, replications, seed, raid_step)
    _plot_dir(plot)
    p = _load(posture)
    sides = _sides(attacker, "--attacker", p, both=True)
    if src is None:
        results = [restore_deterrence(p, s, engine=None) for s in sides]  # type: ignore[arg-type]
    else:
        with _EngineStatus() as status:
            src = status.source(src)
            results = [restore_deterrence(p, s, engine=src) for s in sides]  # type: ignore[arg-type]
    out: dict[str, Any] = {
        "posture": p.name,
        "names": p.labels,
        "results": [r.to_dict() for r in results],
    }
    if plot is not None:
        out["figures"] = [str(f) for f in _restore_figures(plot, p, results)]
    if as_json:
        from shieldlab.cli._output import emit_json

        emit_json(out)
        return
    # Rows and notes come from the library (RestoreResult.rows / notes, issue 18).
    rows: list[list[Any]] = [list(row) for r in results for row in r.rows()]
    _print_table(f"Restoring deterrence -- {p.name}", ["quantity", "value"], rows)
    _note(
        "reading the cost-exchange ratio: above 1 the defence is cost-effective at the "
        "margin (Nitze's criterion); below 1, more offence is the cheaper answer."
    )
    for r in results:
        for line in r.notes():
            _note(line)
    _note(f"unit costs: {results[0].cost_source}")
    for f in out.get("figures", []):
        _note(f"wrote {f}")


def _restore_figures(plot: Path, p: Posture, results: list[Any]) -> list[Path]:
    """Penetration curves with saturation, requirement, the restore answer and the force now."""
    import numpy as np

    from shieldlab.stability.penetration import (
        DefenceModel,
        closed_form_curve,
        saturation_point,
        saturation_raid_closed_form,
    )
    from shieldlab.stability.plots import CurveSpec, penetration_figures

    specs = []
    for r in results:
        a = p.side(r.attacker)
        defence = DefenceModel.from_posture(p.side(r.defender).defence)
        w = a.offence.warheads_per_launcher
        sat_cf = saturation_raid_closed_form(defence, w)
        top = max(int(1.5 * r.missiles_with_defence) + 10, int(1.2 * sat_cf) + 10)
        top = max(top, int(1.1 * a.offence.launchers) + 1)
        curve = closed_form_curve(
            defence, np.arange(0, top + 1), warheads_per_missile=w, k=a.deterrence.warheads
        )
        req = a.deterrence
        specs.append(
            CurveSpec(
                curve=curve,
                label=f"{r.attacker.capitalize()} vs {r.defender.capitalize()}",
                side=r.attacker,
                saturation=saturation_point(curve),
                k_line=float(req.warheads if req.expected is None else req.expected),
                probability=req.probability,
                needed=r.missiles_with_defence,
                needed_without=r.missiles_without_defence,
                current=r.current_missiles,
            )
        )
    source = results[0].curve_source
    answer = "" if source == "closed-form" else f"; answers from {source}"
    return penetration_figures(
        plot,
        [],
        saturation=[],
        labels=[],
        specs=specs,
        name="restore",
        title=f"Restoring deterrence -- {p.name} (closed-form curves{answer})",
    )


@app.command("first-strike")
def first_strike(
    posture: Path | None = _POSTURE,
    max_interceptors: int = typer.Option(
        2000, "--max-interceptors", help="Sweep each side's interceptors from 0 to this."
    ),
    steps: int = typer.Option(21, "--steps", help="Points in the interceptor sweep."),
    as_json: bool = _JSON,
    plot: Path | None = _PLOT,
) -> None:
    """Costs of striking first and second, the stability index, and its interceptor sweep."""
    import numpy as np

    from shieldlab.stability.first_strike import posture_stability, stability_vs_interceptors

    if max_interceptors < 0:
        raise InputError(f"must be >= 0, got {max_interceptors}", field="--max-interceptors")
    if not 2 <= steps <= 1000:
        raise InputError(f"must lie in [2, 1000], got {steps}", field="--steps")
    _plot_dir(plot)
    p = _load(posture)
    res = posture_stability(p)
    inv = np.linspace(0, max_interceptors, steps).round().astype(np.int64)
    sweep = {s: stability_vs_interceptors(p, s, inv) for s in ("blue", "red")}
    out: dict[str, Any] = {
        "posture": p.name,
        "names": p.labels,
        "result": res.to_dict(),
        "sweep": {"interceptors": inv.tolist(), **{k: v.tolist() for k, v in sweep.items()}},
    }
    if plot is not None:
        from shieldlab.stability.plots import stability_figures

        current = {s: (p.side(s).defence.interceptors, res.index) for s in ("blue", "red")}
        thr = p.restraint.stability_threshold if p.restraint is not None else None
        figs = stability_figures(plot, inv, sweep, current=current, threshold=thr)
        out["figures"] = [str(f) for f in figs]
    if as_json:
        from shieldlab.cli._output import emit_json

        emit_json(out)
        return
    _print_table(
        f"First-strike stability -- {p.name}",
        ["side", "cost if striking first", "cost if striking second", "ratio (<= 1)"],
        [
            [p.label("blue"), res.blue_cost_first, res.blue_cost_second, res.blue_ratio],
            [p.label("red"), res.red_cost_first, res.red_cost_second, res.red_ratio],
        ],
    )
    _note(f"stability index ({res.combine} of the ratios, range [0, 1]): {res.index:.4f}")
    rows = [[int(n), float(sweep["blue"][i]), float(sweep["red"][i])] for i, n in enumerate(inv)]
    _print_table(
        "Index as one side fields n interceptors (the other as posted)",
        ["interceptors", f"{p.label('blue')} adds", f"{p.label('red')} adds"],
        rows,
    )
    for f in out.get("figures", []):
        _note(f"wrote {f}")


@app.command()
def race(
    posture: Path | None = _POSTURE,
    periods: int | None = typer.Option(None, "--periods", help="Periods (default: posture)."),
    engine: str | None = _ENGINE,
    replications: int | None = _ENGINE_REPS,
    seed: int = _ENGINE_SEED,
    raid_step: int = _RAID_STEP,
    inventory_step: int = _INV_STEP,
    as_json: bool = _JSON,
    plot: Path | None = _PLOT,
) -> None:
    """Action-reaction race from the posture (and Richardson's model when given)."""
    from shieldlab.stability.race import RaceCaches, action_reaction, richardson

    if periods is not None and not 1 <= periods <= 10_000:
        raise InputError(f"must lie in [1, 10000], got {periods}", field="--periods")
    src = _engine_source(engine, replications, seed, raid_step, inventory_step)
    _plot_dir(plot)
    p = _load(posture)
    if src is None:
        res = action_reaction(p, periods=periods, caches=RaceCaches(p, engine=None))
    else:
        with _EngineStatus() as status:
            src = status.source(src)
            res = action_reaction(p, periods=periods, caches=RaceCaches(p, engine=src))
    rich = richardson(p.race.richardson) if p.race.richardson is not None else None
    out: dict[str, Any] = {
        "posture": p.name,
        "names": p.labels,
        "curve_source": _source_text(src),
        "action_reaction": res.to_dict(),
    }
    if rich is not None:
        out["richardson"] = {
            "equilibrium": list(rich.equilibrium),
            "stable": rich.stable,
            "t_years": rich.t_years.tolist(),
            "x": rich.x.tolist(),
            "y": rich.y.tolist(),
        }
    if plot is not None:
        from shieldlab.stability.plots import race_figures

        out["figures"] = [str(f) for f in race_figures(plot, res, rich)]
    if as_json:
        from shieldlab.cli._output import emit_json

        emit_json(out)
        return
    n = res.blue_missiles.size
    step = max(1, n // 20)
    rows = [
        [
            t,
            int(res.blue_missiles[t]),
            int(res.blue_interceptors[t]),
            int(res.red_missiles[t]),
            int(res.red_interceptors[t]),
            float(res.blue_spending[: t + 1].sum()) / 1e6,
            float(res.red_spending[: t + 1].sum()) / 1e6,
        ]
        for t in range(n)
        if t % step == 0 or t == n - 1
    ]
    _print_table(
        f"Action-reaction race -- {p.name} (curves: {_source_text(src)})",
        [
            "period",
            f"{p.label('blue')} missiles",
            f"{p.label('blue')} interc.",
            f"{p.label('red')} missiles",
            f"{p.label('red')} interc.",
            f"{p.label('blue')} spent (M USD)",
            f"{p.label('red')} spent (M USD)",
        ],
        rows,
    )
    if res.converged:
        kind = "fixed point" if res.cycle_length == 1 else "two-period rounding cycle"
        _note(
            f"converged ({kind}) from period {res.periods_to_converge}; "
            f"settled: {_forces(res.settled, p.labels)}"
        )
    else:
        _note(f"not converged after {n - 1} periods; last: {_forces(res.settled, p.labels)}")
    for line in res.deterrence_lines(p.labels):  # who deters whom (library text, issue 18)
        _note(line)
    _note(f"pinned at caps: {', '.join(res.pinned_at_cap) or 'none'}")
    if rich is not None:
        xs, ys = rich.equilibrium
        _note(
            f"Richardson: equilibrium x* = {xs:.4g}, y* = {ys:.4g}, "
            f"{'stable' if rich.stable else 'unstable (runaway race)'}"
        )
    for f in out.get("figures", []):
        _note(f"wrote {f}")


def _source_text(src: EngineSource | None) -> str:
    if src is None:
        return "closed-form"
    d = src.scenario.doctrine
    return (
        f"engine scenario {src.scenario.name}, {src.replications} replications, seed "
        f"{src.seed}, raid step {src.raid_step}, inventory step {src.inventory_step}, "
        f"doctrine {d.assigner}/{d.engagement_priority}"
    )


def _values(text: str | None, option: str) -> list[int] | None:
    if text is None:
        return None
    try:
        if ":" in text:
            parts = [int(x) for x in text.split(":")]
            if len(parts) != 3 or parts[2] <= 0:
                raise ValueError
            vals = list(range(parts[0], parts[1] + 1, parts[2]))
        else:
            vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(
            f"expected comma-separated whole numbers or START:STOP:STEP, got {text!r}",
            field=option,
        ) from None
    if not vals or len(vals) > 200 or min(vals) < 0:
        raise InputError(f"need 1 to 200 values, all >= 0, got {text!r}", field=option)
    return vals


_CAPS = ("interceptors", "launchers", "warheads_per_launcher")


@app.command()
def restraint(
    posture: Path | None = _POSTURE,
    x_cap: str | None = typer.Option(None, "--x-cap", help=f"One of {', '.join(_CAPS)}."),
    x_values: str | None = typer.Option(None, "--x-values", help="e.g. 0,100,200 or 0:950:50"),
    y_cap: str | None = typer.Option(None, "--y-cap", help=f"One of {', '.join(_CAPS)}."),
    y_values: str | None = typer.Option(None, "--y-values", help="e.g. 50:1000:50"),
    threshold: float | None = typer.Option(None, "--threshold", help="Stable if index >= this."),
    at: str | None = typer.Option(
        None, "--at", help="Also detail one cap set, e.g. interceptors=100,launchers=300."
    ),
    engine: str | None = _ENGINE,
    replications: int | None = _ENGINE_REPS,
    seed: int = _ENGINE_SEED,
    raid_step: int = _RAID_STEP,
    inventory_step: int = _INV_STEP,
    as_json: bool = _JSON,
    plot: Path | None = _PLOT,
) -> None:
    """Map of the stable region over two caps (both sides capped alike)."""
    from shieldlab.stability.race import RaceCaches
    from shieldlab.stability.restraint import restraint_map

    src = _engine_source(engine, replications, seed, raid_step, inventory_step)
    _plot_dir(plot)
    p = _load(posture)
    rs = p.restraint
    xc = x_cap if x_cap is not None else (rs.x_cap if rs else "interceptors")
    yc = y_cap if y_cap is not None else (rs.y_cap if rs else "launchers")
    for c, opt in ((xc, "--x-cap"), (yc, "--y-cap")):
        if c not in _CAPS:
            raise InputError(f"must be one of {', '.join(_CAPS)}, got {c!r}", field=opt)
    if xc == yc:
        raise InputError("must differ from the x cap", field="--y-cap")
    xv = _values(x_values, "--x-values")
    yv = _values(y_values, "--y-values")
    if xv is None:
        xv = list(rs.x_values) if rs and rs.x_cap == xc else list(range(0, 1000, 50))
    if yv is None:
        yv = list(rs.y_values) if rs and rs.y_cap == yc else list(range(50, 1001, 50))
    thr = threshold if threshold is not None else (rs.stability_threshold if rs else 0.5)
    if not 0.0 <= thr <= 1.0:
        raise InputError(f"must lie in [0, 1], got {thr:g}", field="--threshold")
    cell = None
    if at is not None:
        from shieldlab.stability.restraint import Caps, evaluate_caps

        caps = Caps()
        for item in at.split(","):
            name, _, val = item.partition("=")
            name = name.strip()
            if name not in _CAPS or not val.strip().isdigit():
                raise InputError(
                    f"expected NAME=VALUE pairs with NAME in {', '.join(_CAPS)}, got {item!r}",
                    field="--at",
                )
            caps = caps.with_cap(cast("CapName", name), int(val))
        cell = None if src is not None else evaluate_caps(p, caps, threshold=thr)
    with contextlib.ExitStack() as stack:
        if src is not None:
            src = stack.enter_context(_EngineStatus()).source(src)
        caches = RaceCaches(p, engine=src)
        t0 = time.perf_counter()
        m = restraint_map(
            p,
            x_cap=cast("CapName", xc),
            x_values=xv,
            y_cap=cast("CapName", yc),
            y_values=yv,
            threshold=thr,
            caches=caches,
        )
        seconds = time.perf_counter() - t0
        if at is not None and cell is None:  # engine: reuse the map's engine runs
            from shieldlab.stability.restraint import evaluate_caps

            cell = evaluate_caps(p, caps, threshold=thr, caches=caches)
    out: dict[str, Any] = {
        "posture": p.name,
        "names": p.labels,
        "curve_source": _source_text(src),
        "seconds": seconds,
        "map": m.to_dict(),
    }
    if caches.engine_runs is not None:
        out["engine_simulations"] = caches.engine_runs.simulations
    if cell is not None:
        out["at"] = cell.to_dict()
    if plot is not None:
        from shieldlab.stability.plots import restraint_figures

        out["figures"] = [str(f) for f in restraint_figures(plot, m, p)]
    if as_json:
        from shieldlab.cli._output import emit_json

        emit_json(out)
        return
    # A plain character grid (not a rich table): 20 x 20 maps must stay readable.
    width = max(6, *(len(str(int(v))) + 2 for v in m.x_values))
    _note(f"Stability index by cap ({yc} down, {xc} across); * = stable")
    _note(f"{yc:>12} " + "".join(f"{int(v):>{width - 1}} " for v in m.x_values))
    for iy, yvv in enumerate(m.y_values):
        cells = "".join(
            f"{m.stability_index[iy, ix]:>{width - 1}.2f}{'*' if m.stable[iy, ix] else ' '}"
            for ix in range(m.x_values.size)
        )
        _note(f"{int(yvv):>12} {cells}")
    _note(
        f"{int(m.stable.sum())} of {m.stable.size} cap pairs stable (race converges, both "
        f"deterrents hold, index >= {thr:g}); {m.curves_computed} penetration curves "
        f"computed in {seconds:.2f} s (curves: {_source_text(src)})"
    )
    if cell is not None:
        caps_text = ", ".join(
            f"{name}={'uncapped' if value is None else value}"
            for name in _CAPS
            for value in [getattr(cell.caps, name)]
        )
        _print_table(
            f"Cap set {caps_text}",
            ["quantity", "value"],
            [
                ["stability index (settled forces)", cell.stability_index],
                ["stable", cell.stable],
                ["race converged", cell.race_converged],
                ["settled forces", _forces(cell.settled, p.labels)],
                [
                    f"{p.label('blue')} missiles needed vs capped {p.label('red')} defence",
                    cell.blue_needed_vs_cap,
                ],
                [
                    f"{p.label('red')} missiles needed vs capped {p.label('blue')} defence",
                    cell.red_needed_vs_cap,
                ],
                [
                    f"deterred ({p.label('blue')}, {p.label('red')})",
                    f"{_yes(cell.blue_deterred)}, {_yes(cell.red_deterred)}",
                ],
            ],
        )
    for f in out.get("figures", []):
        _note(f"wrote {f}")

"""`shieldlab stability`: penetration, restore, first-strike, crisis, race and restraint studies.

Each command reads a posture (YAML; the built-in example when none is given), calls
one :mod:`shieldlab.stability.studies` function, and prints its report (tables and
notes), or one JSON object with ``--json``.
``--plot DIR`` also writes the figures as PNG and self-contained HTML. Heavy modules are
imported inside the commands so that ``shieldlab --help`` stays fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from shieldlab.errors import InputError

if TYPE_CHECKING:
    from shieldlab.stability.engine_curves import EngineSource
    from shieldlab.stability.posture import CapName, Posture, SideName
    from shieldlab.stability.race import Moves
    from shieldlab.stability.restraint import Caps

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
    from shieldlab._io import check_output_path

    check_output_path(plot, "--plot", directory=True)  # read-only, full, name too long
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


def _check(ok: bool, message: str, option: str) -> None:
    """Stop with ``option --X: message`` (exit status 2) unless ``ok``."""
    if not ok:
        raise InputError(message, field=option)


def _print_report(study: Any, as_json: bool, plot: Path | None) -> None:
    """Write the study's figures (with ``--plot``), then print its JSON or its report."""
    from shieldlab.stability.studies import magazine_notes, number

    magazine = magazine_notes(study.posture)
    out = study.to_dict()
    if magazine:
        out["magazine"] = magazine
    if plot is not None:
        from shieldlab._io import output_errors

        with output_errors(plot, "--plot"):
            out["figures"] = study.write_figures(plot)
    if as_json:
        from shieldlab.cli._output import emit_json

        emit_json(out)
        return
    from rich.markup import escape
    from rich.table import Table

    from shieldlab.cli._output import console

    con = console()
    for block in [
        *magazine.values(),
        *study.report(),
        *(f"wrote {f}" for f in out.get("figures", [])),
    ]:
        if isinstance(block, str):
            con.print(escape(block), soft_wrap=True)
            continue
        con.print(escape(block.title), soft_wrap=True)
        table = Table()
        for c in block.columns:
            table.add_column(escape(c), justify="right" if c != block.columns[0] else "left")
        for r in block.rows:
            table.add_row(*(escape(number(v)) for v in r))
        con.print(table)


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
    from shieldlab.stability.studies import penetration_study

    _check(0.0 <= epsilon < 1.0, f"must lie in [0, 1), got {epsilon:g}", "--epsilon")
    _check(max_raid is None or max_raid >= 1, f"must be at least 1, got {max_raid}", "--max-raid")
    _check(k_warheads is None or k_warheads >= 0, f"must be >= 0, got {k_warheads}", "--k")
    _check(
        engine is None or 1 <= replications <= 10_000_000,
        f"must lie in [1, 10000000], got {replications}",
        "--replications",
    )
    _check(
        engine_interceptors is None or engine_interceptors >= 0,
        f"must be >= 0, got {engine_interceptors}",
        "--engine-interceptors",
    )
    _plot_dir(plot)
    p = _load(posture)
    (att,) = _sides(attacker, "--attacker", p)
    scenario, sizes = None, None
    if engine is not None:
        from shieldlab.stability.engine_curves import load_engine_scenario

        scenario = load_engine_scenario(engine)
        sizes = _values(raid_sizes, "--raid-sizes")
    with _EngineStatus() if scenario is not None else contextlib.nullcontext() as status:
        study = penetration_study(
            p,
            cast("SideName", att),
            max_raid=max_raid,
            epsilon=epsilon,
            k=k_warheads,
            engine=scenario,
            raid_sizes=sizes,
            replications=replications,
            seed=seed,
            engine_interceptors=engine_interceptors,
            progress=None if status is None else status.sizes,
        )
    _print_report(study, as_json, plot)


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
    from shieldlab.stability.studies import restore_study

    src = _engine_source(engine, replications, seed, raid_step)
    _plot_dir(plot)
    p = _load(posture)
    sides = cast("list[SideName]", _sides(attacker, "--attacker", p, both=True))
    with _engine_status(src) as src:
        study = restore_study(p, sides, engine=src)
    _print_report(study, as_json, plot)


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
    from shieldlab.stability.studies import first_strike_study

    _check(max_interceptors >= 0, f"must be >= 0, got {max_interceptors}", "--max-interceptors")
    _check(2 <= steps <= 1000, f"must lie in [2, 1000], got {steps}", "--steps")
    _plot_dir(plot)
    p = _load(posture)
    study = first_strike_study(p, max_interceptors=max_interceptors, steps=steps)
    _print_report(study, as_json, plot)


_MOVES = typer.Option(
    None,
    "--moves",
    help="alternating (Blue replies, then Red) or simultaneous (default: the posture's, "
    "alternating).",
)
_ADJUSTMENT = typer.Option(
    None,
    "--adjustment",
    help="Share of the way to its target forces a side moves each period, in [0.01, 1] "
    "(default: the posture's, 1).",
)


@app.command()
def race(
    posture: Path | None = _POSTURE,
    periods: int | None = typer.Option(None, "--periods", help="Periods (default: posture)."),
    moves: str | None = _MOVES,
    adjustment: float | None = _ADJUSTMENT,
    engine: str | None = _ENGINE,
    replications: int | None = _ENGINE_REPS,
    seed: int = _ENGINE_SEED,
    raid_step: int = _RAID_STEP,
    inventory_step: int = _INV_STEP,
    as_json: bool = _JSON,
    plot: Path | None = _PLOT,
) -> None:
    """Action-reaction race from the posture (and Richardson's model when given)."""
    from shieldlab.stability.studies import race_study

    _check(
        periods is None or 1 <= periods <= 10_000,
        f"must lie in [1, 10000], got {periods}",
        "--periods",
    )
    _check(
        moves in (None, "alternating", "simultaneous"),
        f"must be 'alternating' or 'simultaneous', got {moves!r}",
        "--moves",
    )
    _check(
        adjustment is None or 0.01 <= adjustment <= 1.0,
        f"must lie in [0.01, 1], got {adjustment}",
        "--adjustment",
    )
    src = _engine_source(engine, replications, seed, raid_step, inventory_step)
    _plot_dir(plot)
    p = _load(posture)
    mv = cast("Moves | None", moves)
    with _engine_status(src) as src:
        study = race_study(p, periods=periods, moves=mv, adjustment=adjustment, engine=src)
    _print_report(study, as_json, plot)


@contextlib.contextmanager
def _engine_status(src: EngineSource | None) -> Iterator[EngineSource | None]:
    """``src`` reporting its engine runs on a transient spinner (``None``: nothing shown)."""
    if src is None:
        yield None
        return
    with _EngineStatus() as status:
        yield status.source(src)


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


def _caps(text: str) -> Caps:
    """The cap set an --at option names: 'interceptors=100,launchers=300'."""
    from shieldlab.stability.restraint import Caps

    caps = Caps()
    for item in text.split(","):
        name, _, val = item.partition("=")
        name = name.strip()
        if name not in _CAPS or not val.strip().isdigit():
            raise InputError(
                f"expected NAME=VALUE pairs with NAME in {', '.join(_CAPS)}, got {item!r}",
                field="--at",
            )
        caps = caps.with_cap(cast("CapName", name), int(val))
    return caps


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
    from shieldlab.stability.studies import restraint_axes, restraint_study

    src = _engine_source(engine, replications, seed, raid_step, inventory_step)
    _plot_dir(plot)
    p = _load(posture)
    xc, xv, yc, yv, thr = restraint_axes(p, x_cap, None, y_cap, None, threshold)
    for c, opt in ((xc, "--x-cap"), (yc, "--y-cap")):
        _check(c in _CAPS, f"must be one of {', '.join(_CAPS)}, got {c!r}", opt)
    _check(xc != yc, "must differ from the x cap", "--y-cap")
    xv = _values(x_values, "--x-values") or xv
    yv = _values(y_values, "--y-values") or yv
    _check(0.0 <= thr <= 1.0, f"must lie in [0, 1], got {thr:g}", "--threshold")
    caps = None if at is None else _caps(at)
    with _engine_status(src) as src:
        study = restraint_study(
            p, x_cap=xc, x_values=xv, y_cap=yc, y_values=yv, threshold=thr, at=caps, engine=src
        )
    _print_report(study, as_json, plot)


def _seconds(default: float, flag: str, what: str) -> Any:
    return typer.Option(default, flag, help=f"{what} (seconds).")


@app.command()
def crisis(
    posture: Path | None = _POSTURE,
    warning: float = _seconds(1500.0, "--warning", "Warning time, detection to impact"),
    blue_warning: float | None = typer.Option(None, "--blue-warning", help="Blue's (s)."),
    red_warning: float | None = typer.Option(None, "--red-warning", help="Red's (s)."),
    decision: float = _seconds(300.0, "--decision", "Decision latency"),
    c2: float = _seconds(120.0, "--c2", "C2 latency: the order reaching the launchers"),
    launch_min: float = _seconds(60.0, "--launch-min", "Fastest launcher, order to away"),
    launch_max: float = _seconds(600.0, "--launch-max", "Slowest launcher, order to away"),
    max_share: float = typer.Option(
        0.9, "--max-share", help="Most of the fixed force that can launch under attack."
    ),
    max_warning: float | None = typer.Option(
        None, "--max-warning", help="Sweep warning time from 0 to this (s)."
    ),
    steps: int = typer.Option(31, "--steps", help="Points in the warning-time sweep."),
    as_json: bool = _JSON,
    plot: Path | None = _PLOT,
) -> None:
    """First-strike stability when warning, decision and C2 time decide launch under attack."""
    import dataclasses
    import math

    from shieldlab.stability.crisis import CrisisTime, crisis_study

    times: dict[str, float | None] = {"--warning": warning, "--decision": decision, "--c2": c2}
    times |= {"--launch-min": launch_min, "--launch-max": launch_max}
    times |= {"--blue-warning": blue_warning, "--red-warning": red_warning}
    for opt, v in times.items():
        _check(v is None or (math.isfinite(v) and v >= 0), f"must be >= 0, got {v}", opt)
    _check(launch_max >= launch_min, "must be >= --launch-min", "--launch-max")
    _check(0.0 <= max_share <= 1.0, f"must lie in [0, 1], got {max_share:g}", "--max-share")
    _check(2 <= steps <= 1000, f"must lie in [2, 1000], got {steps}", "--steps")
    ok = max_warning is None or (math.isfinite(max_warning) and max_warning > 0)
    _check(ok, f"must be > 0, got {max_warning}", "--max-warning")
    _plot_dir(plot)
    p = _load(posture)
    t = CrisisTime(
        warning_s=warning,
        decision_s=decision,
        c2_s=c2,
        launch_min_s=launch_min,
        launch_max_s=launch_max,
        max_share=max_share,
    )
    blue = t if blue_warning is None else dataclasses.replace(t, warning_s=blue_warning)
    red = t if red_warning is None else dataclasses.replace(t, warning_s=red_warning)
    study = crisis_study(p, blue, red, max_warning_s=max_warning, steps=steps)
    _print_report(study, as_json, plot)


_SIDES_POSTURE = typer.Argument(
    None,
    help="N-sided posture YAML (default: the built-in three-sides example).",
    show_default=False,
)
_SIDES_PERIODS = typer.Option(None, "--periods", help="Race periods (default: posture).")


@app.command()
def sides(
    posture: Path | None = _SIDES_POSTURE,
    periods: int | None = _SIDES_PERIODS,
    as_json: bool = _JSON,
) -> None:
    """Three or more sides: each pair against its defence share, whole deterrents, race."""
    from shieldlab.stability.multi import builtin_multi_posture, load_multi_posture
    from shieldlab.stability.studies import sides_study

    _check(
        periods is None or 1 <= periods <= 10_000,
        f"must lie in [1, 10000], got {periods}",
        "--periods",
    )
    mp = builtin_multi_posture() if posture is None else load_multi_posture(posture)
    _print_report(sides_study(mp, periods=periods), as_json, None)

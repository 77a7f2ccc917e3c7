"""The report of ``shieldlab run SCENARIO --report DIR``.

:func:`run_report` turns a scenario and its :class:`~shieldlab.montecarlo.Results` into a
:class:`~shieldlab.report.document.Report` with these sections, in order:

1. *Summary*: what was run (scenario, replications, seed) and the outcomes table with
   95 % intervals (the same rows as the terminal table);
2. *Results*: by layer and interceptor type, by defended asset, and their figures;
   *Theatre*: the map of the notional theatre and the engagement timeline of replication
   0 of the run's seed (:func:`add_theatre`, the figures of :mod:`shieldlab.viz.theatre`);
3. *Parameter cards*: every catalog card the scenario used, each value with its unit,
   range, NOTIONAL flag and source;
4. *Reproduce*: the command that reruns the report bit-for-bit, the scenario file's
   SHA-256, and the versions of shieldlab, Python and the numerical libraries.

Further figures are added by the caller with
:meth:`Report.add_figure(..., section=..., before="Parameter cards")` before
:meth:`Report.write`.
"""

from __future__ import annotations

import hashlib
import math
import platform
import shlex
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shieldlab.report.document import Report

if TYPE_CHECKING:
    from shieldlab.montecarlo import Metric, Results
    from shieldlab.scenario.cards import CardSource
    from shieldlab.scenario.model import Scenario

__all__ = [
    "CARDS",
    "REPRODUCE",
    "RESULTS",
    "SUMMARY",
    "add_theatre",
    "library_versions",
    "rerun_command",
    "run_report",
]

SUMMARY, RESULTS, CARDS, REPRODUCE = "Summary", "Results", "Parameter cards", "Reproduce"

#: Distributions whose version the report prints (those that can change a number).
LIBRARIES = (
    "shieldlab",
    "numpy",
    "numba",
    "llvmlite",
    "scipy",
    "pydantic",
    "highspy",
    "PyYAML",
    "pymap3d",
    "plotly",
    "matplotlib",
)


def library_versions() -> dict[str, str]:
    """Python, platform and the installed version of every library in :data:`LIBRARIES`."""
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def rerun_command(
    scenario_ref: str | None,
    *,
    replications: int,
    seed: int,
    precision: float | None,
    report_dir: str | Path,
) -> str:
    """The shell command that reruns the report (results do not depend on --workers)."""
    args = ["shieldlab", "run"]
    if scenario_ref is not None:
        args.append(str(scenario_ref))
    args += ["--replications", str(replications), "--seed", str(seed)]
    if precision is not None:
        args += ["--precision", repr(precision)]
    args += ["--report", str(report_dir)]
    return shlex.join(args)


def _interval(m: Metric, scale: float = 1.0, digits: int = 2) -> str:
    lo, hi = m.ci95
    if m.is_constant:
        return ""
    if math.isnan(lo):
        return "-"
    return f"[{lo * scale:,.{digits}f}, {hi * scale:,.{digits}f}]"


def _mean(m: Metric, scale: float = 1.0, digits: int = 2) -> str:
    return "-" if math.isnan(m.mean) else f"{m.mean * scale:,.{digits}f}"


def _row(label: str, m: Metric, scale: float = 1.0, digits: int = 2) -> list[Any]:
    return [label, _mean(m, scale, digits), _interval(m, scale, digits)]


def _summary_rows(res: Results) -> list[list[Any]]:
    m = res.metrics
    n_decoys = res.n_threats - res.n_lethal
    rows: list[list[Any]] = [
        [f"threats in the raid ({res.n_lethal} lethal, {n_decoys} decoys)", res.n_threats, ""],
        _row("leakers (lethal threats reaching their aimpoint)", m["leakers"]),
        _row("P(no leaker)", m["p_zero_leakers"], digits=4),
        _row("lethal threats shot down", m["lethal_threats_killed"]),
    ]
    if n_decoys:
        rows.append(_row("decoys shot down", m["decoys_killed"]))
    rows += [
        _row("threats engaged", m["threats_engaged"]),
        _row("interceptors fired", m["interceptors_fired"]),
        _row("interceptor cost (million USD)", m["interceptor_cost_usd"], 1e-6),
        _row(
            "raid cost consumed (million USD): missiles and decoys launched, aircraft lost",
            m["raid_cost_usd"],
            1e-6,
        ),
        _row(
            "interceptor cost / raid cost consumed", m["interceptor_to_raid_cost_ratio"], digits=3
        ),
        _row(
            "interceptor cost / missiles and decoys only",
            m["interceptor_to_missile_cost_ratio"],
            digits=3,
        ),
        _row(
            f"time of first leak, s ({m['time_of_first_leak_s'].n:,} raids with a leak)",
            m["time_of_first_leak_s"],
            digits=0,
        ),
    ]
    if "aircraft_lost" in m and m["aircraft_lost"].upper:
        rows.append(
            _row(f"aircraft shot down (of {m['aircraft_lost'].upper:.0f})", m["aircraft_lost"])
        )
    if "rounds_on_decoys" in m and n_decoys:
        rows.append(_row("interceptors fired at decoys", m["rounds_on_decoys"]))
    return rows


def _breakdown_tables(rep: Report, res: Results) -> None:
    """What leaks by threat class and wave, type x class, magazines (with a breakdown)."""
    g = res.by_type
    if "kills_by_class" not in g:
        return
    for key, label in (("class", "threat class"), ("wave", "wave")):
        leaks = g[f"leakers_by_{key}"]
        rep.add_table(
            f"What leaks, by {label}",
            [label, "threats", "shot down ± 95 %", "leakers ± 95 %"],
            [
                [
                    name,
                    f"{km.upper:.0f}" if km.upper is not None else "",
                    _pm(km),
                    _pm(leaks[name]) if name in leaks else "(not lethal)",
                ]
                for name, km in g[f"kills_by_{key}"].items()
            ],
        )
    rep.add_table(
        "Interceptor type x threat class",
        ["interceptor type", "at", "fired ± 95 %", "shot down ± 95 %"],
        [
            [*k.rpartition("/")[::2], _pm(fm), _pm(g["kills_by_type_and_class"][k])]
            for k, fm in g["fired_by_type_and_class"].items()
            if fm.mean > 0
        ],
    )
    rep.add_table(
        "Magazines at the end of the raid",
        ["battery", "rounds at start", "rounds left ± 95 %", "reloads done ± 95 %"],
        [
            [
                b,
                f"{rm.upper:.0f}" if rm.upper is not None else "",
                _pm(rm),
                _pm(g["reloads_by_battery"][b]),
            ]
            for b, rm in g["rounds_left_by_battery"].items()
        ],
    )


def _pm(m: Metric) -> str:
    if math.isnan(m.mean):
        return "-"
    if math.isnan(m.half_width) or m.is_constant:
        return f"{m.mean:,.2f}"
    return f"{m.mean:,.2f} ± {m.half_width:,.2f}"


def _card_rows(src: CardSource) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for p in src.parameters:
        rng = "" if p.low is None and p.high is None else f"{p.low:g} to {p.high:g}"
        rows.append(
            [
                p.field,
                p.value if not isinstance(p.value, list) else ", ".join(map(str, p.value)),
                p.unit,
                rng,
                "NOTIONAL" if p.notional else "",
                p.source,
            ]
        )
    return rows


THEATRE = "Theatre"


def add_theatre(rep: Report, scenario: Scenario, *, seed: int, replication: int = 0) -> None:
    """Add the *Theatre* section: the map and, where the engine can trace, one replication.

    The map shows batteries, envelope rings, assets and, with a trace, the ground tracks
    and intercept points of replication ``replication`` of ``seed`` -- exactly that
    replication of the run (``shieldlab replay`` draws the same). Scenarios that run on the
    Python event loop (fidelity 'measured', a non-greedy assigner) cannot be traced: their
    map shows the layout only, and the section says why.
    """
    import tempfile

    from shieldlab.engine.trace import EventTrace, record_replication
    from shieldlab.errors import InputError
    from shieldlab.viz.theatre import map_figure, map_png, timeline_figure, timeline_png

    rep.add_section(THEATRE, before=CARDS)
    trace: EventTrace | None
    try:
        trace = record_replication(scenario, seed=seed, replication=replication)
    except InputError as exc:
        trace = None
        rep.add_text(f"No replication is drawn: {exc.message}.")
    with tempfile.TemporaryDirectory(prefix="shieldlab-theatre-") as tmp:
        png = map_png(scenario, Path(tmp) / "map.png", trace)
        what = (
            f"replication {replication} of seed {seed} (rerun it with `shieldlab replay "
            f"--seed {seed} --replication {replication}`)"
            if trace is not None
            else "layout only"
        )
        rep.add_figure(
            "Theatre map",
            map_figure(scenario, trace),
            png=png.read_bytes(),
            caption=f"Notional geography; rings: radar and interceptor envelopes; {what}.",
        )
        if trace is not None:
            png = timeline_png(trace, Path(tmp) / "timeline.png")
            rep.add_figure(
                "Engagement timeline",
                timeline_figure(trace),
                png=png.read_bytes(),
                caption=f"Detections, track formation, launches, kills and leaks per threat; "
                f"{what}.",
            )


def run_report(
    scenario: Scenario,
    results: Results,
    *,
    sources: list[CardSource],
    scenario_ref: str | None,
    report_dir: str | Path,
    precision: float | None = None,
    replications: int | None = None,
    workers: int = 1,
    figures: bool = True,
) -> Report:
    """The run report (module docstring); add figures to it, then ``.write(report_dir)``.

    ``replications`` is the --replications option as given (with --precision, the cap);
    default: the replications run.
    """
    from shieldlab.report import figures as figs

    res = results
    versions = library_versions()
    command = rerun_command(
        scenario_ref,
        replications=res.replications if replications is None else replications,
        seed=res.seed,
        precision=precision,
        report_dir=report_dir,
    )
    file_hash = None
    if scenario_ref is not None and Path(scenario_ref).is_file():
        file_hash = hashlib.sha256(Path(scenario_ref).read_bytes()).hexdigest()
    rep = Report(
        f"shieldlab run: {res.scenario}",
        subtitle=(
            f"{res.replications:,} replications, seed {res.seed}; every number is a mean per "
            "raid with its 95 % interval. All parameters are generic or notional."
        ),
        meta={
            "kind": "shieldlab run report",
            "scenario": res.scenario,
            "scenario_ref": scenario_ref,
            "scenario_sha256": file_hash,
            "replications": res.replications,
            "seed": res.seed,
            "precision": precision,
            "command": command,
            "versions": versions,
            "results": res.to_dict() | {"timing": {}},
        },
    )
    rep.add_section(SUMMARY)
    if res.headline:
        rep.add_text(res.headline)
    if scenario.description:
        rep.add_text(scenario.description.strip())
    rep.add_table(
        "Outcomes per raid",
        ["outcome", "mean", "95 % interval"],
        _summary_rows(res),
        caption="Means: Student t on the logit or log scale, so an interval stays inside the "
        "outcome's range; probabilities: Wilson score intervals (docs/engine.md). Raid cost: "
        f"{res.cost_basis}.",
    )
    if res.precision is not None:
        half = res.metrics["leakers"].half_width
        rep.add_text(
            f"Precision target: leakers interval half-width {half:.4f} against "
            f"{res.precision:g}: {'met' if res.precision_met else 'NOT met'}."
        )

    rep.add_section(RESULTS)
    fired = res.by_type["interceptors_fired_by_type"]
    kills = res.by_type["kills_by_type"]
    layer_of = dict(zip(fired, res.layers, strict=True)) if res.layers else {}
    rep.add_table(
        "What stops what: by layer and interceptor type",
        ["layer", "interceptor type", "fired ± 95 %", "kills ± 95 %"],
        [[layer_of.get(n, "-"), n, _pm(fired[n]), _pm(kills[n])] for n in fired]
        + [
            [layer, "(all types)", "", _pm(km)]
            for layer, km in res.by_type["kills_by_layer"].items()
        ],
    )
    rep.add_table(
        "What leaks through: leakers per defended asset",
        ["defended asset", "leakers", "95 % interval"],
        [[a, _mean(hm), _interval(hm)] for a, hm in res.by_type["hits_by_asset"].items()],
    )
    _breakdown_tables(rep, res)
    if figures:
        for title, fn, caption in (
            ("Outcomes", figs.outcome_figure, "Whiskers: 95 % intervals."),
            ("Interceptors by type", figs.interceptor_figure, "Whiskers: 95 % intervals."),
            ("Leakers by asset", figs.asset_figure, "Whiskers: 95 % intervals."),
        ):
            pfig, mfig = fn(res)
            rep.add_figure(title, pfig, png=mfig, caption=caption)
        add_theatre(rep, scenario, seed=res.seed, replication=0)

    rep.add_section(CARDS)
    if sources:
        notional = sum(1 for s in sources for p in s.parameters if p.notional)
        rep.add_text(
            f"The scenario used {len(sources)} parameter card(s) from the shieldlab catalog; "
            f"{notional} of their values are marked NOTIONAL (invented for teaching). Values "
            "the scenario overrode are listed under each card."
        )
        for s in sources:
            over = ", ".join(s.overridden) or "none"
            rep.add_table(
                f"{s.card}: {s.title} ({s.kind})",
                ["field", "value", "unit", "range", "", "source"],
                _card_rows(s),
                caption=f"File {s.file}; used at {', '.join(s.used_at)}; overridden by the "
                f"scenario: {over}.",
            )
    else:
        rep.add_text("No parameter cards: every value was given in the scenario file.")

    rep.add_section(REPRODUCE)
    rep.add_code("Command (same seed, same numbers, whatever --workers)", command)
    rep.add_table(
        "Run",
        ["item", "value"],
        [
            ["scenario", res.scenario],
            ["scenario file", scenario_ref if file_hash else f"built-in '{res.scenario}'"],
            ["scenario file SHA-256", file_hash or "-"],
            ["replications", res.replications],
            ["seed", res.seed],
            ["workers", workers],
            ["engine path", "compiled kernel" if res.path == "compiled" else "Python event loop"],
        ],
    )
    rep.add_table("Versions", ["software", "version"], [[k, v] for k, v in versions.items()])
    rep.add_code("Python", sys.version)
    return rep

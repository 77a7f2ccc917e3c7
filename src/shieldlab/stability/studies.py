"""The stability studies as library calls: one function per ``shieldlab stability`` command.

Each function takes a posture (and the study's options), runs the study, and returns a
result object with

* ``to_dict()`` -- the JSON answer (what ``--json`` prints, figures aside);
* ``report()`` -- the text answer as a list of :class:`Table` and plain note lines, in
  the order a front end shows them (the CLI prints them; nothing here prints);
* ``write_figures(directory)`` -- the PNG and HTML figures (:mod:`shieldlab.stability.plots`).

The command line (:mod:`shieldlab.cli.stability`) only checks its options, loads the
posture, calls one of these and prints the result. Formulas: ``docs/stability.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from shieldlab.stability.penetration import (
    DefenceModel,
    PenetrationCurve,
    closed_form_curve,
    saturation_point,
    saturation_raid_closed_form,
)

if TYPE_CHECKING:
    from shieldlab.scenario.model import Scenario
    from shieldlab.stability.deterrence import DecoyOption, RestoreResult
    from shieldlab.stability.engine_curves import EngineSource
    from shieldlab.stability.first_strike import FirstStrikeResult
    from shieldlab.stability.multi import Allocation, MultiPosture, MultiRaceResult, SideRestore
    from shieldlab.stability.posture import CapName, Posture, SideName
    from shieldlab.stability.race import Moves, RaceResult, RichardsonResult
    from shieldlab.stability.restraint import Caps, RestraintCell, RestraintMap

__all__ = [
    "CAP_NAMES",
    "FirstStrikeStudy",
    "PenetrationStudy",
    "RaceStudy",
    "RestoreStudy",
    "RestraintStudy",
    "SidesStudy",
    "Table",
    "first_strike_study",
    "magazine_notes",
    "penetration_study",
    "race_study",
    "restore_study",
    "restraint_study",
    "sides_study",
    "source_text",
]

#: The caps a restraint map can vary.
CAP_NAMES: tuple[str, ...] = ("interceptors", "launchers", "warheads_per_launcher")


@dataclass(frozen=True)
class Table:
    """One table of a text report: a title, column names and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


#: A text report: tables and note lines, in order.
Report = list[Table | str]


# -- wording shared by the reports -------------------------------------------------------------


def yes(flag: bool) -> str:
    """'yes' / 'no' (tables never show ``True``/``False``)."""
    return "yes" if flag else "no"


def money(usd: float) -> str:
    """A cost with its unit: '12.3 million USD', '450 thousand USD', 'n/a', 'unbounded'.

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


def number(v: Any) -> str:
    """A table cell as text: 4 significant digits, 'n/a', 'inf', yes/no, '-' for none."""
    if isinstance(v, bool):
        return yes(v)
    if isinstance(v, float):
        if v != v:
            return "n/a"
        if v in (float("inf"), float("-inf")):
            return "inf"
        return f"{v:.4g}"
    return "-" if v is None else str(v)


def _mix(option: DecoyOption | None) -> str:
    if option is None:
        return "-"
    return f"{option.missiles} missiles + {option.decoys} decoys ({money(option.cost)})"


def forces_text(settled: dict[str, int], labels: dict[str, str] | None = None) -> str:
    """Settled forces as words: 'blue 215 missiles, 186 interceptors; red ...' (each side
    by its posture name when ``labels`` give one)."""
    names = labels or {"blue": "blue", "red": "red"}
    return "; ".join(
        f"{names[s]} {settled[f'{s}_missiles']} missiles, "
        f"{settled[f'{s}_interceptors']} interceptors"
        for s in ("blue", "red")
    )


def magazine_notes(posture: Posture | MultiPosture) -> dict[str, str]:
    """For each side whose defence is built from battery cards, how its interceptors were
    counted: the rounds usable within the raid's duration (issue 18)."""
    from shieldlab.stability.posture import Posture as TwoSided

    sides = (
        {"blue": posture.blue, "red": posture.red}
        if isinstance(posture, TwoSided)
        else posture.sides
    )
    out = {}
    for s, sp in sides.items():
        text = sp.defence.magazine_text()
        if text is not None:
            out[s] = f"{posture.label(s)} defence: {text}"
    return out


def source_text(src: EngineSource | None) -> str:
    """Where the penetration curves come from, in words."""
    if src is None:
        return "closed-form"
    d = src.scenario.doctrine
    return (
        f"engine scenario {src.scenario.name}, {src.replications} replications, seed "
        f"{src.seed}, raid step {src.raid_step}, inventory step {src.inventory_step}, "
        f"doctrine {d.assigner}/{d.engagement_priority}"
    )


def _other(side: str) -> SideName:
    return "red" if side == "blue" else "blue"


def _figures(paths: list[Path]) -> list[str]:
    return [str(f) for f in paths]


# -- penetration -------------------------------------------------------------------------------


def default_engine_raid_sizes(scenario: Scenario) -> list[int]:
    """Engine raid sizes when none are given: 1/4 to 12 times the scenario's raid."""
    n0 = sum(w.count for w in scenario.raid.waves)
    lo = len(scenario.raid.waves)
    return sorted({max(lo, round(n0 * f)) for f in (0.25, 0.5, 1, 2, 4, 6, 8, 12)})


@dataclass(frozen=True, kw_only=True)
class EnginePenetration:
    """The engine part of a penetration study."""

    scenario: str
    curve: PenetrationCurve
    saturation_raid: int | None
    interceptors: int | None


@dataclass(frozen=True, kw_only=True)
class PenetrationStudy:
    """Closed-form penetration curve of one attacker's raid (and, optionally, the engine's)."""

    posture: Posture = field(repr=False)
    attacker: SideName
    defence: DefenceModel
    warheads_per_missile: int
    epsilon: float
    top: int
    curve: PenetrationCurve
    saturation_raid: int | None
    saturation_raid_closed_form: int
    engine: EnginePenetration | None = None

    @property
    def defender(self) -> SideName:
        return _other(self.attacker)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attacker": self.attacker,
            "defender": self.defender,
            "names": self.posture.labels,
            "epsilon": self.epsilon,
            "saturation_raid": self.saturation_raid,
            "saturation_raid_closed_form": self.saturation_raid_closed_form,
            "defence": {
                "interceptors": self.defence.interceptors,
                "shots_per_threat": self.defence.shots_per_threat,
                "p_kill": self.defence.p_kill,
            },
            "curve": self.curve.to_dict(),
        }
        if self.engine is not None:
            out["engine"] = {
                "scenario": self.engine.scenario,
                "saturation_raid": self.engine.saturation_raid,
                "curve": self.engine.curve.to_dict(),
            }
        return out

    def report(self) -> Report:
        p, cv, k = self.posture, self.curve, self.curve.k
        raids = cv.raid_missiles
        step = max(1, len(raids) // 15)
        rows = [
            [int(n), float(cv.expected_penetrating[i]), float(cv.p_at_least_k[i])]
            for i, n in enumerate(raids)
            if i % step == 0 or i == len(raids) - 1
        ]
        sat = self.saturation_raid
        out: Report = [
            Table(
                f"{p.label(self.attacker)} raid vs {p.label(self.defender)} defence "
                f"({self.defence.interceptors} interceptors, "
                f"Pk {self.defence.p_kill:.3f}, {self.warheads_per_missile} warhead(s)/missile)"
                " -- closed form",
                ["raid (missiles)", "E[penetrating]", f"P(>= {k})"],
                rows,
            ),
            f"saturation (each added missile adds >= {1 - self.epsilon:g} x "
            f"{self.warheads_per_missile} warheads): "
            f"{sat if sat is not None else f'beyond {self.top}'} missiles "
            f"(closed form {self.saturation_raid_closed_form})",
        ]
        if self.engine is not None:
            ec = self.engine.curve
            half, ci = ec.expected_ci95_half_width, ec.p_at_least_k_ci95
            assert half is not None and ci is not None
            inv = self.engine.interceptors
            inv_text = "" if inv is None else f", {inv} interceptors"
            out.append(
                Table(
                    f"scenario {self.engine.scenario}{inv_text} -- {ec.source}",
                    ["raid (threats)", "E[leakers]", "95% +/-", f"P(>= {k})", "95% Wilson"],
                    [
                        [
                            int(n),
                            float(ec.expected_penetrating[i]),
                            float(half[i]),
                            float(ec.p_at_least_k[i]),
                            f"[{ci[i, 0]:.3f}, {ci[i, 1]:.3f}]",
                        ]
                        for i, n in enumerate(ec.raid_missiles)
                    ],
                )
            )
            es = self.engine.saturation_raid
            out.append(
                "engine saturation: not reached within the raid sizes run"
                if es is None
                else f"engine saturation: {es} threats (to the resolution of the raid sizes run)"
            )
        return out

    def write_figures(self, directory: str | Path) -> list[str]:
        from shieldlab.stability.plots import CurveSpec, display_names, penetration_figures

        p, att = self.posture, self.attacker
        a = p.side(att)
        req = a.deterrence
        k = self.curve.k
        who = display_names(p.labels)
        label = f"{who[att]} vs {who[self.defender]}"
        curve = self.curve
        reach = _past(a.offence.launchers)
        if curve.raid_missiles[-1] < reach:  # (--max-raid short of the force)
            curve = closed_form_curve(
                self.defence,
                np.arange(0, reach + 1),
                warheads_per_missile=self.warheads_per_missile,
                k=k,
            )
        out = _figures(
            penetration_figures(
                directory,
                [],
                saturation=[],
                labels=[],
                specs=[
                    CurveSpec(
                        curve=curve,
                        label=label,
                        side=att,
                        name=who[att],
                        saturation=self.saturation_raid,
                        k_line=float(k),
                        probability=req.probability if k == req.warheads else None,
                        current=a.offence.launchers,
                    )
                ],
                title=f"{label}: penetration (closed form)",
            )
        )
        if self.engine is not None:
            out += _figures(
                penetration_figures(
                    directory,
                    [],
                    saturation=[],
                    labels=[],
                    specs=[
                        CurveSpec(
                            curve=self.engine.curve,
                            label=f"engine: {self.engine.scenario}",
                            side=att,
                            name=who[att],
                            saturation=self.engine.saturation_raid,
                            k_line=float(k),
                        )
                    ],
                    name="penetration_engine",
                    raid_unit="threats",
                    title=f"Engine penetration: scenario {self.engine.scenario} (threats)",
                )
            )
        return out


def _past(force: int) -> int:
    """A raid size 10 % (at least one missile) past ``force``: curves reach beyond it."""
    return int(np.ceil(1.1 * force)) + 1


def penetration_study(
    posture: Posture,
    attacker: SideName = "blue",
    *,
    max_raid: int | None = None,
    epsilon: float = 0.05,
    k: int | None = None,
    engine: Scenario | None = None,
    raid_sizes: Sequence[int] | None = None,
    replications: int = 1000,
    seed: int = 0,
    engine_interceptors: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PenetrationStudy:
    """Penetrating warheads and P(>= k) against raid size, and the saturation raid.

    The closed-form curve uses the posture (``k`` defaults to the attacker's requirement
    K; the raid sizes run to ``max_raid``, by default well past saturation). With
    ``engine`` (a scenario) the Monte Carlo engine also runs that scenario's raid at
    ``raid_sizes`` (default :func:`default_engine_raid_sizes`) with common random numbers;
    ``progress(done, total)`` is called after each engine raid size.
    """
    a = posture.side(attacker)
    defence = DefenceModel.from_posture(posture.side(_other(attacker)).defence)
    w = a.offence.warheads_per_launcher
    kk = a.deterrence.warheads if k is None else k
    sat_cf = saturation_raid_closed_form(defence, w, epsilon)
    top = (
        max_raid
        if max_raid is not None
        else max(2 * sat_cf, sat_cf + 10, 2 * kk // w + 10, _past(a.offence.launchers))
    )
    curve = closed_form_curve(defence, np.arange(0, top + 1), warheads_per_missile=w, k=kk)
    eng = None
    if engine is not None:
        from shieldlab.stability.engine_curves import engine_curve

        sizes = list(raid_sizes) if raid_sizes is not None else default_engine_raid_sizes(engine)
        ec = engine_curve(
            engine,
            sizes,
            k=kk,
            interceptors=engine_interceptors,
            replications=replications,
            seed=seed,
            progress=progress,
        )
        eng = EnginePenetration(
            scenario=engine.name,
            curve=ec,
            saturation_raid=saturation_point(ec, epsilon) if len(sizes) > 1 else None,
            interceptors=engine_interceptors,
        )
    return PenetrationStudy(
        posture=posture,
        attacker=attacker,
        defence=defence,
        warheads_per_missile=w,
        epsilon=epsilon,
        top=top,
        curve=curve,
        saturation_raid=saturation_point(curve, epsilon),
        saturation_raid_closed_form=sat_cf,
        engine=eng,
    )


# -- restore ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RestoreStudy:
    """What each attacker needs to restore its deterrent (:func:`restore_deterrence`)."""

    posture: Posture = field(repr=False)
    results: list[RestoreResult]

    def to_dict(self) -> dict[str, Any]:
        return {
            "posture": self.posture.name,
            "names": self.posture.labels,
            "results": [r.to_dict() for r in self.results],
        }

    def rows(self) -> list[list[Any]]:
        """The restore table: one block of (quantity, value) rows per attacker.

        The rows are the library's (:meth:`RestoreResult.rows`): each names whose force,
        cost or deterrent it is.
        """
        return [list(row) for r in self.results for row in r.rows()]

    def report(self) -> Report:
        return [
            Table(
                f"Restoring deterrence -- {self.posture.name}", ["quantity", "value"], self.rows()
            ),
            "reading the cost-exchange ratio: above 1 the defence is cost-effective at the "
            "margin (Nitze's criterion); below 1, more offence is the cheaper answer.",
            *[line for r in self.results for line in r.notes()],
            f"unit costs: {self.results[0].cost_source}",
        ]

    def curve_specs(self) -> list[Any]:
        """Each attacker's closed-form curve with saturation, requirement, answer and force."""
        from shieldlab.stability.plots import CurveSpec, display_names

        p = self.posture
        who = display_names(p.labels)
        specs = []
        for r in self.results:
            a = p.side(r.attacker)  # type: ignore[arg-type]
            defence = DefenceModel.from_posture(p.side(r.defender).defence)  # type: ignore[arg-type]
            w = a.offence.warheads_per_launcher
            sat_cf = saturation_raid_closed_form(defence, w)
            top = max(int(1.5 * r.missiles_with_defence) + 10, int(1.2 * sat_cf) + 10)
            top = max(top, _past(a.offence.launchers))
            curve = closed_form_curve(
                defence, np.arange(0, top + 1), warheads_per_missile=w, k=a.deterrence.warheads
            )
            req = a.deterrence
            specs.append(
                CurveSpec(
                    curve=curve,
                    label=f"{who[r.attacker]} vs {who[r.defender]}",
                    side=r.attacker,
                    name=who[r.attacker],
                    saturation=saturation_point(curve),
                    k_line=float(req.warheads if req.expected is None else req.expected),
                    probability=req.probability,
                    needed=r.missiles_with_defence,
                    needed_without=r.missiles_without_defence,
                    current=r.current_missiles,
                )
            )
        return specs

    def write_figures(self, directory: str | Path) -> list[str]:
        from shieldlab.stability.plots import penetration_figures

        source = self.results[0].curve_source
        answer = "" if source == "closed-form" else f"; answers from {source}"
        return _figures(
            penetration_figures(
                directory,
                [],
                saturation=[],
                labels=[],
                specs=self.curve_specs(),
                name="restore",
                title=f"Restoring deterrence -- {self.posture.name} (closed-form curves{answer})",
            )
        )


def restore_study(
    posture: Posture, sides: Sequence[SideName], *, engine: EngineSource | None = None
) -> RestoreStudy:
    """:func:`~shieldlab.stability.deterrence.restore_deterrence` for each attacker in ``sides``."""
    from shieldlab.stability.deterrence import restore_deterrence

    return RestoreStudy(
        posture=posture, results=[restore_deterrence(posture, s, engine=engine) for s in sides]
    )


# -- first strike ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FirstStrikeStudy:
    """The posture's first-strike costs and index, and the index as each side adds interceptors."""

    posture: Posture = field(repr=False)
    result: FirstStrikeResult
    interceptors: np.ndarray
    sweep: dict[str, np.ndarray]

    def to_dict(self) -> dict[str, Any]:
        return {
            "posture": self.posture.name,
            "names": self.posture.labels,
            "result": self.result.to_dict(),
            "sweep": {
                "interceptors": self.interceptors.tolist(),
                **{k: v.tolist() for k, v in self.sweep.items()},
            },
        }

    def report(self) -> Report:
        p, res, inv = self.posture, self.result, self.interceptors
        rows = [
            [int(n), float(self.sweep["blue"][i]), float(self.sweep["red"][i])]
            for i, n in enumerate(inv)
        ]
        return [
            Table(
                f"First-strike stability -- {p.name}",
                ["side", "cost if striking first", "cost if striking second", "ratio (<= 1)"],
                [
                    [p.label("blue"), res.blue_cost_first, res.blue_cost_second, res.blue_ratio],
                    [p.label("red"), res.red_cost_first, res.red_cost_second, res.red_ratio],
                ],
            ),
            f"stability index ({res.combine} of the ratios, range [0, 1]): {res.index:.4f}",
            Table(
                "Index as one side fields n interceptors (the other as posted)",
                ["interceptors", f"{p.label('blue')} adds", f"{p.label('red')} adds"],
                rows,
            ),
        ]

    def write_figures(self, directory: str | Path) -> list[str]:
        from shieldlab.stability.plots import stability_figures

        inv, sweep = self.figure_sweep()
        p = self.posture
        current = {s: (p.side(s).defence.interceptors, self.result.index) for s in ("blue", "red")}
        thr = p.restraint.stability_threshold if p.restraint is not None else None
        return _figures(
            stability_figures(directory, inv, sweep, current=current, threshold=thr, names=p.labels)
        )

    def figure_sweep(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The sweep with each side's current interceptor count added to the grid, so the
        current-posture marker lies on its side's curve."""
        from shieldlab.stability.first_strike import stability_vs_interceptors

        p = self.posture
        now = [p.side(s).defence.interceptors for s in ("blue", "red")]
        inv = np.union1d(self.interceptors, np.asarray(now, dtype=np.int64))
        if inv.size == self.interceptors.size:
            return self.interceptors, self.sweep
        return inv, {s: stability_vs_interceptors(p, s, inv) for s in ("blue", "red")}


def first_strike_study(
    posture: Posture, *, max_interceptors: int = 2000, steps: int = 21
) -> FirstStrikeStudy:
    """:func:`posture_stability` and, for each side, the index over ``steps`` interceptor
    counts from 0 to ``max_interceptors`` (the other side as posted)."""
    from shieldlab.stability.first_strike import posture_stability, stability_vs_interceptors

    inv = np.linspace(0, max_interceptors, steps).round().astype(np.int64)
    return FirstStrikeStudy(
        posture=posture,
        result=posture_stability(posture),
        interceptors=inv,
        sweep={s: stability_vs_interceptors(posture, s, inv) for s in ("blue", "red")},
    )


# -- race -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RaceStudy:
    """The action-reaction race from the posture (and Richardson's model when given)."""

    posture: Posture = field(repr=False)
    result: RaceResult
    richardson: RichardsonResult | None
    curve_source: str

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "posture": self.posture.name,
            "names": self.posture.labels,
            "curve_source": self.curve_source,
            "action_reaction": self.result.to_dict(),
        }
        rich = self.richardson
        if rich is not None:
            out["richardson"] = {
                "equilibrium": list(rich.equilibrium),
                "stable": rich.stable,
                "t_years": rich.t_years.tolist(),
                "x": rich.x.tolist(),
                "y": rich.y.tolist(),
            }
        return out

    def rows(self) -> list[list[Any]]:
        """Forces per period (at most about 20 periods) and gross spending to date (M USD)."""
        res = self.result
        n = res.blue_missiles.size
        step = max(1, n // 20)
        return [
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

    def notes(self) -> list[str]:
        """The outcome, spending (gross against net), falling forces, deterrence, caps,
        and Richardson's model under its own heading."""
        p, res = self.posture, self.result
        out = [res.outcome_line(p.labels)]
        for s in ("blue", "red"):
            sp = res.spending(s)
            out.append(
                f"{p.label(s)} spending over {res.periods} periods: bought {money(sp['gross'])} "
                f"(gross), scrapped {money(sp['retired'])}, net acquisition "
                f"{money(sp['net_acquisition'])} (value of the last forces minus the first)"
            )
        out += res.falling_lines(p.labels)
        out += res.deterrence_lines(p.labels)  # who deters whom, in words (issue 18)
        out.append(f"pinned at caps: {', '.join(res.pinned_at_cap) or 'none'}")
        if self.richardson is not None:
            xs, ys = self.richardson.equilibrium
            out.append(
                "Richardson's model (a separate continuous model, dx/dt = k y - a x + g, "
                "dy/dt = l x - b y + h, from the posture's race.richardson coefficients; its "
                "x and y are in that model's own units, not the missiles and interceptors "
                f"above): equilibrium x* = {xs:.4g}, y* = {ys:.4g}, "
                f"{'stable' if self.richardson.stable else 'unstable (runaway race)'}"
            )
        return out

    def report(self) -> Report:
        p = self.posture
        b, r = p.label("blue"), p.label("red")
        out: Report = [
            Table(
                f"Action-reaction race -- {p.name} (curves: {self.curve_source}; "
                f"{self.result.moves} moves, adjustment {self.result.adjustment:g})",
                [
                    "period",
                    f"{b} missiles",
                    f"{b} interc.",
                    f"{r} missiles",
                    f"{r} interc.",
                    f"{b} bought to date (M USD)",
                    f"{r} bought to date (M USD)",
                ],
                self.rows(),
            )
        ]
        return out + self.notes()

    def write_figures(self, directory: str | Path) -> list[str]:
        from shieldlab.stability.plots import race_figures

        return _figures(
            race_figures(directory, self.result, self.richardson, names=self.posture.labels)
        )


def race_study(
    posture: Posture,
    *,
    periods: int | None = None,
    moves: Moves | None = None,
    adjustment: float | None = None,
    engine: EngineSource | None = None,
) -> RaceStudy:
    """:func:`action_reaction` on the posture (curves from ``engine`` or the closed forms;
    ``moves``/``adjustment`` default to the posture's) and Richardson's model when the
    posture gives its coefficients."""
    from shieldlab.stability.race import RaceCaches, action_reaction, richardson

    res = action_reaction(
        posture,
        periods=periods,
        moves=moves,
        adjustment=adjustment,
        caches=RaceCaches(posture, engine=engine),
    )
    rp = posture.race.richardson
    return RaceStudy(
        posture=posture,
        result=res,
        richardson=richardson(rp) if rp is not None else None,
        curve_source=source_text(engine),
    )


# -- restraint ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RestraintStudy:
    """A map of the stable region over two caps, and optionally one cap set in detail."""

    posture: Posture = field(repr=False)
    map: RestraintMap
    cell: RestraintCell | None
    curve_source: str
    seconds: float
    engine_simulations: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "posture": self.posture.name,
            "names": self.posture.labels,
            "curve_source": self.curve_source,
            "seconds": self.seconds,
            "map": self.map.to_dict(),
        }
        if self.engine_simulations is not None:
            out["engine_simulations"] = self.engine_simulations
        if self.cell is not None:
            out["at"] = self.cell.to_dict()
        return out

    def grid_lines(self) -> list[str]:
        """The map as a plain character grid (20 x 20 maps stay readable); * = stable."""
        m = self.map
        width = max(6, *(len(str(int(v))) + 2 for v in m.x_values))
        lines = [
            f"Stability index by cap ({m.y_cap} down, {m.x_cap} across); * = stable",
            f"{m.y_cap:>12} " + "".join(f"{int(v):>{width - 1}} " for v in m.x_values),
        ]
        for iy, yvv in enumerate(m.y_values):
            cells = "".join(
                f"{m.stability_index[iy, ix]:>{width - 1}.2f}{'*' if m.stable[iy, ix] else ' '}"
                for ix in range(m.x_values.size)
            )
            lines.append(f"{int(yvv):>12} {cells}")
        return lines

    def report(self) -> Report:
        m, p, cell = self.map, self.posture, self.cell
        out: Report = [*self.grid_lines()]
        out.append(
            f"{int(m.stable.sum())} of {m.stable.size} cap pairs stable (race settles, both "
            f"deterrents hold, index >= {m.threshold:g}); {m.curves_computed} penetration curves "
            f"computed in {self.seconds:.2f} s (curves: {self.curve_source})"
        )
        out += m.condition_notes(p.labels)
        if cell is not None:
            caps_text = ", ".join(
                f"{name}={'uncapped' if value is None else value}"
                for name in CAP_NAMES
                for value in [getattr(cell.caps, name)]
            )
            b, r = p.label("blue"), p.label("red")
            out.append(
                Table(
                    f"Cap set {caps_text}",
                    ["quantity", "value"],
                    [
                        ["stability index (settled forces)", cell.stability_index],
                        ["stable", cell.stable],
                        ["race settles (fixed point)", cell.race_converged],
                        [
                            "forces at the race's end"
                            if cell.race_converged
                            else "forces (race not settled)",
                            forces_text(cell.settled, p.labels),
                        ],
                        [f"{b} missiles needed vs capped {r} defence", cell.blue_needed_vs_cap],
                        [f"{r} missiles needed vs capped {b} defence", cell.red_needed_vs_cap],
                        [f"{r} deterred by {b}'s missiles", cell.blue_deterrent_holds],
                        [f"{b} deterred by {r}'s missiles", cell.red_deterrent_holds],
                    ],
                )
            )
        return out

    def write_figures(self, directory: str | Path) -> list[str]:
        from shieldlab.stability.plots import restraint_figures

        return _figures(restraint_figures(directory, self.map, self.posture))


def restraint_axes(
    posture: Posture,
    x_cap: str | None = None,
    x_values: Sequence[int] | None = None,
    y_cap: str | None = None,
    y_values: Sequence[int] | None = None,
    threshold: float | None = None,
) -> tuple[str, list[int], str, list[int], float]:
    """The map's axes and threshold: the arguments given, else the posture's ``restraint``
    block, else interceptors 0..950 by 50 across, launchers 50..1000 by 50 down, 0.5."""
    rs = posture.restraint
    xc = x_cap if x_cap is not None else (rs.x_cap if rs else "interceptors")
    yc = y_cap if y_cap is not None else (rs.y_cap if rs else "launchers")
    if x_values is not None:
        xv = list(x_values)
    else:
        xv = list(rs.x_values) if rs and rs.x_cap == xc else list(range(0, 1000, 50))
    if y_values is not None:
        yv = list(y_values)
    else:
        yv = list(rs.y_values) if rs and rs.y_cap == yc else list(range(50, 1001, 50))
    thr = threshold if threshold is not None else (rs.stability_threshold if rs else 0.5)
    return xc, xv, yc, yv, thr


def restraint_study(
    posture: Posture,
    *,
    x_cap: str,
    x_values: Sequence[int],
    y_cap: str,
    y_values: Sequence[int],
    threshold: float,
    at: Caps | None = None,
    engine: EngineSource | None = None,
) -> RestraintStudy:
    """:func:`restraint_map` over the two caps (one shared :class:`RaceCaches`), and with
    ``at`` that cap set in detail (:func:`evaluate_caps`, reusing the map's curves)."""
    from shieldlab.stability.race import RaceCaches
    from shieldlab.stability.restraint import evaluate_caps, restraint_map

    # Closed form: the detailed cell first, on its own caches (as the CLI always did).
    cell = (
        None
        if at is None or engine is not None
        else evaluate_caps(posture, at, threshold=threshold)
    )
    caches = RaceCaches(posture, engine=engine)
    t0 = time.perf_counter()
    m = restraint_map(
        posture,
        x_cap=cast("CapName", x_cap),
        x_values=list(x_values),
        y_cap=cast("CapName", y_cap),
        y_values=list(y_values),
        threshold=threshold,
        caches=caches,
    )
    seconds = time.perf_counter() - t0
    if at is not None and cell is None:  # engine: reuse the map's engine runs
        cell = evaluate_caps(posture, at, threshold=threshold, caches=caches)
    return RestraintStudy(
        posture=posture,
        map=m,
        cell=cell,
        curve_source=source_text(engine),
        seconds=seconds,
        engine_simulations=None if caches.engine_runs is None else caches.engine_runs.simulations,
    )


# -- three or more sides --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SidesStudy:
    """An N-sided posture: each pair against its defence share, each side's whole
    deterrent, and the N-sided race (:mod:`shieldlab.stability.multi`)."""

    posture: MultiPosture = field(repr=False)
    allocation: Allocation
    restore: dict[str, SideRestore]
    race: MultiRaceResult

    def rows(self) -> list[list[Any]]:
        """One row per ordered pair: attacker, defender, the defender's interceptors
        against it, missiles needed, missiles aimed."""
        mp, a = self.posture, self.allocation
        return [
            [mp.label(x), mp.label(y), a.interceptors[y][x], a.need[x][y], a.missiles[x][y]]
            for x in mp.sides
            for y in mp.adversaries[x]
        ]

    def to_dict(self) -> dict[str, Any]:
        mp = self.posture
        return {
            "posture": mp.name,
            "names": {s: mp.label(s) for s in mp.sides},
            "adversaries": mp.adversaries,
            "pairs": [
                dict(zip(["attacker", "defender", "share", "needed", "aimed"], r, strict=True))
                for r in self.rows()
            ],
            "deterrent_holds": {s: r.deterrent_holds for s, r in self.restore.items()},
            "needed_total": {s: r.total_needed for s, r in self.restore.items()},
            "race": self.race.to_dict(),
        }

    def report(self) -> Report:
        mp, race = self.posture, self.race
        out: Report = [
            Table(
                f"Pairs -- {mp.name} (each defence split between its adversaries)",
                [
                    "attacker",
                    "defender",
                    "defender's interceptors vs attacker",
                    "missiles needed",
                    "missiles aimed",
                ],
                self.rows(),
            )
        ]
        for r in self.restore.values():
            out += r.lines(mp)
        last = "; ".join(
            f"{mp.label(s)} {race.missiles[s][-1]} missiles, {race.interceptors[s][-1]} "
            "interceptors"
            for s in mp.sides
        )
        if race.outcome == "fixed point":
            out.append(f"N-sided race settled from period {race.periods_to_converge}: {last}")
        else:
            out.append(f"N-sided race does NOT settle ({race.outcome}); last: {last}")
        out += [
            f"{mp.label(s)}'s deterrent at the race's end: {race.missiles[s][-1]} missiles, "
            f"{race.needed[s]} needed against all its adversaries: {yes(race.deterrent_holds(s))}"
            for s in mp.sides
        ]
        return out

    def write_figures(self, directory: str | Path) -> list[str]:
        return []


def sides_study(posture: MultiPosture, *, periods: int | None = None) -> SidesStudy:
    """Pairs, whole deterrents and the race of an N-sided posture."""
    from shieldlab.stability.multi import allocation, multi_race, restore_all

    return SidesStudy(
        posture=posture,
        allocation=allocation(posture),
        restore=restore_all(posture),
        race=multi_race(posture, periods=periods),
    )

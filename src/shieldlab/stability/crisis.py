"""Crisis time: warning, decision and C2 latency decide how much of the fixed force can
launch under attack, and so the first-strike exchange (issue 18 item 6).

The first-strike exchange (:mod:`~shieldlab.stability.first_strike`, step 4) lets the
victim launch a share u of its vulnerable (fixed) launchers before the strike lands. Here
u is not a constant but follows from the victim's time line (our model; every number
is a parameter):

* ``warning_s`` W: from the moment the attack is detected and assessed to the first
  warheads arriving on the victim's launchers;
* ``decision_s`` D: the decision to launch (leaders reached, attack characterised, order);
* ``c2_s`` C: the order reaching the launch crews (command and control latency);
* each fixed launcher then needs its own launch time, spread uniformly over
  [``launch_min_s``, ``launch_max_s``] across the force (crews, sites, readiness).

The launch window is W - D - C. The share of fixed launchers away before impact is

    u = u_max * clip((W - D - C - t_min) / (t_max - t_min), 0, 1)

(a step at t_min when t_max = t_min). ``max_share`` u_max caps it: even with ample time
not every launch succeeds; its default 0.9 is Kent & Thaler's "launch under attack saves
90 % of the fixed force" (RAND R-3765-AF p. 35 n. 4), so a long window reproduces their
preset's u = 0.9 and a window shorter than t_min gives u = 0 (no launch under attack,
shieldlab's linear preset).

Each side has its own time line: when Blue strikes first, Red's time line gives Red's u
(the victim's), and vice versa. Everything else is the posture's exchange (its cost form,
strike rule and forces). The default time lines are **NOTIONAL** round numbers: a
30-minute ballistic flight with about 5 minutes lost to detection and assessment (25 min
warning), 5 minutes to decide, 2 for the order, launchers away 1 to 10 minutes after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shieldlab.stability.first_strike import (
    ExchangeSettings,
    SideForces,
    exchange,
    exchange_settings,
)

if TYPE_CHECKING:
    from shieldlab.stability.first_strike import ExchangeOutcome
    from shieldlab.stability.posture import Posture

__all__ = [
    "CrisisResult",
    "CrisisStudy",
    "CrisisTime",
    "crisis_stability",
    "crisis_study",
    "launch_share",
]


@dataclass(frozen=True, kw_only=True)
class CrisisTime:
    """One side's time line as the victim of a first strike (seconds; module docstring)."""

    warning_s: float = 1500.0
    decision_s: float = 300.0
    c2_s: float = 120.0
    launch_min_s: float = 60.0
    launch_max_s: float = 600.0
    max_share: float = 0.9

    def __post_init__(self) -> None:
        for name in ("warning_s", "decision_s", "c2_s", "launch_min_s", "launch_max_s"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0.0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if self.launch_max_s < self.launch_min_s:
            raise ValueError("launch_max_s must be >= launch_min_s")
        if not 0.0 <= self.max_share <= 1.0:
            raise ValueError(f"max_share must lie in [0, 1], got {self.max_share!r}")

    @property
    def window_s(self) -> float:
        """Time left for launching: warning minus decision and C2 latency (may be < 0)."""
        return self.warning_s - self.decision_s - self.c2_s

    @property
    def launch_share(self) -> float:
        """u: the share of fixed launchers that launch before the strike lands."""
        return launch_share(self)


def launch_share(t: CrisisTime) -> float:
    """u = u_max clip((W - D - C - t_min) / (t_max - t_min), 0, 1) (module docstring)."""
    w = t.window_s
    if t.launch_max_s == t.launch_min_s:
        frac = 1.0 if w >= t.launch_min_s else 0.0
    else:
        frac = (w - t.launch_min_s) / (t.launch_max_s - t.launch_min_s)
    return t.max_share * float(min(1.0, max(0.0, frac)))


@dataclass(frozen=True, kw_only=True)
class CrisisResult:
    """The first-strike index when each victim's launch under attack follows its time line."""

    blue_time: CrisisTime
    red_time: CrisisTime
    blue_launch_share: float
    red_launch_share: float
    blue_cost_first: float
    blue_cost_second: float
    red_cost_first: float
    red_cost_second: float
    blue_ratio: float
    red_ratio: float
    index: float
    combine: str
    blue_strikes_first: ExchangeOutcome
    red_strikes_first: ExchangeOutcome

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        from dataclasses import asdict

        return asdict(self)


def _ratio(first: float, second: float) -> float:
    # As first_strike: rho = min(1, C_first / C_second), 1 when striking second costs 0.
    return 1.0 if second <= 0.0 else min(1.0, first / second)


def crisis_stability(
    posture: Posture,
    blue: CrisisTime,
    red: CrisisTime,
    *,
    rules: ExchangeSettings | None = None,
) -> CrisisResult:
    """First-strike costs and index with each victim's u from its :class:`CrisisTime`.

    ``rules``: the exchange (default: the posture's, preset applied); its
    ``launch_under_attack`` is replaced by the victim's :func:`launch_share`.
    """
    base = exchange_settings(posture) if rules is None else rules
    forces = {
        "blue": SideForces.from_posture(posture.blue),
        "red": SideForces.from_posture(posture.red),
    }
    u = {"blue": launch_share(blue), "red": launch_share(red)}
    b_first = exchange(
        forces["blue"],
        forces["red"],
        striker_name="blue",
        rules=replace(base, launch_under_attack=u["red"]),
    )
    r_first = exchange(
        forces["red"],
        forces["blue"],
        striker_name="red",
        rules=replace(base, launch_under_attack=u["blue"]),
    )
    rb = _ratio(b_first.cost_to_striker, r_first.cost_to_victim)
    rr = _ratio(r_first.cost_to_striker, b_first.cost_to_victim)
    return CrisisResult(
        blue_time=blue,
        red_time=red,
        blue_launch_share=u["blue"],
        red_launch_share=u["red"],
        blue_cost_first=b_first.cost_to_striker,
        blue_cost_second=r_first.cost_to_victim,
        red_cost_first=r_first.cost_to_striker,
        red_cost_second=b_first.cost_to_victim,
        blue_ratio=rb,
        red_ratio=rr,
        index=rb * rr if base.combine == "product" else min(rb, rr),
        combine=base.combine,
        blue_strikes_first=b_first,
        red_strikes_first=r_first,
    )


@dataclass(frozen=True, kw_only=True)
class CrisisStudy:
    """The index at the given time lines, and against warning time (one side's, or both)."""

    posture: Posture = field(repr=False)
    result: CrisisResult
    warning_s: np.ndarray
    sweep: dict[str, np.ndarray]

    def to_dict(self) -> dict[str, Any]:
        return {
            "posture": self.posture.name,
            "names": self.posture.labels,
            "result": self.result.to_dict(),
            "sweep": {
                "warning_s": self.warning_s.tolist(),
                **{k: v.tolist() for k, v in self.sweep.items()},
            },
        }

    def report(self) -> list[Any]:
        from shieldlab.stability.studies import Table

        p, r = self.posture, self.result
        rows = []
        for side in ("blue", "red"):
            t: CrisisTime = getattr(r, f"{side}_time")
            rows.append(
                [
                    p.label(side),
                    t.warning_s,
                    t.decision_s + t.c2_s,
                    t.window_s,
                    f"{t.launch_min_s:g}-{t.launch_max_s:g}",
                    getattr(r, f"{side}_launch_share"),
                    getattr(r, f"{side}_cost_first"),
                    getattr(r, f"{side}_cost_second"),
                    getattr(r, f"{side}_ratio"),
                ]
            )
        sweep_rows = [
            [float(w), *(float(self.sweep[k][i]) for k in ("both", "blue", "red"))]
            for i, w in enumerate(self.warning_s)
        ]
        return [
            Table(
                f"Crisis time -- {p.name} (times in seconds; each side as the one struck first)",
                [
                    "side",
                    "warning",
                    "decision + C2",
                    "launch window",
                    "launch times",
                    "fixed force launched",
                    "cost if striking first",
                    "cost if striking second",
                    "ratio (<= 1)",
                ],
                rows,
            ),
            f"stability index ({r.combine} of the ratios, range [0, 1]): {r.index:.4f}",
            Table(
                "Index against warning time (s)",
                ["warning", "both sides", f"{p.label('blue')} only", f"{p.label('red')} only"],
                sweep_rows,
            ),
        ]

    def write_figures(self, directory: str | Path) -> list[str]:
        from shieldlab.stability.plots import crisis_figures

        now = {s: getattr(self.result, f"{s}_time").warning_s for s in ("blue", "red")}
        return [
            str(f)
            for f in crisis_figures(
                directory,
                self.warning_s,
                self.sweep,
                current=(now, self.result.index),
                names=self.posture.labels,
            )
        ]


def crisis_study(
    posture: Posture,
    blue: CrisisTime,
    red: CrisisTime,
    *,
    max_warning_s: float | None = None,
    steps: int = 31,
) -> CrisisStudy:
    """:func:`crisis_stability` at the time lines given, and the index as warning time runs
    from 0 to ``max_warning_s`` (default: 1.5 times the longer warning, at least past the
    longest time to launch everything) for both sides together (``"both"``) and for each
    side alone (the other as given). Each side's own warning is on its sweep."""
    top = max_warning_s
    if top is None:
        need = max(t.decision_s + t.c2_s + t.launch_max_s for t in (blue, red))
        top = max(1.5 * max(blue.warning_s, red.warning_s), 1.1 * need)
    grid = np.linspace(0.0, float(top), steps)
    grid = np.union1d(grid, [blue.warning_s, red.warning_s])
    grid = grid[grid <= top] if max_warning_s is not None else grid
    sweep: dict[str, np.ndarray] = {k: np.empty(grid.size) for k in ("both", "blue", "red")}
    for i, w in enumerate(grid):
        sweep["both"][i] = crisis_stability(
            posture, replace(blue, warning_s=w), replace(red, warning_s=w)
        ).index
        sweep["blue"][i] = crisis_stability(posture, replace(blue, warning_s=w), red).index
        sweep["red"][i] = crisis_stability(posture, blue, replace(red, warning_s=w)).index
    return CrisisStudy(
        posture=posture,
        result=crisis_stability(posture, blue, red),
        warning_s=grid,
        sweep=sweep,
    )

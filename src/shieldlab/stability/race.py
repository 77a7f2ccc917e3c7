"""Arms-race dynamics: Richardson's model and an action-reaction model built on deterrence.

Richardson (1960), *Arms and Insecurity*: dx/dt = k y - a x + g, dy/dt = l x - b y + h,
solved in closed form by :mod:`shieldlab.core.richardson`.

Action-reaction (each period, both sides move at once, seeing the other's last forces):

* offence: side X fields the fewest missiles that meet its deterrence requirement against
  Y's current interceptors, n_X(t+1) = need_X(I_Y(t)) (capped at X's launcher ceiling;
  :class:`shieldlab.stability.penetration.CurveCache` answers need_X once per inventory);
* defence: side X sizes its inventory to engage a share rho_X of Y's warheads with its
  salvo of n_X shots, I_X(t+1) = ceil(rho_X n_X w_Y n_Y(t)) (capped at X's ceiling).

The race has converged when a period changes nothing (the state is a fixed point of the
integer map) or when the state repeats after two periods (a cycle of rounding: the settled
forces are then each side's larger values over the cycle). ``periods_to_converge`` is the
first period of the repeating state. With linear reactions x(t+1) = (k y(t) + g)/a,
y(t+1) = (l x(t) + h)/b the fixed point is Richardson's equilibrium and the iteration
converges iff k l < a b, the same condition as Richardson's stability
(:func:`linear_race`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.richardson import (
    richardson_equilibrium,
    richardson_stable,
    richardson_trajectory,
)
from shieldlab.stability.engine_curves import EngineCurveCache, EngineRuns, EngineSource
from shieldlab.stability.penetration import CurveCache, DefenceModel, Requirement
from shieldlab.stability.posture import SIDE_PAIRS, Posture, Richardson, SideName
from shieldlab.stability.text import deterred_line

__all__ = [
    "LinearRaceResult",
    "RaceCaches",
    "RaceResult",
    "RichardsonResult",
    "action_reaction",
    "linear_race",
    "richardson",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, kw_only=True)
class RichardsonResult:
    """Richardson trajectory, equilibrium and stability (closed form)."""

    t_years: FloatArray
    x: FloatArray
    y: FloatArray
    equilibrium: tuple[float, float]
    stable: bool


def richardson(params: Richardson, n_steps: int = 101) -> RichardsonResult:
    """Richardson's model from posture coefficients, via :mod:`shieldlab.core.richardson`."""
    p = params
    t, x, y = richardson_trajectory(p.k, p.l, p.a, p.b, p.g, p.h, p.x0, p.y0, p.years, n_steps)
    return RichardsonResult(
        t_years=t,
        x=x,
        y=y,
        equilibrium=richardson_equilibrium(p.k, p.l, p.a, p.b, p.g, p.h),
        stable=richardson_stable(p.k, p.l, p.a, p.b),
    )


@dataclass(frozen=True, kw_only=True)
class LinearRaceResult:
    """Discrete action-reaction with linear reactions (Richardson's steady-state form)."""

    x: FloatArray
    y: FloatArray
    converged: bool
    fixed_point: tuple[float, float]


def linear_race(
    k: float,
    l: float,  # noqa: E741 - Richardson's symbol
    a: float,
    b: float,
    g: float,
    h: float,
    *,
    x0: float,
    y0: float,
    periods: int,
    tol: float = 1e-9,
) -> LinearRaceResult:
    """x(t+1) = (k y(t) + g)/a, y(t+1) = (l x(t) + h)/b: each side's Richardson nullcline
    as its reaction function (a, b > 0). Fixed point = Richardson equilibrium
    x* = (b g + k h)/(a b - k l), y* = (a h + l g)/(a b - k l); the two-step map
    contracts by k l / (a b), so it converges iff k l < a b.
    """
    if a <= 0.0 or b <= 0.0:
        raise ValueError("a and b must be positive for a reaction-function form")
    xs = np.full(periods + 1, np.nan)
    ys = np.full(periods + 1, np.nan)
    xs[0], ys[0] = x0, y0
    converged = False
    for t in range(periods):
        xs[t + 1] = (k * ys[t] + g) / a
        ys[t + 1] = (l * xs[t] + h) / b
        if max(abs(xs[t + 1]), abs(ys[t + 1])) > 1e150:
            break  # diverging: stop before overflow
        if abs(xs[t + 1] - xs[t]) <= tol * max(1.0, abs(xs[t + 1])) and abs(
            ys[t + 1] - ys[t]
        ) <= tol * max(1.0, abs(ys[t + 1])):
            converged = True
            break
    last = int(np.flatnonzero(np.isfinite(xs))[-1])
    xs, ys = xs[: last + 1], ys[: last + 1]
    return LinearRaceResult(
        x=xs, y=ys, converged=converged, fixed_point=(float(xs[-1]), float(ys[-1]))
    )


class RaceCaches:
    """The two curve caches of a posture (Blue attacking Red's defence, and Red Blue's).

    Keyed by warheads per launcher too, so a restraint map over a warhead cap reuses them.
    The curve source is the closed form (default) or, with ``engine``, the Monte Carlo
    engine (:class:`~shieldlab.stability.engine_curves.EngineCurveCache`): the engine
    scenario is then both sides' defence, and one set of engine runs serves both attackers
    and every cell of a map.
    """

    def __init__(
        self, posture: Posture, *, enabled: bool = True, engine: EngineSource | None = None
    ) -> None:
        self.posture = posture
        self.enabled = enabled
        self.engine = engine
        self.engine_runs = None if engine is None else EngineRuns(engine)
        self._caches: dict[tuple[str, int], CurveCache | EngineCurveCache] = {}

    def cache(self, attacker: SideName, warheads_per_missile: int) -> CurveCache | EngineCurveCache:
        """The cache for ``attacker`` (with that many warheads per missile)."""
        key = (attacker, int(warheads_per_missile))
        hit = self._caches.get(key)
        if hit is None and self.engine_runs is not None:
            a = self.posture.side(attacker)
            hit = EngineCurveCache(
                runs=self.engine_runs,
                warheads_per_missile=warheads_per_missile,
                requirement=Requirement.from_posture(a.deterrence),
            )
            self._caches[key] = hit
        if hit is None:
            a = self.posture.side(attacker)
            d = self.posture.side("red" if attacker == "blue" else "blue")
            hit = CurveCache(
                defence=DefenceModel.from_posture(d.defence),
                warheads_per_missile=warheads_per_missile,
                requirement=Requirement.from_posture(a.deterrence),
                enabled=self.enabled,
            )
            self._caches[key] = hit
        return hit

    @property
    def curves_computed(self) -> int:
        """How many curves were computed (the work the caches saved is the rest)."""
        return sum(c.computed for c in self._caches.values())


@dataclass(frozen=True, kw_only=True)
class RaceResult:
    """Action-reaction trajectories (period 0 = the starting posture)."""

    blue_missiles: IntArray
    red_missiles: IntArray
    blue_interceptors: IntArray
    red_interceptors: IntArray
    blue_spending: FloatArray
    red_spending: FloatArray
    converged: bool
    periods_to_converge: int | None
    cycle_length: int | None
    settled: dict[str, int]
    blue_deterred: bool
    red_deterred: bool
    pinned_at_cap: tuple[str, ...]
    blue_needed: int = 0
    red_needed: int = 0

    def deterrence_lines(self, labels: dict[str, str] | None = None) -> list[str]:
        """Who is deterred by what at the settled forces, one line per side's deterrent."""
        names = labels or {"blue": "blue", "red": "red"}
        st = self.settled
        return [
            deterred_line(
                names[o],
                names[s],
                st[f"{s}_missiles"],
                self.blue_needed if s == "blue" else self.red_needed,
                st[f"{o}_interceptors"],
            )
            for s, o in SIDE_PAIRS
        ]

    def final(self) -> dict[str, int]:
        """Settled forces (last period; the larger values over a two-period cycle)."""
        return dict(self.settled)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return {
            "converged": self.converged,
            "periods_to_converge": self.periods_to_converge,
            "cycle_length": self.cycle_length,
            "final": self.final(),
            "blue_deterred": self.blue_deterred,
            "red_deterred": self.red_deterred,
            "pinned_at_cap": list(self.pinned_at_cap),
            "missiles_needed_at_settled": {"blue": self.blue_needed, "red": self.red_needed},
            "deterrence": self.deterrence_lines(),
            "total_spending": {
                "blue": float(self.blue_spending.sum()),
                "red": float(self.red_spending.sum()),
            },
            "blue_missiles": self.blue_missiles.tolist(),
            "red_missiles": self.red_missiles.tolist(),
            "blue_interceptors": self.blue_interceptors.tolist(),
            "red_interceptors": self.red_interceptors.tolist(),
            "blue_spending": self.blue_spending.tolist(),
            "red_spending": self.red_spending.tolist(),
        }


def _spend(n: IntArray, i: IntArray, missile_cost: float, interceptor_cost: float) -> FloatArray:
    """Acquisition spending per period: only additions cost (retirements are free)."""
    dn = np.maximum(np.diff(n), 0)
    di = np.maximum(np.diff(i), 0)
    return np.concatenate([[0.0], dn * missile_cost + di * interceptor_cost])


def action_reaction(
    posture: Posture,
    *,
    periods: int | None = None,
    launcher_cap: int | None = None,
    interceptor_cap: int | None = None,
    warhead_cap: int | None = None,
    caches: RaceCaches | None = None,
    defence_rule: Callable[[float, int, int, int], int] | None = None,
) -> RaceResult:
    """Run the action-reaction race of the module docstring from the posture's forces.

    Caps (a restraint regime) bound both sides: launchers, interceptors and warheads per
    launcher. ``defence_rule(rho, shots, w_other, n_other) -> interceptors`` replaces the
    default ceil(rho n w_Y n_Y).
    """
    T = posture.race.periods if periods is None else int(periods)
    caches = RaceCaches(posture) if caches is None else caches
    sides: tuple[SideName, SideName] = ("blue", "red")
    w = {}
    max_l = {}
    max_i = {}
    for s in sides:
        sp = posture.side(s)
        w[s] = sp.offence.warheads_per_launcher
        max_l[s] = sp.race.max_launchers
        max_i[s] = sp.race.max_interceptors
        if warhead_cap is not None:
            w[s] = max(1, min(w[s], warhead_cap))
        if launcher_cap is not None:
            max_l[s] = min(max_l[s], launcher_cap)
        if interceptor_cap is not None:
            max_i[s] = min(max_i[s], interceptor_cap)

    def rule(rho: float, shots: int, w_other: int, n_other: int) -> int:
        return math.ceil(rho * shots * w_other * n_other - 1e-9)

    size_defence = defence_rule or rule
    n = {s: np.empty(T + 1, dtype=np.int64) for s in sides}
    i = {s: np.empty(T + 1, dtype=np.int64) for s in sides}
    for s in sides:
        sp = posture.side(s)
        n[s][0] = min(sp.offence.launchers, max_l[s])
        i[s][0] = min(sp.defence.interceptors, max_i[s])
    converged_at: int | None = None
    cycle = 0
    end = T
    for t in range(T):
        for s, o in SIDE_PAIRS:
            sp = posture.side(s)
            n[s][t + 1] = min(caches.cache(s, w[s]).missiles_needed(int(i[o][t])), max_l[s])
            i[s][t + 1] = min(
                size_defence(
                    sp.race.defence_fraction, sp.defence.shots_per_threat, w[o], int(n[o][t])
                ),
                max_i[s],
            )
        for lag in (1, 2):
            if t + 1 - lag >= 0 and all(
                n[s][t + 1] == n[s][t + 1 - lag] and i[s][t + 1] == i[s][t + 1 - lag] for s in sides
            ):
                converged_at, cycle, end = t + 1 - lag, lag, t + 1
                break
        if converged_at is not None:
            break
    for s in sides:
        n[s] = n[s][: end + 1]
        i[s] = i[s][: end + 1]
    # Integer rounding can leave a two-period cycle (forces alternating by a unit or two);
    # the settled forces are then each side's larger value over the cycle, what a prudent
    # planner fields (and which meets the requirement against the other's larger defence).
    tail = max(cycle, 1)
    settled = {
        f"{s}_{what}": int(arr[s][-tail:].max())
        for s in sides
        for what, arr in (("missiles", n), ("interceptors", i))
    }
    last = {
        s: caches.cache(s, w[s]).missiles_needed(
            settled[f"{'red' if s == 'blue' else 'blue'}_interceptors"]
        )
        for s in sides
    }
    pinned = tuple(
        f"{s} {what}"
        for s in sides
        for what, val, cap in (
            ("launchers", settled[f"{s}_missiles"], max_l[s]),
            ("interceptors", settled[f"{s}_interceptors"], max_i[s]),
        )
        if val >= cap and (what == "interceptors" or last[s] > cap)
    )
    costs = {"blue": posture.blue.costs, "red": posture.red.costs}
    return RaceResult(
        blue_missiles=n["blue"],
        red_missiles=n["red"],
        blue_interceptors=i["blue"],
        red_interceptors=i["red"],
        blue_spending=_spend(
            n["blue"], i["blue"], costs["blue"].missile, costs["blue"].interceptor
        ),
        red_spending=_spend(n["red"], i["red"], costs["red"].missile, costs["red"].interceptor),
        converged=converged_at is not None,
        periods_to_converge=converged_at,
        cycle_length=cycle if converged_at is not None else None,
        settled=settled,
        blue_deterred=bool(settled["blue_missiles"] >= last["blue"]),
        red_deterred=bool(settled["red_missiles"] >= last["red"]),
        pinned_at_cap=pinned,
        blue_needed=int(last["blue"]),
        red_needed=int(last["red"]),
    )

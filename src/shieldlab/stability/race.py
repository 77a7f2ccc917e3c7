"""Arms-race dynamics: Richardson's model and an action-reaction model built on deterrence.

Richardson (1960), *Arms and Insecurity*: dx/dt = k y - a x + g, dy/dt = l x - b y + h,
solved in closed form by :mod:`shieldlab.core.richardson`. It is a model of its own, with
its own coefficients and units: its x, y are not the missile and interceptor counts below.

Action-reaction. Each period every side computes its *target* forces from the other's:

* offence: the fewest missiles that meet its deterrence requirement against the other's
  interceptors, need_X(I_Y) (capped at X's launcher ceiling;
  :class:`shieldlab.stability.penetration.CurveCache` answers need_X once per inventory);
* defence: enough interceptors to engage a share rho_X of the other's warheads with its
  salvo of n_X shots, ceil(rho_X n_X w_Y n_Y) (capped at X's ceiling);

and moves towards them by :func:`partial_adjustment` with speed lambda in (0, 1] (1: all the
way). ``moves="alternating"`` (the default): Blue replies to Red's forces of period t, then
Red to Blue's new forces; ``"simultaneous"``: both reply to period t.

Why alternating is the default. need_X is nondecreasing in I_Y and the defence rule in
n_Y, so Blue's offence and Red's defence form one chain I_R -> need_B(I_R) -> rule(need_B)
(and Red's offence with Blue's defence another), a nondecreasing map of the integers:
with full adjustment its iterates move monotonically to a fixed point (no churn, no
cycle; property-tested). Simultaneous moves split each chain into two interleaved
sequences that start from different forces, so forces see-saw period by period (every
up-swing bought, every down-swing scrapped) and, where a chain has several integer fixed
points (the built-in posture's has four: Red 68-71 missiles), the two sequences can end at
different ones and the state alternates for ever: a two-period cycle that is an artefact
of the move order, not an equilibrium.

The state (all four forces) is recorded each period: a period that changes nothing is a
*fixed point* (settled forces), a state seen k > 1 periods before a *cycle* of period k
(the race does not settle), no repeat within the periods run *not settled*. With linear
reactions x(t+1) = (k y(t) + g)/a, y(t+1) = (l x(t) + h)/b the fixed point is
Richardson's equilibrium and the iteration converges iff k l < a b, the same condition as
Richardson's stability (:func:`linear_race`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

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
    "partial_adjustment",
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


Outcome = Literal["fixed point", "cycle", "not settled"]
Moves = Literal["alternating", "simultaneous"]
_FORCES = tuple(f"{s}_{w}" for s in ("blue", "red") for w in ("missiles", "interceptors"))


def partial_adjustment(current: int, target: int, speed: float) -> int:
    """Move ``current`` a share ``speed`` of the way to ``target``, rounded away from
    ``current`` so every period not at the target moves at least one unit:
    x' = x + sign(d) ceil(speed |d|), d = target - x, 0 < speed <= 1.

    Properties (tested): x' lies between x and the target (never overshoots), reaches it
    for speed 1, moves at least one unit when x differs from it (so the target is the
    only fixed point), and is nondecreasing in both x and the target.
    """
    d = int(target) - int(current)
    if d == 0:
        return int(current)
    step = math.ceil(speed * abs(d) - 1e-9)
    return int(current) + (step if d > 0 else -step)


@dataclass(frozen=True, kw_only=True)
class RaceResult:
    """Action-reaction trajectories (period 0 = the starting posture).

    ``outcome``: *fixed point* (a period changes nothing; ``forces`` are the settled
    forces), *cycle* (the state repeats after ``cycle_length`` > 1 periods: the race does
    not settle; ``forces`` are each force's largest value over the cycle, what a prudent
    planner would field, and ``cycle_range`` gives min and max), or *not settled* (no state
    repeated within the periods run; ``forces`` are the last period's).
    Spending arrays are per period (USD): ``*_spending`` buys (additions times unit cost),
    ``*_retired`` the value of forces scrapped (not recovered).
    """

    blue_missiles: IntArray
    red_missiles: IntArray
    blue_interceptors: IntArray
    red_interceptors: IntArray
    blue_spending: FloatArray
    red_spending: FloatArray
    blue_retired: FloatArray
    red_retired: FloatArray
    moves: Moves
    adjustment: float
    outcome: Outcome
    periods_to_converge: int | None
    cycle_length: int | None
    forces: dict[str, int]
    cycle_range: dict[str, tuple[int, int]] | None
    blue_deterrent_holds: bool
    red_deterrent_holds: bool
    pinned_at_cap: tuple[str, ...]
    blue_needed: int = 0
    red_needed: int = 0

    @property
    def converged(self) -> bool:
        """True only at a fixed point (a cycle is no equilibrium)."""
        return self.outcome == "fixed point"

    @property
    def periods(self) -> int:
        """Periods run (the arrays hold one more: period 0)."""
        return int(self.blue_missiles.size - 1)

    @property
    def basis(self) -> str:
        """What ``forces`` are: 'settled', 'cycle maximum' or 'last period'."""
        return {"fixed point": "settled", "cycle": "cycle maximum"}.get(self.outcome, "last period")

    def trajectory(self, force: str) -> IntArray:
        """One force per period: ``force`` is e.g. 'blue_missiles'."""
        return cast(IntArray, getattr(self, force))

    def spending(self, side: SideName) -> dict[str, float]:
        """Gross spending, value scrapped and net acquisition (USD) over the race.

        gross = sum of additions x unit cost; retired = sum of reductions x unit cost;
        net acquisition = value of the last forces - value of the first = gross - retired.
        Churn (bought, then scrapped) is ``retired`` when net >= 0.
        """
        gross = float(getattr(self, f"{side}_spending").sum())
        retired = float(getattr(self, f"{side}_retired").sum())
        return {"gross": gross, "retired": retired, "net_acquisition": gross - retired}

    def deterrence_lines(self, labels: dict[str, str] | None = None) -> list[str]:
        """Who is deterred by what at ``forces`` (settled, cycle maximum or last period)."""
        names = labels or {"blue": "blue", "red": "red"}
        st = self.forces
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

    def outcome_line(self, labels: dict[str, str] | None = None) -> str:
        """The outcome in words; never calls forces settled unless a period changes nothing."""
        how = f"{self.moves} moves, adjustment speed {self.adjustment:g}"
        if self.outcome == "fixed point":
            return (
                f"settled ({how}) from period {self.periods_to_converge}: "
                f"{_forces_words(self.forces, labels)}"
            )
        if self.outcome == "cycle":
            rng = self.cycle_range or {}
            moving = ", ".join(
                f"{_force_name(k, labels)} {lo}-{hi}" for k, (lo, hi) in rng.items() if lo != hi
            )
            line = (
                f"does NOT settle ({how}): from period {self.periods_to_converge} the forces "
                f"repeat every {self.cycle_length} periods ({moving}); no equilibrium"
            )
            if self.moves == "simultaneous" and self.cycle_length == 2:
                line += (
                    ". Under simultaneous moves a two-period cycle is the two interleaved "
                    "sequences of replies ending at different equilibria, not a cycle of "
                    "either side's policy: alternating moves settle"
                )
            return line
        last = {k: int(self.trajectory(k)[-1] - self.trajectory(k)[-2]) for k in _FORCES}
        moving = ", ".join(f"{_force_name(k, labels)} {d:+d}" for k, d in last.items() if d)
        return (
            f"does NOT settle within {self.periods} periods ({how}); last period: "
            f"{_forces_words(self.forces, labels)}; still moving: {moving or 'none'}"
        )

    def falling_lines(self, labels: dict[str, str] | None = None) -> list[str]:
        """A plain note for every force that ends below where it started."""
        out = []
        for k in _FORCES:
            a, b = int(self.trajectory(k)[0]), int(self.forces[k])
            if b < a:
                what = k.split("_")[1]
                why = (
                    "fewer meet its deterrence requirement against the other's defence"
                    if what == "missiles"
                    else "its rule sizes the defence to the other's smaller offence"
                )
                out.append(
                    f"the race shrinks {_force_name(k, labels)}: {a} -> {b} ({why}; "
                    "scrapped forces are not refunded)"
                )
        return out

    def final(self) -> dict[str, int]:
        """``forces``: settled, the maxima over a cycle, or the last period (:attr:`basis`)."""
        return dict(self.forces)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form (money in USD; ``*_per_period`` arrays are per period)."""
        return {
            "moves": self.moves,
            "adjustment": self.adjustment,
            "outcome": self.outcome,
            "converged": self.converged,
            "periods": self.periods,
            "periods_to_converge": self.periods_to_converge,
            "cycle_length": self.cycle_length,
            "cycle_range": None
            if self.cycle_range is None
            else {k: list(v) for k, v in self.cycle_range.items()},
            "forces": self.final(),
            "forces_basis": self.basis,
            "blue_deterrent_holds": self.blue_deterrent_holds,
            "red_deterrent_holds": self.red_deterrent_holds,
            "pinned_at_cap": list(self.pinned_at_cap),
            "missiles_needed_at_forces": {"blue": self.blue_needed, "red": self.red_needed},
            "deterrence": self.deterrence_lines(),
            "spending_usd": {s: self.spending(s) for s in ("blue", "red")},
            "blue_missiles": self.blue_missiles.tolist(),
            "red_missiles": self.red_missiles.tolist(),
            "blue_interceptors": self.blue_interceptors.tolist(),
            "red_interceptors": self.red_interceptors.tolist(),
            "blue_spending_usd_per_period": self.blue_spending.tolist(),
            "red_spending_usd_per_period": self.red_spending.tolist(),
            "blue_retired_usd_per_period": self.blue_retired.tolist(),
            "red_retired_usd_per_period": self.red_retired.tolist(),
        }


def _force_name(key: str, labels: dict[str, str] | None) -> str:
    side, what = key.split("_")
    return f"{(labels or {}).get(side, side)}'s {what}"


def _forces_words(forces: dict[str, int], labels: dict[str, str] | None) -> str:
    names = labels or {"blue": "blue", "red": "red"}
    return "; ".join(
        f"{names[s]} {forces[f'{s}_missiles']} missiles, {forces[f'{s}_interceptors']} interceptors"
        for s in ("blue", "red")
    )


def _spend(
    n: IntArray, i: IntArray, missile_cost: float, interceptor_cost: float
) -> tuple[FloatArray, FloatArray]:
    """(bought, scrapped) value per period: additions and reductions times unit cost."""
    dn, di = np.diff(n), np.diff(i)
    up = np.maximum(dn, 0) * missile_cost + np.maximum(di, 0) * interceptor_cost
    down = np.maximum(-dn, 0) * missile_cost + np.maximum(-di, 0) * interceptor_cost
    return np.concatenate([[0.0], up]), np.concatenate([[0.0], down])


def action_reaction(
    posture: Posture,
    *,
    periods: int | None = None,
    moves: Moves | None = None,
    adjustment: float | None = None,
    launcher_cap: int | None = None,
    interceptor_cap: int | None = None,
    warhead_cap: int | None = None,
    caches: RaceCaches | None = None,
    defence_rule: Callable[[float, int, int, int], int] | None = None,
) -> RaceResult:
    """Run the action-reaction race of the module docstring from the posture's forces.

    ``moves`` and ``adjustment`` default to the posture's ``race`` settings. Caps (a
    restraint regime) bound both sides: launchers, interceptors and warheads per launcher.
    ``defence_rule(rho, shots, w_other, n_other) -> interceptors`` replaces the default
    ceil(rho n w_Y n_Y).
    """
    T = posture.race.periods if periods is None else int(periods)
    mv: Moves = posture.race.moves if moves is None else moves
    lam = posture.race.adjustment if adjustment is None else float(adjustment)
    if not 0.0 < lam <= 1.0:
        raise ValueError(f"adjustment must lie in (0, 1], got {lam}")
    if mv not in ("alternating", "simultaneous"):
        raise ValueError(f"moves must be 'alternating' or 'simultaneous', got {mv!r}")
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
    seen: dict[tuple[int, ...], int] = {tuple(int(a[s][0]) for s in sides for a in (n, i)): 0}
    first: int | None = None
    cycle: int | None = None
    end = T
    for t in range(T):
        for s, o in SIDE_PAIRS:
            # Alternating: Blue replies to Red's forces of period t, then Red to Blue's new
            # ones; simultaneous: both reply to period t.
            at = t + 1 if (mv == "alternating" and o == "blue") else t
            sp = posture.side(s)
            want_n = min(caches.cache(s, w[s]).missiles_needed(int(i[o][at])), max_l[s])
            want_i = min(
                size_defence(
                    sp.race.defence_fraction, sp.defence.shots_per_threat, w[o], int(n[o][at])
                ),
                max_i[s],
            )
            n[s][t + 1] = partial_adjustment(int(n[s][t]), want_n, lam)
            i[s][t + 1] = partial_adjustment(int(i[s][t]), want_i, lam)
        state = tuple(int(a[s][t + 1]) for s in sides for a in (n, i))
        if state in seen:
            first, cycle, end = seen[state], t + 1 - seen[state], t + 1
            break
        seen[state] = t + 1
    for s in sides:
        n[s] = n[s][: end + 1]
        i[s] = i[s][: end + 1]
    outcome: Outcome = "not settled" if cycle is None else "fixed point" if cycle == 1 else "cycle"
    tail = 1 if cycle is None else cycle
    arrays = {
        f"{s}_{what}": arr[s] for s in sides for what, arr in (("missiles", n), ("interceptors", i))
    }
    forces = {k: int(a[-tail:].max()) for k, a in arrays.items()}
    cycle_range = (
        {k: (int(a[-tail:].min()), int(a[-tail:].max())) for k, a in arrays.items()}
        if outcome == "cycle"
        else None
    )
    last = {
        s: caches.cache(s, w[s]).missiles_needed(
            forces[f"{'red' if s == 'blue' else 'blue'}_interceptors"]
        )
        for s in sides
    }
    pinned = tuple(
        f"{s} {what}"
        for s in sides
        for what, val, cap in (
            ("launchers", forces[f"{s}_missiles"], max_l[s]),
            ("interceptors", forces[f"{s}_interceptors"], max_i[s]),
        )
        if val >= cap and (what == "interceptors" or last[s] > cap)
    )
    money = {
        s: _spend(n[s], i[s], posture.side(s).costs.missile, posture.side(s).costs.interceptor)
        for s in sides
    }
    return RaceResult(
        blue_missiles=n["blue"],
        red_missiles=n["red"],
        blue_interceptors=i["blue"],
        red_interceptors=i["red"],
        blue_spending=money["blue"][0],
        red_spending=money["red"][0],
        blue_retired=money["blue"][1],
        red_retired=money["red"][1],
        moves=mv,
        adjustment=lam,
        outcome=outcome,
        periods_to_converge=first,
        cycle_length=cycle,
        forces=forces,
        cycle_range=cycle_range,
        blue_deterrent_holds=bool(forces["blue_missiles"] >= last["blue"]),
        red_deterrent_holds=bool(forces["red_missiles"] >= last["red"]),
        pinned_at_cap=pinned,
        blue_needed=int(last["blue"]),
        red_needed=int(last["red"]),
    )

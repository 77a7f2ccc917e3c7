"""Three or more sides: each with offence and defence, a defence split between adversaries.

A :class:`MultiPosture` names N sides (each a :class:`~shieldlab.stability.posture.
SidePosture`) and, for each, its adversaries (a symmetric relation: if X faces Y, Y faces
X). Two rules join the pairs:

* **Offence split.** A side deterring several adversaries must meet its requirement against
  each at once, so it needs sum_Y need_X(I_{Y->X}) missiles, and it aims its missiles at
  each adversary in proportion to what that adversary's defence demands:
  m_{X->Y} = L_X need_X(I_{Y->X}) / sum_Z need_X(I_{Z->X}) (equal shares when it needs
  none at all).
* **Defence split.** A side's interceptors are split between its adversaries in proportion
  to the warheads each aims at it, I_{Y->X} = I_Y w_X m_{X->Y} / sum_Z w_Z m_{Z->Y}, rounded
  down (equal shares when none is aimed); each pair's penetration is then the two-sided
  model of :mod:`shieldlab.stability.penetration` against that share.

These two rules refer to each other; for the current posture they are solved by a
fixed-point iteration (:func:`allocation`), starting from equal shares.

Per pair (X attacks Y) :meth:`MultiPosture.pair` builds the two-sided posture (X as blue,
Y as red with only I_{Y->X} interceptors), so penetration, restore and first-strike
studies of one pair are the two-sided ones; :func:`restore_all` reports the whole
(each side's total missiles needed against all its adversaries). :func:`multi_race` is
the N-sided action-reaction race (sides move in the listed order, partial adjustment as
in :mod:`shieldlab.stability.race`): each side's offence target is its summed need and its
defence target the sum over adversaries of ceil(rho n_shots w_Y m_{Y->X}). With two sides
it is exactly :func:`~shieldlab.stability.race.action_reaction` with alternating moves
(tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from shieldlab.scenario.yamlio import PathValueError, load_yaml, load_yaml_text, validate
from shieldlab.stability.penetration import CurveCache, DefenceModel, Requirement
from shieldlab.stability.posture import (
    ExchangeRules,
    Posture,
    RaceSettings,
    SidePosture,
    _Model,
)
from shieldlab.stability.race import Outcome, partial_adjustment

__all__ = [
    "Allocation",
    "MultiPosture",
    "MultiRaceResult",
    "SideRestore",
    "allocation",
    "builtin_multi_posture",
    "load_multi_posture",
    "multi_race",
    "parse_multi_posture_text",
    "restore_all",
]

BUILTIN_MULTI_POSTURES: tuple[str, ...] = ("three-sides",)


class MultiPosture(_Model):
    """N sides, each with offence and defence, and who faces whom."""

    schema_version: Literal[1]
    name: str = Field(min_length=1)
    description: str = ""
    sides: dict[str, SidePosture] = Field(min_length=2, max_length=12)
    adversaries: dict[str, list[str]]
    exchange: ExchangeRules = ExchangeRules()
    race: RaceSettings = RaceSettings()

    @model_validator(mode="after")
    def _relation(self) -> MultiPosture:
        for s in self.sides:
            if s not in self.adversaries or not self.adversaries[s]:
                raise PathValueError("every side must list its adversaries", path=("adversaries",))
        for s, advs in self.adversaries.items():
            if s not in self.sides:
                raise PathValueError(f"no side '{s}' in 'sides'", path=("adversaries", s))
            for i, a in enumerate(advs):
                if a not in self.sides or a == s:
                    raise PathValueError(
                        f"'{a}' is not another side ({', '.join(self.sides)})",
                        path=("adversaries", s, i),
                    )
                if s not in self.adversaries.get(a, []):
                    raise PathValueError(
                        f"'{s}' faces '{a}' but '{a}' does not list '{s}' (the relation is "
                        "symmetric)",
                        path=("adversaries", a),
                    )
            if len(set(advs)) != len(advs):
                raise PathValueError("an adversary is listed twice", path=("adversaries", s))
        return self

    def label(self, side: str) -> str:
        """How output names ``side``: its ``name``, else its key."""
        n = self.sides[side].name
        return side if n is None else n

    def pair(self, attacker: str, defender: str, defender_interceptors: int) -> Posture:
        """The two-sided posture of one pair: ``attacker`` as blue, ``defender`` as red
        fielding ``defender_interceptors`` (its share against the attacker)."""
        a, d = self.sides[attacker], self.sides[defender]
        red = d.model_copy(
            update={
                "defence": d.defence.model_copy(update={"interceptors": defender_interceptors}),
                "name": self.label(defender),
            }
        )
        blue = a.model_copy(update={"name": self.label(attacker)})
        return Posture(
            schema_version=1,
            name=f"{self.name}: {self.label(attacker)} vs {self.label(defender)}",
            blue=blue,
            red=red,
            exchange=self.exchange,
            race=self.race,
        )


def parse_multi_posture_text(text: str, *, file: str = "<string>") -> MultiPosture:
    """Validate an N-sided posture given as YAML text."""
    data, linemap = load_yaml_text(text, file=file)
    return validate(MultiPosture, data, linemap, file)


def load_multi_posture(path: str | Path) -> MultiPosture:
    """Read and validate an N-sided posture file (one ``InputError``: file, line, field)."""
    data, linemap = load_yaml(path)
    return validate(MultiPosture, data, linemap, path)


def builtin_multi_posture(name: str = "three-sides") -> MultiPosture:
    """An N-sided posture shipped with shieldlab (notional numbers)."""
    if name not in BUILTIN_MULTI_POSTURES:
        raise ValueError(f"no built-in N-sided posture '{name}'")
    res = resources.files("shieldlab.stability").joinpath("postures", f"{name}.yaml")
    return parse_multi_posture_text(res.read_text(encoding="utf-8"), file=f"<builtin:{name}>")


class _Curves:
    """One :class:`CurveCache` per (attacker, defender): the defender's defence model
    against the attacker's warheads and requirement."""

    def __init__(self, mp: MultiPosture) -> None:
        self.mp = mp
        self._c: dict[tuple[str, str], CurveCache] = {}

    def need(self, attacker: str, defender: str, interceptors: int) -> int:
        key = (attacker, defender)
        c = self._c.get(key)
        if c is None:
            a, d = self.mp.sides[attacker], self.mp.sides[defender]
            c = CurveCache(
                defence=DefenceModel.from_posture(d.defence),
                warheads_per_missile=a.offence.warheads_per_launcher,
                requirement=Requirement.from_posture(a.deterrence),
            )
            self._c[key] = c
        return c.missiles_needed(int(interceptors))


def _split(total: int, weights: dict[str, float]) -> dict[str, int]:
    """``total`` split in proportion to ``weights``, each share rounded down (equal
    weights when all are zero)."""
    w = weights if sum(weights.values()) > 0 else {k: 1.0 for k in weights}
    s = sum(w.values())
    return {k: math.floor(total * v / s + 1e-9) for k, v in w.items()}


@dataclass(frozen=True, kw_only=True)
class Allocation:
    """Who aims what at whom: missiles m[X][Y] and interceptors i[Y][X] (Y's share against
    X), and each side's need against each adversary need[X][Y]."""

    missiles: dict[str, dict[str, int]]
    interceptors: dict[str, dict[str, int]]
    need: dict[str, dict[str, int]]


def _allocate(
    mp: MultiPosture,
    curves: _Curves,
    launchers: dict[str, int],
    interceptors: dict[str, int],
    defence: dict[str, dict[str, int]],
) -> Allocation:
    """One pass of the two split rules (module docstring) from a defence split."""
    adv = mp.adversaries
    need = {x: {y: curves.need(x, y, defence[y][x]) for y in adv[x]} for x in mp.sides}
    missiles = {x: _split(launchers[x], {y: float(need[x][y]) for y in adv[x]}) for x in mp.sides}
    w = {x: mp.sides[x].offence.warheads_per_launcher for x in mp.sides}
    new_def = {
        y: _split(interceptors[y], {x: float(w[x] * missiles[x][y]) for x in adv[y]})
        for y in mp.sides
    }
    return Allocation(missiles=missiles, interceptors=new_def, need=need)


def allocation(mp: MultiPosture) -> Allocation:
    """The split rules at the posture's forces (:func:`allocation_at`)."""
    return allocation_at(
        mp,
        _Curves(mp),
        {s: sp.offence.launchers for s, sp in mp.sides.items()},
        {s: sp.defence.interceptors for s, sp in mp.sides.items()},
    )


@dataclass(frozen=True, kw_only=True)
class SideRestore:
    """One side's deterrent against all its adversaries at once."""

    side: str
    launchers: int
    needed: dict[str, int]  # against each adversary's share of interceptors
    against: dict[str, int]  # that share

    @property
    def total_needed(self) -> int:
        return sum(self.needed.values())

    @property
    def deterrent_holds(self) -> bool:
        return self.launchers >= self.total_needed

    def lines(self, mp: MultiPosture) -> list[str]:
        """Per pair and for the whole, in words."""
        me = mp.label(self.side)
        out = [
            f"{me} needs {n} missiles against {mp.label(y)}'s {self.against[y]} interceptors "
            f"(its share against {me})"
            for y, n in self.needed.items()
        ]
        who = ", ".join(mp.label(y) for y in self.needed)
        out.append(
            f"{who} deterred by {me}'s {self.launchers} missiles ({self.total_needed} needed "
            f"against all at once): {'yes' if self.deterrent_holds else 'no'}"
        )
        return out


def restore_all(mp: MultiPosture) -> dict[str, SideRestore]:
    """Each side's missiles needed against each adversary's share, and in total."""
    alloc = allocation(mp)
    return {
        x: SideRestore(
            side=x,
            launchers=sp.offence.launchers,
            needed=dict(alloc.need[x]),
            against={y: alloc.interceptors[y][x] for y in mp.adversaries[x]},
        )
        for x, sp in mp.sides.items()
    }


@dataclass(frozen=True, kw_only=True)
class MultiRaceResult:
    """The N-sided race: forces per side per period (period 0 = the posture)."""

    missiles: dict[str, list[int]]
    interceptors: dict[str, list[int]]
    outcome: Outcome
    periods_to_converge: int | None
    cycle_length: int | None
    needed: dict[str, int]  # each side's total missiles needed at the last forces

    def deterrent_holds(self, side: str) -> bool:
        """Whether ``side``'s last missiles meet its requirement against all adversaries."""
        return self.missiles[side][-1] >= self.needed[side]

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "periods_to_converge": self.periods_to_converge,
            "cycle_length": self.cycle_length,
            "needed_at_last_forces": self.needed,
            "deterrent_holds": {s: self.deterrent_holds(s) for s in self.missiles},
            "missiles": self.missiles,
            "interceptors": self.interceptors,
        }


def multi_race(
    mp: MultiPosture, *, periods: int | None = None, adjustment: float | None = None
) -> MultiRaceResult:
    """The N-sided action-reaction race (module docstring); sides move in the listed order,
    each replying to the others' latest forces."""
    T = mp.race.periods if periods is None else int(periods)
    lam = mp.race.adjustment if adjustment is None else float(adjustment)
    curves = _Curves(mp)
    sides = list(mp.sides)
    n = {s: [min(mp.sides[s].offence.launchers, mp.sides[s].race.max_launchers)] for s in sides}
    i = {
        s: [min(mp.sides[s].defence.interceptors, mp.sides[s].race.max_interceptors)] for s in sides
    }
    seen = {tuple(v for s in sides for v in (n[s][0], i[s][0])): 0}
    first: int | None = None
    cycle: int | None = None
    for t in range(T):
        for s in sides:
            latest_n = {x: n[x][-1] for x in sides}
            latest_i = {x: i[x][-1] for x in sides}
            defence = allocation_at(mp, curves, latest_n, latest_i)
            sp = mp.sides[s]
            want_n = min(
                sum(curves.need(s, y, defence.interceptors[y][s]) for y in mp.adversaries[s]),
                sp.race.max_launchers,
            )
            want_i = min(
                sum(
                    math.ceil(
                        sp.race.defence_fraction
                        * sp.defence.shots_per_threat
                        * mp.sides[y].offence.warheads_per_launcher
                        * defence.missiles[y][s]
                        - 1e-9
                    )
                    for y in mp.adversaries[s]
                ),
                sp.race.max_interceptors,
            )
            n[s].append(partial_adjustment(n[s][-1], want_n, lam))
            i[s].append(partial_adjustment(i[s][-1], want_i, lam))
        state = tuple(v for s in sides for v in (n[s][-1], i[s][-1]))
        if state in seen:
            first, cycle = seen[state], t + 1 - seen[state]
            break
        seen[state] = t + 1
    outcome: Outcome = "not settled" if cycle is None else "fixed point" if cycle == 1 else "cycle"
    last = allocation_at(mp, curves, {x: n[x][-1] for x in sides}, {x: i[x][-1] for x in sides})
    return MultiRaceResult(
        missiles=n,
        interceptors=i,
        outcome=outcome,
        periods_to_converge=first,
        cycle_length=cycle,
        needed={x: sum(last.need[x].values()) for x in sides},
    )


def allocation_at(
    mp: MultiPosture, curves: _Curves, launchers: dict[str, int], interceptors: dict[str, int]
) -> Allocation:
    """The split rules at given forces, iterated from equal defence shares until a round
    changes nothing (at most 50 rounds; shares are rounded down, so a few interceptors
    may stay unassigned)."""
    defence = {y: _split(interceptors[y], {x: 1.0 for x in mp.adversaries[y]}) for y in mp.sides}
    alloc = _allocate(mp, curves, launchers, interceptors, defence)
    for _ in range(50):
        if alloc.interceptors == defence:
            break
        defence = alloc.interceptors
        alloc = _allocate(mp, curves, launchers, interceptors, defence)
    return alloc

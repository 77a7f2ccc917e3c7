"""Both sides respond in turn: the attacker's best raid, then the defender's best answer.

The defender's option file (``schema_version: 1``, docs/attack.md) lists what Blue may
change: each battery's candidate ``sites`` (its scenario position is always one), how
many launchers of each kind a battery fields (``launchers``: allowed counts per launcher
group; the interceptor mix of the battery) under a ``max_launchers`` cap per battery and
an optional ``budget_usd`` on the rounds fielded (per battery and/or in all), and
``doctrine`` values
(``salvo_size``, ``shoot_look_shoot``, ``max_engagements_per_threat``,
``engagement_priority``).

Round r: the attacker optimises its raid against the current defence
(:func:`~shieldlab.attack.optimise.optimise_raid`); the defender then searches its options
(Optuna TPE, the same seed and replications -- common random numbers) for the defence
minimising the attacker's objective against that raid. A side *improves* when its new
choice beats its old one by a paired-significant margin on the same replications. The
duel stops when neither improves (it *settles*), when a (raid, defence) pair repeats
(it *cycles*), or after ``rounds``.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from shieldlab._optional import require
from shieldlab.attack.arsenal import Name, _Model
from shieldlab.attack.evaluate import Objective, outcome_rows, paired_difference
from shieldlab.attack.optimise import Progress, SearchSettings, optimise_raid
from shieldlab.attack.space import RaidChoice, RaidSpace
from shieldlab.errors import InputError
from shieldlab.scenario.model import Scenario
from shieldlab.scenario.yamlio import DEFAULT_MAX_BYTES, LineMap, load_yaml, validate

__all__ = [
    "DefenceOptions",
    "DefenceSpace",
    "DuelResult",
    "DuelRound",
    "duel",
    "duel_verdict",
    "load_defence_options",
]

log = logging.getLogger(__name__)


class Site(_Model):
    name: Name
    lat_deg: Annotated[float, Field(ge=-90.0, le=90.0)]
    lon_deg: Annotated[float, Field(ge=-180.0, le=180.0)]


class BatteryOptions(_Model):
    battery: Name = Field(description="a battery of the scenario")
    sites: list[Site] = Field(default=[], description="candidate positions besides its own")
    launchers: dict[
        str, Annotated[list[Annotated[int, Field(ge=0, le=1000)]], Field(min_length=1)]
    ] = Field(default={}, description="allowed counts of each launcher group")
    max_launchers: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        default=None, description="most launchers the battery fields (default: as now)"
    )
    budget_usd: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = Field(
        default=None,
        description="most the battery's rounds may cost (launchers x (1 + reloads) x rounds "
        "x unit cost): the interceptor mix within a budget",
    )


class DoctrineOptions(_Model):
    salvo_size: list[Annotated[int, Field(ge=1, le=16)]] = Field(default_factory=list)
    shoot_look_shoot: list[bool] = Field(default_factory=list)
    max_engagements_per_threat: list[Annotated[int, Field(ge=1, le=16)]] = Field(
        default_factory=list
    )
    engagement_priority: list[Literal["time_to_impact", "asset_value"]] = Field(
        default_factory=list
    )


class DefenceOptions(_Model):
    """What the defender may change (module docstring)."""

    schema_version: Literal[1]
    name: Name
    budget_usd: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = None
    batteries: list[BatteryOptions] = Field(default_factory=list)
    doctrine: DoctrineOptions = Field(default_factory=DoctrineOptions)

    _file: str | None = PrivateAttr(default=None)
    _lines: LineMap | None = PrivateAttr(default=None)

    def where(self, *path: str | int) -> dict[str, Any]:
        line = None if self._lines is None else self._lines.line_for(tuple(path))
        return {"file": self._file, "line": line, "field": ".".join(str(p) for p in path)}


def load_defence_options(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DefenceOptions:
    """Read and validate a defender's option file (one InputError naming file/line/field)."""
    data, linemap = load_yaml(path, max_bytes=max_bytes)
    if not isinstance(data, dict):
        raise InputError("a defence option file must be a mapping of fields", file=str(path))
    opts = validate(DefenceOptions, data, linemap, str(path))
    opts._file = str(path)
    opts._lines = linemap
    return opts


Dims = list[tuple[str, list[Any]]]


class DefenceSpace:
    """The defences ``options`` allow for ``scenario``: one categorical per choice."""

    def __init__(self, scenario: Scenario, options: DefenceOptions) -> None:
        self.scenario = scenario
        self.options = options
        names = [b.name for b in scenario.batteries]
        dims: Dims = []
        self._caps: dict[int, int] = {}
        for i, bo in enumerate(options.batteries):
            if bo.battery not in names:
                raise InputError(
                    f"battery '{bo.battery}' is not in scenario '{scenario.name}'; "
                    f"batteries: {', '.join(names)}",
                    **options.where("batteries", i, "battery"),
                )
            b = scenario.batteries[names.index(bo.battery)]
            if bo.sites:
                own = (b.position.lat_deg, b.position.lon_deg)
                dims.append((f"site.{b.name}", [own] + [(s.lat_deg, s.lon_deg) for s in bo.sites]))
            groups = {ln.name: ln for ln in b.launchers}
            for g, counts in bo.launchers.items():
                if g not in groups:
                    raise InputError(
                        f"launcher group '{g}' is not in battery '{b.name}'; groups: "
                        f"{', '.join(groups)}",
                        **options.where("batteries", i, "launchers", g),
                    )
                values = sorted(set(counts) | {groups[g].count})
                dims.append((f"launchers.{b.name}.{g}", values))
            self._caps[names.index(b.name)] = (
                bo.max_launchers
                if bo.max_launchers is not None
                else sum(ln.count for ln in b.launchers)
            )
        d = options.doctrine
        for f in (
            "salvo_size",
            "shoot_look_shoot",
            "max_engagements_per_threat",
            "engagement_priority",
        ):
            vals = getattr(d, f)
            if vals:
                now = getattr(scenario.doctrine, f)
                dims.append((f"doctrine.{f}", sorted(set(vals) | {now}, key=str)))
        self.dims = dims
        self.current = self.encode_current()

    def encode_current(self) -> tuple[int, ...]:
        out = []
        for name, values in self.dims:
            out.append(values.index(self._value_now(name)))
        return tuple(out)

    def _value_now(self, name: str) -> Any:
        kind, _, rest = name.partition(".")
        if kind == "doctrine":
            return getattr(self.scenario.doctrine, rest)
        names = [b.name for b in self.scenario.batteries]
        if kind == "site":
            b = self.scenario.batteries[names.index(rest)]
            return (b.position.lat_deg, b.position.lon_deg)
        bname, _, group = rest.partition(".")
        b = self.scenario.batteries[names.index(bname)]
        return next(ln.count for ln in b.launchers if ln.name == group)

    def describe(self, code: tuple[int, ...]) -> dict[str, Any]:
        return {name: values[c] for (name, values), c in zip(self.dims, code, strict=True)}

    def defence(self, code: tuple[int, ...]) -> Scenario:
        """The scenario with this defence (raid unchanged)."""
        data = self.scenario.model_dump()
        names = [b.name for b in self.scenario.batteries]
        for (name, values), c in zip(self.dims, code, strict=True):
            v = values[c]
            kind, _, rest = name.partition(".")
            if kind == "doctrine":
                data["doctrine"][rest] = v
            elif kind == "site":
                pos = data["batteries"][names.index(rest)]["position"]
                pos["lat_deg"], pos["lon_deg"] = v
            else:
                bname, _, group = rest.partition(".")
                b = data["batteries"][names.index(bname)]
                b["launchers"] = [
                    dict(ln, count=v) if ln["name"] == group else ln for ln in b["launchers"]
                ]
        for b in data["batteries"]:
            b["launchers"] = [ln for ln in b["launchers"] if ln["count"] > 0]
        return _validated(self.scenario, data)

    def rounds_cost_usd(self, s: Scenario) -> float:
        cost = {it.name: it.unit_cost_usd for it in s.interceptor_types}
        return float(
            sum(
                ln.count * (1 + ln.reloads) * item.rounds * cost[item.interceptor]
                for b in s.batteries
                for ln in b.launchers
                for item in ln.loadout
            )
        )

    def overspend(self, code: tuple[int, ...]) -> float:
        """How far over the launcher caps and the rounds budget (fraction; 0 within)."""
        desc = self.describe(code)
        over = 0.0
        for i, cap in self._caps.items():
            b = self.scenario.batteries[i]
            n = sum(int(desc.get(f"launchers.{b.name}.{ln.name}", ln.count)) for ln in b.launchers)
            over = max(over, (n - cap) / cap)
            if n == 0:
                over = max(over, 1.0)
        budgets = {b.battery: b.budget_usd for b in self.options.batteries if b.budget_usd}
        if self.options.budget_usd is not None or budgets:
            fielded = self.defence(code)
            if self.options.budget_usd is not None:
                cost = self.rounds_cost_usd(fielded)
                over = max(over, (cost - self.options.budget_usd) / self.options.budget_usd)
            for b in fielded.batteries:
                cap_usd = budgets.get(b.name)
                if cap_usd is not None:
                    cost = self.battery_rounds_cost_usd(fielded, b.name)
                    over = max(over, (cost - cap_usd) / cap_usd)
        return over

    def battery_rounds_cost_usd(self, s: Scenario, battery: str) -> float:
        """Cost of one battery's rounds fielded (with reloads)."""
        cost = {it.name: it.unit_cost_usd for it in s.interceptor_types}
        b = next(b for b in s.batteries if b.name == battery)
        return float(
            sum(
                ln.count * (1 + ln.reloads) * item.rounds * cost[item.interceptor]
                for ln in b.launchers
                for item in ln.loadout
            )
        )


def _validated(base: Scenario, data: dict[str, Any]) -> Scenario:
    new = Scenario.model_validate(data)
    new._card_uses = base._card_uses
    new._source = base._source
    return new


@dataclass(frozen=True, kw_only=True)
class DuelRound:
    round: int
    raid: tuple[dict[str, Any], ...]
    raid_key: str
    raid_cost_usd: float
    defence: dict[str, Any]
    defence_rounds_cost_usd: float
    objective_after_attack: float
    objective_after_defence: float
    attacker_gain: dict[str, Any]
    defender_gain: dict[str, Any]
    attacker_improved: bool
    defender_improved: bool

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["raid"] = list(self.raid)
        return d


@dataclass(frozen=True, kw_only=True)
class DuelResult:
    scenario: str
    arsenal: str
    objective: Objective
    rounds: tuple[DuelRound, ...]
    outcome: Literal["settled", "cycle", "rounds"]
    cycle_length: int | None
    final_scenario_yaml: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "arsenal": self.arsenal,
            "objective": {"kind": self.objective.kind, "k": self.objective.k},
            "outcome": self.outcome,
            "cycle_length": self.cycle_length,
            "rounds": [r.to_dict() for r in self.rounds],
        }


def _values(s: Scenario, objective: Objective, space: RaidSpace, seed: int, n: int) -> np.ndarray:
    rows, cols = outcome_rows(s, seed=seed, first=0, count=n)
    return objective.per_replication(rows, cols, space.asset_values)


def best_defence(
    dspace: DefenceSpace,
    raid_space: RaidSpace,
    raid: RaidChoice,
    objective: Objective,
    *,
    start: tuple[int, ...],
    seed: int,
    replications: int,
    evaluations: int,
) -> tuple[tuple[int, ...], np.ndarray, int]:
    """The defence minimising the attacker's objective against ``raid`` (Optuna TPE).

    Returns ``(code, per-replication values, defences simulated)``; ``start`` is tried first.
    """
    optuna = require("optuna", feature="shieldlab attack duel", extra="attack")
    cache: dict[tuple[int, ...], np.ndarray] = {}

    def value(code: tuple[int, ...]) -> np.ndarray:
        if code not in cache:
            s = raid_space.scenario_for(raid, dspace.defence(code))
            cache[code] = _values(s, objective, raid_space, seed, replications)
        return cache[code]

    if not dspace.dims:
        return start, value(start), 1

    def obj(trial: Any) -> float:
        code = tuple(
            int(trial.suggest_categorical(name, list(range(len(vals)))))
            for name, vals in dspace.dims
        )
        over = dspace.overspend(code)
        trial.set_user_attr("constraints", (over,))
        if over > 1e-12:
            return 1e9 * (1 + over)
        return float(value(code).mean())

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sampler = optuna.samplers.TPESampler(
                seed=seed % 2**32,
                multivariate=True,
                n_startup_trials=max(4, evaluations // 4),
                constraints_func=lambda t: tuple(t.user_attrs.get("constraints", (0.0,))),
            )
            study = optuna.create_study(direction="minimize", sampler=sampler)
            study.enqueue_trial({name: c for (name, _), c in zip(dspace.dims, start, strict=True)})
            size = math.prod(len(v) for _, v in dspace.dims)

            def stop(st: Any, _t: Any) -> None:
                if len(cache) >= min(evaluations, size):
                    st.stop()

            study.optimize(obj, n_trials=20 * evaluations, callbacks=[stop])
    finally:
        optuna.logging.set_verbosity(verbosity)
    feasible = [c for c in cache if dspace.overspend(c) <= 1e-12]
    best = min(feasible, key=lambda c: (float(cache[c].mean()), c))
    return best, cache[best], len(cache)


State = tuple[str, tuple[int, ...]]


def duel_verdict(
    seen: list[State], state: State, *, improved: bool
) -> tuple[Literal["settled", "cycle"] | None, int | None]:
    """Whether the duel stops after a round ending in ``state`` (raid key, defence code).

    ``seen``: the states after the earlier rounds. Neither side improving (after the
    first round) is *settled*; a state seen before, other than the last, is a *cycle*
    of ``len(seen) - seen.index(state)`` rounds. Otherwise the duel goes on (None).
    """
    if not improved:
        return "settled", None
    if state in seen[:-1]:
        return "cycle", len(seen) - seen.index(state)
    return None, None


def duel(
    scenario: Scenario,
    arsenal: Any,
    options: DefenceOptions,
    objective: Objective | None = None,
    *,
    rounds: int = 4,
    settings: SearchSettings | None = None,
    defence_evaluations: int = 30,
    progress: Progress | None = None,
    on_round: Any = None,
) -> DuelResult:
    """Alternate best raid and best defence (module docstring)."""
    if not 1 <= rounds <= 100:
        raise InputError(f"must be between 1 and 100, got {rounds}", field="--rounds")
    objective = Objective() if objective is None else objective
    settings = SearchSettings() if settings is None else settings
    dspace = DefenceSpace(scenario, options)
    raid_space = RaidSpace(scenario, arsenal)
    n = settings.replications
    code = dspace.current
    seen: list[State] = []
    out: list[DuelRound] = []
    prev_raid: RaidChoice | None = None
    outcome: Literal["settled", "cycle", "rounds"] = "rounds"
    cycle: int | None = None
    for r in range(1, rounds + 1):
        defence = dspace.defence(code)
        res = optimise_raid(
            scenario,
            arsenal,
            objective,
            settings=settings,
            defence=defence,
            progress=progress,
            compare_baseline=False,
        )
        raid = res.best.choice
        after_attack = _values(
            raid_space.scenario_for(raid, defence), objective, raid_space, settings.seed, n
        )
        if prev_raid is None:
            a_gain = paired_difference(after_attack, np.zeros_like(after_attack))
        else:
            old = _values(
                raid_space.scenario_for(prev_raid, defence), objective, raid_space, settings.seed, n
            )
            a_gain = paired_difference(after_attack, old)
        a_improved = prev_raid is None or (raid.key() != prev_raid.key() and a_gain.ci95[0] > 0)
        if not a_improved and prev_raid is not None:
            raid = prev_raid
            after_attack = _values(
                raid_space.scenario_for(raid, defence), objective, raid_space, settings.seed, n
            )
        new_code, after_def, _ = best_defence(
            dspace,
            raid_space,
            raid,
            objective,
            start=code,
            seed=settings.seed + r,
            replications=n,
            evaluations=defence_evaluations,
        )
        d_gain = paired_difference(after_attack, after_def)
        d_improved = new_code != code and d_gain.ci95[0] > 0
        if d_improved:
            code = new_code
        else:
            after_def = after_attack
        rnd = DuelRound(
            round=r,
            raid=tuple(raid_space.describe(raid)),
            raid_key=raid.key(),
            raid_cost_usd=raid_space.cost_usd(raid),
            defence=dspace.describe(code),
            defence_rounds_cost_usd=dspace.rounds_cost_usd(dspace.defence(code)),
            objective_after_attack=float(after_attack.mean()),
            objective_after_defence=float(after_def.mean()),
            attacker_gain=a_gain.to_dict(),
            defender_gain=d_gain.to_dict(),
            attacker_improved=a_improved,
            defender_improved=d_improved,
        )
        out.append(rnd)
        if on_round is not None:
            on_round(rnd)
        state = (raid.key(), code)
        prev_raid = raid
        verdict, cycle = duel_verdict(seen, state, improved=(r == 1 or a_improved or d_improved))
        if verdict is not None:
            outcome = verdict
            break
        seen.append(state)
    final = raid_space.scenario_yaml(prev_raid, dspace.defence(code)) if prev_raid else ""
    return DuelResult(
        scenario=scenario.name,
        arsenal=arsenal.name,
        objective=objective,
        rounds=tuple(out),
        outcome=outcome,
        cycle_length=cycle,
        final_scenario_yaml=final,
    )

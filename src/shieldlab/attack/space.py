"""The raids an arsenal allows against a scenario: encoding, cost, budget and scenario YAML.

A raid is a :class:`RaidChoice`: per threat option ``(count, area, window, aim)``, the
last three indices into that option's allowed launch areas, windows and aims (its
aimpoints, then ``spread`` when allowed). Options with count 0 carry ``(0, 0, 0, 0)``, so
one raid has one encoding (:meth:`RaidSpace.canonical`).

Common random numbers: the engine keys draws by (seed, replication, threat id, event) with
threat id = (wave, index in wave). Every option present is one wave in arsenal order, and
a wave's launch points are laid out as for the option's ``max_count`` threats
(``launch_pattern_count``), so threat ``j`` of an option keeps its launch point and its
draws across candidate raids as long as the options before it are present in both.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shieldlab.attack.arsenal import Arsenal
from shieldlab.errors import InputError
from shieldlab.scenario.model import Raid, Scenario, Wave
from shieldlab.scenario.yamlio import dump_yaml

__all__ = ["SPREAD", "RaidChoice", "RaidSpace", "check_arsenal"]

SPREAD = "spread"

Gene = tuple[int, int, int, int]  # count, area, window, aim (indices into the choices)


@dataclass(frozen=True)
class RaidChoice:
    """One raid: ``(count, area, window, aim)`` per threat option of the arsenal."""

    genes: tuple[Gene, ...]

    @property
    def counts(self) -> tuple[int, ...]:
        return tuple(g[0] for g in self.genes)

    @property
    def empty(self) -> bool:
        return all(g[0] == 0 for g in self.genes)

    def key(self) -> str:
        """A short stable text form (``count.area.window.aim`` per option, ``|``-joined)."""
        return "|".join(".".join(str(x) for x in g) for g in self.genes)

    @classmethod
    def from_key(cls, key: str) -> RaidChoice:
        genes = []
        for part in key.split("|"):
            a, b, c, d = (int(x) for x in part.split("."))
            genes.append((a, b, c, d))
        return cls(genes=tuple(genes))


class RaidSpace:
    """The raids ``arsenal`` allows against ``scenario``: choices, costs and budget."""

    def __init__(self, scenario: Scenario, arsenal: Arsenal) -> None:
        check_arsenal(arsenal, scenario)
        self.scenario = scenario
        self.arsenal = arsenal
        n = len(arsenal.threats)
        self.areas = tuple(arsenal.area_choices(i) for i in range(n))
        self.windows = tuple(arsenal.window_choices(i) for i in range(n))
        aims: list[tuple[int | str, ...]] = []
        for i, opt in enumerate(arsenal.threats):
            pts: tuple[int | str, ...] = arsenal.aimpoint_choices(i)
            aims.append(pts + ((SPREAD,) if opt.spread and len(pts) > 1 else ()))
        self.aims = tuple(aims)
        tt = {t.name: t for t in scenario.threat_types}
        self.unit_cost_usd = tuple(
            float(tt[o.threat].unit_cost_usd if o.unit_cost_usd is None else o.unit_cost_usd)
            for o in arsenal.threats
        )
        self.launchers_per_unit = tuple(int(o.launchers_per_unit) for o in arsenal.threats)
        values = {a.name: a.value for a in scenario.assets}
        for a in arsenal.aimpoints:
            if a.value is not None:
                values[a.asset] = a.value
        #: Attacker's value of a hit on each scenario asset (``value`` objective).
        self.asset_values = values
        floor = self.cost_usd(self.minimal())
        if arsenal.budget.usd is not None and floor > arsenal.budget.usd:
            raise InputError(
                f"the min_count rounds alone cost {floor:,.0f} USD, over the budget",
                **arsenal.where("budget", "usd"),
            )

    # --- size and enumeration -------------------------------------------------------------

    @property
    def n_options(self) -> int:
        return len(self.arsenal.threats)

    def option_shapes(self) -> list[tuple[int, int, int, int, int]]:
        """Per option: (min count, max count, areas, windows, aims)."""
        return [
            (o.min_count, o.max_count, len(self.areas[i]), len(self.windows[i]), len(self.aims[i]))
            for i, o in enumerate(self.arsenal.threats)
        ]

    def _genes_of(self, i: int) -> list[Gene]:
        lo, hi, na, nw, nm = self.option_shapes()[i]
        genes: list[Gene] = [(0, 0, 0, 0)] if lo == 0 else []
        for c in range(max(lo, 1), hi + 1):
            genes += [(c, a, w, m) for a in range(na) for w in range(nw) for m in range(nm)]
        return genes

    def size(self) -> int:
        """Number of distinct raids, over budget or not."""
        return math.prod(len(self._genes_of(i)) for i in range(self.n_options))

    def enumerate(self) -> Iterator[RaidChoice]:
        """Every distinct raid within the budget (for exhaustive search on small spaces)."""
        for genes in itertools.product(*(self._genes_of(i) for i in range(self.n_options))):
            choice = RaidChoice(genes=tuple(genes))
            if self.within_budget(choice) and not choice.empty:
                yield choice

    def minimal(self) -> RaidChoice:
        return RaidChoice(genes=tuple((o.min_count, 0, 0, 0) for o in self.arsenal.threats))

    def canonical(self, choice: RaidChoice) -> RaidChoice:
        return RaidChoice(genes=tuple((0, 0, 0, 0) if g[0] == 0 else g for g in choice.genes))

    # --- budget ------------------------------------------------------------------------------

    def cost_usd(self, choice: RaidChoice) -> float:
        return float(sum(c * u for c, u in zip(choice.counts, self.unit_cost_usd, strict=True)))

    def launchers(self, choice: RaidChoice) -> int:
        return int(sum(c * u for c, u in zip(choice.counts, self.launchers_per_unit, strict=True)))

    def overspend(self, choice: RaidChoice) -> float:
        """How far over budget, as a fraction of the budget (0 within it; max over both)."""
        b = self.arsenal.budget
        over = 0.0
        if b.usd is not None:
            over = max(over, (self.cost_usd(choice) - b.usd) / b.usd)
        if b.launchers is not None:
            over = max(over, (self.launchers(choice) - b.launchers) / b.launchers)
        return over

    def within_budget(self, choice: RaidChoice) -> bool:
        return self.overspend(choice) <= 1e-12

    # --- raids and scenarios -----------------------------------------------------------------

    def waves(self, choice: RaidChoice) -> list[Wave]:
        out: list[Wave] = []
        for i, (count, a, w, m) in enumerate(choice.genes):
            if count == 0:
                continue
            opt = self.arsenal.threats[i]
            area = self.arsenal.launch_areas[self.areas[i][a]]
            window = self.arsenal.windows[self.windows[i][w]]
            aim = self.aims[i][m]
            if aim == SPREAD:
                aimpoints = [self.arsenal.aimpoints[int(j)].asset for j in self.aims[i][:-1]]
            else:
                aimpoints = [self.arsenal.aimpoints[int(aim)].asset]
            start, interval = window.launch_times_s(count)
            out.append(
                Wave(
                    name=f"{opt.name}",
                    threat=opt.threat,
                    count=count,
                    launch_area={
                        "lat_deg": area.lat_deg,
                        "lon_deg": area.lon_deg,
                        "radius_m": area.radius_m,
                    },
                    start_s=start,
                    interval_s=interval,
                    aimpoints=aimpoints,
                    launch_pattern_count=opt.max_count,
                )
            )
        return out

    def scenario_for(self, choice: RaidChoice, defence: Scenario | None = None) -> Scenario:
        """The scenario (or ``defence``) with its raid replaced by ``choice``."""
        base = self.scenario if defence is None else defence
        return base.replace(raid=Raid(waves=self.waves(choice)))

    def describe(self, choice: RaidChoice) -> list[dict[str, Any]]:
        """Each wave of the raid as a plain mapping (JSON, tables)."""
        out: list[dict[str, Any]] = []
        for i, (count, a, w, m) in enumerate(choice.genes):
            if count == 0:
                continue
            aim = self.aims[i][m]
            out.append(
                {
                    "option": self.arsenal.threats[i].name,
                    "threat": self.arsenal.threats[i].threat,
                    "count": count,
                    "launch_area": self.arsenal.launch_areas[self.areas[i][a]].name,
                    "window": self.arsenal.windows[self.windows[i][w]].name,
                    "aim": SPREAD if aim == SPREAD else self.arsenal.aimpoints[int(aim)].asset,
                    "cost_usd": count * self.unit_cost_usd[i],
                }
            )
        return out

    def scenario_yaml(self, choice: RaidChoice, defence: Scenario | None = None) -> str:
        """The best raid as a ready-to-run scenario file (cards expanded)."""
        s = self.scenario_for(choice, defence)
        data = s.model_dump(mode="json", exclude_none=True)
        for wave in data["raid"]["waves"]:
            if wave.get("times_s") is None:
                wave.pop("times_s", None)
        data["description"] = (
            f"{s.description.strip()} Raid chosen by 'shieldlab attack' from arsenal "
            f"'{self.arsenal.name}'."
        ).strip()
        return dump_yaml(data)


def check_arsenal(arsenal: Arsenal, scenario: Scenario) -> None:
    """Check the arsenal's references into ``scenario`` before any simulation.

    Threat types and assets must exist in the scenario, and every wave the arsenal allows
    (each option from each of its launch areas, at its largest count, at every allowed
    aimpoint) must be a valid raid of the scenario (launch distance, ballistic range,
    flight time). Errors name the arsenal's file, line and field.
    """
    threats = {t.name for t in scenario.threat_types}
    assets = {a.name for a in scenario.assets}
    defence = {b.name for b in scenario.batteries}
    for j, aim in enumerate(arsenal.aimpoints):
        if aim.asset in defence and aim.asset not in assets:
            raise InputError(
                f"'{aim.asset}' is a battery of the defence: strikes on the defence's "
                "batteries and radars are not arsenal options yet (they need the threats "
                "and countermeasures engine work; docs/attack.md)",
                **arsenal.where("aimpoints", j, "asset"),
            )
        if aim.asset not in assets:
            raise InputError(
                f"asset '{aim.asset}' is not in scenario '{scenario.name}'; assets: "
                f"{', '.join(sorted(assets))}",
                **arsenal.where("aimpoints", j, "asset"),
            )
    for i, opt in enumerate(arsenal.threats):
        if opt.threat not in threats:
            raise InputError(
                f"threat type '{opt.threat}' is not in scenario '{scenario.name}'; threat "
                f"types: {', '.join(sorted(threats))}",
                **arsenal.where("threats", i, "threat"),
            )
        last_window = max(arsenal.windows[w].end_s for w in arsenal.window_choices(i))
        for a in arsenal.area_choices(i):
            area = arsenal.launch_areas[a]
            wave = {
                "threat": opt.threat,
                "count": opt.max_count,
                "launch_area": {
                    "lat_deg": area.lat_deg,
                    "lon_deg": area.lon_deg,
                    "radius_m": area.radius_m,
                },
                "start_s": last_window,
                "aimpoints": [arsenal.aimpoints[m].asset for m in arsenal.aimpoint_choices(i)],
            }
            try:
                scenario.replace(raid={"waves": [wave]})
            except ValidationError as exc:
                err = exc.errors(include_url=False)[0]
                msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
                field = (
                    ("launch_areas", a)
                    if "launch" in msg or "range" in msg or "route" in msg
                    else ("threats", i)
                )
                raise InputError(
                    f"option '{opt.name}' from launch area '{area.name}': {msg}",
                    **arsenal.where(*field),
                ) from None

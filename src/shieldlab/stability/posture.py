"""Two-sided force postures (Blue and Red): the schema, the loader and the built-in example.

A posture describes, for each side, its offence (launchers, warheads per launcher,
survivability, counterforce kill probability), its defence (interceptors and the
engagement parameters of the closed forms), its unit costs, its deterrence requirement,
how it values damage, and how it reacts in an arms race. Every number in the built-in
example is notional (invented for teaching), not an estimate of any real force.

Files are YAML, read with :func:`shieldlab.scenario.yamlio.load_yaml` and validated with
:func:`shieldlab.scenario.yamlio.validate`, so a bad posture is ONE
:class:`~shieldlab.errors.InputError` naming file, line and field (exit status 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from shieldlab.scenario.loader import expect_kind
from shieldlab.scenario.yamlio import (
    LineMap,
    PathValueError,
    load_yaml,
    load_yaml_text,
    validate,
)

__all__ = [
    "BUILTIN_POSTURES",
    "DEFAULT_RAID_DURATION_S",
    "EXCHANGE_PRESETS",
    "SIDE_PAIRS",
    "BatteryCard",
    "Costs",
    "DefencePosture",
    "Deterrence",
    "ExchangeRules",
    "Magazine",
    "OffencePosture",
    "Posture",
    "RaceConduct",
    "RaceSettings",
    "RestraintSettings",
    "Richardson",
    "SidePosture",
    "Valuation",
    "battery_card",
    "builtin_posture",
    "load_posture",
    "parse_posture_text",
    "posture_file_schema",
    "posture_from_data",
    "reloads_in_time",
]

SideName = Literal["blue", "red"]
#: Each side with its adversary, Blue first.
SIDE_PAIRS: tuple[tuple[SideName, SideName], ...] = (("blue", "red"), ("red", "blue"))

#: Names of the postures shipped with shieldlab (YAML files in ``stability/postures``).
BUILTIN_POSTURES: tuple[str, ...] = ("example",)


class _Model(BaseModel):
    # No infinities or NaNs: an unbounded field (Richardson's g) would carry them into
    # every result (the YAML reader refuses overflowing numbers; `.inf` is explicit).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class OffencePosture(_Model):
    """A side's strategic offence."""

    launchers: int = Field(ge=0, le=100_000, description="Missiles (one per launcher).")
    warheads_per_launcher: int = Field(ge=1, le=20)
    survivable_fraction: float = Field(
        ge=0.0, le=1.0, description="Fraction of launchers that survive any first strike."
    )
    counterforce_pk: float = Field(
        ge=0.0, le=1.0, description="Kill probability of one arriving warhead on a launcher."
    )


#: NOTIONAL duration of a raid (s) over which a defence of catalog batteries counts its
#: rounds: a salvo of ballistic missiles arrives within minutes, so 15 minutes. Reloads
#: that take longer (the S-400-class launcher cards' 1800 s) do not count.
DEFAULT_RAID_DURATION_S = 900.0


@dataclass(frozen=True)
class BatteryCard:
    """What a posture takes from a catalog battery card (see :class:`DefencePosture`).

    ``interceptors``: rounds of one battery usable within ``raid_duration_s``: every
    launcher's ready load, plus its reloads that can arrive in time. The engine reloads a
    launcher ``reload_time_s`` after its load is fired (docs/engine.md), so even a load
    fired at the raid's start gets its k-th reload at k x reload_time_s at the earliest:
    per launcher, count x rounds x (1 + min(reloads, floor(duration / reload_time_s))).
    ``ready_rounds``: loaded at the start; ``reload_rounds_in_time``: reload rounds that can
    arrive; ``reserve_too_late``: reload rounds that cannot (not counted). ``sspk``: the
    weighted mean of the usable rounds' interceptor cards' ``sspk.ballistic``;
    ``unit_cost_usd``: the same mean of their ``unit_cost_usd``; ``interceptor_cards``:
    their names; ``reload_times_s``: the launchers' reload times.
    """

    card: str
    interceptors: int
    sspk: float
    unit_cost_usd: float | None
    interceptor_cards: tuple[str, ...]
    ready_rounds: int = 0
    reload_rounds_in_time: int = 0
    reserve_too_late: int = 0
    raid_duration_s: float = DEFAULT_RAID_DURATION_S
    reload_times_s: tuple[float, ...] = ()


def reloads_in_time(reloads: int, reload_time_s: float, raid_duration_s: float) -> int:
    """Reloads of one launcher that can arrive within the raid: min(reloads, floor(D / R))
    (all of them when R = 0)."""
    if reload_time_s <= 0.0:
        return int(reloads)
    return int(min(reloads, math.floor(raid_duration_s / reload_time_s + 1e-9)))


def battery_card(
    card: str, catalog: Any = None, *, raid_duration_s: float = DEFAULT_RAID_DURATION_S
) -> BatteryCard:
    """Usable interceptors, single-shot kill probability and unit cost of one battery card
    (reloads counted only if they arrive within ``raid_duration_s``; see :class:`BatteryCard`).

    Raises ``PathValueError`` (path ``card``) for a name that is no battery card.
    """
    from shieldlab.errors import InputError
    from shieldlab.scenario.cards import load_catalog, resolve_cards

    cat = load_catalog() if catalog is None else catalog
    batteries = sorted(n for n, c in cat.items() if c.kind == "battery")
    hit = cat.get(card)
    if hit is None or hit.kind != "battery":
        what = "no catalog card" if hit is None else f"'{card}' is a {hit.kind} card, not a battery"
        raise PathValueError(
            f"{what}{f' {card!r}' if hit is None else ''}; battery cards: {', '.join(batteries)}",
            path=("card",),
        )
    try:
        resolved, _ = resolve_cards({"batteries": [{"card": card}]}, None, None, cat)
    except InputError as exc:  # pragma: no cover - the shipped cards resolve (tested)
        raise PathValueError(
            f"card '{card}' does not resolve: {exc.message}", path=("card",)
        ) from None
    rounds: dict[str, int] = {}
    ready = in_time = too_late = 0
    times: set[float] = set()
    for launcher in resolved["batteries"][0].get("launchers", []):
        count, reloads = int(launcher.get("count", 1)), int(launcher.get("reloads", 0))
        r_s = float(launcher.get("reload_time_s", 0.0))
        if reloads:
            times.add(r_s)
        k = reloads_in_time(reloads, r_s, raid_duration_s)
        for item in launcher.get("loadout", []):
            load = count * int(item["rounds"])
            ready += load
            in_time += load * k
            too_late += load * (reloads - k)
            rounds[item["interceptor"]] = rounds.get(item["interceptor"], 0) + load * (1 + k)
    total = sum(rounds.values())
    if total == 0:  # pragma: no cover - every shipped battery carries rounds
        raise PathValueError(f"battery card '{card}' carries no interceptors", path=("card",))
    sspk = 0.0
    cost: float | None = 0.0
    for name, n in rounds.items():
        it = cat.get(name)
        nominal = {} if it is None else it.nominal
        sspk += n * float(nominal.get("sspk", {}).get("ballistic", 0.0))
        if cost is not None and "unit_cost_usd" in nominal:
            cost += n * float(nominal["unit_cost_usd"])
        else:
            cost = None
    return BatteryCard(
        card=card,
        interceptors=total,
        sspk=sspk / total,
        unit_cost_usd=None if cost is None else cost / total,
        interceptor_cards=tuple(sorted(rounds)),
        ready_rounds=ready,
        reload_rounds_in_time=in_time,
        reserve_too_late=too_late,
        raid_duration_s=float(raid_duration_s),
        reload_times_s=tuple(sorted(times)),
    )


class Magazine(_Model):
    """How a defence of catalog batteries counted its interceptors (set from the card)."""

    ready: int = Field(ge=0, description="Rounds loaded at the raid's start.")
    reloads_in_time: int = Field(ge=0, description="Reload rounds that arrive in time.")
    reserve_too_late: int = Field(ge=0, description="Reload rounds that arrive too late.")
    raid_duration_s: float = Field(gt=0.0)
    reload_times_s: list[float] = Field(default_factory=list)

    def text(self, batteries: int, card: str) -> str:
        """'4 x s400-class-battery: 224 interceptors usable within the raid's 900 s ...'."""
        usable = self.ready + self.reloads_in_time
        times = "/".join(f"{t:g}" for t in self.reload_times_s) or "-"
        parts = [f"{self.ready} ready"]
        if self.reloads_in_time:
            parts.append(f"{self.reloads_in_time} reload rounds arrive in time")
        if self.reserve_too_late:
            parts.append(
                f"{self.reserve_too_late} reload rounds ({times} s per reload) arrive too late, "
                "not counted"
            )
        return (
            f"{batteries} x {card}: {usable} interceptors usable within the raid's "
            f"{self.raid_duration_s:g} s ({'; '.join(parts)})"
        )


def _duration(defence: dict[str, Any]) -> float:
    """The defence's raid duration (s), the default when absent or not a positive number
    (the field's own check then reports a bad value)."""
    v = defence.get("raid_duration_s")
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 < v <= 86_400.0:
        return DEFAULT_RAID_DURATION_S
    return float(v)


def _catalog_of(context: Any) -> Any:
    return (context or {}).get("catalog") if isinstance(context, dict) else None


class DefencePosture(_Model):
    """A side's missile defence, in the terms of the closed forms (Wilkening 1999).

    Either ``interceptors`` (and ``sspk``) directly, or ``batteries: N`` of a catalog
    battery ``card``: the interceptors are then N times the card's rounds (reloads
    included), ``sspk`` defaults to the round-weighted mean of its interceptor cards'
    ``sspk.ballistic`` (:func:`battery_card`), and the side's ``costs.interceptor``
    defaults to their round-weighted unit cost.
    """

    interceptors: int = Field(ge=0, le=1_000_000)
    shots_per_threat: int = Field(ge=1, le=8)
    sspk: float = Field(ge=0.0, le=1.0, description="Single-shot kill probability.")
    batteries: int | None = Field(
        default=None,
        ge=0,
        le=10_000,
        description="Number of batteries of `card`; sets `interceptors` (and `sspk` when "
        "not given) from the catalog card.",
    )
    card: str | None = Field(
        default=None, min_length=1, description="Catalog battery card (with `batteries`)."
    )
    raid_duration_s: float = Field(
        default=DEFAULT_RAID_DURATION_S,
        gt=0.0,
        le=86_400.0,
        description="With `batteries` of a `card`: only rounds ready within this raid "
        "duration count (reloads only if they arrive in time). NOTIONAL default 900 s.",
    )
    magazine: Magazine | None = Field(
        default=None,
        description="Set from the card (ready rounds, reloads in time and too late); any "
        "value given is recomputed.",
    )
    p_detect: float = Field(
        default=1.0, ge=0.0, le=1.0, description="Detect-track-discriminate probability."
    )
    discrimination: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Probability a decoy is recognised; an unrecognised decoy draws shots.",
    )
    forces_fraction: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of interceptors defending launchers (the rest defend value).",
    )
    engagement: Literal["detected-only", "pd-in-pk"] = Field(
        default="detected-only",
        description="detected-only: undetected warheads draw no shots (Pd decides who is "
        "engaged); pd-in-pk: every warhead draws a salvo killing with Pd (1 - (1 - SSPK)^n).",
    )
    decoy_model: Literal["exact", "mean-field"] = Field(
        default="exact",
        description="exact: binomial unrecognised decoys and hypergeometric engagement "
        "order; mean-field: the expected share of the inventory (before issue 18).",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_card(cls, data: Any, info: ValidationInfo) -> Any:
        # Absent and null are the same: a posture's own dump carries both keys as None.
        if not isinstance(data, dict) or (
            data.get("batteries") is None and data.get("card") is None
        ):
            if isinstance(data, dict) and data.get("magazine") is not None:
                raise PathValueError(
                    "is set from 'batteries' of a 'card'; do not give it", path=("magazine",)
                )
            return data
        d = dict(data)
        n, card = d.get("batteries"), d.get("card")
        if card is None:
            raise PathValueError(
                "give 'card' (a catalog battery card) with 'batteries'", path=("card",)
            )
        if n is None:
            raise PathValueError("give 'batteries' (how many) with 'card'", path=("batteries",))
        if not isinstance(card, str):
            raise PathValueError("must be the name of a catalog battery card", path=("card",))
        if type(n) is not int or not 0 <= n <= 10_000:
            raise PathValueError(
                f"must be a whole number of batteries in [0, 10000], got {n!r}",
                path=("batteries",),
            )
        bc = battery_card(card, _catalog_of(info.context), raid_duration_s=_duration(d))
        total = n * bc.interceptors
        if "interceptors" in d and d["interceptors"] != total:
            raise PathValueError(
                f"{d['interceptors']!r} disagrees with {n} batteries of '{card}' ({total} "
                f"interceptors usable within the raid's {bc.raid_duration_s:g} s); give one "
                "or the other",
                path=("interceptors",),
            )
        d["interceptors"] = total
        d.setdefault("sspk", bc.sspk)
        d["magazine"] = {
            "ready": n * bc.ready_rounds,
            "reloads_in_time": n * bc.reload_rounds_in_time,
            "reserve_too_late": n * bc.reserve_too_late,
            "raid_duration_s": bc.raid_duration_s,
            "reload_times_s": list(bc.reload_times_s),
        }
        return d

    def magazine_text(self) -> str | None:
        """How the interceptors were counted from the card, in words (None: given directly)."""
        if self.magazine is None or self.card is None or self.batteries is None:
            return None
        return self.magazine.text(self.batteries, self.card)


_COST_ITEMS = ("missile", "decoy", "interceptor")


def _card_cost(card: str, item: str, context: Any) -> tuple[float, str]:
    """Unit cost (USD) and its source from the catalog card ``card``."""
    catalog = (context or {}).get("catalog") if isinstance(context, dict) else None
    if catalog is None:
        from shieldlab.scenario.cards import load_catalog

        catalog = load_catalog()
    hit = catalog.get(card)
    priced = sorted(n for n, c in catalog.items() if "unit_cost_usd" in c.nominal)
    if hit is None or "unit_cost_usd" not in hit.nominal:
        what = "no catalog card" if hit is None else "no unit_cost_usd on card"
        raise PathValueError(
            f"{what} '{card}'; cards with a unit cost: {', '.join(priced)}",
            path=(f"{item}_card",),
        )
    src = next((v.source for v in hit.parameters if v.field == "unit_cost_usd"), "")
    return float(hit.nominal["unit_cost_usd"]), src


class Costs(_Model):
    """Unit costs (one currency unit for both sides), each a number or a catalog card.

    ``missile_card: generic-srbm`` takes the card's ``unit_cost_usd`` (and its source) from
    the parameter catalog (``shieldlab.scenario.catalog``); a number needs ``source``.
    """

    missile: float = Field(gt=0.0)
    decoy: float = Field(gt=0.0)
    interceptor: float = Field(gt=0.0)
    source: str = Field(min_length=1)
    missile_card: str | None = None
    decoy_card: str | None = None
    interceptor_card: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_cards(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        d = dict(data)
        sources: list[str] = []
        for item in _COST_ITEMS:
            card = d.get(f"{item}_card")
            if card is None:
                continue
            if not isinstance(card, str):
                raise PathValueError("must be a card name", path=(f"{item}_card",))
            if item in d:
                raise PathValueError(
                    f"give either '{item}' or '{item}_card', not both", path=(item,)
                )
            d[item], src = _card_cost(card, item, info.context)
            sources.append(f"{item}: card {card} ({src})")
        if sources:
            d["source"] = "; ".join(sources + ([str(d["source"])] if d.get("source") else []))
        return d


class Deterrence(_Model):
    """What the side's retaliation must achieve against the other's defence.

    Either ``probability`` (at least ``warheads`` penetrate with at least that probability)
    or ``expected`` (at least that many penetrate on average); exactly one is given.
    """

    warheads: int = Field(ge=1, le=100_000)
    probability: float | None = Field(default=None, gt=0.0, le=1.0)
    expected: float | None = Field(default=None, gt=0.0, le=100_000)

    @model_validator(mode="after")
    def _one_mode(self) -> Deterrence:
        if (self.probability is None) == (self.expected is None):
            raise PathValueError(
                "give exactly one of 'probability' or 'expected'", path=("probability",)
            )
        return self


class Valuation(_Model):
    """How a side values damage (first-strike stability model).

    ``damage_scale_warheads``: penetrating warheads that destroy 1 - 1/e of the side's
    value (damage fraction 1 - exp(-y / scale)). ``alpha``: weight the side puts on the
    adversary's surviving value in its cost (Kent & Thaler 1989).
    """

    damage_scale_warheads: float = Field(gt=0.0, le=100_000)
    alpha: float = Field(default=0.5, ge=0.0, le=10.0)


class RaceConduct(_Model):
    """How the side reacts in the action-reaction race."""

    defence_fraction: float = Field(
        ge=0.0, le=1.0, description="Share of the adversary's warheads the defence is sized for."
    )
    max_launchers: int = Field(ge=0, le=100_000)
    max_interceptors: int = Field(ge=0, le=1_000_000)


class SidePosture(_Model):
    """Everything about one side; ``name`` is how tables and figures call it (default: the
    side's key, ``blue`` or ``red``)."""

    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="Display name of the side (e.g. 'Northland'); default: blue / red.",
    )
    offence: OffencePosture
    defence: DefencePosture
    costs: Costs
    deterrence: Deterrence
    valuation: Valuation
    race: RaceConduct

    @model_validator(mode="before")
    @classmethod
    def _card_cost(cls, data: Any, info: ValidationInfo) -> Any:
        # A defence of catalog batteries prices its interceptors from the same cards,
        # unless the costs say otherwise.
        if not isinstance(data, dict):
            return data
        defence, costs = data.get("defence"), data.get("costs")
        if not (isinstance(defence, dict) and isinstance(costs, dict)):
            return data
        card = defence.get("card")
        if not isinstance(card, str) or "interceptor" in costs or "interceptor_card" in costs:
            return data
        try:
            bc = battery_card(card, _catalog_of(info.context), raid_duration_s=_duration(defence))
        except PathValueError:
            return data  # the defence's own check reports it, at defence.card
        if bc.unit_cost_usd is None:  # pragma: no cover - every shipped interceptor is priced
            return data
        src = (
            f"interceptor: round-weighted mean of battery card {card} "
            f"({', '.join(bc.interceptor_cards)})"
        )
        given = costs.get("source")
        new_costs = {
            **costs,
            "interceptor": bc.unit_cost_usd,
            "source": src if not given else f"{src}; {given}",
        }
        return {**data, "costs": new_costs}


#: Named exchange presets: cost exponent e, the first striker's share g of its survivable
#: forces, and the launch-under-attack share u of the victim's fixed force.
#: ``kent-thaler``: RAND R-3765-AF (Kent & Thaler 1989) as the "Crisis Stability
#: Calculator" cites it: C = D_X^0.75 + 0.3 (1 - D_Y^0.75) (App. C p. 61; alpha, 0.3
#: there, stays each side's ``valuation.alpha``), all fixed forces plus 90 % of survivable
#: ones strike first (p. 34), launch under attack saves 90 % of the fixed force (p. 35 n. 4).
EXCHANGE_PRESETS: dict[str, dict[str, float]] = {
    "linear": {
        "cost_exponent": 1.0,
        "first_strike_survivable_share": 1.0,
        "launch_under_attack": 0.0,
    },
    "kent-thaler": {
        "cost_exponent": 0.75,
        "first_strike_survivable_share": 0.9,
        "launch_under_attack": 0.9,
    },
}

PresetField = Literal["cost_exponent", "first_strike_survivable_share", "launch_under_attack"]


class ExchangeRules(_Model):
    """Rules of the first-strike exchange (see docs/stability.md).

    ``preset`` fills ``cost_exponent``, ``first_strike_survivable_share`` and
    ``launch_under_attack`` (:data:`EXCHANGE_PRESETS`); a value given here wins.
    """

    counterforce_warheads_per_launcher: int = Field(
        default=1,
        ge=1,
        le=10,
        description="Warheads per targeted launcher (strike: fixed), or the most the "
        "striker may choose (strike: optimised).",
    )
    reserve_attack: bool = Field(
        default=True, description="The first striker fires its unused warheads at value."
    )
    combine: Literal["product", "min"] = "product"
    strike: Literal["optimised", "fixed"] = Field(
        default="optimised",
        description="optimised: the striker chooses its counterforce spend to minimise its "
        "own cost (Kent & Thaler's stop rule); fixed: all it can aim at vulnerable launchers.",
    )
    preset: Literal["linear", "kent-thaler"] = "linear"
    cost_exponent: float | None = Field(
        default=None, gt=0.0, le=4.0, description="e in C = d_X^e + alpha (1 - d_Y^e)."
    )
    first_strike_survivable_share: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Share of survivable forces striking first."
    )
    launch_under_attack: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Share of the victim's fixed launchers launched before the strike lands.",
    )

    def resolved(self, name: PresetField) -> float:
        """The value of ``name``: given here, else the preset's."""
        given = getattr(self, name)
        return float(EXCHANGE_PRESETS[self.preset][name] if given is None else given)


class Richardson(_Model):
    """Richardson (1960) coefficients: dx/dt = k y - a x + g, dy/dt = l x - b y + h."""

    k: float = Field(ge=0.0)
    l: float = Field(ge=0.0)  # noqa: E741 - Richardson's own symbol
    a: float = Field(ge=0.0)
    b: float = Field(ge=0.0)
    g: float
    h: float
    x0: float = Field(ge=0.0)
    y0: float = Field(ge=0.0)
    years: float = Field(default=20.0, gt=0.0, le=1000.0)


class RaceSettings(_Model):
    """Arms-race settings."""

    periods: int = Field(default=30, ge=1, le=1000)
    moves: Literal["alternating", "simultaneous"] = Field(
        default="alternating",
        description="alternating: Blue replies to Red's forces, then Red to Blue's new ones; "
        "simultaneous: both reply to the other's forces of the last period (see-saws).",
    )
    adjustment: float = Field(
        default=1.0,
        ge=0.01,
        le=1.0,
        description="Partial adjustment speed: each period a side moves this share of the "
        "way to its target forces (1: all the way).",
    )
    richardson: Richardson | None = None


CapName = Literal["interceptors", "launchers", "warheads_per_launcher"]


class RestraintSettings(_Model):
    """Default grid for the restraint map: two caps, each a list of values."""

    x_cap: CapName = "interceptors"
    x_values: list[int] = Field(min_length=1, max_length=200)
    y_cap: CapName = "launchers"
    y_values: list[int] = Field(min_length=1, max_length=200)
    stability_threshold: float = Field(default=0.5, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _distinct(self) -> RestraintSettings:
        if self.x_cap == self.y_cap:
            raise PathValueError("must differ from x_cap", path=("y_cap",))
        for name in ("x_values", "y_values"):
            vals = getattr(self, name)
            for i, v in enumerate(vals):
                if v < 0:
                    raise PathValueError(f"caps must be >= 0, got {v}", path=(name, i))
        return self


class Posture(_Model):
    """A two-sided posture: Blue and Red, the exchange rules, race and restraint settings."""

    schema_version: Literal[1]
    name: str = Field(min_length=1)
    description: str = ""
    blue: SidePosture
    red: SidePosture
    exchange: ExchangeRules = ExchangeRules()
    race: RaceSettings = RaceSettings()
    restraint: RestraintSettings | None = None

    def side(self, name: SideName) -> SidePosture:
        """The posture of ``name`` ("blue" or "red")."""
        return self.blue if name == "blue" else self.red

    def label(self, side: str) -> str:
        """How output names ``side`` ("blue"/"red"): its ``name``, else the key itself."""
        sp = self.blue if side == "blue" else self.red if side == "red" else None
        return side if sp is None or sp.name is None else sp.name

    @property
    def labels(self) -> dict[str, str]:
        """``{"blue": label, "red": label}`` (see :meth:`label`)."""
        return {"blue": self.label("blue"), "red": self.label("red")}

    @model_validator(mode="after")
    def _distinct_names(self) -> Posture:
        if self.blue.name is not None and self.blue.name == self.red.name:
            raise PathValueError(
                "both sides have this name; give them different names", path=("red", "name")
            )
        return self


def posture_from_data(data: Any, linemap: LineMap | None, file: str | Path | None) -> Posture:
    """Validate parsed posture ``data``; a scenario or sensor file gets a message saying so."""
    expect_kind(data, "posture", linemap, file)
    return validate(Posture, data, linemap, file)


def load_posture(path: str | Path) -> Posture:
    """Read and validate a posture file; a bad file is one ``InputError`` (file, line, field)."""
    data, linemap = load_yaml(path)
    return posture_from_data(data, linemap, path)


def parse_posture_text(text: str, *, file: str = "<string>") -> Posture:
    """Validate posture YAML given as text (tests and built-ins)."""
    data, linemap = load_yaml_text(text, file=file)
    return posture_from_data(data, linemap, file)


def posture_file_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a posture file, catalog cards included.

    The model's schema, loosened where a card stands in for a value: a defence gives
    ``interceptors`` or ``batteries`` + ``card`` (a battery card), and ``sspk`` may come
    from the card; each unit cost is a number or a ``*_card`` (the interceptor's may also
    come from the defence's battery card).
    """
    from shieldlab.scenario.cards import load_catalog

    schema = Posture.model_json_schema()
    defs = schema["$defs"]
    cat = load_catalog()
    batteries = sorted(n for n, c in cat.items() if c.kind == "battery")
    priced = sorted(n for n, c in cat.items() if "unit_cost_usd" in c.nominal)
    d = defs["DefencePosture"]
    d["required"] = [r for r in d["required"] if r not in ("interceptors", "sspk")]
    d["properties"]["card"] = {**d["properties"]["card"], "enum": batteries}
    d["properties"]["card"].pop("minLength", None)
    d["anyOf"] = [
        {"required": ["interceptors", "sspk"]},
        {"required": ["batteries", "card"]},
    ]
    c = defs["Costs"]
    c["required"] = []

    def given(item: str) -> dict[str, Any]:
        return {"anyOf": [{"required": [item]}, {"required": [f"{item}_card"]}]}

    c["allOf"] = [given("missile"), given("decoy")]
    # The interceptor's price may also come from the defence's battery card.
    defs["SidePosture"]["anyOf"] = [
        {"properties": {"costs": given("interceptor")}},
        {"properties": {"defence": {"required": ["card"]}}},
    ]
    for item in _COST_ITEMS:
        c["properties"][f"{item}_card"] = {
            "enum": priced,
            "description": f"catalog card whose unit_cost_usd is the {item} cost",
        }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "shieldlab posture file (schema_version 1)"
    return schema


def builtin_posture(name: str = "example") -> Posture:
    """A posture shipped with shieldlab (notional numbers), by name."""
    if name not in BUILTIN_POSTURES:
        from shieldlab.errors import InputError

        raise InputError(
            f"no built-in posture '{name}'; available: {', '.join(BUILTIN_POSTURES)}",
            field="posture",
        )
    res = resources.files("shieldlab.stability").joinpath("postures", f"{name}.yaml")
    return parse_posture_text(res.read_text(encoding="utf-8"), file=f"<builtin:{name}>")

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

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from shieldlab.scenario.yamlio import PathValueError, load_yaml, load_yaml_text, validate

__all__ = [
    "BUILTIN_POSTURES",
    "SIDE_PAIRS",
    "Costs",
    "DefencePosture",
    "Deterrence",
    "ExchangeRules",
    "OffencePosture",
    "Posture",
    "RaceConduct",
    "RaceSettings",
    "RestraintSettings",
    "Richardson",
    "SidePosture",
    "Valuation",
    "builtin_posture",
    "load_posture",
    "parse_posture_text",
]

SideName = Literal["blue", "red"]
#: Each side with its adversary, Blue first.
SIDE_PAIRS: tuple[tuple[SideName, SideName], ...] = (("blue", "red"), ("red", "blue"))

#: Names of the postures shipped with shieldlab (YAML files in ``stability/postures``).
BUILTIN_POSTURES: tuple[str, ...] = ("example",)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class DefencePosture(_Model):
    """A side's missile defence, in the terms of the closed forms (Wilkening 1999)."""

    interceptors: int = Field(ge=0, le=1_000_000)
    shots_per_threat: int = Field(ge=1, le=8)
    sspk: float = Field(ge=0.0, le=1.0, description="Single-shot kill probability.")
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
    """Everything about one side."""

    offence: OffencePosture
    defence: DefencePosture
    costs: Costs
    deterrence: Deterrence
    valuation: Valuation
    race: RaceConduct


class ExchangeRules(_Model):
    """Rules of the first-strike exchange (see docs/stability.md)."""

    counterforce_warheads_per_launcher: int = Field(default=1, ge=1, le=10)
    reserve_attack: bool = Field(
        default=True, description="The first striker fires its unused warheads at value."
    )
    combine: Literal["product", "min"] = "product"


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


def load_posture(path: str | Path) -> Posture:
    """Read and validate a posture file; a bad file is one ``InputError`` (file, line, field)."""
    data, linemap = load_yaml(path)
    return validate(Posture, data, linemap, path)


def parse_posture_text(text: str, *, file: str = "<string>") -> Posture:
    """Validate posture YAML given as text (tests and built-ins)."""
    data, linemap = load_yaml_text(text, file=file)
    return validate(Posture, data, linemap, file)


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

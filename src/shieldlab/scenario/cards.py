"""Parameter cards: sourced values shipped with shieldlab, and their merging into scenarios.

A card (``scenario/catalog/<name>.yaml``) describes one piece of kit or one threat. Every
value on it is a *parameter entry*: ``value``, ``unit``, optional ``low``/``high`` range,
``source`` and ``notional`` (true when the value is a generic assumption, not a public
figure; its ``source`` then gives the rationale). A card of kind ``battery`` may also name
other cards (``command_post: {card: ...}``, ``radars: [{card: ...}, ...]``).

A scenario names a card where it would otherwise write the fields out::

    interceptor_types:
      - card: s400-class-long-range-interceptor
        unit_cost_usd: 1.5e6        # an override

Resolution replaces each ``{card: NAME, ...overrides}`` mapping by the card's nominal
values, deep-merged with the overrides (mappings merge key by key, lists and plain values
replace), then recurses into the result; ``name`` defaults to the card's name. Unknown
cards, cards of the wrong kind for where they are used, and bad overrides are
``InputError`` s naming the scenario file, line and field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shieldlab.errors import InputError
from shieldlab.scenario.yamlio import LineMap, dotted, load_yaml, validate

__all__ = [
    "CARD_KINDS",
    "Card",
    "CardSource",
    "CardUse",
    "CardValue",
    "card_sources",
    "catalog_dir",
    "load_catalog",
    "resolve_cards",
]

CARD_KINDS = (
    "battery",
    "command_post",
    "radar",
    "launcher",
    "interceptor_type",
    "threat_type",
    "jammer",
)

_MAX_DEPTH = 8

PathT = tuple[str | int, ...]


class _Entry(BaseModel):
    """One parameter entry on a card."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Any
    unit: str = Field(min_length=1)
    low: float | None = None
    high: float | None = None
    source: str = Field(min_length=3)
    notional: bool = False


class _CardFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = Field(ge=1, le=1)
    card: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9\-]*$")
    kind: str
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    values: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class CardValue:
    """One sourced value on a card: ``field`` is its dotted path within the card."""

    field: str
    value: Any
    unit: str
    low: float | None
    high: float | None
    source: str
    notional: bool


@dataclass(frozen=True, kw_only=True)
class Card:
    """A parameter card: its name, kind, title, description, values and their sources."""

    name: str
    kind: str
    title: str
    description: str
    file: str
    nominal: dict[str, Any]
    parameters: tuple[CardValue, ...]


@dataclass(frozen=True, kw_only=True)
class CardUse:
    """One place a scenario used a card, and which of its fields the scenario overrode."""

    card: str
    used_at: str
    overridden: tuple[str, ...]
    set_by: str | None = None  # None: the scenario named the card; else the card that did


@dataclass(frozen=True, kw_only=True)
class CardSource:
    """A card a scenario used, where, and the sources of its values (for reports)."""

    card: str
    kind: str
    title: str
    file: str
    used_at: tuple[str, ...]
    overridden: tuple[str, ...]
    parameters: tuple[CardValue, ...]

    @property
    def notional_fields(self) -> tuple[str, ...]:
        return tuple(p.field for p in self.parameters if p.notional)

    def to_dict(self) -> dict[str, Any]:
        return {
            "card": self.card,
            "kind": self.kind,
            "title": self.title,
            "file": self.file,
            "used_at": list(self.used_at),
            "overridden": list(self.overridden),
            "parameters": [
                {
                    "field": p.field,
                    "value": p.value,
                    "unit": p.unit,
                    "low": p.low,
                    "high": p.high,
                    "notional": p.notional,
                    "source": p.source,
                }
                for p in self.parameters
            ],
        }


def catalog_dir() -> Path:
    """Directory of the shipped cards."""
    return Path(__file__).parent / "catalog"


def _is_entry(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and "source" in node


def _nominal(node: Any, path: PathT, file: str, linemap: LineMap, params: list[CardValue]) -> Any:
    """Nominal values of a card's ``values`` tree; collects its parameter entries."""
    if _is_entry(node):
        entry = validate(_Entry, node, linemap, file, base_path=path)
        if entry.low is not None and entry.high is not None and entry.low > entry.high:
            raise InputError(
                "low is above high", file=file, line=linemap.line_for(path), field=dotted(path)
            )
        params.append(
            CardValue(
                field=dotted(path[1:]),
                value=entry.value,
                unit=entry.unit,
                low=entry.low,
                high=entry.high,
                source=" ".join(entry.source.split()),
                notional=entry.notional,
            )
        )
        return entry.value
    if isinstance(node, dict):
        return {k: _nominal(v, (*path, k), file, linemap, params) for k, v in node.items()}
    if isinstance(node, list):
        return [_nominal(v, (*path, i), file, linemap, params) for i, v in enumerate(node)]
    if path and path[-1] == "card":
        return node
    raise InputError(
        "card values must be parameter entries (value, unit, source) or card references",
        file=file,
        line=linemap.line_for(path),
        field=dotted(path),
    )


def load_card(path: str | Path) -> Card:
    """Read and check one card file."""
    data, linemap = load_yaml(path)
    f = validate(_CardFile, data, linemap, path)
    if f.kind not in CARD_KINDS:
        raise InputError(
            f"unknown card kind '{f.kind}'; kinds: {', '.join(CARD_KINDS)}",
            file=str(path),
            line=linemap.line_for(("kind",)),
            field="kind",
        )
    params: list[CardValue] = []
    nominal = _nominal(f.values, ("values",), str(path), linemap, params)
    return Card(
        name=f.card,
        kind=f.kind,
        title=f.title,
        description=" ".join(f.description.split()),
        file=str(path),
        nominal=nominal,
        parameters=tuple(params),
    )


# Parsed catalogs by directory, kept while no card file changes (name, mtime, size): every
# scenario and posture load reads the catalog (twice for a scenario), and parsing its 13
# cards was most of the time of `shieldlab validate` (0.46 s of 0.5 s, measured).
_CATALOGS: dict[str, tuple[tuple[tuple[str, int, int], ...], dict[str, Card]]] = {}


def load_catalog(directory: str | Path | None = None) -> dict[str, Card]:
    """All cards in ``directory`` (default: the shipped catalog), by name."""
    d = Path(directory) if directory is not None else catalog_dir()
    files = sorted(d.glob("*.yaml"))
    try:
        stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    except OSError:
        stamp = None
    key = str(d.resolve())
    hit = _CATALOGS.get(key)
    if stamp is not None and hit is not None and hit[0] == stamp:
        return dict(hit[1])
    cards = _read_catalog(files)
    if stamp is not None:
        _CATALOGS[key] = (stamp, cards)
    return dict(cards)


def _read_catalog(files: list[Path]) -> dict[str, Card]:
    cards: dict[str, Card] = {}
    for p in files:
        card = load_card(p)
        if card.name in cards:
            raise InputError(f"duplicate card name '{card.name}'", file=str(p), field="card")
        if card.name != p.stem:
            raise InputError(
                f"card name '{card.name}' differs from its file name '{p.stem}'",
                file=str(p),
                field="card",
            )
        cards[card.name] = card
    return cards


def _expected_kind(path: PathT) -> str | None:
    """Which kind of card may sit at ``path`` of a scenario."""
    if len(path) == 2 and isinstance(path[1], int):
        return {
            "interceptor_types": "interceptor_type",
            "threat_types": "threat_type",
            "batteries": "battery",
            "jammers": "jammer",
        }.get(str(path[0]))
    if len(path) >= 2 and isinstance(path[-1], int) and path[-2] == "radars":
        return "radar"
    if len(path) >= 2 and isinstance(path[-1], int) and path[-2] == "launchers":
        return "launcher"
    if path and path[-1] == "command_post":
        return "command_post"
    return None


def _merge(base: Any, override: Any) -> Any:
    """Deep merge: mappings key by key, anything else replaced by the override."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return override


def _resolve(
    node: Any,
    path: PathT,
    catalog: dict[str, Card],
    linemap: LineMap,
    file: str | None,
    uses: list[CardUse],
    depth: int,
    owner: str | None,
) -> Any:
    if isinstance(node, list):
        return [
            _resolve(v, (*path, i), catalog, linemap, file, uses, depth, owner)
            for i, v in enumerate(node)
        ]
    if not isinstance(node, dict):
        return node
    if "card" in node:
        where = (*path, "card")
        line = linemap.line_for(where)
        name = node["card"]
        if not isinstance(name, str):
            raise InputError(
                "card must be the name of a catalog card", file=file, line=line, field=dotted(where)
            )
        card = catalog.get(name)
        if card is None:
            raise InputError(
                f"unknown card '{name}'; known cards: {', '.join(sorted(catalog))}",
                file=file,
                line=line,
                field=dotted(where),
            )
        expected = _expected_kind(path)
        if expected is None:
            raise InputError(
                "cards can be used only for interceptor_types, threat_types, batteries and a "
                "battery's radars, launchers and command_post",
                file=file,
                line=line,
                field=dotted(where),
            )
        if card.kind != expected:
            raise InputError(
                f"card '{name}' is a {card.kind} card; a {expected} card is needed here",
                file=file,
                line=line,
                field=dotted(where),
            )
        if depth > _MAX_DEPTH:
            raise InputError("cards nest too deeply", file=file, line=line, field=dotted(where))
        overrides = {k: v for k, v in node.items() if k != "card"}
        merged = _merge(card.nominal, overrides)
        if expected != "command_post":
            merged.setdefault("name", card.name)
        uses.append(
            CardUse(
                card=card.name,
                used_at=dotted(path),
                overridden=tuple(sorted(overrides)),
                set_by=owner,
            )
        )
        # What the overrides supplied belongs to whoever wrote them; the rest to the card.
        return {
            k: _resolve(
                v,
                (*path, k),
                catalog,
                linemap,
                file,
                uses,
                depth + 1,
                owner if k in overrides else card.name,
            )
            for k, v in merged.items()
        }
    return {
        k: _resolve(v, (*path, k), catalog, linemap, file, uses, depth, owner)
        for k, v in node.items()
    }


def resolve_cards(
    data: dict[str, Any],
    linemap: LineMap | None,
    file: str | Path | None,
    catalog: dict[str, Card] | None = None,
) -> tuple[dict[str, Any], tuple[CardUse, ...]]:
    """Replace every ``{card: ...}`` in scenario ``data`` by the card's values + overrides."""
    cat = load_catalog() if catalog is None else catalog
    uses: list[CardUse] = []
    out = _resolve(
        data,
        (),
        cat,
        linemap or LineMap(),
        None if file is None else str(file),
        uses,
        0,
        None,
    )
    return out, tuple(uses)


def card_sources(scenario: Any, catalog: dict[str, Card] | None = None) -> list[CardSource]:
    """The cards a scenario was built from, where it used them, and their sources.

    ``scenario`` is a :class:`~shieldlab.scenario.model.Scenario` loaded through
    ``load_scenario``/``builtin_scenario`` (a scenario built in Python without cards
    returns an empty list).
    """
    uses: Sequence[CardUse] = getattr(scenario, "card_uses", ())
    if not uses:
        return []
    cat = load_catalog() if catalog is None else catalog
    by_card: dict[str, list[CardUse]] = {}
    for u in uses:
        by_card.setdefault(u.card, []).append(u)
    out: list[CardSource] = []
    for name in sorted(by_card):
        card = cat[name]
        us = by_card[name]
        # Only what the scenario itself overrode; values one card sets on another (the
        # battery card naming its radars) are that card's own sourced parameters.
        overridden = sorted(
            {f"{u.used_at}.{f}" for u in us if u.set_by is None for f in u.overridden}
        )
        out.append(
            CardSource(
                card=name,
                kind=card.kind,
                title=card.title,
                file=f"shieldlab/scenario/catalog/{Path(card.file).name}",
                used_at=tuple(u.used_at for u in us),
                overridden=tuple(overridden),
                parameters=card.parameters,
            )
        )
    return out


def _fmt(v: Any) -> str:
    if v is None:
        return "null (off)"
    if isinstance(v, list):
        return "; ".join(
            f"{d['rounds']} × {d['interceptor']}" if isinstance(d, dict) else str(d) for d in v
        )
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and abs(v) >= 10_000:
        return f"{v:,}".replace(",", " ")
    return str(v)


def catalog_markdown(catalog: dict[str, Card] | None = None) -> str:
    """The catalog as Markdown tables (docs/catalog.md embeds this; a test keeps them equal)."""
    cat = load_catalog() if catalog is None else catalog
    kind_order = {k: i for i, k in enumerate(CARD_KINDS)}
    out: list[str] = []
    for card in sorted(cat.values(), key=lambda c: (kind_order[c.kind], c.name)):
        out += [f"### `{card.name}`", "", f"*{card.title}* — kind `{card.kind}`.", ""]
        out += [card.description, ""]
        out += ["| field | value | unit | low | high | notional | source |"]
        out += ["|---|---|---|---|---|---|---|"]
        for p in card.parameters:
            low = "" if p.low is None else _fmt(p.low)
            high = "" if p.high is None else _fmt(p.high)
            out.append(
                f"| `{p.field}` | {_fmt(p.value)} | {p.unit} | {low} | {high} | "
                f"{'yes' if p.notional else ''} | {p.source} |"
            )
        out.append("")
    return "\n".join(out)

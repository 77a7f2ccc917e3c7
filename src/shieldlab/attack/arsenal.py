"""The arsenal file (``schema_version: 1``): what the attacker may put into a raid.

An arsenal lists the attacker's options and a budget; ``shieldlab attack`` searches the
raids they allow against a scenario's defence (docs/attack.md):

- ``budget``: ``usd`` (sum of count x unit cost) and/or ``launchers`` (sum of count x
  ``launchers_per_unit``); at least one.
- ``threats[i]``: an option ``name``, the scenario ``threat`` type it fires, ``min_count``
  .. ``max_count`` rounds, ``unit_cost_usd`` (default: the scenario's threat card),
  ``launchers_per_unit`` (1 for a missile on a launcher, 0 for an aircraft sortie), and
  the ``launch_areas``, ``windows`` and ``aimpoints`` it may use (names; default all).
- ``launch_areas[j]``: a named disc (centre, radius) on the ground.
- ``windows[j]``: a named launch window; a wave of ``n`` threats launches evenly over
  ``start_s`` .. ``end_s`` (all at ``start_s`` when the two are equal or ``n = 1``).
- ``aimpoints[j]``: a scenario asset and the attacker's ``value`` for destroying it
  (default: the asset's value in the scenario), used by the ``value`` objective.

A *raid* chooses, for every threat option, a count, one launch area, one window and an
aim: one of the option's aimpoints, or ``spread`` (threat ``i`` of the wave at aimpoint
``i mod A``, in the arsenal's order). Each option with a count above zero becomes one wave.

Errors name the file, line and field (:func:`load_arsenal`); cross-references into the
scenario (threat types, assets, launch distances) are checked by :func:`check_arsenal`
before any simulation.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from shieldlab.errors import InputError
from shieldlab.scenario.model import MAX_LAUNCH_TIME_S, MAX_THREATS
from shieldlab.scenario.yamlio import (
    DEFAULT_MAX_BYTES,
    LineMap,
    PathValueError,
    load_yaml,
    validate,
)

__all__ = [
    "ARSENAL_SCHEMA_VERSION",
    "Aimpoint",
    "Arsenal",
    "ArsenalLaunchArea",
    "Budget",
    "LaunchWindow",
    "ThreatOption",
    "arsenal_file_schema",
    "arsenal_from_data",
    "load_arsenal",
]

ARSENAL_SCHEMA_VERSION = 1
#: Most rounds of one option (a typo such as 1e9 would otherwise mean an hour-long run).
MAX_OPTION_COUNT = 10_000
#: Most threat options in one arsenal: the search space grows as a product over options.
MAX_OPTIONS = 32

Name = Annotated[
    str,
    Field(
        min_length=1,
        max_length=80,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="identifier: letters, digits, '_', '.', '-'",
    ),
]
NonNegFloat = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
LaunchTime = Annotated[float, Field(ge=0.0, le=MAX_LAUNCH_TIME_S, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


class Budget(_Model):
    """What the raid may spend: US dollars and/or launchers (at least one of them)."""

    usd: PositiveFloat | None = Field(default=None, description="most the raid may cost")
    launchers: Annotated[int, Field(ge=1, le=MAX_THREATS)] | None = Field(
        default=None, description="most launchers the raid may use"
    )

    @model_validator(mode="after")
    def _one(self) -> Budget:
        if self.usd is None and self.launchers is None:
            raise PathValueError("give usd, launchers or both", path=("usd",))
        return self


class ArsenalLaunchArea(_Model):
    """A named disc on the ground a wave may launch from."""

    name: Name
    lat_deg: Annotated[float, Field(ge=-90.0, le=90.0)]
    lon_deg: Annotated[float, Field(ge=-180.0, le=180.0)]
    radius_m: NonNegFloat = 0.0


class LaunchWindow(_Model):
    """A named launch window: a wave's launches spread evenly from ``start_s`` to ``end_s``."""

    name: Name
    start_s: LaunchTime
    end_s: LaunchTime

    @model_validator(mode="after")
    def _order(self) -> LaunchWindow:
        if self.end_s < self.start_s:
            raise PathValueError(
                f"end_s ({self.end_s:g}) is before start_s ({self.start_s:g})", path=("end_s",)
            )
        return self

    def launch_times_s(self, count: int) -> tuple[float, float]:
        """``(start_s, interval_s)`` of a wave of ``count`` threats in this window."""
        if count <= 1:
            return self.start_s, 0.0
        return self.start_s, (self.end_s - self.start_s) / (count - 1)


class Aimpoint(_Model):
    """A scenario asset the raid may aim at, with the attacker's value of destroying it."""

    asset: Name
    value: PositiveFloat | None = Field(
        default=None, description="attacker's value of one hit; null = the asset's value"
    )


class ThreatOption(_Model):
    """One kind of round the attacker may fire, with its limits, cost and choices."""

    name: Name
    threat: Name = Field(description="threat type of the scenario")
    min_count: Annotated[int, Field(ge=0, le=MAX_OPTION_COUNT)] = 0
    max_count: Annotated[int, Field(ge=1, le=MAX_OPTION_COUNT)]
    unit_cost_usd: NonNegFloat | None = Field(
        default=None, description="cost of one round; null = the scenario's threat card"
    )
    launchers_per_unit: Annotated[int, Field(ge=0, le=1000)] = Field(
        default=1, description="launchers one round uses (0 for an aircraft sortie)"
    )
    launch_areas: Annotated[list[Name], Field(min_length=1)] | None = None
    windows: Annotated[list[Name], Field(min_length=1)] | None = None
    aimpoints: Annotated[list[Name], Field(min_length=1)] | None = None
    spread: bool = Field(
        default=True, description="whether the wave may spread over all its aimpoints"
    )

    @model_validator(mode="after")
    def _counts(self) -> ThreatOption:
        if self.min_count > self.max_count:
            raise PathValueError(
                f"min_count ({self.min_count}) is above max_count ({self.max_count})",
                path=("min_count",),
            )
        for f in ("launch_areas", "windows", "aimpoints"):
            names = getattr(self, f)
            if names is not None and len(set(names)) != len(names):
                dup = next(n for i, n in enumerate(names) if n in names[:i])
                raise PathValueError(f"'{dup}' is listed twice", path=(f, names.index(dup)))
        return self


def _unique(items: list[Any], key: str, list_field: str) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        name = getattr(item, key)
        if name in seen:
            raise PathValueError(
                f"duplicate {key} '{name}' (also {list_field}.{seen[name]})",
                path=(list_field, i, key),
            )
        seen[name] = i


class Arsenal(_Model):
    """The attacker's options and budget (``schema_version: 1``; module docstring)."""

    schema_version: Literal[1] = Field(description="arsenal file format version; must be 1")
    name: Name
    description: str = ""
    budget: Budget
    threats: Annotated[list[ThreatOption], Field(min_length=1, max_length=MAX_OPTIONS)]
    launch_areas: Annotated[list[ArsenalLaunchArea], Field(min_length=1)]
    windows: Annotated[list[LaunchWindow], Field(min_length=1)]
    aimpoints: Annotated[list[Aimpoint], Field(min_length=1)]

    _file: str | None = PrivateAttr(default=None)
    _lines: LineMap | None = PrivateAttr(default=None)

    @field_validator("schema_version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        if type(v) is not int or v != ARSENAL_SCHEMA_VERSION:
            raise ValueError(
                f"unsupported schema_version {v!r}; this shieldlab reads arsenal "
                f"schema_version {ARSENAL_SCHEMA_VERSION}"
            )
        return v

    @model_validator(mode="after")
    def _references(self) -> Arsenal:
        _unique(self.threats, "name", "threats")
        _unique(self.launch_areas, "name", "launch_areas")
        _unique(self.windows, "name", "windows")
        _unique(self.aimpoints, "asset", "aimpoints")
        known = {
            "launch_areas": {a.name for a in self.launch_areas},
            "windows": {w.name for w in self.windows},
            "aimpoints": {a.asset for a in self.aimpoints},
        }
        for i, opt in enumerate(self.threats):
            for f, names in known.items():
                for j, ref in enumerate(getattr(opt, f) or ()):
                    if ref not in names:
                        raise PathValueError(
                            f"'{ref}' is not one of the arsenal's {f}: {', '.join(sorted(names))}",
                            path=("threats", i, f, j),
                        )
        if self.budget.usd is not None:
            # min_count rounds are compulsory: their cost needs the scenario's cards when
            # unit_cost_usd is not given, so that case is checked by check_arsenal.
            floor = sum(o.min_count * (o.unit_cost_usd or 0.0) for o in self.threats)
            if floor > self.budget.usd:
                raise PathValueError(
                    f"the min_count rounds alone cost {floor:,.0f} USD, over the budget",
                    path=("budget", "usd"),
                )
        if self.budget.launchers is not None:
            floor_l = sum(o.min_count * o.launchers_per_unit for o in self.threats)
            if floor_l > self.budget.launchers:
                raise PathValueError(
                    f"the min_count rounds alone use {floor_l} launchers, over the budget",
                    path=("budget", "launchers"),
                )
        return self

    # --- where things were written (for errors found against a scenario) -----------------

    def where(self, *path: str | int) -> dict[str, Any]:
        """``file``/``line``/``field`` keywords of :class:`InputError` for a field path."""
        line = None if self._lines is None else self._lines.line_for(tuple(path))
        return {"file": self._file, "line": line, "field": ".".join(str(p) for p in path)}

    # --- the options each threat may use, as indices ------------------------------------

    def area_choices(self, i: int) -> tuple[int, ...]:
        names = self.threats[i].launch_areas
        all_ = [a.name for a in self.launch_areas]
        return tuple(range(len(all_))) if names is None else tuple(all_.index(n) for n in names)

    def window_choices(self, i: int) -> tuple[int, ...]:
        names = self.threats[i].windows
        all_ = [w.name for w in self.windows]
        return tuple(range(len(all_))) if names is None else tuple(all_.index(n) for n in names)

    def aimpoint_choices(self, i: int) -> tuple[int, ...]:
        names = self.threats[i].aimpoints
        all_ = [a.asset for a in self.aimpoints]
        return tuple(range(len(all_))) if names is None else tuple(all_.index(n) for n in names)


#: Fields the issue names for options that need engine work not landed yet (decoys carried
#: per missile, MIRV loadouts, jamming support, strikes on the defence's radars): refused
#: with a message saying so, never silently ignored.
NOT_YET = "threats and countermeasures"
FUTURE_OPTION_FIELDS: dict[str, str] = {
    "decoys": "decoys per missile",
    "decoys_per_missile": "decoys per missile",
    "penaids": "decoys per missile",
    "mirv": "MIRV loadouts",
    "mirv_loadout": "MIRV loadouts",
    "warheads": "MIRV loadouts",
    "warheads_per_missile": "MIRV loadouts",
    "jamming": "jamming support",
    "jammers": "jamming support",
    "jamming_support": "jamming support",
    "escort_jammers": "jamming support",
    "radar_strike": "strikes on the defence's radars",
    "radar_strikes": "strikes on the defence's radars",
    "strike_radars": "strikes on the defence's radars",
    "sead": "strikes on the defence's radars",
}
FUTURE_TOP_FIELDS: dict[str, str] = {
    k: v for k, v in FUTURE_OPTION_FIELDS.items() if v != "MIRV loadouts"
}


def _future_field(what: str) -> str:
    return (
        f"{what} are not arsenal options yet (they need the {NOT_YET} engine work; "
        "docs/attack.md): remove the field; decoys can be a separate option of a decoy "
        "threat type"
    )


def _check_future_fields(data: dict[str, Any], linemap: LineMap | None, file: str | None) -> None:
    def fail(what: str, *path: str | int) -> None:
        raise InputError(
            _future_field(what),
            file=file,
            line=None if linemap is None else linemap.line_for(tuple(path)),
            field=".".join(str(p) for p in path),
        )

    for key in data:
        if key in FUTURE_TOP_FIELDS:
            fail(FUTURE_TOP_FIELDS[key], key)
    threats = data.get("threats")
    if isinstance(threats, list):
        for i, opt in enumerate(threats):
            if isinstance(opt, dict):
                for key in opt:
                    if key in FUTURE_OPTION_FIELDS:
                        fail(FUTURE_OPTION_FIELDS[key], "threats", i, key)


def arsenal_from_data(
    data: Any, linemap: LineMap | None = None, file: str | None = None
) -> Arsenal:
    """Validate parsed arsenal ``data`` (one :class:`InputError` naming file/line/field)."""
    if not isinstance(data, dict):
        raise InputError("an arsenal must be a mapping of fields", file=file)
    _check_future_fields(data, linemap, file)
    if "raid" in data or "batteries" in data:
        key = "raid" if "raid" in data else "batteries"
        raise InputError(
            f"this is a scenario, not an arsenal (it has '{key}'); give it as SCENARIO",
            file=file,
            line=None if linemap is None else linemap.line_for((key,)),
            field=key,
        )
    arsenal = validate(Arsenal, data, linemap, file)
    arsenal._file = file
    arsenal._lines = linemap
    return arsenal


def load_arsenal(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Arsenal:
    """Read and validate an arsenal YAML file; every problem is one :class:`InputError`."""
    data, linemap = load_yaml(path, max_bytes=max_bytes)
    return arsenal_from_data(data, linemap, str(path))


def arsenal_file_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of an arsenal file."""
    schema = Arsenal.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"shieldlab arsenal file (schema_version {ARSENAL_SCHEMA_VERSION})"
    return schema


def finite_or_none(x: float) -> float | None:
    """``x`` or None when not finite (for JSON)."""
    return x if math.isfinite(x) else None


def builtin_dir() -> Path:
    """Directory of the built-in arsenal and defence-option files."""
    return Path(__file__).with_name("builtin")


def file_by_name_or_path(ref: str | Path, what: str) -> Path:
    """A command-line file argument: an existing path, else a built-in file's name."""
    p = Path(ref)
    if p.exists() or p.suffix.lower() in (".yaml", ".yml") or len(p.parts) > 1:
        return p
    cand = builtin_dir() / f"{p.name}.yaml"
    if cand.is_file():
        return cand
    names = ", ".join(sorted(f.stem for f in builtin_dir().glob("*.yaml")))
    raise InputError(
        f"no such file, and no built-in {what} of that name; built-ins: {names}", file=str(ref)
    )


def arsenal_by_name_or_path(ref: str | Path) -> Arsenal:
    """:func:`load_arsenal` of a path or a built-in arsenal's name."""
    return load_arsenal(file_by_name_or_path(ref, "arsenal"))

"""Loading scenarios: from a file, from data, or from the built-in set shipped with shieldlab."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shieldlab.errors import InputError
from shieldlab.scenario.cards import Card, resolve_cards
from shieldlab.scenario.model import SCHEMA_VERSION, Scenario
from shieldlab.scenario.yamlio import DEFAULT_MAX_BYTES, LineMap, load_yaml, validate

__all__ = [
    "BuiltinScenario",
    "builtin_dir",
    "builtin_scenario",
    "list_builtin_scenarios",
    "load_scenario",
    "scenario_from_data",
]


@dataclass(frozen=True, kw_only=True)
class BuiltinScenario:
    """A scenario shipped with shieldlab: its name, one-line description and file."""

    name: str
    description: str
    path: Path


def builtin_dir() -> Path:
    """Directory of the built-in scenario files."""
    return Path(__file__).parent / "builtin"


def _check_version(data: dict[str, Any], linemap: LineMap | None, file: str | None) -> None:
    # Checked before cards are resolved so a file written for another format version
    # gets the version message, not a confusing one about its contents.
    if "schema_version" in data:
        v = data["schema_version"]
        if type(v) is not int or v != SCHEMA_VERSION:
            raise InputError(
                f"unsupported schema_version {v!r}; this shieldlab reads schema_version "
                f"{SCHEMA_VERSION}",
                file=file,
                line=None if linemap is None else linemap.line_for(("schema_version",)),
                field="schema_version",
            )


def scenario_from_data(
    data: Any,
    linemap: LineMap | None = None,
    file: str | Path | None = None,
    *,
    catalog: dict[str, Card] | None = None,
) -> Scenario:
    """Resolve catalog cards in parsed scenario ``data`` and validate it."""
    fname = None if file is None else str(file)
    if not isinstance(data, dict):
        raise InputError("a scenario must be a mapping of fields", file=fname)
    _check_version(data, linemap, fname)
    resolved, uses = resolve_cards(data, linemap, fname, catalog)
    scenario = validate(Scenario, resolved, linemap, fname)
    scenario._card_uses = uses
    return scenario


def load_scenario(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Scenario:
    """Read, resolve and validate a scenario YAML file.

    Every problem is one :class:`~shieldlab.errors.InputError` naming the file, line and
    field. Files over ``max_bytes`` (default 1 MiB) are refused.
    """
    data, linemap = load_yaml(path, max_bytes=max_bytes)
    return scenario_from_data(data, linemap, path)


def list_builtin_scenarios() -> list[BuiltinScenario]:
    """The built-in scenarios, sorted by name, with their descriptions."""
    out: list[BuiltinScenario] = []
    for p in sorted(builtin_dir().glob("*.yaml")):
        data, _ = load_yaml(p)
        desc = " ".join(str(data.get("description", "")).split())
        out.append(BuiltinScenario(name=p.stem, description=desc, path=p))
    return out


def builtin_scenario(name: str) -> Scenario:
    """A built-in scenario by name (``four-batteries``, ``single-battery``, ...)."""
    p = builtin_dir() / f"{name}.yaml"
    if "/" in name or "\\" in name or not p.is_file():
        names = ", ".join(s.name for s in list_builtin_scenarios())
        raise InputError(f"unknown built-in scenario '{name}'; built-ins: {names}")
    return load_scenario(p)

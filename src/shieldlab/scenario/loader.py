"""Loading scenarios: from a file, from data, or from the built-in set shipped with shieldlab."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shieldlab.errors import InputError
from shieldlab.scenario.cards import Card, CardUse, resolve_cards
from shieldlab.scenario.model import SCHEMA_VERSION, Scenario, Source
from shieldlab.scenario.yamlio import DEFAULT_MAX_BYTES, LineMap, load_yaml, validate

__all__ = [
    "BuiltinScenario",
    "builtin_dir",
    "builtin_scenario",
    "document_kind",
    "expect_kind",
    "list_builtin_scenarios",
    "load_scenario",
    "scenario_by_name_or_path",
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


# Top-level keys that only one kind of shieldlab YAML file has ('origin' is in scenarios
# and sensor files alike, 'name' in scenarios and postures: neither tells).
_KIND_KEYS: dict[str, frozenset[str]] = {
    "scenario": frozenset(
        {"assets", "threat_types", "interceptor_types", "batteries", "raid", "doctrine"}
    ),
    "posture": frozenset({"blue", "red", "exchange", "restraint"}),
    "sensors": frozenset({"sensors"}),
}
_KIND_USE = {
    "scenario": "run it with 'shieldlab run FILE' (or give it to --engine)",
    "posture": "give it to 'shieldlab stability <study> FILE'",
    "sensors": "give it to 'shieldlab track --sensors FILE'",
}
_KIND_NAME = {"scenario": "a scenario", "posture": "a posture", "sensors": "a sensor file"}


def document_kind(data: Any) -> str | None:
    """Which kind of shieldlab file parsed YAML ``data`` is, by its top-level keys.

    ``"scenario"``, ``"posture"`` or ``"sensors"``; ``None`` when the keys say none of them
    or more than one (then the validation of whatever was expected reports the problem).
    """
    if not isinstance(data, dict):
        return None
    keys = {k for k in data if isinstance(k, str)}
    kinds = [kind for kind, marks in _KIND_KEYS.items() if keys & marks]
    return kinds[0] if len(kinds) == 1 else None


def expect_kind(data: Any, expected: str, linemap: LineMap | None, file: str | Path | None) -> None:
    """Refuse a file of another kind with a message that says what it is and where it goes.

    ``expected`` is ``"scenario"``, ``"posture"`` or ``"sensors"``.
    """
    kind = document_kind(data)
    if kind is None or kind == expected:
        return
    key = min(
        (k for k in data if isinstance(k, str) and k in _KIND_KEYS[kind]),
        key=lambda k: (linemap.line_for((k,)) or 0) if linemap is not None else 0,
    )
    raise InputError(
        f"this is {_KIND_NAME[kind]}, not {_KIND_NAME[expected]} (it has '{key}'); "
        f"{_KIND_USE[kind]}",
        file=None if file is None else str(file),
        line=None if linemap is None else linemap.line_for((key,)),
        field=key,
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
    expect_kind(data, "scenario", linemap, fname)
    _check_version(data, linemap, fname)
    resolved, uses = resolve_cards(data, linemap, fname, catalog)
    try:
        scenario = validate(Scenario, resolved, linemap, fname)
    except InputError as exc:
        raise _mention_card(exc, uses, linemap) from None
    scenario._card_uses = uses
    scenario._source = Source(file=fname, lines=linemap)
    return scenario


def _mention_card(
    exc: InputError, uses: tuple[CardUse, ...], linemap: LineMap | None
) -> InputError:
    """Say which card a bad value came from when the file itself does not contain it."""
    field = exc.location.field
    if not field or not uses:
        return exc
    if linemap is not None and linemap.exact(_split(field)) is not None:
        return exc  # the value is written in the file: its line says it all
    best = max(
        (u for u in uses if field == u.used_at or field.startswith(u.used_at + ".")),
        key=lambda u: len(u.used_at),
        default=None,
    )
    if best is None:
        return exc
    return InputError(
        f"{exc.message} (value from card '{best.card}')",
        file=exc.location.file,
        line=exc.location.line,
        field=field,
    )


def _split(dotted_path: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in dotted_path.split("."))


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


def scenario_by_name_or_path(
    ref: str | Path | None, *, default: str = "four-batteries"
) -> Scenario:
    """What a command-line SCENARIO argument means: a file path, else a built-in name.

    ``None`` gives the built-in ``default``. A reference that is neither an existing file
    nor a built-in name is an :class:`~shieldlab.errors.InputError` that says both.
    """
    if ref is None:
        return builtin_scenario(default)
    p = Path(ref)
    if p.exists() or p.suffix.lower() in (".yaml", ".yml") or len(p.parts) > 1:
        return load_scenario(p)
    if (builtin_dir() / f"{p.name}.yaml").is_file():
        return builtin_scenario(p.name)
    names = ", ".join(s.name for s in list_builtin_scenarios())
    raise InputError(
        f"no such file, and no built-in scenario of that name; built-ins: {names}",
        file=str(ref),
    )

"""The JSON Schema of scenario *files*: the model's schema, plus catalog-card references.

A file may write ``{card: NAME, ...overrides}`` wherever an interceptor type, threat type,
jammer, battery, or a battery's radar, launcher or command post is expected. The
published schema says so: each of those places accepts either the full object or a card
reference whose ``card`` is one of the shipped cards of the right kind (overrides are then
checked when the file is loaded, with file, line and field in the message).
"""

from __future__ import annotations

from typing import Any

from shieldlab.scenario.cards import load_catalog
from shieldlab.scenario.model import Scenario

__all__ = ["scenario_file_schema"]

# (where in the schema, def name, card kind)
_CARD_SLOTS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("properties", "interceptor_types", "items"), "InterceptorType", "interceptor_type"),
    (("properties", "threat_types", "items"), "ThreatType", "threat_type"),
    (("properties", "batteries", "items"), "Battery", "battery"),
    (("properties", "jammers", "items"), "Jammer", "jammer"),
    (("$defs", "Battery", "properties", "radars", "items"), "Radar", "radar"),
    (("$defs", "Battery", "properties", "launchers", "items"), "Launcher", "launcher"),
    (("$defs", "Battery", "properties", "command_post"), "CommandPost", "command_post"),
)


def scenario_file_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file, card references included."""
    schema = Scenario.model_json_schema()
    cards = load_catalog()
    for where, def_name, kind in _CARD_SLOTS:
        names = sorted(c.name for c in cards.values() if c.kind == kind)
        node: dict[str, Any] = schema
        for key in where[:-1]:
            node = node[key]
        node[where[-1]] = {
            "anyOf": [
                {"$ref": f"#/$defs/{def_name}"},
                {
                    "type": "object",
                    "title": f"{def_name} from a catalog card",
                    "description": "a catalog card by name, with optional field overrides",
                    "properties": {"card": {"enum": names}},
                    "required": ["card"],
                    "additionalProperties": True,
                },
            ]
        }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "shieldlab scenario file (schema_version 1)"
    return schema

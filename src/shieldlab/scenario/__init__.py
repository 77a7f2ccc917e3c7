"""Scenarios: the versioned schema, YAML reading with line numbers, cards and built-ins.

Public API: :func:`load_scenario`, :func:`builtin_scenario`, :func:`list_builtin_scenarios`,
:func:`card_sources`, the :class:`Scenario` model and its parts (``shieldlab.scenario.model``).
"""

from __future__ import annotations

from shieldlab.scenario.cards import CardSource, card_sources, load_catalog
from shieldlab.scenario.loader import (
    BuiltinScenario,
    builtin_scenario,
    list_builtin_scenarios,
    load_scenario,
    scenario_by_name_or_path,
    scenario_from_data,
)
from shieldlab.scenario.model import SCHEMA_VERSION, Scenario

__all__ = [
    "SCHEMA_VERSION",
    "BuiltinScenario",
    "CardSource",
    "Scenario",
    "builtin_scenario",
    "card_sources",
    "list_builtin_scenarios",
    "load_catalog",
    "load_scenario",
    "scenario_by_name_or_path",
    "scenario_from_data",
]

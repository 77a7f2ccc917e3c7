"""The attacker's best response, computed with the engine (docs/attack.md).

Public API: :func:`load_arsenal` (the arsenal file), :func:`optimise_raid` (best raid
within a budget), :func:`cheapest_raid` (cheapest raid meeting P(>= K leak) >= P, beside
the closed form), :func:`duel` (attacker and defender best responses in turn), and the
:class:`Objective` they maximise.
"""

from __future__ import annotations

from shieldlab.attack.arsenal import (
    Arsenal,
    arsenal_by_name_or_path,
    arsenal_file_schema,
    load_arsenal,
)
from shieldlab.attack.cheapest import CheapestResult, cheapest_raid
from shieldlab.attack.duel import DuelResult, duel, load_defence_options
from shieldlab.attack.evaluate import Evaluator, Objective, paired_difference
from shieldlab.attack.optimise import OptimiseResult, SearchSettings, optimise_raid
from shieldlab.attack.space import RaidChoice, RaidSpace

__all__ = [
    "Arsenal",
    "CheapestResult",
    "DuelResult",
    "Evaluator",
    "Objective",
    "OptimiseResult",
    "RaidChoice",
    "RaidSpace",
    "SearchSettings",
    "arsenal_by_name_or_path",
    "arsenal_file_schema",
    "cheapest_raid",
    "duel",
    "load_arsenal",
    "load_defence_options",
    "optimise_raid",
    "paired_difference",
]

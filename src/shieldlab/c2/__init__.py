"""Command and control: threat evaluation and weapon assignment for the engine's Python path.

Public API: ``WeaponAssigner``, ``AssignmentProblem``, ``Salvo`` (``c2.base``),
``GreedyAssigner`` (``c2.greedy``), ``register_assigner``, ``make_assigner`` (``c2.registry``).
"""

from __future__ import annotations

from shieldlab.c2.base import AssignmentProblem, Salvo, WeaponAssigner, check_salvos, salvo_pk
from shieldlab.c2.greedy import GreedyAssigner
from shieldlab.c2.registry import assigner_names, make_assigner, register_assigner

__all__ = [
    "AssignmentProblem",
    "GreedyAssigner",
    "Salvo",
    "WeaponAssigner",
    "assigner_names",
    "check_salvos",
    "make_assigner",
    "register_assigner",
    "salvo_pk",
]

"""Assigners by name (``doctrine.assigner``): greedy here; other packages register more."""

from __future__ import annotations

from collections.abc import Callable

from shieldlab.c2.base import WeaponAssigner
from shieldlab.c2.greedy import GreedyAssigner

_FACTORIES: dict[str, Callable[[], WeaponAssigner]] = {"greedy": GreedyAssigner}


def register_assigner(name: str, factory: Callable[[], WeaponAssigner]) -> None:
    """Make ``doctrine.assigner: <name>`` build assigners with ``factory``."""
    _FACTORIES[name] = factory


def assigner_names() -> tuple[str, ...]:
    """Names that ``doctrine.assigner`` accepts."""
    _load_plugins()
    return tuple(sorted(_FACTORIES))


def make_assigner(name: str) -> WeaponAssigner:
    """A new assigner for ``name``; ``KeyError`` if nobody registered it."""
    _load_plugins()
    return _FACTORIES[name]()


def _load_plugins() -> None:
    # The assigners over the shieldlab.wta solvers are adapters in this package (wta is
    # a lower layer and cannot subclass WeaponAssigner itself).
    from shieldlab.c2 import wta_assigners

    wta_assigners.register(register_assigner)

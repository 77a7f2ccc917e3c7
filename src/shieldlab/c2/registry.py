"""Assigners by name (``doctrine.assigner``): greedy here; other packages register more."""

from __future__ import annotations

from collections.abc import Callable

from shieldlab.c2.base import WeaponAssigner
from shieldlab.c2.greedy import GreedyAssigner
from shieldlab.errors import InputError

_FACTORIES: dict[str, Callable[[], WeaponAssigner]] = {"greedy": GreedyAssigner}


def register_assigner(name: str, factory: Callable[[], WeaponAssigner]) -> None:
    """Make ``doctrine.assigner: <name>`` build assigners with ``factory``."""
    _FACTORIES[name] = factory


def assigner_names() -> tuple[str, ...]:
    """Names that ``doctrine.assigner`` accepts."""
    _load_plugins()
    return tuple(sorted(_FACTORIES))


def check_assigner(name: str, *, file: str | None = None, line: int | None = None) -> None:
    """Raise :class:`~shieldlab.errors.InputError` naming the known assigners if ``name``
    is not one of them (``file``/``line``: where ``doctrine.assigner`` was written)."""
    if name not in assigner_names():
        raise InputError(
            f"unknown assigner '{name}'; known: {', '.join(assigner_names())}",
            file=file,
            line=line,
            field="doctrine.assigner",
        )


def make_assigner(name: str) -> WeaponAssigner:
    """A new assigner for ``name``; ``KeyError`` if nobody registered it."""
    _load_plugins()
    return _FACTORIES[name]()


def _load_plugins() -> None:
    # The assigners over the shieldlab.wta solvers are adapters in this package (wta is
    # a lower layer and cannot subclass WeaponAssigner itself).
    from shieldlab.c2 import wta_assigners

    wta_assigners.register(register_assigner)
    # The optimal assigners live in shieldlab.wta (a lower layer): importing it lets it
    # register them, when that package provides ``register_assigners``.
    try:
        from shieldlab import wta
    except ImportError:  # pragma: no cover
        return
    hook = getattr(wta, "register_assigners", None)
    if callable(hook):
        hook(register_assigner)

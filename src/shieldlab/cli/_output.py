"""Shared output helpers for the CLI: JSON for machines, rich for people."""

from __future__ import annotations

import json
import math
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def _clean(obj: Any) -> Any:
    """Make numpy scalars/arrays and non-finite floats JSON-safe (NaN/inf -> None)."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a hard dependency
        np = None  # type: ignore[assignment]
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if np is not None:
        if isinstance(obj, np.ndarray):
            return _clean(obj.tolist())
        if isinstance(obj, np.generic):
            return _clean(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def emit_json(obj: Any) -> None:
    """Print one JSON object on stdout (stable key order as given, NaN -> null)."""
    sys.stdout.write(json.dumps(_clean(obj), indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def console(stderr: bool = False) -> Console:
    """A rich console; progress bars go to stderr so stdout stays clean for pipes."""
    # Imported here: printing JSON (``emit_json``) should not pay for loading rich.
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None
    if not _is_tty(stream) and not os.environ.get("COLUMNS"):
        # Piped or captured: no terminal to fit, so do not fold names mid-word at 80.
        width = PIPE_WIDTH
    return Console(stderr=stderr, highlight=False, width=width)


#: Console width when the output is not a terminal (and COLUMNS is not set).
PIPE_WIDTH = 160


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class StatusLine:
    """A spinner and a message on stderr while a long step runs -- only on a terminal.

    On a pipe or in a log file it writes nothing. Usable as a context manager, or started
    at once and stopped with :meth:`stop` (also at exit, so an error never leaves a
    spinner running). ``update`` changes the message.
    """

    def __init__(self, message: str) -> None:
        import atexit

        err = console(stderr=True)
        self._status = err.status(message, spinner="dots") if err.is_terminal else None
        if self._status is not None:
            self._status.start()
            atexit.register(self.stop)

    def update(self, message: str) -> None:
        if self._status is not None:
            self._status.update(message)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def __enter__(self) -> StatusLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Dask worker preload (``LocalCluster(preload=[__name__])``): workers ignore SIGINT.

A Ctrl-C reaches the whole foreground process group; in a Dask worker it would print
asyncio's ``KeyboardInterrupt`` traceback. Only the parent acts on it: it cancels the
run and closes the cluster (docs/architecture.md, "Signal contract").
"""

from __future__ import annotations

import contextlib
import signal
from typing import Any


def dask_setup(worker: Any) -> None:
    """Called by Dask in each worker process as it starts (on its event-loop thread)."""
    with contextlib.suppress(ValueError):  # not the main thread: nothing to change
        signal.signal(signal.SIGINT, signal.SIG_IGN)

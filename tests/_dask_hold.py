"""Dask worker preload for fault tests: the worker holds in a task, so a test can kill it
(or its scheduler) while work is pending -- waiting on a state, never on a clock.

``dask worker --preload tests/_dask_hold.py`` with ``SHIELDLAB_TEST_HOLD=MARKER:N``: the
worker's ``shieldlab.study.cells.run_cell`` computes its first ``N`` cells, then writes
``MARKER`` and holds (the scheduler still counts the task as running). Tasks reach the
worker by reference (pickled as ``shieldlab.study.cells.run_cell``), so replacing the
module attribute here is what the worker runs.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Any


def dask_setup(worker: Any) -> None:
    spec = os.environ.get("SHIELDLAB_TEST_HOLD")
    if not spec:
        return
    marker_s, _, n_s = spec.rpartition(":")
    marker, n = Path(marker_s), int(n_s)
    import shieldlab.study.cells as cells

    real = cells.run_cell
    calls = 0

    @functools.wraps(real)
    def run_cell(task: Any) -> Any:
        nonlocal calls
        if calls >= n:
            tmp = marker.with_name(marker.name + ".part")
            tmp.write_text(str(os.getpid()))
            os.replace(tmp, marker)
            threading.Event().wait()  # hold (a worker thread) until the process is killed
        calls += 1
        return real(task)

    cells.run_cell = run_cell

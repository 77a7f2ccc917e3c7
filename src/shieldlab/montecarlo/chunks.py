"""What a worker runs: a chunk of replications of a job, and the limits of a run's options.

The bottom of :mod:`shieldlab.montecarlo`'s import graph, above the engine and the
generic pool (:mod:`shieldlab.montecarlo._pool`): the runner, the paired comparison and
the study cells import from here, nothing here imports them. A task is
:func:`run_task` ``(key, payload, first, count)``; the job travels pickled with it (or
as the path of a file holding it) and each worker keeps the last few it unpickled
(:func:`shieldlab.montecarlo._pool.cached_job`), so any ``concurrent.futures``
executor -- the worker pool, a Dask client -- runs the same tasks.
"""

from __future__ import annotations

import math
import multiprocessing as mp
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from shieldlab.engine.compiled import CompiledScenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.errors import InputError
from shieldlab.montecarlo._pool import WorkerStartError, cached_job, single_thread_numba
from shieldlab.montecarlo.aggregate import BLOCK, BlockSummary, summarise

if TYPE_CHECKING:
    from shieldlab.engine.measured import MeasuredTables

__all__ = [
    "CHUNK",
    "MAX_REPLICATIONS",
    "Job",
    "check_run_options",
    "run_chunk",
    "run_job_chunk",
    "run_task",
]

F64 = npt.NDArray[np.float64]

CHUNK = 16 * BLOCK  # replications per task handed to a worker
MAX_REPLICATIONS = 100_000_000
#: What a worker needs to run replications: compiled scenario, seed, Python path?, tables,
#: breakdown columns? (``engine.breakdown``: by threat class, wave, weapon; compiled path).
Job = tuple[CompiledScenario, int, bool, "MeasuredTables | None", bool]


def run_chunk(
    cs: CompiledScenario,
    seed: int,
    first: int,
    count: int,
    python: bool,
    measured: MeasuredTables | None = None,
    breakdown: bool = False,
) -> F64:
    """Outcome rows of replications ``first .. first + count - 1`` (engine, oracle or
    measured-tracks path)."""
    if measured is not None:
        # Fidelity "measured": per replication, tracks from the tracker decide when the
        # engine's tracks form (engine.measured); the engine path below runs unchanged.
        from shieldlab.engine.measured import run_measured

        return run_measured(
            cs,
            measured,
            seed=seed,
            first=first,
            count=count,
            run=lambda cs_k, f, n: run_chunk(cs_k, seed, f, n, python, breakdown=breakdown),
        )
    if python:
        from shieldlab.c2.registry import make_assigner
        from shieldlab.engine.oracle import run_replications_py

        return run_replications_py(
            cs, seed=seed, first=first, count=count, assigner=make_assigner(cs.assigner)
        )
    if breakdown:
        from shieldlab.engine.breakdown import run_breakdown

        return run_breakdown(cs, seed=seed, first=first, count=count)
    from shieldlab.engine.batch import run_replications

    return run_replications(cs, seed=seed, first=first, count=count)


def run_job_chunk(job: Job, first: int, count: int) -> list[BlockSummary]:
    """Block summaries of replications ``first .. first + count - 1`` of ``job``."""
    cs, seed, python, measured, breakdown = job
    rows = run_chunk(cs, seed, first, count, python, measured, breakdown)
    return summarise(rows, first=first, leak_col=layout_of(cs).columns()["leakers"])


def run_task(key: str, payload: bytes | str, first: int, count: int) -> list[BlockSummary]:
    """Replications ``first .. first + count - 1`` of a pickled job, as block summaries.

    Called in a worker (process pool or Dask); the job (pickled bytes, or the path of a
    file holding them) is unpickled once per worker.
    """
    if getattr(mp.current_process(), "_inheriting", False):  # pragma: no cover - safety net
        raise WorkerStartError("run_task called while a worker process was starting")
    single_thread_numba()
    return run_job_chunk(cached_job(key, payload), first, count)


def check_run_options(
    *, replications: int, seed: int, workers: int, precision: float | None
) -> None:
    """Raise :class:`InputError` (naming the option) for out-of-range run options."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise InputError(
            f"must be between 1 and {MAX_REPLICATIONS:,}, got {replications}",
            field="--replications",
        )
    if not 0 <= seed < 2**63:
        raise InputError(f"must be between 0 and 2**63 - 1, got {seed}", field="--seed")
    if not 1 <= workers <= 256:
        raise InputError(f"must be between 1 and 256, got {workers}", field="--workers")
    if precision is not None and not (precision > 0.0 and math.isfinite(precision)):
        raise InputError(f"must be a positive number, got {precision}", field="--precision")

"""Monte Carlo runs: replications in fixed blocks, optional worker processes, streaming stats.

``simulate(scenario, replications=, seed=, workers=, precision=)`` compiles the scenario
once, runs replications in chunks (a multiple of the aggregation block) through the
numba kernel -- or through the Python oracle when ``doctrine.assigner`` is not the
compiled greedy one -- and merges block summaries in replication order. Each replication
depends only on (scenario, seed, replication number), and blocks merge in a fixed
order, so every reported number is the same for any ``workers``, executor or chunk size.

Where chunks run: in this process (``workers=1``), in the process's reusable worker pool
(``workers=N``; :mod:`shieldlab.montecarlo._pool`, started once and kept, with the
signal contract of docs/architecture.md), or on any ``concurrent.futures`` executor
passed as ``executor=`` (:func:`shieldlab.montecarlo.backends.open_executor` makes one,
Dask included).

``precision=H`` runs replications until the half-width of the 95 % interval on mean
leakers is below H (or ``replications`` is reached; then the result says the target was
not met). The check happens only at fixed replication counts -- 4,096, 8,192, 16,384, ...
(doubling) -- so the stopping point does not depend on ``workers`` either.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any

from shieldlab.engine.compiled import CompiledScenario, compile_scenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.montecarlo._pool import (
    WorkerPool,
    end_pool_on_interrupt,
    job_file,
    pack_job,
    pool_of,
    shared_pool,
    wait_result,
)
from shieldlab.montecarlo.aggregate import Accumulator, BlockSummary, summarise
from shieldlab.montecarlo.backends import InlineExecutor, describe_executor
from shieldlab.montecarlo.chunks import (
    CHUNK,
    MAX_REPLICATIONS,
    Job,
    check_run_options,
    run_chunk,
    run_job_chunk,
    run_task,
)
from shieldlab.montecarlo.results import Results, build_results
from shieldlab.scenario.model import Scenario

if TYPE_CHECKING:
    from shieldlab.engine.measured import MeasuredTables

__all__ = [
    "CHUNK",
    "MAX_REPLICATIONS",
    "PRECISION_DEFAULT_MAX",
    "check_run_options",
    "default_workers",
    "run_job_chunk",
    "simulate",
]

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 64  # tasks submitted ahead of the one being merged (other executors)
PRECISION_DEFAULT_MAX = 1_000_000  # replication cap with --precision unless given
ProgressFn = Callable[[int, int], None]


def _chunks(start: int, stop: int) -> Iterator[tuple[int, int]]:
    for a in range(start, stop, CHUNK):
        yield a, min(CHUNK, stop - a)


def simulate(
    scenario: Scenario | CompiledScenario,
    *,
    replications: int = 10_000,
    seed: int = 0,
    workers: int = 1,
    precision: float | None = None,
    progress: ProgressFn | None = None,
    executor: Executor | None = None,
    breakdown: bool = True,
) -> Results:
    """Run the Monte Carlo and return metrics with 95 % intervals.

    ``replications`` is the number of replications, or with ``precision`` the most to
    run. ``workers`` > 1 runs chunks in the process's reusable pool of that many worker
    processes (started once, kept for later calls). ``executor`` -- any
    :class:`concurrent.futures.Executor`, e.g. from
    :func:`shieldlab.montecarlo.backends.open_executor` -- runs the chunks instead, and
    ``workers`` is then only recorded. ``progress(done, total)`` is called with done = 0
    once the scenario and kernel are compiled (the numba kernel compiles on a first run,
    tens of seconds), then after each chunk. Results are the same for a seed whatever
    ``workers`` or ``executor``.

    A ``KeyboardInterrupt`` (or any other exception) cancels the chunks not yet run; the
    workers of the reusable pool are then ended and the pool started afresh next time.

    ``breakdown`` (compiled path) adds what leaks and what stops it by threat class, wave
    and interceptor type x threat class, rounds on decoys, each battery's magazine at the
    end and the consumed raid cost (:mod:`shieldlab.engine.breakdown`); without it (or on
    the Python path) those are absent and a run is about 1.2-1.5x faster (docs/engine.md).
    """
    check_run_options(replications=replications, seed=seed, workers=workers, precision=precision)
    if getattr(mp.current_process(), "_inheriting", False):
        # A spawned worker is re-running a script that calls simulate() at top level;
        # the pool hides such scripts from its workers, so only someone else's pool
        # gets here. Stop at once rather than start processes recursively.
        raise RuntimeError(
            "shieldlab.simulate() called while a worker process was starting: put the "
            "script's top-level code under 'if __name__ == \"__main__\":'"
        )
    pool: WorkerPool | None = None
    if executor is None and workers > 1:
        # Before compiling: new workers import numba while this process compiles.
        pool = shared_pool(workers)
        executor = pool
    elif executor is not None:
        pool = pool_of(executor)
    in_process = executor is None or isinstance(executor, InlineExecutor)
    backend = describe_executor(executor)

    # Compiling takes tens of seconds on a first run: a Ctrl-C then must end the pool's
    # (already starting) workers too, as it does while chunks run.
    try:
        t0 = time.perf_counter()
        cs = scenario if isinstance(scenario, CompiledScenario) else compile_scenario(scenario)
        t_compile = time.perf_counter() - t0
        python = cs.assigner != "greedy"
        if python:
            from shieldlab.c2.registry import check_assigner

            file, line = (
                scenario.source_of("doctrine", "assigner")
                if isinstance(scenario, Scenario)
                else (None, None)
            )
            check_assigner(cs.assigner, file=file, line=line)
            log.warning(
                "assigner '%s' is not compiled: running the Python event loop (much slower)",
                cs.assigner,
            )
        measured: MeasuredTables | None = None
        if isinstance(scenario, Scenario) and scenario.fidelity == "measured":
            from shieldlab.engine.measured import prepare

            measured = prepare(cs, scenario)
            log.warning(
                "fidelity 'measured': plots and a tracker per radar and replication, in Python "
                "(about a second per replication of a mid-size raid)"
            )
        lay = layout_of(cs)
        leak_col = lay.columns()["leakers"]
        bd = None
        if breakdown and not python:
            from shieldlab.engine.breakdown import breakdown_layout

            waves = (
                tuple(w.name or f"wave{k + 1}" for k, w in enumerate(scenario.raid.waves))
                if isinstance(scenario, Scenario)
                else ()
            )
            bd = breakdown_layout(cs, waves)
        acc = Accumulator(n_cols=lay.n_columns + (bd.n_columns if bd is not None else 0))
        job: Job = (cs, seed, python, measured, bd is not None)

        # Warm the kernel (JIT compile or cache load) before timing the replications; with
        # workers this also fills numba's on-disk cache once, so they only load it.
        t1 = time.perf_counter()
        if not python:
            summarise(
                run_chunk(cs, seed, 0, 1, python, breakdown=bd is not None),
                first=0,
                leak_col=leak_col,
            )
        t_warm = time.perf_counter() - t1
        if progress is not None:
            progress(0, replications)  # compiled and warm: the front end's "compiling" ends here
    except BaseException as exc:
        end_pool_on_interrupt(pool, exc)
        raise

    target_met: bool | None = None
    t2 = time.perf_counter()
    key, payload = ("", b"") if in_process else pack_job(job)
    done = 0
    while done < replications:
        stop = replications if precision is None else min(replications, max(2 * done, CHUNK))
        tasks = list(_chunks(done, stop))
        if in_process:
            for first, count in tasks:
                for blk in run_job_chunk(job, first, count):
                    acc.add(blk)
                if progress is not None:
                    progress(first + count, replications)
        else:
            assert executor is not None
            _run_on(executor, pool, job, key, payload, tasks, acc, progress, replications)
        done = stop
        if precision is not None:
            half = _leak_half_width(acc, leak_col)
            target_met = half < precision
            if target_met:
                break
    t_run = time.perf_counter() - t2
    timing = {
        "compile_scenario_s": t_compile,
        "warmup_s": t_warm,
        "run_s": t_run,
        "replications_per_s": acc.n / t_run if t_run > 0 else math.inf,
        "workers": workers,
        "backend": backend,
        "path": ("python" if python else "compiled")
        + (" + measured tracks" if measured is not None else ""),
    }
    return build_results(
        cs,
        acc,
        seed=seed,
        precision=precision,
        precision_met=target_met,
        timing=timing,
        breakdown=bd,
    )


def _run_on(
    executor: Executor,
    pool: WorkerPool | None,
    job: Job,
    key: str,
    payload: bytes,
    tasks: list[tuple[int, int]],
    acc: Accumulator,
    progress: ProgressFn | None,
    total: int,
) -> None:
    """Run ``tasks`` on ``executor`` and merge their blocks in replication order.

    At most :data:`MAX_IN_FLIGHT` tasks (twice the workers for the reusable pool) are
    submitted ahead of the one being merged, so a long run neither queues thousands of
    futures nor has to cancel them on Ctrl-C. While the reusable pool's workers are still
    starting (spawn, numba import), this process runs chunks itself, from the end of the
    list, rather than wait idle. Who ran a chunk changes nothing: blocks merge in
    replication order.
    """
    with contextlib.ExitStack() as stack:
        data: Any = payload
        client = getattr(executor, "_client", None)  # distributed's ClientExecutor
        if client is not None and hasattr(client, "scatter"):
            # Dask: ship the job (megabytes of tables) to each worker once, not per task.
            data = client.scatter(payload, broadcast=True, hash=False)
        elif pool is not None:
            # The reusable pool: tasks carry the path of a file holding the job.
            data = stack.enter_context(job_file(payload))
        _run_tasks(executor, pool, job, key, data, tasks, acc, progress, total)


def _run_tasks(
    executor: Executor,
    pool: WorkerPool | None,
    job: Job,
    key: str,
    data: Any,
    tasks: list[tuple[int, int]],
    acc: Accumulator,
    progress: ProgressFn | None,
    total: int,
) -> None:
    futures: dict[int, Future[list[BlockSummary]]] = {}
    local: dict[int, list[BlockSummary]] = {}
    ahead = MAX_IN_FLIGHT if pool is None else 2 * pool.workers
    head, tail = 0, len(tasks) - 1  # next to submit; next this process may take

    def submit_more() -> None:
        nonlocal head
        while head <= tail and len(futures) < ahead:
            # The pool raises WorkerStartError if a worker died between two results.
            futures[head] = executor.submit(run_task, key, data, *tasks[head])
            head += 1

    try:
        submit_more()
        merged = 0
        while merged < len(tasks):
            if merged in local:
                blocks = local.pop(merged)
            else:
                fut = futures[merged]
                if not fut.done() and pool is not None and tail >= head and not pool.warm():
                    first, count = tasks[tail]
                    local[tail] = run_job_chunk(job, first, count)
                    tail -= 1
                    continue
                blocks = wait_result(fut, pool)
                del futures[merged]
            for blk in blocks:
                acc.add(blk)
            first, count = tasks[merged]
            merged += 1
            submit_more()
            if progress is not None:
                progress(first + count, total)
    except BaseException as exc:
        # The pool first: its end settles every future it holds; a cancel racing its
        # manager thread's failing of them raised there (WorkerPool.terminate).
        end_pool_on_interrupt(pool, exc)
        for fut in futures.values():
            fut.cancel()
        raise


def _leak_half_width(acc: Accumulator, leak_col: int) -> float:
    from shieldlab.core.stats import t_half_width

    return t_half_width(float(acc.variance()[leak_col]), acc.n)


def default_workers() -> int:
    """Number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)

"""Where replications run: in process, the reusable process pool, or a Dask cluster.

:func:`open_executor` is the one factory every front end uses (``shieldlab run
--scheduler``, study runs); what it yields goes to ``simulate(..., executor=...)``::

    from shieldlab.montecarlo import simulate
    from shieldlab.montecarlo.backends import open_executor

    with open_executor("local", workers=4) as ex:  # or None, or "tcp://host:8786"
        for sc in scenarios:
            res = simulate(sc, replications=20_000, seed=1, executor=ex)

``simulate`` accepts any :class:`concurrent.futures.Executor` (a ``ThreadPoolExecutor``,
a ``ProcessPoolExecutor`` of your own, ``distributed.Client.get_executor()``...). The work
is cut into the same chunks whatever the executor and merged in replication order, so
the same seed gives the same numbers on every backend and worker count.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeVar

from shieldlab._optional import require
from shieldlab.errors import InputError
from shieldlab.montecarlo._pool import (
    main_hidden,
    main_module_rerun_is_safe,
    shared_pool,
    spawned_children_ignore_sigint,
)

__all__ = ["InlineExecutor", "describe_executor", "open_executor"]

P = ParamSpec("P")
T = TypeVar("T")

DASK_CONNECT_TIMEOUT_S = 10
DASK_CLOSE_TIMEOUT_S = 5  # a Ctrl-C should not wait for the chunks still running


class InlineExecutor(Executor):
    """Runs each task in the calling thread at ``submit``: the one-worker executor.

    ``simulate`` recognises it and runs its own in-process loop (with progress after
    each chunk) instead of submitting.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shutdown = False

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
        fut: Future[T] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True


def describe_executor(executor: Executor | None) -> str:
    """A short name of the backend for results' timing (``"process pool, 2 workers"``)."""
    from shieldlab.montecarlo._pool import pool_of

    if executor is None or isinstance(executor, InlineExecutor):
        return "in-process"
    pool = pool_of(executor)
    if pool is not None:
        return f"process pool, {pool.workers} workers"
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            n = len(client.scheduler_info()["workers"])
        except Exception:  # pragma: no cover - scheduler gone
            n = 0
        address = getattr(client.scheduler, "address", "?")
        return f"dask {address}, {n} workers"
    return type(executor).__name__


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """A Ctrl-C during the block is raised at its end (a half-started cluster can't close)."""
    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _kill_workers(client: Any) -> None:
    """SIGKILL the local Dask worker processes (their chunks are being thrown away)."""
    try:
        info = client.scheduler_info()["workers"]
    except Exception:  # pragma: no cover - scheduler gone already
        return
    for w in info.values():
        pid = w.get("pid")
        if isinstance(pid, int) and pid != os.getpid():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _silence_loggers(*prefixes: str) -> None:
    """Disable the loggers named ``prefixes`` and every logger below them.

    ``Logger.disabled`` does not pass to children (``distributed.scheduler`` logs
    "Couldn't gather keys" on its own logger), so each existing child is disabled
    too, and the parents' levels are raised for children created later.
    """
    names = [
        name
        for name in list(logging.root.manager.loggerDict)
        if any(name == p or name.startswith(p + ".") for p in prefixes)
    ]
    for name in {*prefixes, *names}:
        logger = logging.getLogger(name)
        logger.disabled = True
        logger.setLevel(logging.CRITICAL + 1)


def _dask_client(scheduler: str, workers: int) -> contextlib.AbstractContextManager[Any]:
    distributed = require("distributed", feature="--scheduler (Dask)")
    if scheduler == "local":

        @contextlib.contextmanager
        def local() -> Iterator[Any]:
            # Dask workers must ignore SIGINT: a Ctrl-C reaches the whole process group
            # and would print asyncio tracebacks from them. They start with it ignored
            # (a blocked mask did not reach them: Dask starts them from threads whose
            # mask is clear), the preload keeps it so in any worker a nanny restarts,
            # and the parent closes the cluster on its way out.
            with (
                spawned_children_ignore_sigint(),
                main_hidden(not main_module_rerun_is_safe()),
                _sigint_deferred(),
            ):
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    # Everything a user must know arrives as an exception from the
                    # futures (a task's error, KilledWorker); the ERROR lines workers
                    # log while the cluster closes (heartbeat failures) are not news.
                    silence_logs=logging.CRITICAL,
                    preload=["shieldlab.montecarlo._dask_worker"],
                )
                try:
                    client = distributed.Client(cluster)
                except BaseException:
                    cluster.close()
                    raise
            ok = False
            try:
                yield client
                ok = True
            finally:
                if not ok:  # Ctrl-C, SIGTERM, an error: don't wait for running chunks
                    # Killing the workers closes their connections mid-call: the errors
                    # tornado and distributed then log are expected, not news for the user.
                    _silence_loggers("tornado", "distributed", "asyncio")
                    _kill_workers(client)
                with contextlib.suppress(Exception):
                    client.close(timeout=DASK_CLOSE_TIMEOUT_S)
                with contextlib.suppress(Exception):
                    cluster.close(timeout=DASK_CLOSE_TIMEOUT_S)

        return local()

    @contextlib.contextmanager
    def remote() -> Iterator[Any]:
        try:
            client = distributed.Client(scheduler, timeout=DASK_CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at '{scheduler}': {exc}", field="--scheduler"
            ) from None
        try:
            yield client
        finally:
            client.close()

    return remote()


@contextlib.contextmanager
def open_executor(scheduler: str | None = None, workers: int = 1) -> Iterator[Executor]:
    """An executor for ``simulate(..., executor=...)``, closed (if owned) on exit.

    ``scheduler``:

    * ``None``: with ``workers`` > 1 the process's reusable spawn pool (kept after the
      block for the next call, workers warmed once); with ``workers`` = 1 an
      :class:`InlineExecutor` (replications in this process).
    * ``"local"``: a ``dask.distributed.LocalCluster`` of ``workers`` single-threaded
      worker processes, closed on exit.
    * any other string: the address of a running Dask scheduler (``tcp://host:8786``);
      ``workers`` is ignored. An unreachable address raises
      :class:`~shieldlab.errors.InputError` (field ``--scheduler``).

    Dask needs the ``dask`` extra (``pip install 'shieldlab[dask]'``); without it an
    :class:`InputError` says so.
    """
    if not 1 <= workers <= 256:
        raise InputError(f"must be between 1 and 256, got {workers}", field="--workers")
    if scheduler is None:
        if workers == 1:
            yield InlineExecutor()
        else:
            yield shared_pool(workers)
        return
    scheduler = scheduler.strip()
    if not scheduler:
        raise InputError("must be 'local' or a scheduler address", field="--scheduler")
    from shieldlab.montecarlo._dask_guard import GuardedExecutor, wait_s

    wait = wait_s()  # a bad SHIELDLAB_DASK_WAIT_S fails before the cluster starts
    with _dask_client(scheduler, workers) as client:
        # Faults (scheduler lost, no worker left) end in one line, never a hang.
        guard = GuardedExecutor(client, getattr(client.scheduler, "address", scheduler), wait=wait)
        try:
            yield guard
        finally:
            guard.shutdown(wait=False)

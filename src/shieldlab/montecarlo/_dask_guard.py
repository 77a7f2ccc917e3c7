"""Dask faults as one line and a bounded wait (issue 21, item 11).

A ``distributed`` ``ClientExecutor`` on its own turns the faults of a cluster into hangs
and tracebacks: a killed scheduler printed 36-101 lines of tornado and distributed
tracebacks, then ``CancelledError`` with no message (or, when the only worker went with
it, waited for ever); a killed *only* worker left ``study run --scheduler`` waiting for
ever, since the scheduler waits for a new worker. :class:`GuardedExecutor` wraps the
client's executor:

- every future it hands out is its own, relayed from the client's; a chunk's own error
  passes through unchanged, but a cancelled future (the client lost its scheduler) or a
  lost connection becomes an :class:`~shieldlab.errors.InputError` naming the scheduler
  (exit status 2, one line);
- a watchdog thread polls the client twice a second: when it is no longer running (it
  gives up reconnecting after its connect timeout), or when the cluster has had no worker
  for :func:`wait_s` seconds while work is pending, every pending future fails with that
  one line -- a bounded wait, never a hang;
- while it is in use the loggers of ``distributed``, ``tornado`` and ``asyncio`` are
  silenced (their levels restored at :meth:`GuardedExecutor.shutdown`, unless a fault
  happened: the client, closing, would still log its reconnect tracebacks): what the
  user must know is in the one line;
- ``_client`` (what ``simulate`` scatters the job with) bounds ``scatter`` by the same
  wait.

Nothing is retried automatically: a study keeps its committed cells, so rerunning the
same ``study run`` (on a working cluster or without ``--scheduler``) resumes it and gives
the same numbers; a plain ``run`` is recomputed from its seed (docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future
from typing import Any, ParamSpec, TypeVar

from shieldlab.errors import InputError

__all__ = ["GuardedExecutor", "wait_s"]

P = ParamSpec("P")
T = TypeVar("T")

#: Seconds a cluster may have no worker while work is pending (``SHIELDLAB_DASK_WAIT_S``).
DEFAULT_WAIT_S = 60.0
_POLL_S = 0.5
_LOGGERS = ("distributed", "tornado", "asyncio")


def wait_s() -> float:
    """The bounded wait for a worker: ``SHIELDLAB_DASK_WAIT_S`` or 60 s."""
    raw = os.environ.get("SHIELDLAB_DASK_WAIT_S", "").strip()
    if not raw:
        return DEFAULT_WAIT_S
    try:
        value = float(raw)
    except ValueError:
        raise InputError(
            f"SHIELDLAB_DASK_WAIT_S must be a number of seconds, got {raw!r}"
        ) from None
    if not value > 0:
        raise InputError(f"SHIELDLAB_DASK_WAIT_S must be positive, got {raw!r}")
    return value


def _silence(prefixes: tuple[str, ...]) -> dict[str, tuple[int, bool]]:
    """Silence the loggers ``prefixes`` and all below them; return their (level, disabled).

    ``distributed`` gives its child loggers levels of their own, so each existing child is
    disabled too, and the parents' levels are raised for children created later.
    """
    names = {
        name
        for name in list(logging.root.manager.loggerDict)
        if any(name == p or name.startswith(p + ".") for p in prefixes)
    } | set(prefixes)
    saved: dict[str, tuple[int, bool]] = {}
    for name in names:
        logger = logging.getLogger(name)
        saved[name] = (logger.level, logger.disabled)
        logger.disabled = True
        logger.setLevel(logging.CRITICAL + 1)
    return saved


def _lost_connection(exc: BaseException) -> bool:
    """Whether ``exc`` is the client losing its scheduler (not a chunk's own error)."""
    if isinstance(exc, CancelledError | TimeoutError | ConnectionError):
        return True
    try:
        from distributed.comm.core import CommClosedError
    except ImportError:  # pragma: no cover - the guard is only built with distributed
        return False
    return isinstance(exc, CommClosedError)


class _ClientProxy:
    """The client, with ``scatter`` bounded by the wait (everything else passed on)."""

    def __init__(self, client: Any, guard: GuardedExecutor) -> None:
        self._real = client
        self._guard = guard

    def scatter(self, data: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._guard.wait)
        try:
            return self._real.scatter(data, **kwargs)
        except Exception as exc:
            if _lost_connection(exc) or "No valid workers" in str(exc):
                raise self._guard.failure_or(self._guard.no_workers_error()) from None
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class GuardedExecutor(Executor):
    """A ``distributed`` client's executor whose faults end in one line (module docs)."""

    def __init__(self, client: Any, address: str, *, wait: float | None = None) -> None:
        self.address = address
        self.wait = wait_s() if wait is None else wait
        self._real_client = client
        self._client = _ClientProxy(client, self)
        self._inner = client.get_executor()
        self._lock = threading.Lock()
        self._pending: dict[Future[Any], Future[Any]] = {}  # ours -> the client's
        self._failure: InputError | None = None
        self._closed = threading.Event()
        self._saved = _silence(_LOGGERS)
        self._watchdog = threading.Thread(
            target=self._watch, name="shieldlab-dask-watchdog", daemon=True
        )
        self._watchdog.start()

    # ---- errors -------------------------------------------------------------------------

    def lost_scheduler_error(self) -> InputError:
        return InputError(
            f"lost the Dask scheduler at {self.address} (it stopped answering); the run "
            "is incomplete: restart the cluster and rerun (a study resumes its finished "
            "cells), or run without --scheduler",
            field="--scheduler",
        )

    def no_workers_error(self) -> InputError:
        return InputError(
            f"the Dask cluster at {self.address} has had no worker for {self.wait:g} s "
            "(SHIELDLAB_DASK_WAIT_S); start workers and rerun (a study resumes its "
            "finished cells), or run without --scheduler",
            field="--scheduler",
        )

    def failure_or(self, default: InputError) -> InputError:
        with self._lock:
            return self._failure or default

    # ---- the executor -------------------------------------------------------------------

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._lock:
            if self._failure is not None:
                raise self._failure
        ours: Future[T] = Future()
        try:
            theirs = self._inner.submit(fn, *args, **kwargs)
        except Exception as exc:
            if _lost_connection(exc):
                raise self.failure_or(self.lost_scheduler_error()) from None
            raise
        with self._lock:
            self._pending[ours] = theirs
        ours.add_done_callback(self._on_ours_done)
        theirs.add_done_callback(lambda f: self._relay(f, ours))
        return ours

    def _on_ours_done(self, ours: Future[Any]) -> None:
        with self._lock:
            theirs = self._pending.pop(ours, None)
        if theirs is not None and ours.cancelled():
            theirs.cancel()

    def _relay(self, theirs: Future[Any], ours: Future[Any]) -> None:
        if ours.done():
            return
        try:
            exc = None if theirs.cancelled() else theirs.exception()
            lost = theirs.cancelled() or (exc is not None and _lost_connection(exc))
        except CancelledError:
            lost = True
        if lost:  # the client lost its scheduler: every pending future fails alike
            self._fail_all(self.failure_or(self.lost_scheduler_error()))
            self._fail_one(ours, self.failure_or(self.lost_scheduler_error()))
            return
        with contextlib.suppress(Exception):  # ours was cancelled meanwhile
            if exc is None:
                ours.set_result(theirs.result())
            else:
                ours.set_exception(exc)  # a chunk's own error, as it was raised

    @staticmethod
    def _fail_one(ours: Future[Any], error: InputError) -> None:
        with contextlib.suppress(Exception):  # already done or cancelled
            ours.set_exception(error)

    def _fail_all(self, error: InputError) -> None:
        with self._lock:
            if self._failure is None:
                self._failure = error
            pending = list(self._pending)
        for ours in pending:
            if not ours.done():
                self._fail_one(ours, error)
            with self._lock:
                theirs = self._pending.pop(ours, None)
            if theirs is not None:
                theirs.cancel()

    def _watch(self) -> None:
        idle_since: float | None = None
        while not self._closed.wait(_POLL_S):
            with self._lock:
                busy = bool(self._pending)
            status = getattr(self._real_client, "status", "running")
            if status in ("closed", "closing", "failed"):
                if busy:
                    self._fail_all(self.lost_scheduler_error())
                continue
            if not busy:
                idle_since = None
                continue
            try:
                workers = len(self._real_client.scheduler_info().get("workers", {}))
            except Exception:  # the scheduler is going: the status check tells
                continue
            if workers:
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= self.wait:
                self._fail_all(self.no_workers_error())

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed.set()
        if cancel_futures:
            with self._lock:
                pending = list(self._pending)
            for ours in pending:
                ours.cancel()
        with contextlib.suppress(Exception):  # the client is gone
            self._inner.shutdown(wait=wait and self._failure is None)
        if self._failure is not None:
            # The client closing after a fault still logs its reconnect tracebacks: the
            # loggers stay silent (the one line has said it all).
            return
        for name, (level, disabled) in self._saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.disabled = disabled

"""The package's one worker-process pool and its signal contract.

:class:`WorkerPool` is a :class:`concurrent.futures.Executor` over a spawn
``ProcessPoolExecutor``; ``simulate(workers=N)`` runs its chunks on the process's
reusable one (:func:`shared_pool`: kept across calls, so its workers import numba and
load the compiled kernel once, not once per run) and ``study run --workers N`` its cells
on its own (:func:`shieldlab.study.process_pool`). This module knows no task: what a
worker runs is :mod:`shieldlab.montecarlo.chunks` (a job travels pickled, or as the path
of a :func:`job_file`, and each worker keeps the last few it unpickled,
:func:`cached_job`) or a study's ``run_cell``.

Signals and process hygiene (docs/architecture.md, "Signal contract"):

* Workers ignore SIGINT: a Ctrl-C reaches the whole foreground process group, and only
  the parent acts on it (it ends the workers, :func:`end_pool_on_interrupt`, and
  cancels the run). SIGINT stays blocked
  from the moment a worker is forked until its initializer has set it to ignored, so
  not even a worker still importing can print a ``KeyboardInterrupt`` traceback.
* Workers die with their parent: on Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; on
  every platform a watchdog thread polling ``os.getppid()``. Once the workers are gone,
  multiprocessing's resource_tracker sees its pipe close and exits too.
* The script that calls ``simulate`` is never re-run in a worker unless that is safe:
  spawn re-imports the main module in each child, which without an
  ``if __name__ == "__main__":`` guard would call ``simulate`` again (and from stdin
  cannot even find the file). :func:`main_module_rerun_is_safe` checks; when it is not
  safe the workers start with the main module hidden from them.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import ctypes
import hashlib
import logging
import multiprocessing as mp
import os
import pickle
import re
import shlex
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import types
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_WATCHDOG_PERIOD_S = 0.5
_JOB_CACHE_SIZE = 4
_POLL_S = 0.5  # how often the parent checks that the workers are still alive


class WorkerStartError(RuntimeError):
    """A worker process died before or while running a task (not a task's own error)."""


# --------------------------------------------------------------------------- worker side

_JOBS: OrderedDict[str, Any] = OrderedDict()
_THREADS_SET = False


def single_thread_numba() -> None:
    """One numba compute thread in this (worker) process: the pool gives the parallelism."""
    global _THREADS_SET
    if _THREADS_SET:
        return
    try:  # one compute thread per worker; the pool gives the parallelism
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):  # pragma: no cover
        pass
    _THREADS_SET = True


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(_WATCHDOG_PERIOD_S)
        if os.getppid() != parent_pid:
            os._exit(1)


def _die_with_parent(parent_pid: int, pdeathsig: bool) -> None:
    if pdeathsig and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="shieldlab-parent-watch", daemon=True
    ).start()


def worker_init(parent_pid: int, pdeathsig: bool) -> None:
    """Initializer of each pool worker: signals, parent watch, warm imports."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent(parent_pid, pdeathsig)
    single_thread_numba()
    # Import the kernels now, while the parent compiles the scenario, not in the first task.
    import shieldlab.engine.batch  # noqa: F401


def warm() -> int:
    """A no-op task: returns the worker's pid once its initializer has run."""
    return os.getpid()


def cached_job(key: str, payload: bytes | str) -> Any:
    """The job of ``key``: unpickled from ``payload`` (bytes, or a file's path) once per worker."""
    job = _JOBS.get(key)
    if job is None:
        if isinstance(payload, str):  # the reusable pool: a file written once per run
            with open(payload, "rb") as fh:
                payload = fh.read()
        job = pickle.loads(payload)
        _JOBS[key] = job
        while len(_JOBS) > _JOB_CACHE_SIZE:
            _JOBS.popitem(last=False)
    else:
        _JOBS.move_to_end(key)
    return job


_JOB_PREFIX = "shieldlab-job-"
_JOB_NAME = re.compile(r"^shieldlab-job-(\d+)-[A-Za-z0-9_]+\.pickle$")


def _flock(fd: int, *, blocking: bool = True) -> bool:
    """``flock(LOCK_EX)`` on ``fd``; False if another holds it (non-blocking) or no flock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError:  # pragma: no cover - a file system without flock
        return True
    return True


@contextlib.contextmanager
def job_file(payload: bytes) -> Iterator[str]:
    """The job's bytes in a temporary file for the block: tasks carry its path, not 5 MB.

    Named ``shieldlab-job-PID-XXXX.pickle`` and ``flock``-ed by this process while in use;
    removed at the end of the block (a worker that needs the job reads it during the run).
    A SIGKILL leaves it behind: the next run removes it (:func:`remove_stale_job_files`).
    """
    remove_stale_job_files()
    fd, path = tempfile.mkstemp(prefix=f"{_JOB_PREFIX}{os.getpid()}-", suffix=".pickle")
    try:
        _flock(fd)
        with open(fd, "wb", closefd=False) as fh:
            fh.write(payload)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_job_files(directory: str | None = None) -> list[Path]:
    """Remove job files that runs killed by SIGKILL left in the temporary directory.

    Only files of this naming, owned by this user, whose process has ended and that no
    process holds locked (a process of another PID namespace sharing the directory).
    """
    d = Path(directory or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(d.iterdir())
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for p in entries:
        m = _JOB_NAME.match(p.name)
        if m is None:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _pid_alive(pid):
            continue
        try:
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or (uid is not None and st.st_uid != uid):
                continue
            if _flock(fd, blocking=False):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    removed.append(p)
        finally:
            os.close(fd)
    if removed:
        log.info("removed %d job files of killed runs from %s", len(removed), d)
    return removed


def pack_job(job: object) -> tuple[str, bytes]:
    """Pickle a job once; its key is a hash of the bytes (same job, same key)."""
    payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(payload, digest_size=16).hexdigest(), payload


# --------------------------------------------------------------------------- main module


def _under_main_guard(tree: ast.Module, lineno: int) -> bool:
    for stmt in tree.body:
        end = stmt.end_lineno or stmt.lineno
        if stmt.lineno <= lineno <= end:
            return isinstance(stmt, ast.If) and _is_main_test(stmt.test)
    return False


def _is_main_test(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(consts) == 1


def main_module_rerun_is_safe() -> bool:
    """Whether a spawned child may re-run ``__main__`` as multiprocessing does.

    Not safe when the main module comes from stdin (no file to re-run), or when this
    call is part of the main module's top-level code outside an
    ``if __name__ == "__main__":`` block (the child would call ``simulate`` again).
    """
    main = sys.modules.get("__main__")
    if main is None:
        return True
    spec_name = getattr(getattr(main, "__spec__", None), "name", None)
    if spec_name and (spec_name == "__main__" or spec_name.endswith(".__main__")):
        return True  # multiprocessing does not re-run a package's __main__
    path = getattr(main, "__file__", None)
    if path is None:
        return True  # python -c, the interactive prompt: nothing is re-run
    if not os.path.isfile(path):
        return False  # python - < script.py: __file__ is '<stdin>'
    frame = sys._getframe(1)
    outer = None
    while frame is not None:
        if frame.f_globals is main.__dict__ and frame.f_code.co_name == "<module>":
            outer = frame
        frame = frame.f_back  # type: ignore[assignment]
    if outer is None:
        return True  # main module finished importing (called later, e.g. from a function)
    try:
        with open(path, "rb") as fh:
            tree = ast.parse(fh.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return False
    return _under_main_guard(tree, outer.f_lineno)


@contextlib.contextmanager
def main_hidden(hide: bool = True) -> Iterator[None]:
    """Start processes inside this block without the main module (spawn won't re-run it)."""
    if not hide:
        yield
        return
    real = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = real


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread; processes and threads started here inherit the mask."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def spawned_children_ignore_sigint() -> Iterator[None]:
    """Processes spawned by multiprocessing inside the block start with SIGINT ignored.

    For children started by threads of someone else's (Dask's): their signal mask cannot
    be set from here, but an ignored disposition survives exec. The spawn executable is,
    for the block, a two-line shell script that ignores SIGINT and execs the real
    interpreter; this process keeps its own Ctrl-C handling. No-op without ``/bin/sh``.
    """
    from multiprocessing import spawn

    sh = shutil.which("sh")
    if os.name != "posix" or sh is None:  # pragma: no cover
        yield
        return
    real = spawn.get_executable()
    tmp = tempfile.mkdtemp(prefix="shieldlab-spawn-")
    wrapper = os.path.join(tmp, "python-ignoring-sigint")
    with open(wrapper, "w", encoding="utf-8") as fh:
        fh.write(f"#!{sh}\ntrap '' INT\nexec {shlex.quote(os.fsdecode(real))} \"$@\"\n")
    os.chmod(wrapper, 0o700)
    spawn.set_executable(wrapper)
    try:
        yield
    finally:
        spawn.set_executable(real)
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- parent side


class WorkerPool(Executor):
    """The package's one process pool: spawn workers with the signal contract above.

    A :class:`concurrent.futures.Executor` (``submit``, ``shutdown``, a context manager),
    so a study's cells and ``simulate``'s chunks run on the same implementation: the
    process's reusable pool (:func:`shared_pool`) and a study's own
    (:func:`shieldlab.study.process_pool`) are both instances. Runners that find one
    (:func:`pool_of`) also never wait forever on a dead worker (:func:`wait_result`,
    :func:`wait_any`) and end the workers at once on Ctrl-C or SIGTERM
    (:func:`end_pool_on_interrupt`).
    """

    def __init__(self, workers: int, *, hide_main: bool | None = None) -> None:
        if hide_main is None:
            hide_main = not main_module_rerun_is_safe()
        self.workers = workers
        self.hide_main = hide_main
        self._ended = False
        self._end_lock = threading.Lock()
        self._last_processes: list[Any] = []
        ctx = mp.get_context("spawn")
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=worker_init,
            # PR_SET_PDEATHSIG fires when the *thread* that started the child ends: only
            # from the main thread is that the parent's death (else: the watchdog alone).
            initargs=(os.getpid(), threading.current_thread() is threading.main_thread()),
        )
        # Python starts spawn workers on submit, one per task while none is idle: one
        # no-op task per worker starts them all now, with SIGINT blocked and (when
        # re-running it is unsafe) without the main module.
        with sigint_blocked(), main_hidden(hide_main):
            self._warm = [self._executor.submit(warm) for _ in range(workers)]

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` in a worker; a pool broken by a dead worker raises
        :class:`WorkerStartError` (not the executor's ``BrokenProcessPool``)."""
        try:
            return self._executor.submit(fn, *args, **kwargs)
        except BrokenProcessPool as exc:
            raise WorkerStartError(f"a worker process died: {exc}") from None

    def warm(self) -> bool:
        """Whether every worker has started (imports done, ready for tasks)."""
        return all(f.done() for f in self._warm)

    def processes(self) -> list[Any]:
        # A private attribute of ProcessPoolExecutor (a dict, None after shutdown): the
        # public API can neither tell whether a worker died nor end one. Kept from the
        # last look once the executor has dropped it (after shutdown).
        procs = getattr(self._executor, "_processes", None)
        if procs is not None:
            self._last_processes = list(procs.values())
        return list(self._last_processes)

    def healthy(self) -> bool:
        if self._ended or getattr(self._executor, "_broken", False):
            return False
        if getattr(self._executor, "_shutdown_thread", False):
            return False
        return all(p.exitcode is None for p in self.processes())

    def dead_worker(self) -> int | None:
        """Exit code of a worker that has died, if any."""
        for p in self.processes():
            if p.exitcode is not None:
                return int(p.exitcode)
        return None

    def terminate(self) -> None:
        """End the workers now (Ctrl-C, SIGTERM, a dead worker); nothing waits for a task.

        In this order, each step for a race that printed a traceback after the one line
        of the signal contract (the rare SIGTERM test failure under load):

        1. Shut the executor down (no wait, queued tasks cancelled) while the workers
           still live: its manager thread then drops every cancelled future before it
           can see a worker die. CPython 3.11's ``terminate_broken`` calls
           ``set_exception`` on each pending future, which raises ``InvalidStateError``
           in the manager thread for one already cancelled (CPython gh-107219; 3.11 has no fix).
        2. Terminate the workers. The manager thread sees them die, fails the running
           tasks' futures, closes its call queue's read end -- its feeder thread, if
           blocked writing to the dead workers, gets an ignored EPIPE -- and ends.
        3. Wait for that thread. Nothing here closes the executor's pipes: doing so from
           this thread (as this method once did) raced the manager and feeder threads
           closing them too, and the loser's ``EBADF`` reached stderr.
        """
        with self._end_lock:
            if self._ended:
                return
            self._ended = True
        procs = self.processes()
        manager = getattr(self._executor, "_executor_manager_thread", None)
        with contextlib.suppress(Exception):
            self._executor.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            with contextlib.suppress(Exception):
                p.terminate()
        for p in procs:
            with contextlib.suppress(Exception):
                p.join(timeout=_END_TIMEOUT_S)
                if p.exitcode is None:  # pragma: no cover - SIGTERM ignored or stopped
                    p.kill()
                    p.join(timeout=_END_TIMEOUT_S)
        if manager is not None:
            manager.join(timeout=_END_TIMEOUT_S)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """As :meth:`Executor.shutdown`; a no-op once :meth:`terminate` has run."""
        with self._end_lock:
            if self._ended:
                return
            if wait:
                self._ended = True
        self._executor.shutdown(wait=wait, cancel_futures=cancel_futures)

    def close(self) -> None:
        """Finish the running tasks, drop the queued ones, end the workers."""
        with contextlib.suppress(Exception):
            self.shutdown(wait=True, cancel_futures=True)


_END_TIMEOUT_S = 5.0  # a bound on ending a worker (SIGTERM, then SIGKILL), not a sync
_LOCK = threading.Lock()
_SHARED: WorkerPool | None = None


def shared_pool(workers: int) -> WorkerPool:
    """The process's reusable pool with ``workers`` workers (created or replaced as needed)."""
    global _SHARED
    hide = not main_module_rerun_is_safe()
    with _LOCK:
        pool = _SHARED
        if pool is not None and (pool.workers != workers or not pool.healthy()):
            _SHARED = None
            pool.terminate() if not pool.healthy() else pool.close()
            pool = None
        if pool is None:
            if hide:
                log.info(
                    "the main module cannot be re-run safely in worker processes (no "
                    "'if __name__ == \"__main__\":' guard, or read from stdin): workers "
                    "start without it"
                )
            pool = WorkerPool(workers, hide_main=hide)
            _SHARED = pool
        return pool


def discard_pool(pool: WorkerPool) -> None:
    """Terminate ``pool`` and forget it if it is the shared one."""
    global _SHARED
    with _LOCK:
        if _SHARED is pool:
            _SHARED = None
    pool.terminate()


def pool_of(executor: Executor | None) -> WorkerPool | None:
    """``executor`` if it is a :class:`WorkerPool` (the shared one or another)."""
    return executor if isinstance(executor, WorkerPool) else None


def end_pool_on_interrupt(pool: WorkerPool | None, exc: BaseException) -> None:
    """Ctrl-C, SIGTERM turned into an exception, a dead worker: end the workers now instead
    of waiting for their tasks; the next shared-pool call starts a new pool. (A task's own
    error, e.g. a bad plugin assigner, leaves the pool as is.)"""
    if pool is not None and (not isinstance(exc, Exception) or isinstance(exc, WorkerStartError)):
        discard_pool(pool)


@atexit.register
def _close_shared() -> None:
    global _SHARED
    pool, _SHARED = _SHARED, None
    if pool is not None:
        pool.close()


def _dead(pool: WorkerPool) -> WorkerStartError | None:
    code = pool.dead_worker()
    if code is None:
        return None
    return WorkerStartError(f"a worker process exited (status {code}) before finishing its task")


def wait_result(fut: Future[Any], pool: WorkerPool | None) -> Any:
    """``fut.result()``, but never waits forever on a pool whose worker has died."""
    if pool is None:
        return fut.result()
    while True:
        try:
            return fut.result(timeout=_POLL_S)
        except FutureTimeout:
            err = _dead(pool)
            if err is not None and not fut.done():
                raise err from None
        except BrokenProcessPool as exc:
            raise WorkerStartError(f"a worker process died: {exc}") from None


def wait_any(
    pending: set[Future[Any]], pool: WorkerPool | None
) -> tuple[set[Future[Any]], set[Future[Any]]]:
    """``concurrent.futures.wait(pending, return_when=FIRST_COMPLETED)`` as (done, not done),
    but never forever on a pool whose worker has died (:class:`WorkerStartError`)."""
    if pool is None:
        done, rest = wait(pending, return_when=FIRST_COMPLETED)
        return set(done), set(rest)
    while True:
        done, rest = wait(pending, timeout=_POLL_S, return_when=FIRST_COMPLETED)
        if done:
            return set(done), set(rest)
        err = _dead(pool)
        if err is not None:
            raise err

"""The worker pool's own contract: terminating it prints nothing and touches only the workers.

Root cause of a rare failure of ``test_sigterm_prints_one_line_and_exits_143`` under load
(a traceback on stderr after ``shieldlab: terminated``): two races in
``SharedPool.terminate``, both between the calling thread and the executor's manager
thread, which the dying workers wake.

* The runner cancelled its queued futures, then the workers were killed and only then
  the executor shut down. When the manager thread saw the dead workers first, CPython
  3.11's ``terminate_broken`` called ``set_exception`` on the cancelled futures and died
  on ``InvalidStateError`` ("Exception in thread ...", CPython gh-107219; 3.11 has no fix).
* It closed the executor's call-queue read end from the calling thread, while the
  manager thread (gh-94777) and the queue's feeder thread close the same connection:
  ``Connection.close`` is check-then-act, and the loser's ``EBADF`` was printed (or a
  descriptor reused in between was closed).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any

import pytest

from shieldlab.montecarlo import _pool

HANG_S = 600.0  # a guard against a hang, never a synchronisation


def test_terminate_leaves_the_executors_pipes_to_its_own_threads(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    pool = _pool.WorkerPool(2, hide_main=False)
    pids = {pool.submit(os.getpid).result() for _ in range(4)}
    assert pids and os.getpid() not in pids  # the workers run tasks
    reader = pool._executor._call_queue._reader  # type: ignore[attr-defined]
    closed_by: list[str] = []
    real_close = Connection.close

    def close(self: Any) -> None:
        if self is reader:
            closed_by.append(threading.current_thread().name)
        real_close(self)

    monkeypatch.setattr(Connection, "close", close)
    errors: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    procs = pool.processes()
    pool.terminate()
    assert all(p.exitcode is not None for p in procs)  # the workers are gone
    assert threading.current_thread().name not in closed_by  # left to the executor
    manager = pool._executor._executor_manager_thread  # type: ignore[attr-defined]
    assert manager is None or not manager.is_alive()
    assert errors == []
    assert capfd.readouterr().err == ""
    pool.terminate()  # again: a no-op
    pool.shutdown(wait=True)  # after terminate: a no-op, never a hang


def test_terminate_with_cancelled_futures_queued_prints_nothing(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """What a runner leaves on Ctrl-C: one task running, queued ones cancelled.

    The scheduling that lost is forced, not hoped for: whenever the executor is shut
    down after a worker was told to terminate, the shutdown first waits until that
    worker is dead and the manager thread has reacted (ended). Killing before shutting
    down then fails every time; shutting down first, as ``terminate`` does, never waits.
    """
    errors: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    pool = _pool.WorkerPool(1, hide_main=False)
    assert pool.submit(os.getpid).result() != os.getpid()
    running = pool.submit(time.sleep, 3600)
    queued = [pool.submit(os.getpid) for _ in range(6)]
    ex: Any = pool._executor
    # The state a long run is in: the manager thread has taken in every submit (its
    # wake-up pipe is drained) and waits on the workers, the tasks beyond the call
    # queue's two places queued behind it. (A wake-up still pending would make it drop
    # the cancelled futures before seeing a worker die.)
    deadline = time.monotonic() + HANG_S
    while ex._executor_manager_thread_wakeup._reader.poll() or not running.running():
        assert time.monotonic() < deadline, "the executor never took the tasks in"
        time.sleep(0.01)
    cancelled = [f for f in queued if f.cancel()]
    assert cancelled  # queued behind the call queue: still cancellable
    procs, manager = pool.processes(), ex._executor_manager_thread
    told: list[int] = []
    for proc in procs:
        real_terminate = proc.terminate

        def terminate(real: Any = real_terminate, pid: int = proc.pid) -> None:
            told.append(pid)
            real()

        monkeypatch.setattr(proc, "terminate", terminate)
    real_shutdown = ex.shutdown

    def shutdown(*args: Any, **kwargs: Any) -> None:
        if told:  # the adverse order: the manager thread sees the dead worker first
            for proc in procs:
                proc.join(timeout=HANG_S)
            manager.join(timeout=HANG_S)
        real_shutdown(*args, **kwargs)

    monkeypatch.setattr(ex, "shutdown", shutdown)
    pool.terminate()
    assert told  # the workers were ended
    assert errors == []  # no InvalidStateError in the executor's manager thread
    assert capfd.readouterr().err == ""
    # Every future settled (failed by the dead worker, or cancelled), none left pending.
    assert all(f.done() for f in [running, *queued])
    assert running.cancelled() or isinstance(running.exception(), BrokenProcessPool)


def test_a_submit_to_a_broken_pool_is_a_worker_error() -> None:
    pool = _pool.WorkerPool(1, hide_main=False)
    try:
        pid = pool.submit(os.getpid).result()
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(_pool.WorkerStartError):
            # The death shows in the result, or the pool refuses the submit: one error.
            _pool.wait_result(pool.submit(os.getpid), pool)
    finally:
        pool.terminate()

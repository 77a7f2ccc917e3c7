"""Dask faults (issue 21, item 11): a killed scheduler or a cluster left without workers is
one line, a bounded wait and exit status 2 -- never tracebacks, never a hang -- and the
study resumed without Dask gives the same cells as a local run.

Two levels: :class:`GuardedExecutor` against a stand-in client (deterministic, no Dask
needed), and real ``dask scheduler`` / ``dask worker`` processes on 127.0.0.1 whose
worker holds in a study cell (``tests/_dask_hold.py``) until the test kills it or its
scheduler: the tests wait on states (a marker file, the process's exit), not on a clock.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shieldlab.errors import InputError
from shieldlab.montecarlo._dask_guard import GuardedExecutor, wait_s

HERE = Path(__file__).resolve().parent
HOLD = str(HERE.parent / "_dask_hold.py")
HANG_S = 600.0  # against a hang only: every wait ends as soon as its state is seen


# ---- the guard against a stand-in client ---------------------------------------------------


class _Gate:
    """A task that waits until released (or the test ends)."""

    def __init__(self) -> None:
        self.go = threading.Event()

    def __call__(self, x: int) -> int:
        self.go.wait(HANG_S)
        return x * 2


class _FakeClient:
    """What GuardedExecutor uses of a distributed Client: status, workers, an executor."""

    def __init__(self) -> None:
        self.status = "running"
        self.workers = {"w1": {}}
        self.pool = ThreadPoolExecutor(2)

    def get_executor(self) -> Any:
        return self.pool

    def scheduler_info(self) -> dict[str, Any]:
        return {"workers": dict(self.workers)}


@pytest.fixture
def fake() -> Iterator[tuple[_FakeClient, _Gate]]:
    client, gate = _FakeClient(), _Gate()
    yield client, gate
    gate.go.set()
    client.pool.shutdown(wait=True)


def test_results_and_a_chunks_own_error_pass_through(fake: tuple[_FakeClient, _Gate]) -> None:
    client, gate = fake
    guard = GuardedExecutor(client, "tcp://x:1", wait=5)
    gate.go.set()
    assert guard.submit(gate, 21).result(timeout=HANG_S) == 42

    def boom() -> None:
        raise ValueError("the chunk's own error")

    with pytest.raises(ValueError, match="the chunk's own error"):
        guard.submit(boom).result(timeout=HANG_S)
    guard.shutdown()


def test_a_closed_client_fails_pending_work_with_one_line(
    fake: tuple[_FakeClient, _Gate],
) -> None:
    client, gate = fake
    guard = GuardedExecutor(client, "tcp://x:1", wait=HANG_S)
    fut = guard.submit(gate, 1)
    client.status = "closed"  # the client gave up reconnecting to its scheduler
    exc = fut.exception(timeout=HANG_S)
    assert isinstance(exc, InputError)
    assert str(exc).startswith("option --scheduler: lost the Dask scheduler at tcp://x:1")
    assert "\n" not in str(exc)
    with pytest.raises(InputError, match="lost the Dask scheduler"):
        guard.submit(gate, 2)  # nothing more is sent to a lost cluster
    guard.shutdown()


def test_no_worker_for_the_wait_fails_pending_work(fake: tuple[_FakeClient, _Gate]) -> None:
    client, gate = fake
    guard = GuardedExecutor(client, "tcp://x:1", wait=0.2)
    client.workers.clear()  # the only worker was killed: the scheduler waits for ever
    fut = guard.submit(gate, 1)
    exc = fut.exception(timeout=HANG_S)
    assert isinstance(exc, InputError)
    assert "has had no worker for 0.2 s (SHIELDLAB_DASK_WAIT_S)" in str(exc)
    guard.shutdown()


def test_a_cancelled_client_future_is_the_lost_scheduler() -> None:
    """distributed cancels its futures when the client closes: that used to surface as a
    bare ``CancelledError:`` with no message."""

    class _Cancelling(_FakeClient):
        def get_executor(self) -> Any:
            class _Ex:
                def submit(self, fn: Any, *a: Any, **k: Any) -> Future[Any]:
                    f: Future[Any] = Future()
                    f.cancel()
                    return f

                def shutdown(self, wait: bool = True) -> None:
                    pass

            return _Ex()

    client = _Cancelling()
    guard = GuardedExecutor(client, "tcp://x:1", wait=HANG_S)
    exc = guard.submit(print).exception(timeout=HANG_S)
    assert isinstance(exc, InputError) and not isinstance(exc, CancelledError)
    assert "lost the Dask scheduler at tcp://x:1" in str(exc)
    guard.shutdown()
    client.pool.shutdown()


def test_cancelling_ours_cancels_theirs(fake: tuple[_FakeClient, _Gate]) -> None:
    client, gate = fake
    guard = GuardedExecutor(client, "tcp://x:1", wait=HANG_S)
    running = guard.submit(gate, 1)
    running2 = guard.submit(gate, 2)  # both pool threads busy
    queued = guard.submit(gate, 3)
    assert queued.cancel()
    gate.go.set()
    assert (running.result(timeout=HANG_S), running2.result(timeout=HANG_S)) == (2, 4)
    guard.shutdown()


@pytest.mark.parametrize("raw", ["soon", "0", "-3"])
def test_a_bad_wait_is_one_line(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("SHIELDLAB_DASK_WAIT_S", raw)
    with pytest.raises(InputError, match="SHIELDLAB_DASK_WAIT_S must be"):
        wait_s()


# ---- real processes on 127.0.0.1 -----------------------------------------------------------

STUDY = """\
version: 1
name: dask-faults
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 6, 8, 10]}
replications: 100
seed: 5
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(path: Path, proc: subprocess.Popen[bytes]) -> None:
    """Until ``path`` exists (``proc`` must still be running): a state, not a clock."""
    import time

    deadline = time.monotonic() + HANG_S
    while not path.exists():
        if proc.poll() is not None:
            _out, err = proc.communicate()
            raise AssertionError(f"the run ended first: {err.decode()[-2000:]}")
        assert time.monotonic() < deadline, "no state reached"
        time.sleep(0.05)  # polling a state, not synchronising on time


@contextlib.contextmanager
def _cluster(tmp: Path, marker: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Any]]:
    pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, SHIELDLAB_TEST_HOLD=f"{marker}:1")
    sched = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_worker",
            address,
            "--nthreads",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--preload",
            HOLD,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
        cwd=tmp,
    )
    try:
        yield address, sched, worker
    finally:
        for p in (worker, sched):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def _run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=HANG_S,
    )


@pytest.mark.slow
@pytest.mark.parametrize("kill", ["worker", "scheduler"])
def test_killed_dask_process_is_one_line_exit_2_and_resumes_the_same(
    tmp_path: Path, kill: str
) -> None:
    study = tmp_path / "s.yaml"
    study.write_text(STUDY, encoding="utf-8")
    out = tmp_path / "dask"
    marker = tmp_path / "holding"
    with _cluster(tmp_path, marker) as (address, sched, worker):
        env = dict(os.environ, SHIELDLAB_DASK_WAIT_S="1")
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shieldlab.cli.main",
                "study",
                "run",
                str(study),
                "--out",
                str(out),
                "--scheduler",
                address,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        try:
            _wait_for(marker, run)  # the worker computed a cell and holds in the next
            os.kill((worker if kill == "worker" else sched).pid, signal.SIGKILL)
            _, err_b = run.communicate(timeout=HANG_S)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    err = err_b.decode()
    assert run.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    words = "has had no worker for 1 s" if kill == "worker" else "lost the Dask scheduler"
    assert lines[0].startswith("shieldlab: error: option --scheduler: ") and words in err
    assert address in err
    # Resuming without Dask (keeping what was committed before the fault) completes the
    # study with exactly the cells of a local run.
    resumed = _run_cli("study", "run", str(study), "--out", str(out), "--json")
    assert resumed.returncode == 0, resumed.stderr
    local = _run_cli("study", "run", str(study), "--out", str(tmp_path / "local"), "--json")
    assert local.returncode == 0, local.stderr
    got, want = json.loads(resumed.stdout), json.loads(local.stdout)
    assert got["records"] == want["records"]

"""Signal contract of ``shieldlab run --workers 2`` (issue 10, items 7 and 8), with real
processes: Ctrl-C prints one line and exits 130; SIGTERM one line and 143; SIGKILL of the
parent leaves no worker and no resource_tracker behind.

Linux only: the tests find a process's children through /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))
from _procs import HANG_S, HAS_PROC, pool_ready
from _procs import children as _children
from _procs import kill_all as _cleanup
from _procs import wait_gone as _wait_gone

pytestmark = pytest.mark.skipif(not HAS_PROC, reason="needs /proc (Linux)")

# The real command, run by tests/_child.py, which writes a marker file once a chunk of
# replications has been computed: the tests wait on that state, never on a clock (issue
# 21, item 15: a fixed 3 s sleep and short deadlines failed on a busy machine).
CHILD = str(Path(__file__).resolve().parent.parent / "_child.py")
# Far longer than any test waits: the run is still going when the signal arrives.
RUN = ["run", "--workers", "2", "-n", "20000000", "--json"]


def _start_run(*extra: str, tmp: Path) -> tuple[subprocess.Popen[bytes], dict[int, str]]:
    """Start the run in its own process group; return once workers are computing.

    That is: the child has written its marker (a chunk of replications is done) and its
    two pool workers and the resource_tracker exist. ``tmp`` holds the marker and is the
    run's temporary directory (where its job file goes).
    """
    marker = tmp / "computing"
    env = dict(os.environ, TMPDIR=str(tmp))
    proc = subprocess.Popen(
        [sys.executable, CHILD, str(marker), "chunk", "--", *RUN, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
    )
    deadline = time.monotonic() + HANG_S
    kids: dict[int, str] = {}
    while True:
        if marker.exists():
            kids = _children(proc.pid)
            if pool_ready(kids, 2):
                return proc, kids
        if proc.poll() is not None:
            pytest.fail(f"run ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no computing workers after {HANG_S:.0f} s: {_children(proc.pid)}")
        time.sleep(0.05)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param((), id="process-pool"),
        pytest.param(("--scheduler", "local"), id="dask-local", marks=pytest.mark.slow),
    ],
)
def test_ctrl_c_prints_one_line_and_exits_130(extra: tuple[str, ...], tmp_path: Path) -> None:
    if extra:
        pytest.importorskip("distributed")
    proc, kids = _start_run(*extra, tmp=tmp_path)
    try:
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        out, err = proc.communicate(timeout=HANG_S)
        assert proc.returncode == 130
        assert err.decode() == "shieldlab: interrupted\n"
        assert out == b""
        assert _wait_gone(list(kids), HANG_S) == []
    finally:
        _cleanup([proc.pid, *kids])


def test_sigterm_prints_one_line_and_exits_143(tmp_path: Path) -> None:
    proc, kids = _start_run(tmp=tmp_path)
    try:
        proc.terminate()
        _out, err = proc.communicate(timeout=HANG_S)
        assert proc.returncode == 143
        assert err.decode() == "shieldlab: terminated\n"
        assert _wait_gone(list(kids), HANG_S) == []
    finally:
        _cleanup([proc.pid, *kids])


def test_sigkill_of_the_parent_leaves_no_process_behind(tmp_path: Path) -> None:
    proc, kids = _start_run(tmp=tmp_path)
    try:
        proc.kill()
        proc.communicate(timeout=HANG_S)
        # Workers die with their parent; the resource_tracker follows once its pipe closes.
        assert _wait_gone(list(kids), HANG_S) == []
        # What a SIGKILL can leave (docs/architecture.md): the job file, nothing else.
        left = {p.name for p in tmp_path.iterdir()} - {"computing"}
        assert {name.split("-")[1] for name in left} <= {"job"}, left
    finally:
        _cleanup([proc.pid, *kids])

"""``study run --workers N`` runs on the package's one worker pool (issue 21, item 4).

With real processes: a SIGKILLed parent leaves no worker and no resource_tracker behind
(before, the study's own ProcessPoolExecutor workers and the tracker lived on, holding
the parent's stderr); Ctrl-C and SIGTERM print one line, exit 130 / 143, end every
worker at once and leave no half-written file in the study directory. Each test waits on
states -- a cell file stored, the pool's processes present, processes gone -- never on a
clock (issue 21, item 15).

Linux only: the tests find a process's children through /proc.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))
from _procs import HANG_S, HAS_PROC, children, kill_all, pool_ready, wait_gone
from shieldlab.montecarlo import _pool
from shieldlab.study import process_pool

pytestmark = pytest.mark.skipif(not HAS_PROC, reason="needs /proc (Linux)")

# 24 cells of 20,000 replications: seconds each, so the study is far from done when the
# first cell is stored and the test signals it.
STUDY = """\
version: 1
name: pooled
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 6, 8, 10, 12, 14, 16, 18]}
  - {name: salvo, path: doctrine.salvo_size, values: [1, 2, 3]}
replications: 20000
seed: 3
"""


def _start_study(study: Path, out: Path, tmp: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """Start ``study run --workers 2`` in its own session; return once a cell is stored
    and its two pool workers and the resource_tracker exist (their pids)."""
    cmd = [sys.executable, "-m", "shieldlab.cli.main", "study", "run", str(study)]
    proc = subprocess.Popen(
        [*cmd, "--out", str(out), "--workers", "2", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=dict(os.environ, TMPDIR=str(tmp)),
    )
    deadline = time.monotonic() + HANG_S  # a hang guard, not synchronisation
    while True:
        if any((out / "cells").glob("cell-*.json")):
            kids = children(proc.pid)
            if pool_ready(kids, 2):
                return proc, list(kids)
        if proc.poll() is not None:
            pytest.fail(f"study ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no stored cell after {HANG_S:.0f} s: {children(proc.pid)}")
        time.sleep(0.05)


def _leftovers(out: Path, tmp: Path) -> list[str]:
    """Temporary or partial files in the study directory and the temporary directory."""
    names = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    bad = [n for n in names if n.endswith((".tmp", ".part", ".wal")) or "/." in "/" + n]
    bad = [n for n in bad if not n.endswith(".lock")]  # the lock file is meant to stay
    return bad + [p.name for p in tmp.iterdir() if p.name.startswith("shieldlab-")]


def test_sigkill_of_a_study_run_leaves_no_worker_behind(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    p = write(STUDY)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc, kids = _start_study(p, tmp_path / "out", tmp)
    try:
        proc.kill()
        proc.communicate(timeout=HANG_S)
        # Workers die with their parent (PR_SET_PDEATHSIG, or the watchdog); the
        # resource_tracker follows once its pipe closes.
        assert wait_gone(kids) == []
    finally:
        kill_all([proc.pid, *kids])


@pytest.mark.parametrize(
    ("sig", "status", "line"),
    [
        pytest.param(signal.SIGINT, 130, "shieldlab: interrupted\n", id="Ctrl-C"),
        pytest.param(signal.SIGTERM, 143, "shieldlab: terminated\n", id="SIGTERM"),
    ],
)
def test_interrupted_study_run_ends_its_workers_and_writes_nothing_partial(
    write: Callable[..., Path], tmp_path: Path, sig: signal.Signals, status: int, line: str
) -> None:
    p = write(STUDY)
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    proc, kids = _start_study(p, out, tmp)
    try:
        if sig == signal.SIGINT:
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        else:
            proc.terminate()
        stdout, err = proc.communicate(timeout=HANG_S)
        assert (proc.returncode, err, stdout) == (status, line, "")
        assert wait_gone(kids) == []
        assert _leftovers(out, tmp) == []
        cells = sorted((out / "cells").glob("cell-*.json"))
        assert 1 <= len(cells) < 24  # interrupted, with what was stored kept whole
        for c in cells:
            assert set(json.loads(c.read_text())) >= {"cell", "seed", "values", "outputs"}
    finally:
        kill_all([proc.pid, *kids])


def test_study_pool_is_the_one_pool_implementation() -> None:
    """``process_pool`` is a WorkerPool: the parent-death set-up of ``simulate``'s pool."""
    with process_pool(2) as ex:
        assert isinstance(ex, _pool.WorkerPool)
        assert _pool.pool_of(ex) is ex
        pids = {ex.submit(os.getpid).result() for _ in range(4)}
        assert pids and os.getpid() not in pids
        procs = ex.processes()
    assert all(p.exitcode is not None for p in procs)  # shut down on leaving the block

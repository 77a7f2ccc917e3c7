"""Signal contract of ``shieldlab run --workers 2`` (issue 10, items 7 and 8), with real
processes: Ctrl-C prints one line and exits 130; SIGTERM one line and 143; SIGKILL of the
parent leaves no worker and no resource_tracker behind.

Linux only: the tests find a process's children through /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")

# The real command, run by tests/_child.py, which writes a marker file once a chunk of
# replications has been computed: the tests wait on that state, never on a clock (issue
# 21, item 15: a fixed 3 s sleep and short deadlines failed on a busy machine).
CHILD = str(Path(__file__).resolve().parent.parent / "_child.py")
# Far longer than any test waits: the run is still going when the signal arrives.
RUN = ["run", "--workers", "2", "-n", "20000000", "--json"]
# Guards against a hang, not synchronisation: each wait ends as soon as its state is seen.
HANG_S = 600.0


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of ``pid``, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def _children(pid: int) -> dict[int, str]:
    """Live children of ``pid`` and their command lines."""
    out: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        st = _stat(int(entry.name))
        if st is None or st[0] != pid or st[1] == "Z":
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        out[int(entry.name)] = cmd
    return out


def _alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[1] != "Z"


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
            workers = [p for p, cmd in kids.items() if "spawn_main" in cmd]
            if len(workers) == 2 and any("resource_tracker" in c for c in kids.values()):
                return proc, kids
        if proc.poll() is not None:
            pytest.fail(f"run ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no computing workers after {HANG_S:.0f} s: {_children(proc.pid)}")
        time.sleep(0.05)


def _wait_gone(pids: list[int], timeout_s: float) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.2)
    return [p for p in pids if _alive(p)]


def _cleanup(pids: list[int]) -> None:
    for p in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGKILL)


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

"""Process-tree helpers for the signal tests (Linux: they read /proc).

The tests wait on states -- a process gone, a file present -- never on a clock; the
deadlines here guard against a hang only (issue 21, item 15).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

HAS_PROC = Path("/proc/self/stat").exists()
#: Far longer than any state takes to appear on a busy machine: a hang guard only.
HANG_S = 600.0


def stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of ``pid``, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def children(pid: int) -> dict[int, str]:
    """Live children of ``pid`` and their command lines."""
    out: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        st = stat(int(entry.name))
        if st is None or st[0] != pid or st[1] == "Z":
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        out[int(entry.name)] = cmd
    return out


def pool_ready(kids: dict[int, str], workers: int) -> bool:
    """``workers`` spawned pool workers and multiprocessing's resource_tracker exist."""
    spawned = [p for p, cmd in kids.items() if "spawn_main" in cmd]
    return len(spawned) == workers and any("resource_tracker" in c for c in kids.values())


def alive(pid: int) -> bool:
    st = stat(pid)
    return st is not None and st[1] != "Z"


def wait_gone(pids: list[int], timeout_s: float = HANG_S) -> list[int]:
    """Wait until none of ``pids`` is alive; those still alive at the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.2)
    return [p for p in pids if alive(p)]


def kill_all(pids: list[int]) -> None:
    for p in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGKILL)

"""Long waits say what is happening (issue 20, item 9): a status line on stderr when it is
a terminal (replay, wta solve, run --report), nothing on a pipe; ``run_study`` logs.

The terminal is a pseudo-terminal (``pty``) on the child's stderr; the tests look for
the messages, never at timings.
"""

from __future__ import annotations

import logging
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from shieldlab.examples import find_example

WTA = find_example("wta-8x16x2")
assert WTA is not None


def run_with_tty_stderr(*args: str, cwd: Path) -> tuple[int, str, str]:
    """``shieldlab ARGS`` with stderr on a pseudo-terminal: (exit, stdout, terminal bytes)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    out, _ = proc.communicate()
    reader.join()
    os.close(master)
    return proc.returncode, out.decode(), b"".join(chunks).decode(errors="replace")


def run_piped(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def test_replay_shows_what_it_does(tmp_path: Path) -> None:
    code, out, tty = run_with_tty_stderr("replay", "single-battery", "-r", "1", cwd=tmp_path)
    assert code == 0, tty
    assert "recording replication 1 of single-battery" in tty
    assert "replication 1 of seed 0" in out
    piped = run_piped("replay", "single-battery", "-r", "1", cwd=tmp_path)
    assert piped.returncode == 0 and piped.stderr == ""  # nothing on a pipe


def test_wta_solve_shows_what_it_does(tmp_path: Path) -> None:
    code, out, tty = run_with_tty_stderr(
        "wta", "solve", str(WTA.path), "--solver", "exact", cwd=tmp_path
    )
    assert code == 0, tty
    assert "solving wta-8x16x2.txt (exact" in tty
    assert "optimal       proven" in out
    piped = run_piped("wta", "solve", str(WTA.path), "--solver", "greedy", cwd=tmp_path)
    assert piped.returncode == 0 and piped.stderr == ""


def test_run_report_says_it_is_writing(tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    pytest.importorskip("matplotlib")
    code, out, tty = run_with_tty_stderr(
        "run", "single-battery", "-n", "200", "--report", "rep", cwd=tmp_path
    )
    assert code == 0, tty
    assert "writing the report to rep" in tty
    assert "wrote the report" in out


def test_run_study_logs_its_progress(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from shieldlab.study import run_study

    p = tmp_path / "s.yaml"
    p.write_text(
        "version: 1\nname: logged\nbase: {scenario: single-battery}\n"
        "factors:\n  - {name: raid_size, path: raid.size, values: [2, 4, 6]}\n"
        "replications: 20\nseed: 1\n",
        encoding="utf-8",
    )
    seen: list[tuple[int, int]] = []
    with caplog.at_level(logging.INFO, logger="shieldlab.study.runner"):
        run_study(p, None, progress=lambda d, t: seen.append((d, t)))
    msgs = [r.getMessage() for r in caplog.records if r.name == "shieldlab.study.runner"]
    assert msgs[0] == "study logged: 3 cells of 20 replications, 0 already done"
    assert [m for m in msgs if "cells done" in m] == [
        f"study logged: {k} of 3 cells done" for k in (1, 2, 3)
    ]
    assert msgs[-1].startswith("study logged: done, 3 cells computed in ")
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]

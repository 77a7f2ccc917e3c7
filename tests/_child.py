"""The ``shieldlab`` command in a child process that reports a state: for signal tests.

Tests that signal a running command must wait until it has reached the state they mean to
interrupt -- workers computing, some study cells stored -- and never guess it from a clock:
on a busy machine a fixed sleep is too short and a study may finish first (issue 21,
item 15). This script runs the real CLI (``shieldlab.cli.main.main``, argv after ``--``)
with one observer added, which writes ``MARKER`` (atomically) once the state is reached:

``chunk``
    ``simulate`` has reported progress past zero: at least one chunk of replications has
    been computed (by a worker, with ``--workers``/``--scheduler``) and the run goes on.
``cell N``
    a study is about to compute its cell number ``N`` of this run (``N`` cells computed and
    stored before it). The child then *holds* there, waiting for a signal, so it cannot
    finish before the test's signal arrives; SIGINT then raises ``KeyboardInterrupt`` at
    that point, as a Ctrl-C between two cells does.

Usage: ``python tests/_child.py MARKER chunk -- run ...`` or
``python tests/_child.py MARKER cell 3 -- study run ...``. Nothing else changes: the
process tree, the pool, the signal handling and the output are the command's own.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from pathlib import Path
from typing import Any


def _mark(marker: Path) -> None:
    tmp = marker.with_name(marker.name + ".part")
    tmp.write_text(str(os.getpid()))
    os.replace(tmp, marker)


def _hook_chunk(marker: Path) -> None:
    import shieldlab.montecarlo.runner as runner

    real = runner.simulate

    @functools.wraps(real)
    def simulate(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        def observe(done: int, total: int) -> None:
            if done > 0 and not marker.exists():
                _mark(marker)
            if progress is not None:
                progress(done, total)

        return real(*args, progress=observe, **kwargs)

    runner.simulate = simulate


def _hook_cell(marker: Path, n: int) -> None:
    import shieldlab.study.runner as runner

    real = runner.run_cell
    calls = 0

    @functools.wraps(real)
    def run_cell(task: Any) -> Any:
        nonlocal calls
        if calls == n:
            _mark(marker)
            while True:  # hold until a signal ends the process or raises KeyboardInterrupt
                signal.pause()
        calls += 1
        return real(task)

    runner.run_cell = run_cell


def main() -> None:
    # A test run as a background job of a non-interactive shell inherits SIGINT ignored,
    # and Python keeps an inherited SIG_IGN: give the child the interactive default.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sep = sys.argv.index("--")
    marker, hook, *hook_args = sys.argv[1:sep]
    if hook == "chunk":
        _hook_chunk(Path(marker))
    elif hook == "cell":
        _hook_cell(Path(marker), int(hook_args[0]))
    else:
        raise SystemExit(f"unknown hook {hook!r}")
    from shieldlab.cli.main import main as cli_main

    cli_main(sys.argv[sep + 1 :])


if __name__ == "__main__":
    main()

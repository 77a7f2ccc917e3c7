"""``simulate(sc, workers=2)`` from a script without a main guard, from stdin and from
``python -c`` (issue 10, item 9): it used to hang for ever (spawned workers re-ran the
script, or could not find '<stdin>'). Each runs in a real interpreter with a time limit;
the script's top-level side effect must happen once, and the result must equal the
in-process one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shieldlab.montecarlo._pool import _under_main_guard

SCRIPT = """\
import shieldlab
from shieldlab.scenario.loader import scenario_by_name_or_path
print("side effect")
sc = scenario_by_name_or_path("four-batteries")
two = shieldlab.simulate(sc, replications=600, seed=4, workers=2)
one = shieldlab.simulate(sc, replications=600, seed=4, workers=1)
d2, d1 = two.to_dict(), one.to_dict()
d2.pop("timing"), d1.pop("timing")
print("same" if d1 == d2 else "DIFFERENT", two.timing["backend"])
"""

TIME_LIMIT_S = 240  # generous: a cold numba cache on a loaded machine; a hang is for ever


def _check(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == ["side effect", "same process pool, 2 workers"], proc.stdout


@pytest.mark.slow
def test_script_without_main_guard(tmp_path: Path) -> None:
    script = tmp_path / "noguard.py"
    script.write_text(SCRIPT)
    _check(
        subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT_S,
            cwd=tmp_path,
        )
    )


@pytest.mark.slow
def test_script_from_stdin(tmp_path: Path) -> None:
    _check(
        subprocess.run(
            [sys.executable, "-"],
            input=SCRIPT,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT_S,
            cwd=tmp_path,
        )
    )


@pytest.mark.slow
def test_python_dash_c(tmp_path: Path) -> None:
    _check(
        subprocess.run(
            [sys.executable, "-c", SCRIPT],
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT_S,
            cwd=tmp_path,
        )
    )


@pytest.mark.parametrize(
    ("source", "line", "guarded"),
    [
        ("import x\nx.run()\n", 2, False),
        ('if __name__ == "__main__":\n    run()\n', 2, True),
        ("if '__main__' == __name__:\n    run()\n", 2, True),
        ('if __name__ != "__main__":\n    run()\n', 2, False),
        ('def main():\n    run()\nif __name__ == "__main__":\n    main()\n', 4, True),
        ('def main():\n    run()\nmain()\nif __name__ == "__main__":\n    pass\n', 3, False),
        ("if debug:\n    run()\n", 2, False),
    ],
)
def test_main_guard_is_recognised(source: str, line: int, guarded: bool) -> None:
    import ast

    assert _under_main_guard(ast.parse(source), line) is guarded

"""The base install works: every import is declared, and the CLI needs no undeclared package.

Issue 21: ``pip install shieldlab`` (no extras) then ``shieldlab --version`` failed with
``ModuleNotFoundError: click`` -- ``cli/main.py`` imported ``click``, which typer >= 0.20
no longer depends on (it vendors its own copy) and which pyproject.toml did not declare.
``make smoke-base`` (run by ``.ci/run``) checks a real base install in a fresh venv; these
tests catch the same class of defect in the test run, without a network.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from shieldlab._optional import EXTRAS

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "shieldlab"

# Imported directly (not through ``_optional.require``) by code that only the benchmarks
# call (``tracking.peers``: the Stone Soup comparison).
BENCH_ONLY = {"stonesoup": "bench"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(reqs: list[str]) -> set[str]:
    return {_norm(re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]) for r in reqs}


def _declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = _requirement_names(project["dependencies"])
    extras = {k: _requirement_names(v) for k, v in project["optional-dependencies"].items()}
    return core, extras


def _third_party_imports() -> dict[str, list[str]]:
    """Top-level third-party modules imported anywhere in the package -> where."""
    found: dict[str, list[str]] = {}
    for file in sorted(SRC.rglob("*.py")):
        tree = ast.parse(file.read_text(), str(file))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".", 1)[0]
                if top in sys.stdlib_module_names or top == "shieldlab":
                    continue
                found.setdefault(top, []).append(f"{file.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_import_is_declared_in_pyproject() -> None:
    core, extras = _declared()
    dists = packages_distributions()
    problems = []
    for module, where in sorted(_third_party_imports().items()):
        extra = EXTRAS.get(module) or BENCH_ONLY.get(module)
        names = {_norm(d) for d in dists.get(module, [])}
        if not names and module in BENCH_ONLY:
            names = {_norm(module)}  # not in the dev install: its distribution's own name
        if not names:
            problems.append(f"{module} (imported at {where[0]}) is not installed")
            continue
        if extra is None:
            if not names & core:
                problems.append(
                    f"{module} (imported at {where[0]}) is not a core dependency; declare "
                    f"it in [project] dependencies, or import it through _optional.require"
                )
        elif not names & extras[extra]:
            problems.append(f"{module} (imported at {where[0]}) is not in the [{extra}] extra")
    assert not problems, "\n".join(problems)


_BLOCK_CLICK = (
    "import sys\n"
    "for m in ('click', 'click.exceptions'):\n"
    "    sys.modules[m] = None  # import click -> ImportError, as in a base install\n"
    "from shieldlab.cli.main import main\n"
    "main(sys.argv[1:])\n"
)


@pytest.mark.parametrize(
    ("args", "code", "stream", "expect"),
    [
        (["--version"], 0, "stdout", "shieldlab "),
        (["--help"], 0, "stdout", "Usage: shieldlab"),
        (["run", "--help"], 0, "stdout", "Usage: shieldlab run"),
        (["no-such-command"], 2, "stderr", "No such command"),
        (["run", "--replications", "many"], 2, "stderr", "Invalid value"),
    ],
)
def test_cli_runs_without_the_click_package(
    args: list[str], code: int, stream: str, expect: str
) -> None:
    if importlib.util.find_spec("typer._click") is None:
        pytest.skip("typer < 0.20 depends on the click package itself")
    res = subprocess.run(
        [sys.executable, "-c", _BLOCK_CLICK, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert res.returncode == code, res.stderr
    assert expect in getattr(res, stream)
    assert "Traceback" not in res.stderr and "ModuleNotFoundError" not in res.stderr

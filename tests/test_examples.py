"""Shipped examples (issue 20, item 7): package data, ``shieldlab examples DIR``, ``study
run NAME`` from any directory, ``study run --replications``."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from shieldlab.examples import example_dir, find_example, list_examples
from shieldlab.study.model import load_study
from shieldlab.wta import load_instance

ROOT = Path(__file__).resolve().parents[1]

STUDY = """\
version: 1
name: cli
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 8]}
replications: 200
seed: 2
"""


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def test_examples_are_package_data() -> None:
    """Every example sits inside the package and matches a package-data pattern, so a
    wheel carries it (the examples were in docs/, outside the package, before)."""
    names = {e.path.name for e in list_examples()}
    assert {"study-sweep.yaml", "study-morris.yaml", "study-cards-sobol.yaml"} <= names
    assert "wta-8x16x2.txt" in names
    assert example_dir().parent.name == "shieldlab"
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = conf["tool"]["setuptools"]["package-data"]["shieldlab"]
    for e in list_examples():
        rel = e.path.relative_to(example_dir().parent).as_posix()
        assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), rel
    # docs/examples is a link to the shipped files, not a second copy that could drift
    assert (ROOT / "docs" / "examples").resolve() == example_dir()


def test_wta_example_is_the_documented_generated_instance() -> None:
    """The WTA example is generated (no benchmark data copied in): the recipe in
    shieldlab.examples' docstring gives it byte for byte."""
    rng = np.random.default_rng(20)
    m, n, mu = 8, 16, 2
    v = rng.integers(10, 101, size=n)
    p = np.round(rng.uniform(0.2, 0.9, size=(m, n)), 4)
    lines = [f"{m} {n} {mu}", *(str(int(x)) for x in v)]
    lines += [f"{i} {j} {p[i, j]:.4f}" for i in range(m) for j in range(n)]
    path = example_dir() / "wta-8x16x2.txt"
    assert path.read_text(encoding="utf-8") == "\n".join(lines) + "\n"
    inst = load_instance(path)
    assert (inst.n_weapon_types, inst.n_targets, inst.n_weapons) == (8, 16, 16)


def test_copy_out_then_refuse_to_overwrite(tmp_path: Path) -> None:
    dest = tmp_path / "ex"
    res = run_cli("examples", str(dest), "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    copied = json.loads(res.stdout)["copied"]
    assert len(copied) == len(list_examples())
    for e in list_examples():
        assert (dest / e.path.name).read_bytes() == e.path.read_bytes()
    # again: the same bytes are left alone, no error
    again = run_cli("examples", str(dest), "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["copied"] == []
    # a file the user changed is never replaced: exit 2 naming it, nothing written at all
    mine = dest / "study-sweep.yaml"
    mine.write_text("my own study\n", encoding="utf-8")
    (dest / "wta-8x16x2.txt").unlink()
    refused = run_cli("examples", str(dest), cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"shieldlab: error: {mine}: already exists; not replaced "
        "(remove it or choose another directory); nothing copied"
    ]
    assert mine.read_text(encoding="utf-8") == "my own study\n"
    assert not (dest / "wta-8x16x2.txt").exists()


def test_examples_lists_them(tmp_path: Path) -> None:
    res = run_cli("examples", "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    got = {e["name"]: e["kind"] for e in json.loads(res.stdout)["examples"]}
    assert got["study-sweep"] == "study" and got["wta-8x16x2"] == "wta"
    assert list(tmp_path.iterdir()) == []  # listing writes nothing


def test_study_example_by_name_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sf = load_study("study-morris")
    assert sf.study.name == "card-screening"
    assert find_example("study-sweep.yaml", kind="study") is not None
    assert find_example("wta-8x16x2", kind="study") is None
    # a file of that name in the working directory wins over the example
    (tmp_path / "study-morris").write_text(STUDY, encoding="utf-8")
    assert load_study("study-morris").study.name == "cli"


def test_study_run_by_name_outside_the_checkout(tmp_path: Path) -> None:
    """Out of the source tree, by name; a bad --replications exits 2 before any work."""
    res = run_cli("study", "run", "study-sweep", "--out", "o", "-n", "0", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip() == (
        "shieldlab: error: option --replications: must be between 1 and 100,000,000, got 0"
    )
    assert not (tmp_path / "o").exists()
    missing = run_cli("study", "run", "no-such-study", "--out", "o", cwd=tmp_path)
    assert missing.returncode == 2 and "no-such-study" in missing.stderr


def test_study_run_replications_override(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(STUDY, encoding="utf-8")
    res = run_cli(
        "study", "run", str(p), "--out", "o", "--replications", "7", "--json", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    manifest = json.loads((tmp_path / "o" / "study.json").read_text(encoding="utf-8"))
    assert manifest["replications"] == 7
    assert manifest["study"]["replications"] == 7

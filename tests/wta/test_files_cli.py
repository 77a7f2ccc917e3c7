"""Instance files (text and JSON) and the `shieldlab wta solve` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shieldlab.errors import InputError
from shieldlab.wta import WTAInstance, load_instance, objective

TEXT = "2 3 2\n10\n4\n7\n0 0 0.9\n0 1 0.5\n0 2 0.3\n1 0 0.2\n1 1 0.8\n1 2 0.6\n"
JSON = {
    "target_values": [10, 4, 7],
    "kill_probability": [[0.9, 0.5, 0.3], [0.2, 0.8, 0.6]],
    "weapon_counts": [2, 2],
}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_text_and_json_formats_agree(tmp_path: Path) -> None:
    a = load_instance(write(tmp_path, "a.txt", TEXT))
    b = load_instance(write(tmp_path, "b.json", json.dumps(JSON)))
    for inst in (a, b):
        assert inst.weapon_counts.tolist() == [2, 2]
        assert inst.target_values.tolist() == [10, 4, 7]
    assert np.array_equal(a.kill_probability, b.kill_probability)


def test_missing_pairs_in_text_format_mean_zero(tmp_path: Path) -> None:
    inst = load_instance(write(tmp_path, "a.txt", "1 2 1\n5\n6\n0 1 0.5\n"))
    assert inst.kill_probability.tolist() == [[0.0, 0.5]]


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (TEXT.replace("0 1 0.5", "0 1 1.5"), 6, "kill_probability[0][1]"),
        (TEXT.replace("0 1 0.5", "0 1 -0.1"), 6, "kill_probability[0][1]"),
        (TEXT.replace("0 1 0.5", "0 1 abc"), 6, "kill_probability[0][1]"),
        (TEXT.replace("0 1 0.5", "0 1"), 6, "kill_probability"),
        (TEXT.replace("\n4\n", "\n-4\n"), 3, "target_values[1]"),
        (TEXT.replace("\n4\n", "\nfour\n"), 3, "target_values[1]"),
        (TEXT.replace("2 3 2", "2 3 -1"), 1, "mu"),
        (TEXT.replace("2 3 2", "2 3"), 1, "header"),
        (TEXT.replace("1 2 0.6", "5 2 0.6"), 10, "i"),
        (TEXT.replace("1 2 0.6", "1 0 0.6"), 10, "kill_probability[1][0]"),
    ],
)
def test_text_errors_name_line_and_field(tmp_path: Path, text: str, line: int, field: str) -> None:
    p = write(tmp_path, "bad.txt", text)
    with pytest.raises(InputError) as exc:
        load_instance(p)
    loc = exc.value.location
    assert (loc.file, loc.line, loc.field) == (str(p), line, field)


def _json_variant(**changes: object) -> str:
    data = dict(JSON)
    data.update(changes)
    return json.dumps(data, indent=1)


@pytest.mark.parametrize(
    ("text", "field", "message", "on_line"),
    [
        (
            _json_variant(kill_probability=[[0.9, 0.5, 0.3], [0.2, 0.8]]),
            "kill_probability[1]",
            "row has 2 entries",
            "[",
        ),
        (
            _json_variant(kill_probability=[[0.9, 0.5, 0.3], [0.2, 1.8, 0.6]]),
            "kill_probability[1][1]",
            "outside",
            "1.8",
        ),
        (
            _json_variant(kill_probability=[[0.9, 0.5, 0.3], [0.2, "x", 0.6]]),
            "kill_probability[1][1]",
            "not a number",
            '"x"',
        ),
        (_json_variant(weapon_counts=[2, -1]), "weapon_counts[1]", "negative", "-1"),
        (_json_variant(weapon_counts=[2, 1.5]), "weapon_counts[1]", "not an integer", "1.5"),
        (_json_variant(weapon_counts=[2]), "weapon_counts", "expected 2", '"weapon_counts"'),
        (_json_variant(target_values=[10, -4, 7]), "target_values[1]", "negative", "-4"),
        (_json_variant(target_values=[10, None, 7]), "target_values[1]", "not a number", "null"),
    ],
)
def test_json_errors_name_line_and_field(
    tmp_path: Path, text: str, field: str, message: str, on_line: str
) -> None:
    p = write(tmp_path, "bad.json", text)
    with pytest.raises(InputError, match=message) as exc:
        load_instance(p)
    loc = exc.value.location
    assert loc.field == field and loc.file == str(p)
    assert loc.line is not None
    assert on_line in text.splitlines()[loc.line - 1], (loc.line, text)


def test_json_ragged_row_line_is_the_row(tmp_path: Path) -> None:
    text = (
        '{\n "target_values": [1, 2],\n "kill_probability": [\n  [0.1, 0.2],\n'
        '  [0.3]\n ],\n "weapon_counts": [1, 1]\n}\n'
    )
    with pytest.raises(InputError) as exc:
        load_instance(write(tmp_path, "r.json", text))
    assert exc.value.location.line == 5


def test_malformed_json_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="malformed JSON") as exc:
        load_instance(write(tmp_path, "m.json", '{"target_values": [1,\n 2,,]}'))
    assert exc.value.location.line == 2
    with pytest.raises(InputError, match="not found"):
        load_instance(tmp_path / "nope.json")
    with pytest.raises(InputError, match="empty"):
        load_instance(write(tmp_path, "e.txt", "  \n"))


def test_instance_validation_in_python_api() -> None:
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        WTAInstance(target_values=[1.0], kill_probability=[[1.2]], weapon_counts=[1])
    with pytest.raises(InputError, match="columns"):
        WTAInstance(target_values=[1.0, 2.0], kill_probability=[[0.2]], weapon_counts=[1])
    with pytest.raises(InputError, match="integer"):
        WTAInstance(target_values=[1.0], kill_probability=[[0.2]], weapon_counts=[-1])


@pytest.mark.parametrize("solver", ["greedy", "assignment", "local-search", "exact", "auto"])
def test_cli_json_output(tmp_path: Path, solver: str) -> None:
    p = write(tmp_path, "i.json", json.dumps(JSON))
    # a generous limit: the instance is solved in milliseconds, but a fresh numba cache
    # compiles first (tens of seconds on a loaded machine)
    res = run_cli("wta", "solve", str(p), "--solver", solver, "--time-limit", "60", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)  # exactly one JSON object on stdout
    assert list(out) == [
        "objective",
        "lower_bound",
        "assignment",
        "solver",
        "seconds",
        "startup_seconds",
    ]
    assert out["solver"] == solver
    inst = load_instance(p)
    x = np.zeros((2, 3), dtype=np.int64)
    for i, j, c in out["assignment"]:
        x[i, j] = c
    assert out["objective"] == pytest.approx(objective(inst, x), rel=1e-12)
    assert x.sum(axis=1).tolist() == [2, 2]
    if solver in ("exact", "auto"):
        assert out["lower_bound"] == pytest.approx(out["objective"], rel=1e-6)


def test_cli_table_output(tmp_path: Path) -> None:
    p = write(tmp_path, "i.txt", TEXT)
    res = run_cli("wta", "solve", str(p), "--solver", "exact", "--time-limit", "5")
    assert res.returncode == 0, res.stderr
    assert "objective" in res.stdout and "proven" in res.stdout


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        (_json_variant(kill_probability=[[0.9, 0.5, 0.3], [0.2, 0.8]]), "kill_probability[1]"),
        (
            _json_variant(kill_probability=[[0.9, 0.5, 0.3], [0.2, 1.5, 0.6]]),
            "kill_probability[1][1]",
        ),
        (_json_variant(weapon_counts=[2, -3]), "weapon_counts[1]"),
        (_json_variant(target_values=[10, -4, 7]), "target_values[1]"),
        (TEXT.replace("0 1 0.5", "0 1 zero"), "bad.txt:6"),
    ],
)
def test_cli_malformed_instances_exit_2(tmp_path: Path, text: str, expect: str) -> None:
    p = write(tmp_path, "bad.txt", text)
    res = run_cli("wta", "solve", str(p), "--json")
    assert res.returncode == 2
    assert expect in res.stderr and str(p) in res.stderr
    assert "Traceback" not in res.stderr
    assert res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1


def test_cli_bad_options_exit_2(tmp_path: Path) -> None:
    p = write(tmp_path, "i.json", json.dumps(JSON))
    res = run_cli("wta", "solve", str(p), "--time-limit", "0")
    assert res.returncode == 2 and "--time-limit" in res.stderr
    res = run_cli("wta", "solve", str(p), "--solver", "magic")
    assert res.returncode == 2
    res = run_cli("wta", "solve", str(tmp_path / "missing.json"))
    assert res.returncode == 2 and "not found" in res.stderr

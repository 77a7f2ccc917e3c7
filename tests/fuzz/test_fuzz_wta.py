"""Fuzzing the WTA instance readers (JSON and text) through ``shieldlab wta solve``.

Valid seed files are mutated (hostile tokens, cut or repeated lines, deep nesting, huge
numbers and headers, random bytes) and fed to the command line, in-process through
``shieldlab.cli.main.main`` and, for a fixed set of hostile files, in subprocesses. The
contract (docs/architecture.md, docs/wta.md): exit 0 with one JSON object on stdout, or
exit 2 with one line on stderr naming the file and nothing on stdout; never exit 1 (an
internal error), never a traceback, and nothing written next to the input.

Derandomized and bounded (hypothesis ``derandomize=True``), so that the run is the same
every time and takes well under a minute. ``SHIELDLAB_FUZZ_REPORT=<file>`` appends the
outcomes by class (one JSON line per test) for the record.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEED_JSON = {
    "target_values": [10, 4, 7],
    "kill_probability": [[0.9, 0.5, 0.3], [0.2, 0.8, 0.6]],
    "weapon_counts": [2, 2],
}
SEED_TEXT = "2 3 2\n10\n4\n7\n0 0 0.9\n0 1 0.5\n0 2 0.3\n1 0 0.2\n1 1 0.8\n1 2 0.6\n"

HOSTILE = [
    "1e300",
    "-1e300",
    "1e9",
    "1e10",
    "2.5",
    "-1",
    "0",
    "NaN",
    "Infinity",
    "-Infinity",
    "null",
    "true",
    '"x"',
    "[]",
    "{}",
    "[[[[[[[[",
    "]]]]",
    "9" * 5000,
    "2147483648",
    "10001",
    "1_0",
    "0x10",
    "1e-400",
    "\u00e9",
    "\x00",
    "",
    ",",
    ":",
    '"',
    "\\",
    "\n",
]
SOLVERS = ["greedy", "assignment", "local-search", "exact", "auto"]

_OUTCOMES: dict[str, Counter[str]] = {}


def _record(test: str, outcome: str) -> None:
    _OUTCOMES.setdefault(test, Counter())[outcome] += 1


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    target = os.environ.get("SHIELDLAB_FUZZ_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            for test, counts in sorted(_OUTCOMES.items()):
                fh.write(json.dumps({"test": test, **dict(sorted(counts.items()))}) + "\n")


def _mutate(text: str, ops: list[tuple[int, int, int, str]]) -> str:
    """Apply edits (kind, position, length, token) to ``text``; positions wrap."""
    for kind, pos, length, token in ops:
        k = pos % (len(text) + 1)
        if kind == 0:  # replace a run of characters by a hostile token
            text = text[:k] + token + text[k + length % 12 :]
        elif kind == 1:  # insert
            text = text[:k] + token + text[k:]
        elif kind == 2:  # delete a run
            text = text[:k] + text[k + 1 + length % 20 :]
        elif kind == 3:  # cut the file here
            text = text[:k]
        elif kind == 4:  # repeat a line
            lines = text.splitlines(keepends=True) or [""]
            j = pos % len(lines)
            text = "".join(lines[: j + 1] + lines[j : j + 1] * (1 + length % 3) + lines[j + 1 :])
        else:  # replace one whitespace-separated token by a hostile one
            toks = text.split(" ")
            toks[pos % len(toks)] = token
            text = " ".join(toks)
    return text


edits = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 10_000),
        st.integers(0, 40),
        st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)),
    ),
    min_size=1,
    max_size=4,
)


def _run_inprocess(path: Path, solver: str) -> tuple[int, str, str]:
    from shieldlab.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["wta", "solve", str(path), "--solver", solver, "--time-limit", "0.2", "--json"])
        except SystemExit as exc:
            code = exc.code
    return (0 if code is None else int(code)), out.getvalue(), err.getvalue()


def _check(path: Path, code: int, out: str, err: str) -> str:
    """Assert the contract; return the outcome's class."""
    assert code in (0, 2), (code, err, path.read_bytes()[:300])
    assert "Traceback" not in err
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # nothing written
    if code == 0:
        res = json.loads(out)
        assert res["objective"] >= 0.0
        if res["lower_bound"] is not None:
            assert 0.0 <= res["lower_bound"] <= res["objective"] * (1 + 1e-9) + 1e-12
        return "exit 0: solved"
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("shieldlab: error: "), err
    assert str(path) in lines[0], err
    # the class: the message without file, line and values
    msg = lines[0].split(": ", 3)[-1] if "field" in lines[0] else lines[0].split(": ")[-1]
    words = [w for w in msg.replace(",", " ").split() if w.isalpha()][:3]
    return "exit 2: " + " ".join(words)


_FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@_FUZZ
@given(ops=edits, solver=st.sampled_from(SOLVERS), pretty=st.booleans())
def test_fuzz_json_reader_through_cli(
    tmp_path_factory: pytest.TempPathFactory,
    ops: list[tuple[int, int, int, str]],
    solver: str,
    pretty: bool,
) -> None:
    d = tmp_path_factory.mktemp("wj")
    path = d / "inst.json"
    seed = json.dumps(SEED_JSON, indent=1 if pretty else None)
    path.write_bytes(_mutate(seed, ops).encode("utf-8", "surrogatepass"))
    code, out, err = _run_inprocess(path, solver)
    _record("json", _check(path, code, out, err))


@_FUZZ
@given(ops=edits, solver=st.sampled_from(SOLVERS))
def test_fuzz_text_reader_through_cli(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[int, int, int, str]], solver: str
) -> None:
    d = tmp_path_factory.mktemp("wt")
    path = d / "inst.txt"
    path.write_bytes(_mutate(SEED_TEXT, ops).encode("utf-8", "surrogatepass"))
    code, out, err = _run_inprocess(path, solver)
    _record("text", _check(path, code, out, err))


@_FUZZ
@given(
    key=st.sampled_from(["target_values", "kill_probability", "weapon_counts", "name", "extra"]),
    value=st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(10**30), 10**30),
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=5),
        ),
        lambda inner: st.lists(inner, max_size=4),
        max_leaves=12,
    ),
    depth=st.sampled_from([0, 0, 0, 50, 3000]),
)
def test_fuzz_json_fields_through_cli(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: object, depth: int
) -> None:
    d = tmp_path_factory.mktemp("wf")
    path = d / "inst.json"
    data = dict(SEED_JSON)
    data[key] = value
    text = json.dumps(data)
    if depth:
        text = text.replace(json.dumps(value), "[" * depth + json.dumps(value) + "]" * depth, 1)
    path.write_text(text)
    code, out, err = _run_inprocess(path, "auto")
    _record("json fields", _check(path, code, out, err))


SUBPROCESS_CASES = {
    "deep.json": '{"target_values": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "counts_1e300.json": json.dumps(dict(SEED_JSON, weapon_counts=[1e300, 1])),
    "counts_1e10.json": json.dumps(dict(SEED_JSON, weapon_counts=[10**10, 1])),
    "bigint.json": '{"target_values": [' + "9" * 5000 + "]}",
    "header_2e31.txt": "2147483648 1 1\n5\n0 0 0.5\n",
    "header_short.txt": "1 4 1\n5\n6\n0 0 0.5\n",
    "binary.txt": "\x00\x01\x02 \xff",
}


_OPTS = ("--time-limit", "5", "--json")


@pytest.mark.parametrize("name", sorted(SUBPROCESS_CASES))
def test_hostile_files_in_a_subprocess(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(SUBPROCESS_CASES[name].encode("utf-8", "surrogateescape"))
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "wta", "solve", str(path), *_OPTS],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert res.returncode == 2, res.stderr
    _record("subprocess", _check(path, res.returncode, res.stdout, res.stderr))

"""``shieldlab replay --worst / --where / --animate``: the picked replication is the run's,
a bad expression or no match is one line and exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shieldlab.cli import main as cli_main
from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.scenario import builtin_scenario


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        cli_main.main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def rows() -> tuple[np.ndarray, dict[str, int]]:
    cs = compile_scenario(builtin_scenario("single-battery"))
    return run_replications(cs, seed=3, first=0, count=300), layout_of(cs).columns()


def test_worst_and_animate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rows: tuple[np.ndarray, dict[str, int]]
) -> None:
    r, cols = rows
    page = tmp_path / "anim.html"
    code, out, err = call(
        capsys, "replay", "single-battery", "--seed", "3", "--worst", "--search", "300",
        "--animate", str(page), "--json",
    )  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    leak = r[:, cols["leakers"]]
    assert d["outcome"]["leakers"] == leak.max()
    assert leak[d["replication"]] == leak.max()
    assert d["picked"]["searched"] == 300 and "most leakers" in d["picked"]["reason"]
    assert d["files"] == [str(page)]
    assert "Plotly.addFrames" in page.read_text(encoding="utf-8")


def test_where_picks_the_first_match(
    capsys: pytest.CaptureFixture[str], rows: tuple[np.ndarray, dict[str, int]]
) -> None:
    r, cols = rows
    want = int(np.flatnonzero(r[:, cols["leakers"]] >= 2)[0])
    code, out, err = call(
        capsys, "replay", "single-battery", "--seed", "3", "--where", "leakers>=2"
    )
    assert code == 0, err
    assert f"picked replication {want}: the first with leakers >= 2" in out
    assert f"replication {want} of seed 3" in out


@pytest.mark.parametrize(("args", "needle"), [
    (["--where", "leakers>=999"], "option --where: no replication of the first 1,000 (seed 0)"),
    (["--where", "leakrs>=1"], "option --where: no outcome 'leakrs'; outcomes: leakers,"),
    (["--where", "leakers=>1"], "option --where: cannot read 'leakers=>1'"),
    (["--worst", "--replication", "2"], "option --replication: give --replication or"),
    (["--worst", "--where", "leakers>1"], "option --worst: give exactly one"),
    (["--worst", "--search", "0"], "option --search: must be between 1"),
    (["--animate", "{tmp}/a.png"], "option --animate: must end in .html"),
    (["--worst", "--where", "x", "--animate", "{tmp}/a.html"], "option --worst"),
])  # fmt: skip
def test_bad_picks_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], needle: str
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, _, err = call(capsys, "replay", "single-battery", *args)
    assert code == 2
    assert needle in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []

"""``shieldlab replay``: files written, the replication is the run's, bad options exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
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


def test_replay_writes_every_file_and_matches_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "--czml": tmp_path / "r.czml",
        "--kml": tmp_path / "r.kml",
        "--map": tmp_path / "map.png",
        "--timeline": tmp_path / "timeline.html",
    }
    args = ["replay", "single-battery", "--seed", "4", "--replication", "7", "--json"]
    for opt, path in files.items():
        args += [opt, str(path)]
    code, out, err = call(capsys, *args)
    assert code == 0, err
    d = json.loads(out)
    assert d["seed"] == 4 and d["replication"] == 7
    assert d["files"] == [str(p) for p in files.values()]
    for p in files.values():
        assert p.stat().st_size > 1000
    json.loads(files["--czml"].read_text())
    assert files["--map"].read_bytes().startswith(b"\x89PNG")
    assert "<html>" in files["--timeline"].read_text()[:200]
    cs = compile_scenario(builtin_scenario("single-battery"))
    row = run_replications(cs, seed=4, first=7, count=1)[0]
    cols = layout_of(cs).columns()
    for name, c in cols.items():
        if np.isnan(row[c]):
            assert d["outcome"][name] is None
        else:
            assert d["outcome"][name] == row[c], name
    assert d["events"]["launch"] > 0


def test_replay_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "replay", "single-battery", "-r", "2")
    assert code == 0
    assert "replication 2 of seed 0" in out and "leakers" in out and "events:" in out


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--map", "x.svg"], "--map"),
        (["--timeline", "t.pdf"], "--timeline"),
        (["--replication", "-1"], "--replication"),
        (["--seed", "-5"], "--seed"),
        (["--kml", "/no/such/dir/a.kml"], "--kml"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], field: str
) -> None:
    czml = tmp_path / "r.czml"
    code, _, err = call(capsys, "replay", "single-battery", "--czml", str(czml), *args)
    assert code == 2
    assert field in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not czml.exists()  # nothing written when an option is bad


def test_non_compiled_scenario_is_refused(tmp_path: Path) -> None:
    src = (
        Path(__file__).parents[2] / "src/shieldlab/scenario/builtin/four-batteries.yaml"
    ).read_text()
    assert "assigner: greedy" in src
    bad = tmp_path / "opt.yaml"
    bad.write_text(src.replace("assigner: greedy", "assigner: optimal"))
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "replay", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert str(bad) in res.stderr and "assigner" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1

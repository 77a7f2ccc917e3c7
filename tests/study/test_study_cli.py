"""CLI: shieldlab study run|show, schema --study, bad input, and a SIGKILLed study resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from shieldlab.study import run_study

STUDY = """\
version: 1
name: cli
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 8]}
  - {name: salvo, path: doctrine.salvo_size, values: [1, 2]}
replications: 200
seed: 2
"""


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_run_then_show(write: Callable[..., Path], tmp_path: Path) -> None:
    p = write(STUDY)
    out = tmp_path / "out"
    res = run_cli("study", "run", str(p), "--out", str(out), "--json")
    assert res.returncode == 0, res.stderr
    ran = json.loads(res.stdout)
    assert (ran["cells"], ran["cells_done"], ran["computed_now"]) == (4, 4, 4)
    shown = run_cli("study", "show", str(out), "--json")
    assert shown.returncode == 0, shown.stderr
    got = json.loads(shown.stdout)
    assert got["records"] == ran["records"]
    table = run_cli("study", "show", str(out))
    assert table.returncode == 0, table.stderr
    assert "cli: grid design, 4 of 4 cells" in table.stdout
    assert "raid_size" in table.stdout and "leakers" in table.stdout


def test_workers_give_the_same_cells(write: Callable[..., Path], tmp_path: Path) -> None:
    p = write(STUDY)
    a = run_cli("study", "run", str(p), "--out", str(tmp_path / "a"), "--json")
    b = run_cli("study", "run", str(p), "--out", str(tmp_path / "b"), "--json", "--workers", "2")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert json.loads(a.stdout)["records"] == json.loads(b.stdout)["records"]


def test_dask_scheduler_gives_the_same_cells(write: Callable[..., Path], tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="Dask is optional: pip install 'shieldlab[dask]'")
    p = write(STUDY)
    a = run_cli("study", "run", str(p), "--out", str(tmp_path / "a"), "--json")
    b = run_cli(
        "study", "run", str(p), "--out", str(tmp_path / "b"), "--json",
        "--scheduler", "local", "--workers", "2",
    )  # fmt: skip
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert json.loads(a.stdout)["records"] == json.loads(b.stdout)["records"]


def test_bad_study_is_one_line_exit_2(write: Callable[..., Path], tmp_path: Path) -> None:
    p = write(STUDY.replace("raid.size", "raid.sise"))
    res = run_cli("study", "run", str(p), "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1
    assert f"{p}:5, field 'factors.0.path'" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()  # nothing written before the study is valid


def test_bad_workers_and_missing_dir(write: Callable[..., Path], tmp_path: Path) -> None:
    res = run_cli("study", "run", str(write(STUDY)), "--out", str(tmp_path / "o"), "--workers", "0")
    assert res.returncode == 2 and "option --workers" in res.stderr
    res = run_cli("study", "show", str(tmp_path / "nothing"))
    assert res.returncode == 2 and "no such results directory" in res.stderr


def test_schema_study(tmp_path: Path) -> None:
    res = run_cli("schema", "--study")
    assert res.returncode == 0, res.stderr
    schema = json.loads(res.stdout)
    assert schema["title"] == "shieldlab study file (version 1)"
    assert "factors" in schema["properties"]


KILL_STUDY = """\
version: 1
name: killed
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 6, 8, 10, 12, 14, 16, 18]}
  - {name: salvo, path: doctrine.salvo_size, values: [1, 2, 3, 4, 5]}
replications: 4000
seed: 17
"""


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "Ctrl-C"])
def test_interrupted_study_resumes_bit_identical(
    write: Callable[..., Path], tmp_path: Path, sig: signal.Signals
) -> None:
    p = write(KILL_STUDY)
    out = tmp_path / "killed"
    marker = tmp_path / "three-cells-stored"
    # tests/_child.py runs the real command and, when it is about to compute the fourth
    # cell, writes the marker and holds: the signal cannot lose a race with the study's
    # end (issue 21, item 15 -- on a busy machine the study used to finish first).
    hook = [sys.executable, str(Path(__file__).resolve().parent.parent / "_child.py")]
    hook += [str(marker), "cell", "3", "--"]
    proc = subprocess.Popen(
        [*hook, "study", "run", str(p), "--out", str(out), "--per-replication", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 600  # a guard against a hang, not synchronisation
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), f"the study never reached its fourth cell: {proc.poll()}"
        os.kill(proc.pid, sig)
    finally:
        if proc.poll() is None and not marker.exists():
            proc.kill()
        try:
            _, err = proc.communicate(timeout=600)  # a hang guard, as above
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL, err
    else:  # Ctrl-C: exit status 130, no traceback, finished cells kept
        assert proc.returncode == 130, err
        assert err == "shieldlab: interrupted\n"
    before = len(list((out / "cells").glob("cell-*.json")))
    assert before == 3
    assert not (out / "cells.parquet").exists()
    resumed = run_study(p, out, per_replication=True)
    assert resumed.resumed >= before and resumed.computed == 40 - resumed.resumed
    whole = run_study(p, tmp_path / "whole", per_replication=True)
    assert resumed.records == whole.records
    for sub, pattern in (("cells", "cell-*.json"), ("replications", "cell-*.parquet")):
        a = sorted((out / sub).glob(pattern))
        b = sorted((tmp_path / "whole" / sub).glob(pattern))
        assert [x.name for x in a] == [x.name for x in b] and len(a) == 40
        # Bit-identical files (rows hold NaN, which no table comparison calls equal).
        assert [x.read_bytes() for x in a] == [x.read_bytes() for x in b]
    assert (out / "cells.parquet").read_bytes() == (
        tmp_path / "whole" / "cells.parquet"
    ).read_bytes()
    assert pq.read_table(out / "cells.parquet").num_rows == 40

"""``shieldlab run``: default scenario, file path, JSON contract, bad input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shieldlab.cli import main as cli_main

BUILTIN = Path(__file__).parents[1] / "src" / "shieldlab" / "scenario" / "builtin"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        cli_main.main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_default_run_prints_the_summary_table() -> None:
    res = run_cli("run", "--replications", "2000")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "four-batteries" in out
    assert "leakers" in out and "95 % interval" in out
    assert "interceptors fired" in out and "leakers per defended asset" in out
    assert "Parameter cards used" in out and "s400-class-battery" in out


def test_json_contract_and_same_seed_same_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "run", "closed-form", "-n", "1000", "--seed", "5", "--json")
    assert code == 0
    d = json.loads(out)
    assert list(d) == [
        "scenario",
        "replications",
        "seed",
        "headline",
        "cost_basis",
        "doctrine",
        "intervals",
        "metrics",
        "timing",
    ]
    assert d["scenario"] == "closed-form" and d["replications"] == 1000 and d["seed"] == 5
    assert d["doctrine"]["engagement_priority"] == "layered"
    assert "holds fire" in d["doctrine"]["weapon_choice"]
    for key in ("leakers", "p_zero_leakers", "interceptors_fired", "threats_killed"):
        assert set(d["metrics"][key]) == {"mean", "ci95", "n", "std"}
        assert d["metrics"][key]["n"] == 1000
        lo, hi = d["metrics"][key]["ci95"]
        assert 0.0 <= lo <= d["metrics"][key]["mean"] <= hi
    # n and std are those of the per-replication rows.
    from shieldlab.engine import compile_scenario, layout_of, run_replications
    from shieldlab.scenario import scenario_by_name_or_path

    cs = compile_scenario(scenario_by_name_or_path("closed-form"))
    rows = run_replications(cs, seed=5, first=0, count=1000)
    for key in ("leakers", "interceptors_fired"):
        col = rows[:, layout_of(cs).columns()[key]]
        assert d["metrics"][key]["std"] == pytest.approx(float(col.std(ddof=1)), rel=1e-9)
    zero = float(np.mean(rows[:, layout_of(cs).columns()["leakers"]] == 0))
    assert d["metrics"]["p_zero_leakers"]["std"] == pytest.approx(
        np.sqrt(zero * (1 - zero) * 1000 / 999), rel=1e-9
    )
    code, out2, _ = call(capsys, "run", "closed-form", "-n", "1000", "--seed", "5", "--json")
    d2 = json.loads(out2)
    d.pop("timing")
    d2.pop("timing")
    assert d == d2


def test_workers_do_not_change_the_json() -> None:
    outs = []
    for w in ("1", "2"):
        res = run_cli(
            "run", "single-battery", "-n", "9000", "--seed", "3", "--workers", w, "--json"
        )
        assert res.returncode == 0, res.stderr
        d = json.loads(res.stdout)
        d.pop("timing")
        outs.append(d)
    assert outs[0] == outs[1]


def test_scenario_file_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "run", str(BUILTIN / "closed-form.yaml"), "-n", "300", "--json")
    assert code == 0
    assert json.loads(out)["scenario"] == "closed-form"


def test_precision_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "run", "closed-form", "--precision", "0.2", "-n", "100000")
    assert code == 0
    assert "precision target" in out and "met" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["no-such-scenario"], "no-such-scenario"),
        (["missing-dir/none.yaml"], "none.yaml"),
        (["closed-form", "--replications", "0"], "--replications"),
        (["closed-form", "--workers", "0"], "--workers"),
        (["closed-form", "--seed", "-3"], "--seed"),
        (["closed-form", "--precision", "-1"], "--precision"),
        (["closed-form", "--replications", "many"], "--replications"),
        (["closed-form", "--bogus"], "--bogus"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = call(capsys, "run", *args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err
    assert out == ""


def test_malformed_scenario_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nname: x\nassets: [\n", encoding="utf-8")
    code, out, err = call(capsys, "run", str(bad))
    assert code == 2
    assert "bad.yaml" in err and out == ""


def test_table_run_on_a_pipe_writes_nothing_to_stderr() -> None:
    # The progress bar is for terminals only: a log file or pipe gets the table alone.
    res = run_cli("run", "single-battery", "-n", "300")
    assert res.returncode == 0
    assert res.stderr == ""
    assert "leakers" in res.stdout

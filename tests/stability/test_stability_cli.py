"""`shieldlab stability ...`: tables, --json, --plot, and exit 2 on bad postures/options."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from posture_builders import posture_dict

from shieldlab.cli.main import main

COMMANDS = ["penetration", "restore", "first-strike", "race", "restraint"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(["stability", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("cmd", COMMANDS)
def test_json_is_one_object(cmd: str, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ["--x-values", "0,200", "--y-values", "100,400"] if cmd == "restraint" else []
    code, out, _ = run(capsys, cmd, "--json", *extra)
    assert code == 0
    data = json.loads(out)
    assert isinstance(data, dict)


def test_json_contents(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "penetration", "--json", "--attacker", "red")
    data = json.loads(out)
    assert data["saturation_raid"] == data["saturation_raid_closed_form"]
    curve = data["curve"]
    assert curve["raid_missiles"][0] == 0 and len(curve["expected_penetrating"]) > 10
    _, out, _ = run(capsys, "penetration", "--json", "--k", "3", "--max-raid", "20")
    curve = json.loads(out)["curve"]
    assert curve["k"] == 3 and curve["raid_missiles"][-1] == 20
    assert curve["p_at_least_k"][2] == 0.0  # 2 missiles x 1 warhead cannot give 3
    _, out, _ = run(capsys, "restore", "--json", "--attacker", "blue")
    res = json.loads(out)["results"]
    assert len(res) == 1 and res[0]["attacker"] == "blue"
    assert res[0]["missiles_with_defence"] >= res[0]["missiles_without_defence"]
    _, out, _ = run(capsys, "first-strike", "--json", "--steps", "3", "--max-interceptors", "100")
    fs = json.loads(out)
    assert 0.0 <= fs["result"]["index"] <= 1.0
    assert fs["sweep"]["interceptors"] == [0, 50, 100]


def _table_needle(cmd: str, data: dict[str, Any]) -> str:
    """A figure from the JSON answer that the table of the same command must show."""
    if cmd == "penetration":
        return (
            f"saturation (each added missile adds >= 0.95 x 1 warheads): {data['saturation_raid']}"
        )
    if cmd == "restore":
        r = data["results"][0]
        return f"blue missiles needed against red's {r['interceptors']} interceptors"
    if cmd == "first-strike":
        return f"range [0, 1]): {data['result']['index']:.4f}"
    if cmd == "race":
        # The table says "settled" only at a fixed point (alternating moves: period 20).
        ar = data["action_reaction"]
        f = ar["forces"]
        assert ar["outcome"] == "fixed point" and ar["forces_basis"] == "settled"
        return (
            f"from period {ar['periods_to_converge']}: blue {f['blue_missiles']} missiles, "
            f"{f['blue_interceptors']} interceptors"
        )
    m = data["map"]
    return f"{sum(map(sum, m['stable']))} of {len(m['stable']) * len(m['stable'][0])} cap pairs"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_tables_show_the_json_answer(
    cmd: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # wide enough that no label cell wraps (rich splits a wrapped label around its value)
    monkeypatch.setenv("COLUMNS", "250")
    extra = ["--x-values", "0,200", "--y-values", "100,400"] if cmd == "restraint" else []
    code, out, _ = run(capsys, cmd, "--json", *extra)
    assert code == 0
    needle = _table_needle(cmd, json.loads(out))
    code, out, _ = run(capsys, cmd, *extra)
    assert code == 0
    assert needle in " ".join(out.split()), needle


def test_plot_writes_png_and_offline_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for cmd in ("penetration", "race", "first-strike", "restore"):
        code, _, _ = run(capsys, cmd, "--plot", str(tmp_path))
        assert code == 0
    code, _, _ = run(
        capsys,
        "restraint",
        "--plot",
        str(tmp_path),
        "--x-values",
        "0:400:200",
        "--y-values",
        "50,500",
    )
    assert code == 0
    for name in ("penetration", "race", "first_strike", "restore", "restraint"):
        png = tmp_path / f"{name}.png"
        html = tmp_path / f"{name}.html"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        text = html.read_text()
        # Offline: the only script loaded is the directory's shared plotly.min.js.
        assert re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", text) == ["plotly.min.js"]
        assert len(text) < 200_000
    assert (tmp_path / "plotly.min.js").stat().st_size > 1_000_000
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind


def test_bad_posture_exits_2_naming_field_and_line(tmp_path: Path) -> None:
    d = posture_dict()
    d["red"]["defence"]["sspk"] = 2.0
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    line = next(
        i
        for i, t in enumerate(f.read_text().splitlines(), start=1)
        if "sspk" in t and i > f.read_text().splitlines().index("red:")
    )
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "stability", "restore", str(f)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert f"{f}:{line}" in res.stderr and "red.defence.sspk" in res.stderr
    assert "Traceback" not in res.stderr and res.stderr.count("\n") == 1
    assert res.stdout == ""


def test_missing_posture_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "race", str(tmp_path / "nope.yaml"))
    assert code == 2 and "not found" in err and out == ""


@pytest.mark.parametrize(
    "args,option,shown",
    [
        (["penetration", "--attacker", "green"], "--attacker", "'green'"),
        (["restore", "--attacker", "green"], "--attacker", "'both'"),
        (["penetration", "--epsilon", "1.5"], "--epsilon", "1.5"),
        (["penetration", "--max-raid", "0"], "--max-raid", "got 0"),
        (["penetration", "--k", "-1"], "--k", "got -1"),
        (["first-strike", "--steps", "1"], "--steps", "got 1"),
        (["first-strike", "--max-interceptors", "-1"], "--max-interceptors", "got -1"),
        (["race", "--periods", "0"], "--periods", "got 0"),
        (["race", "--moves", "both"], "--moves", "got 'both'"),
        (["race", "--adjustment", "0"], "--adjustment", "got 0.0"),
        (["restraint", "--x-values", "1,x"], "--x-values", "'1,x'"),
        (["restraint", "--y-values", "-1,2"], "--y-values", "'-1,2'"),
        (["restraint", "--x-cap", "launchers", "--y-cap", "launchers"], "--y-cap", "x cap"),
        (["restraint", "--x-cap", "silos"], "--x-cap", "'silos'"),
        (["restraint", "--threshold", "2"], "--threshold", "got 2"),
        (["restraint", "--at", "launchers=many"], "--at", "'launchers=many'"),
    ],
)
def test_bad_options_exit_2_with_one_line_naming_the_option(
    args: list[str], option: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert f"option {option}:" in err and shown in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_plot_dir_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(capsys, "race", "--json", "--plot", str(blocker / "sub"))
    assert code == 2 and "--plot" in err
    assert out == ""
    code, out, err = run(capsys, "race", "--json", "--plot", str(blocker))
    assert code == 2 and "exists and is not a directory" in err
    assert out == ""


def test_posture_file_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(yaml.safe_dump(posture_dict(), sort_keys=False))
    code, out, _ = run(capsys, "restore", str(f), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["posture"] == "test"
    # Symmetric posture -> both sides need the same.
    b, r = data["results"]
    assert b["missiles_with_defence"] == r["missiles_with_defence"]


def test_restraint_at_one_cap_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "restraint",
        "--json",
        "--x-values",
        "0,100",
        "--y-values",
        "200",
        "--at",
        "interceptors=100,launchers=200",
    )
    assert code == 0
    data = json.loads(out)
    # The detailed cap set is the same as the map's cell (interceptors 100, launchers 200).
    assert data["at"]["stability_index"] == data["map"]["stability_index"][0][1]
    assert data["at"]["blue_needed_vs_cap"] == data["map"]["blue_needed_vs_cap"][0][1]
    code, _, err = run(capsys, "restraint", "--at", "ships=3")
    assert code == 2 and "--at" in err


@pytest.mark.parametrize("cmd", COMMANDS)
def test_minimal_posture_file_runs_every_command(
    cmd: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No richardson, no restraint block: commands fall back to their documented defaults.
    d = posture_dict()
    f = tmp_path / "minimal.yaml"
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    extra = ["--x-values", "0,50", "--y-values", "20,100"] if cmd == "restraint" else []
    code, out, err = run(capsys, cmd, str(f), "--json", *extra)
    assert code == 0, err
    data = json.loads(out)
    if cmd == "race":
        assert "richardson" not in data
        assert data["action_reaction"]["converged"]

"""The typer-free start-up path of ``shieldlab track`` (shieldlab.cli._track_impl).

It must take the plain command lines, give exactly the settings typer would, hand every
other line to typer, and keep typer, click, pydantic and rich out of the process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.cli import main as cli_main
from shieldlab.cli import track as track_cmd
from shieldlab.cli._track_impl import OPTIONS, TrackSettings, parse_fast


def _typer_settings(args: list[str], monkeypatch: pytest.MonkeyPatch) -> TrackSettings:
    """The settings typer hands to the command for ``shieldlab track ARGS``."""
    seen: list[TrackSettings] = []
    monkeypatch.setattr(track_cmd, "track_and_report", seen.append)
    cli_main._app()(args=["track", *args], prog_name="shieldlab", standalone_mode=False)
    assert len(seen) == 1
    return seen[0]


def _plain_float(x: float, style: int) -> str:
    return [repr(x), f"{x:.3f}", f"{x:e}", f"{x:g}", f"{x:.0f}."][style]


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """Plain ``track`` lines: some options in any order, values in plain notation."""
    groups: list[list[str]] = [["--out", draw(st.sampled_from(["o.csv", "dir/t.csv", "-"]))]]
    for o in OPTIONS:
        if not draw(st.booleans()):
            continue
        if o.kind is bool:
            groups.append([o.flag])
        elif o.kind is float:
            x = draw(st.floats(-1e6, 1e6, allow_nan=False))
            groups.append([o.flag, _plain_float(x, draw(st.integers(0, 4)))])
        elif o.kind is int:
            groups.append([o.flag, str(draw(st.integers(1, 10**6)))])
        elif o.kind is Path:
            groups.append([o.flag, draw(st.sampled_from(["s.yaml", "a b/s.yaml"]))])
        else:
            groups.append([o.flag, draw(st.sampled_from(["gnn", "jpda", "imm", "2/3", "3", "x"]))])
    groups = draw(st.permutations(groups))
    groups.insert(draw(st.integers(0, len(groups))), [draw(st.sampled_from(["p.csv", "a b.csv"]))])
    return [a for g in groups for a in g]


@settings(max_examples=60, deadline=None)
@given(args=command_lines())
def test_fast_path_gives_what_typer_gives(args: list[str]) -> None:
    fast = parse_fast(args)
    assert fast is not None, args  # plain lines are all taken
    with pytest.MonkeyPatch.context() as mp:
        assert fast == _typer_settings(args, mp)


@pytest.mark.parametrize(
    "args",
    [
        ["p.csv", "--out", "o.csv"],  # all defaults
        ["--out", "o.csv", "p.csv"],
        ["p.csv", "--out", "--json"],  # an option's value is the next word, whatever it is
        ["p.csv", "--out", "o.csv", "--confirm", "--json"],
        ["p.csv", "--out", "o.csv", "--association", "--filter"],
        ["p.csv", "--out", "o.csv", "--gate", "-3"],
        ["-", "--out", "o.csv"],
    ],
)
def test_edge_lines_match_typer(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = parse_fast(args)
    assert fast is not None and fast == _typer_settings(args, monkeypatch)


@pytest.mark.parametrize(
    "args",
    [
        ["p.csv"],  # no --out
        ["--out", "o.csv"],  # no plots file
        ["p.csv", "q.csv", "--out", "o.csv"],
        ["p.csv", "--out"],
        ["p.csv", "--out", "o.csv", "--help"],
        ["p.csv", "--out", "o.csv", "--gate=3"],
        ["p.csv", "--out", "o.csv", "--gate", "nan"],
        ["p.csv", "--out", "o.csv", "--gate", "1_0"],
        ["p.csv", "--out", "o.csv", "--gate", " 3"],
        ["p.csv", "--out", "o.csv", "--gate", "abc"],
        ["p.csv", "--out", "o.csv", "--delete-after", "0"],
        ["p.csv", "--out", "o.csv", "--max-tracks", "-3"],
        ["p.csv", "--out", "o.csv", "--max-tracks", "1.5"],
        ["p.csv", "--out", "o.csv", "--gate", "3", "--gate", "4"],
        ["p.csv", "--out", "o.csv", "--no-such-option", "1"],
        ["p.csv", "--out", "o.csv", "--debug"],
        ["p.csv", "--out", "o.csv", "--"],
        ["", "--out", "o.csv"],
        ["p.csv", "--out", "o.csv", "--sensors", ""],
    ],
)
def test_everything_else_goes_to_typer(args: list[str]) -> None:
    assert parse_fast(args) is None


def test_option_table_is_the_typer_command() -> None:
    """Flags, defaults, types and bounds of the typer command come from OPTIONS."""
    import typer.main

    group: Any = typer.main.get_command(cli_main._app())
    command = group.commands["track"]
    params = {p.name: p for p in command.params}
    assert set(params) == {"detections", "out", *(o.dest for o in OPTIONS)}
    for o in OPTIONS:
        p = params[o.dest]
        assert p.opts == [o.flag] and p.default == o.default, o
        assert p.type_descriptor.annotation is o.kind and p.min == o.min, o
        assert p.is_flag == (o.kind is bool) and p.help == o.help, o


def test_track_process_loads_no_typer_click_pydantic_rich(tmp_path: Path) -> None:
    det, out = tmp_path / "det.csv", tmp_path / "tracks.csv"
    det.write_text("time_s,sensor_id,x_m,y_m,z_m\n0,R1,0,0,1000\n1,R1,200,0,1000\n")
    code = (
        "import sys\n"
        "from shieldlab.cli.main import main\n"
        f"main(['track', {str(det)!r}, '--out', {str(out)!r}, '--json'])\n"
        "print(sorted(m for m in ('typer', 'click', 'pydantic', 'rich', 'scipy', 'numba')"
        " if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "[]"
    assert out.exists()


def test_help_still_lists_every_command() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0
    for name in ("run", "validate", "schema", "scenarios", "check", "track", "analytic", "wta",
                 "stability"):  # fmt: skip
        assert f"\n  {name} " in res.stdout, name


def test_usage_errors_read_as_before(tmp_path: Path) -> None:
    """A line the fast path declines gets typer's message and exit status 2."""
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", "track", "p.csv", "--out", "o.csv",
         "--delete-after", "0"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 2
    assert "--delete-after" in res.stderr and "Traceback" not in res.stderr


def test_json_summary_splits_the_seconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    det, out = tmp_path / "det.csv", tmp_path / "tracks.csv"
    det.write_text("time_s,sensor_id,x_m,y_m,z_m\n0,R1,0,0,1000\n1,R1,200,0,1000\n")
    cli_main.main(["track", str(det), "--out", str(out), "--json"])
    summary = json.loads(capsys.readouterr().out)
    parts = [summary[k] for k in ("import_s", "read_s", "track_s", "write_s")]
    assert all(p >= 0.0 for p in parts)
    assert sum(parts) == pytest.approx(summary["seconds"], abs=5e-4)

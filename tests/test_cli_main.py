"""The CLI's shared behaviour: version, help, and the error contract (exit 2 / exit 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shieldlab.cli import main as cli_main
from shieldlab.errors import InputError


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_version() -> None:
    res = run_cli("--version")
    assert res.returncode == 0
    assert res.stdout.startswith("shieldlab ")


def test_unknown_command_is_usage_error() -> None:
    res = run_cli("no-such-command")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr


def test_input_error_message_names_file_line_field() -> None:
    err = InputError("must be positive", file="s.yaml", line=7, field="threats.0.speed_mps")
    assert str(err) == "s.yaml:7, field 'threats.0.speed_mps': must be positive"


def test_input_error_exits_2_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*_: object, **__: object) -> None:
        raise InputError("bad value", file="x.yaml", line=3, field="a.b")

    monkeypatch.setattr(cli_main, "app", boom)
    with pytest.raises(SystemExit) as exc:
        cli_main.main(["anything"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "x.yaml:3" in err and "a.b" in err and "Traceback" not in err


def test_internal_error_exits_1_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(cli_main, "app", boom)
    with pytest.raises(SystemExit) as exc:
        cli_main.main(["anything"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "kaput" in err and "--debug" in err


def test_nonzero_typer_exit_code_is_the_exit_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import typer

    probe = typer.Typer()

    @probe.command()
    def fail() -> None:
        raise typer.Exit(3)

    monkeypatch.setattr(cli_main, "app", probe)
    with pytest.raises(SystemExit) as exc:
        cli_main.main([])
    assert exc.value.code == 3


def test_input_error_names_a_cli_option_as_option() -> None:
    assert str(InputError("must be positive", field="--workers")) == (
        "option --workers: must be positive"
    )


def test_atomic_write_gives_normal_permissions(tmp_path: Path) -> None:
    import os
    import stat

    from shieldlab._io import atomic_write_text

    target = tmp_path / "out.txt"
    old = os.umask(0o022)
    try:
        atomic_write_text(target, "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_text() == "x"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]

"""Encodings (issue 21, item 13): an ASCII stdout, non-UTF-8 bytes in output names, a
newline in a file name and a read-only HOME never break the one-line contract."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shieldlab.cli.main import one_line

STUDY = """\
version: 1
name: enc
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 8]}
replications: 20
seed: 2
"""


def _cli(args: list[str | bytes], cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable.encode(), b"-m", b"shieldlab.cli.main", *[os.fsencode(a) for a in args]],
        capture_output=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **env},
    )


def test_one_line_escapes_newlines_and_bad_bytes() -> None:
    assert one_line("a.yaml: file not found") == "a.yaml: file not found"
    assert one_line("a\nb.yaml: x") == "a\\nb.yaml: x"
    assert one_line("r\udcff: x") == "r\\udcff: x"


@pytest.mark.parametrize(
    ("option", "name"),
    [("--out", b"m\xff.csv"), ("--report", b"rep\xff")],
)
def test_non_utf8_output_names_exit_2_before_the_run(
    tmp_path: Path, option: str, name: bytes
) -> None:
    res = _cli(["run", "single-battery", "-n", "20", option, name], tmp_path)
    err = res.stderr.decode("utf-8")
    assert res.returncode == 2, err
    assert err.count("\n") == 1 and "holds bytes that are not UTF-8" in err
    assert f"option {option}" in err
    assert list(tmp_path.iterdir()) == []


def test_non_utf8_study_out_exits_2(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(STUDY, encoding="utf-8")
    res = _cli(["study", "run", "s.yaml", "--out", b"res\xff"], tmp_path)
    assert res.returncode == 2
    assert b"holds bytes that are not UTF-8" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_a_newline_in_a_file_name_is_one_line(tmp_path: Path) -> None:
    res = _cli(["validate", "no\nsuch.yaml"], tmp_path)
    err = res.stderr.decode()
    assert res.returncode == 2
    assert err == "shieldlab: error: no\\nsuch.yaml: file not found\n"


def test_study_show_under_an_ascii_stdout(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(STUDY, encoding="utf-8")
    assert _cli(["study", "run", "s.yaml", "--out", "res"], tmp_path).returncode == 0
    res = _cli(["study", "show", "res"], tmp_path, PYTHONIOENCODING="ascii", LC_ALL="C")
    assert res.returncode == 0, res.stderr
    assert b"\\xb1" in res.stdout  # the '±' escaped, not a UnicodeEncodeError
    assert res.stderr == b""


def test_a_read_only_home_prints_no_matplotlib_warning(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME")}
    env["HOME"] = "/proc/self/fdinfo"  # not writable, not even by root
    env.pop("XDG_CACHE_HOME", None)
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "shieldlab.cli.main",
            "run",
            "single-battery",
            "-n",
            "20",
            "--report",
            str(tmp_path / "rep"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""

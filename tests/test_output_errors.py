"""Output failures are bad input (issue 21, item 10): exit 2, one line naming the option and
the path with what to fix, found *before* the run where they can be, nothing half-written.

Each class of failure is made for real where the machine allows it: a directory, a file
as a parent, a 256-byte name, a file-size limit (``RLIMIT_FSIZE``: EFBIG), a private
twin of ``/dev/full`` (ENOSPC), and -- as root, where ``mount`` works -- a full and a
read-only tmpfs. Otherwise (read-only without root) the file system's error is injected
at the one call that would raise it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shieldlab import _io
from shieldlab._io import atomic_write_text, check_output_path, output_errors
from shieldlab.cli.main import main
from shieldlab.errors import InputError

STUDY = """\
version: 1
name: out-errors
base: {scenario: single-battery}
factors:
  - {name: raid_size, path: raid.size, values: [4, 8]}
replications: 20
seed: 2
"""


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("shieldlab: error: "), err
    return lines[0]


def _listing(d: Path) -> list[str]:
    return sorted(str(p.relative_to(d)) for p in d.rglob("*"))


# ---- the checks before the work ----------------------------------------------------------


def test_a_directory_or_a_trailing_slash_is_not_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "d.csv").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"option --out: 'd.csv' is a directory"):
        check_output_path("d.csv", "--out")
    with pytest.raises(InputError, match=r"ends in '/': give a file name"):
        check_output_path(str(tmp_path / "new.csv") + "/", "--out")
    assert not (tmp_path / "new.csv").exists()


def test_a_file_as_parent_is_named(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("keep")
    with pytest.raises(InputError, match=r"afile' is not a directory"):
        check_output_path(tmp_path / "afile" / "x.csv", "--out")
    assert (tmp_path / "afile").read_text() == "keep"


def test_a_name_longer_than_the_file_system_allows(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"longer than this file system allows \(255 bytes\)"):
        check_output_path(tmp_path / ("a" * 252 + ".csv"), "--out")


def test_a_legal_250_character_name_is_written(tmp_path: Path) -> None:
    """The temporary twin keeps 40 characters of the name: it used to be 260+ (ENAMETOOLONG)."""
    target = tmp_path / ("b" * 246 + ".csv")
    check_output_path(target, "--out")
    atomic_write_text(target, "x\n")
    assert target.read_text() == "x\n"
    assert _listing(tmp_path) == [target.name]


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EROFS, "read-only file system: write elsewhere"),
        (errno.EACCES, "permission denied"),
        (errno.ENOSPC, "no space left on the device"),
    ],
)
def test_an_unwritable_directory_is_found_by_the_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    """Read-only and permission cannot be made for root without a mount: inject the errno."""

    def refuse(*_: object, **__: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(_io.tempfile, "mkstemp", refuse)
    with pytest.raises(InputError, match=rf"option --out: cannot write '.*x.csv': {words}"):
        check_output_path(tmp_path / "x.csv", "--out")


def test_run_out_problems_exit_2_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shieldlab.montecarlo.runner as runner

    def no_run(*_: object, **__: object) -> None:
        raise AssertionError("the run started")

    monkeypatch.setattr(runner, "simulate", no_run)
    (tmp_path / "dir.csv").mkdir()
    (tmp_path / "afile").write_text("")
    for out, words in [
        (tmp_path / "dir.csv", "is a directory"),
        (tmp_path / "afile" / "x.csv", "is not a directory"),
        (tmp_path / ("c" * 300 + ".csv"), "longer than this file system allows"),
    ]:
        code, err = _run(["run", "single-battery", "-n", "20", "--out", str(out)], capsys)
        line = _one_line(err)
        assert code == 2 and "option --out" in line and words in line, line
    assert _listing(tmp_path) == ["afile", "dir.csv"]


def test_replay_outputs_are_checked_before_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shieldlab.engine.trace as trace

    def no_run(*_: object, **__: object) -> None:
        raise AssertionError("the replay started")

    monkeypatch.setattr(trace, "record_replication", no_run)
    (tmp_path / "d.html").mkdir()
    for option, value in [
        ("--czml", tmp_path / "d.html"),
        ("--kml", tmp_path / "d.html"),
        ("--map", tmp_path / "d.html"),
        ("--timeline", tmp_path / "d.html"),
    ]:
        code, err = _run(["replay", "single-battery", option, str(value)], capsys)
        line = _one_line(err)
        assert code == 2 and f"option {option}" in line and "is a directory" in line, line


# ---- failures while writing --------------------------------------------------------------


def _private_full(tmp_path: Path, name: str) -> Path:
    """A twin of /dev/full (char 1,7) in tmp_path: the real /dev is never written at."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        os.close(os.open(path, os.O_WRONLY))
    except OSError as exc:
        pytest.skip(f"cannot make a character device here ({exc.strerror})")
    return path


def test_replay_czml_to_a_full_device_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = _private_full(tmp_path, "full.czml")
    code, err = _run(["replay", "single-battery", "--czml", str(full)], capsys)
    line = _one_line(err)
    assert code == 2
    assert "option --czml: cannot write" in line and "no space left on the device" in line
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_output_errors_leave_other_oserrors_alone() -> None:
    with pytest.raises(FileNotFoundError), output_errors("x", "--out"):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "x")


def test_an_environment_oserror_anywhere_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's net: a writer that did not name its option still gives exit 2, one line."""
    from shieldlab.cli import main as cli_main

    def full(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/data/out.bin")

    monkeypatch.setattr(cli_main, "app", full)
    code, err = _run(["anything"], capsys)
    line = _one_line(err)
    assert code == 2 and "'/data/out.bin'" in line and "no space left" in line


def _limited(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def _cli_limited(args: list[str], limit: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A real process under a file-size limit: writes past it fail with EFBIG (Python
    ignores SIGXFSZ)."""
    return subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        preexec_fn=lambda: _limited(limit),
    )


def test_run_out_over_the_file_size_limit_keeps_the_old_file(tmp_path: Path) -> None:
    """The check passes (its 4 KiB probe fits), the CSV does not: exit 2 after the run,
    the old file intact and no temporary left."""
    out = tmp_path / "m.csv"
    out.write_text("old\n")
    res = _cli_limited(["run", "single-battery", "-n", "20", "--out", str(out)], 4096, tmp_path)
    line = _one_line(res.stderr)
    assert res.returncode == 2
    assert "option --out: cannot write" in line and "file-size limit (ulimit -f)" in line
    assert out.read_text() == "old\n"
    assert _listing(tmp_path) == ["m.csv"]


def test_study_store_over_the_file_size_limit_exits_2(tmp_path: Path) -> None:
    study = tmp_path / "s.yaml"
    study.write_text(STUDY, encoding="utf-8")
    out = tmp_path / "res"
    res = _cli_limited(
        ["study", "run", str(study), "--out", str(out), "--per-replication"], 4096, tmp_path
    )
    line = _one_line(res.stderr)
    assert res.returncode == 2, res.stderr
    assert "option --out: cannot write" in line and "file-size limit" in line
    # Nothing half-written: no temporary file, no cell without its rows.
    assert not [p for p in out.rglob("*.tmp")]
    cells = {p.stem for p in (out / "cells").glob("cell-*.json")}
    rows = {p.stem for p in (out / "replications").glob("cell-*.parquet")}
    assert cells <= rows


@pytest.mark.parametrize(("name", "make"), [("cells", "file"), ("study.duckdb", "dir")])
def test_store_names_of_the_wrong_kind_exit_2_before_any_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, make: str
) -> None:
    study = tmp_path / "s.yaml"
    study.write_text(STUDY, encoding="utf-8")
    out = tmp_path / "res"
    code, err = _run(["study", "run", str(study), "--out", str(out)], capsys)
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in (out / "cells").iterdir()}
    target = out / name
    if target.is_dir():
        import shutil

        shutil.rmtree(target)
    else:
        target.unlink()
    if make == "file":
        target.write_text("not a directory")
    else:
        target.mkdir()
    code, err = _run(["study", "run", str(study), "--out", str(out), "--fresh"], capsys)
    line = _one_line(err)
    assert code == 2 and f"'{name}' is not the store's own" in line and "--out" in line
    if make == "dir":  # the cells were not touched (not even by --fresh)
        assert {p.name: p.read_bytes() for p in (out / "cells").iterdir()} == before


# ---- real full and read-only file systems (root with mount only) -------------------------


@contextlib.contextmanager
def _tmpfs(where: Path, *, readonly: bool, fill: bool) -> Iterator[Path]:
    where.mkdir()
    opts = "size=64k" + (",ro" if readonly else "")
    got = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if got.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        if fill:
            with contextlib.suppress(OSError), open(where / "fill", "wb") as fh:
                while True:
                    fh.write(b"\0" * 4096)
                    fh.flush()
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


@pytest.mark.parametrize(("readonly", "words"), [(True, "read-only"), (False, "no space left")])
def test_real_full_and_readonly_mounts_exit_2_before_the_run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    readonly: bool,
    words: str,
) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting needs root")
    import shieldlab.montecarlo.runner as runner

    def no_run(*_: object, **__: object) -> None:
        raise AssertionError("the run started")

    monkeypatch.setattr(runner, "simulate", no_run)
    study = tmp_path / "s.yaml"
    study.write_text(STUDY, encoding="utf-8")
    with _tmpfs(tmp_path / "mnt", readonly=readonly, fill=not readonly) as mnt:
        before = _listing(mnt)
        for args in (
            ["run", "single-battery", "-n", "20", "--out", str(mnt / "x.csv")],
            ["run", "single-battery", "-n", "20", "--report", str(mnt / "rep")],
            ["study", "run", str(study), "--out", str(mnt / "res")],
        ):
            code, err = _run(args, capsys)
            line = _one_line(err)
            assert code == 2 and words in line.lower(), (args, line)
        assert _listing(mnt) == before

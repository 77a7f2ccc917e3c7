"""shieldlab._io: regular files are replaced atomically (fsync-ed); special files are written
through, never replaced (issue 10 item 6: ``--out /dev/full`` turned the device into a file)."""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from shieldlab import _io
from shieldlab._io import atomic_write_bytes, atomic_write_text
from shieldlab.cli.main import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A private twin of /dev/null (minor 3) or /dev/full (minor 7) in ``tmp_path``.

    The tests never point a write at the real /dev: code without the fix would replace the
    shared machine's device with a regular file (it did, once, while this was written).
    """
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        os.close(os.open(path, os.O_WRONLY))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a character device here ({exc.strerror})")
    return path


def test_full_device_stays_a_device_and_reports_no_space(tmp_path: Path) -> None:
    full = _device(tmp_path, "full", 7)
    with pytest.raises(OSError) as exc:
        atomic_write_text(full, "x" * 10)
    assert exc.value.errno == 28  # ENOSPC
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_cli_output_to_a_full_device_is_exit_2_no_space(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = _device(tmp_path, "full", 7)
    code, err = _run(["schema", "--output", str(full)], capsys)
    assert code == 2
    assert "No space left on device" in err and "--output" in err and err.count("\n") == 1
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_null_device_is_written_through(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", 3)
    atomic_write_text(null, "ignored")
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_fifo_is_written_through_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    t = threading.Thread(target=reader)
    t.start()
    atomic_write_bytes(fifo, b"a,b\n1,2\n" * 10_000)  # larger than a pipe buffer
    t.join(timeout=30)
    assert got == [b"a,b\n1,2\n" * 10_000]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary left


def test_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sock"
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(path))
        with pytest.raises(OSError, match="socket"):
            atomic_write_text(path, "x")
        assert stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        s.close()


def test_block_device_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "disk"
    target.write_text("keep")
    real_stat = os.stat

    def fake_stat(p: object, *a: object, **kw: object) -> os.stat_result:
        st = real_stat(p, *a, **kw)  # type: ignore[arg-type]
        if str(p) == str(target):
            fields = list(st)
            fields[0] = stat.S_IFBLK | 0o660
            return os.stat_result(fields)
        return st

    monkeypatch.setattr(_io.os, "stat", fake_stat)
    with pytest.raises(OSError, match="block device"):
        atomic_write_text(target, "x")
    monkeypatch.undo()
    assert target.read_text() == "keep"


def test_symlink_is_kept_and_its_target_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_regular_file_is_fsynced_before_rename_and_dir_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(src: str, dst: object) -> None:
        events.append("rename")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(_io.os, "fsync", fsync)
    monkeypatch.setattr(_io.os, "replace", replace)
    target = tmp_path / "out.txt"
    atomic_write_text(target, "data")
    assert events == ["fsync-file", "rename", "fsync-dir"]
    assert target.read_text() == "data"


def test_failed_write_leaves_the_old_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def boom(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(_io.os, "fsync", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_track_out_to_a_null_device_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    null = _device(tmp_path, "null", 3)
    det = tmp_path / "det.csv"
    det.write_text("time_s,sensor_id,x_m,y_m,z_m\n0,R1,1,2,3\n1,R1,2,3,4\n")
    code, err = _run(["track", str(det), "--out", str(null)], capsys)
    assert code == 0, err
    assert stat.S_ISCHR(os.stat(null).st_mode)

"""Small file helpers shared by the front ends: nothing is ever left half-written.

:func:`atomic_write_bytes` (and its text twin) decide by what ``path`` is:

- a regular file, or nothing yet: the data goes to a temporary file in the same
  directory, which is flushed and ``fsync``-ed, renamed over ``path`` (atomic on POSIX),
  and then the directory is ``fsync``-ed so the rename itself survives a crash. A
  failure part-way leaves the old file (or no file), never a truncated one. A symbolic
  link is kept: the file it points to is replaced.
- a character device or a FIFO (``/dev/null``, ``/dev/stdout``, a terminal, a named pipe),
  or any path under ``/dev`` or ``/proc`` (``/dev/stdout`` redirected to a file): the data
  is written *through* it, appended, never replacing the special file (issue 10: ``--out
  /dev/full`` used to turn the device into a regular file). Errors are the device's
  (``/dev/full``: ``OSError`` ENOSPC, "No space left on device"); opening a FIFO waits for
  a reader, as any Unix writer does.
- a block device or a socket: refused with an ``OSError`` (EPERM) that says which.

Callers turn ``OSError`` into an :class:`~shieldlab.errors.InputError` naming their option
(exit status 2).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def _umask_mode() -> int:
    """Permissions a normally created file gets (0o666 less the umask).

    ``mkstemp`` creates 0600 files; a result file should be as readable as any other.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _through_special(path: Path) -> bool:
    """True when ``path`` must be written through rather than replaced (see the module)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        return False  # the caller's write raises the useful error
    mode = st.st_mode
    if stat.S_ISBLK(mode):
        raise OSError(errno.EPERM, "is a block device; refusing to write to it", str(path))
    if stat.S_ISSOCK(mode):
        raise OSError(errno.EPERM, "is a socket; cannot write a file there", str(path))
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return True
    if stat.S_ISREG(mode):
        # /dev/stdout redirected to a file resolves (through /proc/self/fd/1) to that file:
        # replacing it would cut it loose from the shell that opened it.
        return os.path.abspath(path).startswith(("/dev/", "/proc/"))
    return False  # a directory: the caller's write raises IsADirectoryError


def _write_through(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - a directory we just wrote into but cannot open
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path``: atomically for a file, through a device or FIFO.

    See the module docstring for what happens to each kind of path.
    """
    path = Path(path)
    if _through_special(path):
        _write_through(path, data)
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # replace the file the link names, keep the link
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the data is on disk before the name points to it
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)  # ... and the rename survives a crash


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Text twin of :func:`atomic_write_bytes` (no newline translation)."""
    atomic_write_bytes(path, text.encode(encoding))

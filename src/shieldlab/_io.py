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
(exit status 2): :func:`output_error` words the line (what failed and what to do), and
:func:`check_output_path` finds the usual problems *before* a long run -- a directory
where a file is wanted, a parent that is a file, a name too long for the file system, a
directory that cannot be written (read-only, no permission, no space: a small probe file
is written, synced and removed).

Temporary names are short (``.NAME.XXXXXXXX.tmp`` with at most the first
:data:`TEMP_NAME_CHARS` characters of ``NAME``), so that a legal 250-character file name
still has a legal temporary twin (issue 21).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from shieldlab.errors import InputError

__all__ = [
    "OUTPUT_ERRNOS",
    "TEMP_NAME_CHARS",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_output_path",
    "check_utf8_name",
    "output_error",
    "output_errors",
    "probe_directory",
    "temp_prefix",
]

#: Characters of the target's name kept in its temporary twin's name.
TEMP_NAME_CHARS = 40

#: ``errno`` values of a failed write that are the environment's, not a bug: the CLI
#: reports them as bad output (exit 2), naming the path and what to do.
OUTPUT_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENAMETOOLONG,
        errno.EISDIR,
        errno.ENOTDIR,
        errno.EEXIST,
        errno.ELOOP,
    }
)

_FIX = {
    errno.ENOSPC: "no space left on the device: free some space or write elsewhere",
    errno.EDQUOT: "disk quota exceeded: free some space or write elsewhere",
    errno.EFBIG: "file too large for this file system or for the file-size limit "
    "(ulimit -f): write elsewhere or raise the limit",
    errno.EROFS: "read-only file system: write elsewhere",
    errno.EACCES: "permission denied: choose a directory you can write to",
    errno.EPERM: "operation not permitted: choose a directory you can write to",
    errno.ENAMETOOLONG: "file name too long for this file system: choose a shorter name",
    errno.EISDIR: "is a directory: give a file name",
    errno.ENOTDIR: "a part of the path is a file, not a directory: fix the path",
    errno.EEXIST: "a part of the path exists and is not a directory: fix the path",
    errno.ELOOP: "too many levels of symbolic links: fix the path",
}


def temp_prefix(name: str) -> str:
    """The hidden prefix of ``name``'s temporary twin (short, see the module)."""
    return f".{name[:TEMP_NAME_CHARS]}."


def _shown(path: str | os.PathLike[str]) -> str:
    """``path`` for a one-line message: quoted, control characters and bad bytes escaped."""
    text = os.fspath(path)
    return repr(text) if not text.isprintable() or "'" in text else f"'{text}'"


def output_error(exc: OSError, path: str | os.PathLike[str], option: str | None) -> InputError:
    """The one-line :class:`InputError` for a failed write of ``path`` (exit status 2)."""
    reason = _FIX.get(exc.errno or 0) or exc.strerror or str(exc)
    return InputError(f"cannot write {_shown(path)}: {reason}", field=option)


@contextlib.contextmanager
def output_errors(path: str | os.PathLike[str], option: str | None) -> Iterator[None]:
    """Turn an ``OSError`` of the writes inside into :func:`output_error` (exit 2).

    Only the environment's errors (:data:`OUTPUT_ERRNOS`, a device's ENOSPC, ...) are
    turned; another ``OSError`` is left to be what it is.
    """
    try:
        yield
    except OSError as exc:
        if exc.errno in OUTPUT_ERRNOS or isinstance(exc, IsADirectoryError | NotADirectoryError):
            raise output_error(exc, path, option) from None
        raise


def _name_max(directory: Path) -> int:
    try:
        return int(os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError):  # pragma: no cover - no pathconf here
        return 255


def _probe(directory: Path) -> None:
    """Write, sync and remove a small file in ``directory`` (raises what writing would)."""
    fd, tmp = tempfile.mkstemp(prefix=".shieldlab-probe.", suffix=".tmp", dir=directory)
    try:
        os.write(fd, b"\0" * 4096)
        os.fsync(fd)
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def check_utf8_name(text: str, option: str) -> None:
    """Refuse a path holding bytes that are not UTF-8 (issue 21, item 13).

    Python carries such bytes as lone surrogates; DuckDB failed on them with
    ``std::bad_cast`` and the HTML and JSON writers with ``UnicodeEncodeError`` -- after
    the run. Now: one line before it.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            f"{_shown(text)} holds bytes that are not UTF-8: use a UTF-8 name", field=option
        ) from None


def _check_name_lengths(p: Path, text: str, option: str) -> None:
    """Refuse a path component longer than the file system it would be created on allows."""
    ancestor = p.absolute()
    while not os.path.isdir(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    limit = _name_max(ancestor)
    for part in p.absolute().parts:
        if len(os.fsencode(part)) > limit:
            raise InputError(
                f"cannot write {_shown(text[:60] + '...')}: the name "
                f"{_shown(part[:40] + '...')} is longer than this file system allows "
                f"({limit} bytes): choose a shorter name",
                field=option,
            )


def probe_directory(directory: Path, shown: str | os.PathLike[str], option: str) -> None:
    """Raise :func:`output_error` (naming ``shown``) if ``directory`` cannot be written."""
    try:
        _probe(directory)
    except OSError as exc:
        raise output_error(exc, shown, option) from None


def check_output_path(
    path: str | os.PathLike[str], option: str, *, directory: bool = False
) -> Path:
    """Check, before any work, that ``path`` can be written; return it as a ``Path``.

    ``directory``: the output is a directory (created if missing) rather than a file.
    Raises :class:`InputError` naming ``option`` and the path, with what to fix: a
    directory given for a file (or a file for a directory), a name ending in ``/`` for a
    file, a parent that is a file, a name longer than the file system allows, and a
    directory that cannot be written into (read-only, no permission, full). Devices and
    FIFOs are written through and not probed (``/dev/full`` fails when written).
    """
    text = os.fspath(path)
    p = Path(text)
    if not text:
        raise InputError("an empty path: give a file name", field=option)
    check_utf8_name(text, option)
    _check_name_lengths(p, text, option)  # first: a too-long name makes stat() raise
    try:
        if _through_special(p):
            return p
    except OSError as exc:
        raise InputError(f"{_shown(text)} {exc.strerror}", field=option) from None
    if not directory:
        if p.is_dir():
            raise InputError(f"{_shown(text)} is a directory: give a file name", field=option)
        if text.endswith(os.sep):
            raise InputError(f"{_shown(text)} ends in '/': give a file name", field=option)
    elif p.exists() and not p.is_dir():
        raise InputError(
            f"{_shown(text)} exists and is not a directory: give a directory", field=option
        )
    if p.is_symlink():
        p = Path(os.path.realpath(p))  # what is written is the link's target
    ancestor = p.absolute().parent
    if directory and p.is_dir():
        ancestor = p.absolute()
    while not ancestor.exists() and not ancestor.is_symlink():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(
            f"cannot write {_shown(text)}: {_shown(ancestor)} is not a directory", field=option
        )
    probe_directory(ancestor, text, option)
    return Path(text)


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
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return False  # ditto (check_output_path words it)
        raise
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
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=".tmp", dir=path.parent)
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

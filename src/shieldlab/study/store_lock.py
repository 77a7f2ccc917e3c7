"""The lock on a study's results directory: one ``study run`` writes into it at a time.

``DIR/.shieldlab-study.lock`` is locked with ``flock(LOCK_EX | LOCK_NB)`` by the run that
writes into ``DIR`` and holds, while it runs, who holds it (pid, host, start time). A
second run finds the lock taken and stops with one line naming the holder (exit status
2), before it reads or changes anything; two identical runs therefore never both compute
the cells. The kernel releases a ``flock`` when its holder dies (SIGKILL, power cut), so a
lock left by a dead run is free: the next run takes it over and says whose it was. The
file is never deleted (deleting a lock file while others may have it open lets two
processes lock different files of the same name); it is emptied on release.

Fallback where ``flock`` is missing or refused (no ``fcntl``; some network file systems
answer ``ENOLCK``): the lock file is created exclusively (``O_EXCL``) and removed on
release; one left by a dead holder on this host is removed and taken over. That is
best-effort (two runs detecting the same dead holder at the same instant can race), so
the fallback logs that it is in use.

Readers (``study show``, :func:`~shieldlab.study.load_results`) take no lock and write
nothing.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import logging
import os
import socket
from pathlib import Path
from typing import Any

from shieldlab.errors import InputError

try:  # pragma: no cover - platform dependent
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_NAME", "DirectoryLock", "holder_text"]

log = logging.getLogger(__name__)

LOCK_NAME = ".shieldlab-study.lock"
_NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


def _holder_info() -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _read_holder(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def holder_text(info: dict[str, Any] | None) -> str:
    """``pid 123 on host h since T`` (or a note that the holder is still starting)."""
    if not info or "pid" not in info:
        return "a process that is starting or did not record itself"
    return f"pid {info.get('pid')} on host {info.get('host', '?')} since {info.get('since', '?')}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class DirectoryLock:
    """The exclusive lock of one results directory (``with DirectoryLock(d): ...``)."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.path = self.dir / LOCK_NAME
        self._fd: int | None = None
        self._exclusive_file = False
        #: The holder recorded in the file when we took it over (a run that died), if any.
        self.previous: dict[str, Any] | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None or self._exclusive_file

    def _busy(self) -> InputError:
        return InputError(
            "is in use by another 'shieldlab study run' ("
            + holder_text(_read_holder(self.path))
            + "); wait for it to finish or stop it, or choose another --out",
            file=str(self.dir),
            field="--out",
        )

    def _cannot(self, exc: OSError) -> InputError:
        return InputError(
            f"cannot lock the results directory: {exc.strerror or exc}",
            file=str(self.dir),
            field="--out",
        )

    def acquire(self) -> None:
        """Take the lock or raise :class:`InputError` naming the process that holds it."""
        if self.held:
            return
        if fcntl is not None:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise self._cannot(exc) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise self._busy() from None
            except OSError as exc:
                os.close(fd)
                if exc.errno not in _NO_FLOCK:
                    raise self._cannot(exc) from None
                log.info("flock refused on %s (%s): exclusive lock file instead", self.dir, exc)
            else:
                self._fd = fd
                self._record()
                return
        self._acquire_exclusive()

    def _record(self) -> None:
        assert self._fd is not None
        before = _read_holder(self.path)
        if before and before.get("pid") is not None:
            self.previous = before
            log.info("took over the lock of %s, which has ended", holder_text(before))
        data = (json.dumps(_holder_info()) + "\n").encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def _acquire_exclusive(self) -> None:
        for _attempt in range(2):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                info = _read_holder(self.path)
                stale = (
                    info is not None
                    and info.get("host") == socket.gethostname()
                    and isinstance(info.get("pid"), int)
                    and not _pid_alive(int(info["pid"]))
                )
                if not stale:
                    raise self._busy() from None
                self.previous = info
                log.info("removing the lock of %s, which has ended", holder_text(info))
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                continue
            except OSError as exc:
                raise self._cannot(exc) from None
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(_holder_info()) + "\n")
            self._exclusive_file = True
            log.info("no flock here: locked %s with an exclusive lock file (best effort)", self.dir)
            return
        raise self._busy()

    def release(self) -> None:
        """Release the lock (emptied, not deleted: see the module docstring)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the last descriptor releases the flock
        if self._exclusive_file:
            self._exclusive_file = False
            with contextlib.suppress(OSError):
                self.path.unlink()

    def __enter__(self) -> DirectoryLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

"""The results directory of a study: committed cells, Parquet files and a DuckDB database.

Layout of ``DIR`` (docs/study.md, "Results store")::

    study.json                  manifest: the study, its hash, factors, outputs, cell count
    cells/cell-00000042.json    one committed cell (factor values, seed, outputs)
    replications/cell-00000042.parquet   per-replication rows (with --per-replication)
    cells.parquet               every cell, one row each (written when the study completes)
    study.duckdb                tables cells, factors, meta, sensitivity, replications
    sensitivity.json            Sobol or Morris indices (sobol / morris designs)
    .shieldlab-study.lock       the lock of the run writing here (store_lock)

A cell is committed by writing its file to a temporary name, flushing it to disk
(``fsync``) and renaming it into place, then syncing the directory: after a crash,
SIGKILL or power cut a cell file is either complete or absent. Its per-replication rows
are committed the same way *before* it, and the cell file records their SHA-256 and row
count, so a committed cell always has its rows and nothing else's.

**One writer.** :meth:`StudyStore.open` takes the directory's lock
(:class:`~shieldlab.study.store_lock.DirectoryLock`); a second run stops with one line
naming the holder. Only the lock holder removes anything: on opening, the temporary files
a killed run can leave (``cells/.cell-*.json.*.tmp``, ``replications/.cell-*.parquet.*.tmp``,
``.study.*.duckdb.tmp`` and its ``.wal``, ``.cells.parquet.*.tmp``, ...) -- no other
process can be writing them while it holds the lock -- and nothing else.

**Reads never write.** :meth:`StudyStore.scan` (used by ``study show`` and
:func:`~shieldlab.study.load_results` too) only reads, so it works on a read-only store
and never disturbs a run in progress. It validates every cell file against the manifest:
a JSON object of this study (its hash), the index of its name and within the study's
cells, a seed, one value per factor, one number per output and, with per-replication
rows, a rows file of the recorded SHA-256 and row count. A file that fails counts as
missing (the next run recomputes it, replacing the file) and is reported in one line;
nothing is deleted. The files derived from the cells (Parquet, DuckDB, sensitivity) are
rebuilt from the valid cells whenever the study completes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shieldlab._io import check_output_path, output_errors
from shieldlab._optional import require
from shieldlab.errors import InputError
from shieldlab.study.store_lock import LOCK_NAME, DirectoryLock

__all__ = ["FORMAT", "Scan", "StudyStore", "durable_write", "read_manifest"]

log = logging.getLogger(__name__)

#: Results format. 2: cell files carry the study hash and their rows' SHA-256 (issue 21).
FORMAT = 2
_CELL = re.compile(r"^cell-(\d{8})\.json$")
#: Temporary files of this module (``durable_write``, the DuckDB build), per directory.
_STALE = {
    "": re.compile(
        r"^\.(study\.json|cells\.parquet|sensitivity\.json)\.[A-Za-z0-9_]+\.tmp$"
        r"|^\.study\.[A-Za-z0-9_]+\.duckdb\.tmp(\.wal)?$"
        r"|^\.shieldlab-probe\.[A-Za-z0-9_]+\.tmp$"  # shieldlab._io's write probe
    ),
    "cells": re.compile(r"^\.cell-\d{8}\.json\.[A-Za-z0-9_]+\.tmp$"),
    "replications": re.compile(r"^\.cell-\d{8}\.parquet\.[A-Za-z0-9_]+\.tmp$"),
}
#: The store's own names, and whether each is a directory (True) or a regular file.
_KINDS = {
    "study.json": False,
    "cells": True,
    "replications": True,
    "cells.parquet": False,
    "study.duckdb": False,
    "sensitivity.json": False,
}
#: Keys of a cell record as returned (the file adds ``study`` and, with rows, ``rows``).
RECORD_KEYS = ("cell", "seed", "values", "outputs")
_SCALAR = (bool, int, float, str, type(None))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably (temp file, fsync, rename).

    A full disk, a file-size limit or a read-only file system (the environment's errors,
    :data:`shieldlab._io.OUTPUT_ERRNOS`) is an :class:`InputError` naming ``path`` and
    option ``--out`` (exit status 2); the temporary file is removed, the old file kept.
    """
    with output_errors(path, "--out"):
        _durable_write(path, data)


def _durable_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _manifest_problem(data: Any) -> str | None:
    """What is wrong with a manifest's structure (None: usable)."""
    if not isinstance(data, dict):
        return "not a JSON object"
    need: dict[str, type | tuple[type, ...]] = {
        "name": str,
        "hash": str,
        "design": str,
        "n_cells": int,
        "replications": int,
        "per_replication": bool,
        "factors": list,
        "outputs": list,
    }
    for key, typ in need.items():
        if key not in data:
            return f"field '{key}' is missing"
        if not isinstance(data[key], typ) or (typ is int and isinstance(data[key], bool)):
            return f"field '{key}' is not a {getattr(typ, '__name__', typ)}"
    if data["n_cells"] < 0:
        return "field 'n_cells' is negative"
    if not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in data["factors"]):
        return "field 'factors' holds an entry without a name"
    if not all(isinstance(o, str) for o in data["outputs"]):
        return "field 'outputs' holds a non-string"
    return None


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The manifest of a results directory (InputError if it is not one)."""
    d = Path(directory)
    p = d / "study.json"
    if not d.is_dir():
        raise InputError("no such results directory", file=str(d))
    try:
        data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "not a study results directory (no study.json); run 'shieldlab study run' first",
            file=str(d),
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"unreadable manifest: {exc}", file=str(p)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        fmt = data.get("format") if isinstance(data, dict) else None
        raise InputError(
            f"results format {fmt!r}; this shieldlab reads format {FORMAT} (rerun the "
            "study with --fresh to recompute it)",
            file=str(p),
        )
    problem = _manifest_problem(data)
    if problem is not None:
        raise InputError(f"invalid manifest: {problem}", file=str(p))
    return data


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Scan:
    """What a results directory holds: its valid cells, and what was set aside and why."""

    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: (file relative to the directory, why it does not count), in file-name order.
    problems: list[tuple[str, str]] = field(default_factory=list)

    def summary(self, directory: Path, consequence: str) -> str | None:
        """One line about the files that did not count (None when all did)."""
        if not self.problems:
            return None
        name, why = self.problems[0]
        more = len(self.problems) - 1
        n = len(self.problems)
        return (
            f"{directory}: {n} stored cell file{'s' if n != 1 else ''} "
            f"{'do' if n != 1 else 'does'} not count ({consequence}): {name}: {why}"
            + (f" (and {more} more)" if more else "")
        )


class StudyStore:
    """A study's results directory: open (or resume) under its lock, commit cells, finalise.

    ``StudyStore(d)`` alone reads (``scan``, ``records``, ``committed``) without writing;
    :meth:`open` takes the lock and makes it writable; :meth:`close` releases it.
    """

    def __init__(self, directory: str | Path, manifest: dict[str, Any] | None = None) -> None:
        self.dir = Path(directory)
        self.cells_dir = self.dir / "cells"
        self.rows_dir = self.dir / "replications"
        self.manifest = manifest
        self._lock = DirectoryLock(self.dir)

    # ---- opening ------------------------------------------------------------------------

    def open(self, manifest: dict[str, Any], *, fresh: bool = False) -> set[int]:
        """Lock and create or resume the directory for ``manifest``; return the valid cells.

        A directory holding another study (a different hash) is refused unless ``fresh``,
        which discards its results first. A directory another run holds is refused,
        naming that run. The lock is held until :meth:`close`.
        """
        if self.dir.exists() and not self.dir.is_dir():
            raise InputError("exists and is not a directory", file=str(self.dir), field="--out")
        mpath = self.dir / "study.json"
        if not fresh and self.dir.is_dir() and not mpath.exists() and self._foreign():
            raise self._not_empty()  # before creating the lock: never touch such a directory
        self._check_kinds()
        # Read-only, full, no permission: say so now (creating nothing), not after the cells.
        check_output_path(self.dir, "--out", directory=True)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the results directory: {exc.strerror or exc}",
                file=str(self.dir),
                field="--out",
            ) from None
        with output_errors(self.dir, "--out"):
            self._lock.acquire()
        try:
            return self._open_locked(manifest, fresh=fresh)
        except BaseException:
            self._lock.release()
            raise

    def _check_kinds(self) -> None:
        """Refuse a store whose own names are of the wrong kind (a file ``cells``, ...)."""
        for name, want_dir in _KINDS.items():
            p = self.dir / name
            if p.is_symlink() or not p.exists():
                if p.is_symlink():
                    raise InputError(
                        f"'{name}' is a symbolic link, not the store's own "
                        f"{'directory' if want_dir else 'file'}: remove it or choose another "
                        "--out",
                        file=str(self.dir),
                        field="--out",
                    )
                continue
            if p.is_dir() != want_dir or not (p.is_dir() or p.is_file()):
                raise InputError(
                    f"'{name}' is not the store's own {'directory' if want_dir else 'file'} "
                    f"(it is a {'directory' if p.is_dir() else 'file'} here): remove it or "
                    "choose another --out",
                    file=str(self.dir),
                    field="--out",
                )

    def _foreign(self) -> bool:
        return any(
            p.name != LOCK_NAME and not p.name.startswith(".shieldlab-probe.")
            for p in self.dir.iterdir()
        )

    def _not_empty(self) -> InputError:
        return InputError(
            "is not empty and holds no study; choose an empty or new directory",
            file=str(self.dir),
            field="--out",
        )

    def _open_locked(self, manifest: dict[str, Any], *, fresh: bool) -> set[int]:
        mpath = self.dir / "study.json"
        if mpath.exists():
            try:
                old = json.loads(mpath.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = {}
            if not isinstance(old, dict):
                old = {}
            same = old.get("hash") == manifest["hash"] and old.get("format") == FORMAT
            if not same and not fresh:
                raise InputError(
                    "holds results of a different study (the study file, its base scenario "
                    "or posture, or the shieldlab results format changed: hash "
                    f"{str(old.get('hash'))[:12]} there, {manifest['hash'][:12]} now); "
                    "rerun with --fresh to discard them, or choose another --out",
                    file=str(self.dir),
                    field="--out",
                )
            if not same or fresh:
                self._clear()
            elif old.get("per_replication") != manifest["per_replication"]:
                raise InputError(
                    "was started "
                    + ("with" if old.get("per_replication") else "without")
                    + " --per-replication; resume it the same way, or rerun with --fresh",
                    file=str(self.dir),
                    field="--per-replication",
                )
        elif self._foreign() and not fresh:
            raise self._not_empty()
        self.remove_stale()
        self.manifest = manifest
        self.cells_dir.mkdir(exist_ok=True)
        if manifest["per_replication"]:
            self.rows_dir.mkdir(exist_ok=True)
        durable_write(mpath, (json.dumps(manifest, indent=2) + "\n").encode())
        return set(self.scan().records)

    def close(self) -> None:
        """Release the directory's lock (the store can still be read)."""
        self._lock.release()

    def __enter__(self) -> StudyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _clear(self) -> None:
        for name in ("cells", "replications"):
            shutil.rmtree(self.dir / name, ignore_errors=True)
        for name in ("cells.parquet", "study.duckdb", "sensitivity.json", "study.json"):
            (self.dir / name).unlink(missing_ok=True)

    def remove_stale(self) -> list[Path]:
        """Remove this module's temporary files left by a killed run (lock holder only).

        Only names this module creates (``durable_write``'s ``.NAME.XXXX.tmp``, the DuckDB
        build's ``.study.XXXX.duckdb.tmp`` and ``.wal``) are touched; with the lock held no
        other run can be writing them. Also the pool job files of dead runs in the system's
        temporary directory (:func:`shieldlab.montecarlo._pool.remove_stale_job_files`).
        """
        if not self._lock.held:
            raise RuntimeError("only the holder of the directory's lock removes files")
        from shieldlab.montecarlo._pool import remove_stale_job_files

        removed: list[Path] = []
        for sub, pattern in _STALE.items():
            d = self.dir / sub if sub else self.dir
            if not d.is_dir():
                continue
            for p in d.iterdir():
                if pattern.match(p.name) and not p.is_dir():
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
                        removed.append(p)
        if removed:
            log.info("removed %d temporary files of an interrupted run", len(removed))
        removed += remove_stale_job_files()
        return removed

    # ---- reading (never writes) ---------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        if self.manifest is None:
            self.manifest = read_manifest(self.dir)
        return self.manifest

    def scan(self) -> Scan:
        """Every valid committed cell, and the files that do not count (see module doc)."""
        manifest = self._manifest()
        out = Scan()
        if not self.cells_dir.is_dir():
            return out
        try:
            names = sorted(p.name for p in self.cells_dir.iterdir())
        except OSError as exc:
            raise InputError(
                f"cannot read: {exc.strerror or exc}", file=str(self.cells_dir)
            ) from None
        for name in names:
            m = _CELL.match(name)
            if m is None:
                continue
            index = int(m.group(1))
            rel = f"cells/{name}"
            rec, why = self._read_cell(manifest, index, self.cells_dir / name)
            if rec is None:
                out.problems.append((rel, why))
            else:
                out.records[index] = rec
        return out

    def _read_cell(
        self, manifest: dict[str, Any], index: int, path: Path
    ) -> tuple[dict[str, Any] | None, str]:
        n_cells = int(manifest["n_cells"])
        if index >= n_cells:
            return None, f"cell {index} is beyond the study's {n_cells:,} cells"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return None, f"unreadable ({type(exc).__name__})"
        if not isinstance(data, dict):
            return None, "not a cell record (not a JSON object)"
        missing = [k for k in (*RECORD_KEYS, "study") if k not in data]
        if missing:
            return None, f"not a cell record (no {', '.join(missing)})"
        if data["study"] != manifest["hash"]:
            return None, f"from another study (hash {str(data['study'])[:12]})"
        cell, seed, values, outputs = (data[k] for k in RECORD_KEYS)
        if type(cell) is not int or cell != index:
            return None, f"holds cell {cell!r}, not {index}"
        if type(seed) is not int or not 0 <= seed < 2**63:
            return None, f"invalid seed {seed!r}"
        n_factors = len(manifest["factors"])
        if not isinstance(values, list) or len(values) != n_factors:
            return None, f"needs {n_factors} factor values"
        if not all(isinstance(v, _SCALAR) for v in values):
            return None, "a factor value is not a number, string or boolean"
        if not isinstance(outputs, dict):
            return None, "outputs is not an object"
        want = manifest["outputs"]
        lost = [o for o in want if o not in outputs]
        if lost:
            return None, f"output '{lost[0]}' is missing"
        extra = [o for o in outputs if o not in want]
        if extra:
            return None, f"unexpected output '{extra[0]}'"
        bad = [o for o in want if type(outputs[o]) not in (float, int)]
        if bad:
            return None, f"output '{bad[0]}' is not a number"
        if manifest["per_replication"]:
            why = self._rows_problem(manifest, index, data.get("rows"))
            if why is not None:
                return None, why
        return {k: data[k] for k in RECORD_KEYS}, ""

    def _rows_problem(self, manifest: dict[str, Any], index: int, rows: Any) -> str | None:
        if not isinstance(rows, dict) or not isinstance(rows.get("sha256"), str):
            return "no record of its per-replication rows"
        if rows.get("n") != manifest["replications"]:
            return f"its rows record {rows.get('n')!r} rows, not {manifest['replications']}"
        path = self.rows_dir / f"cell-{index:08d}.parquet"
        try:
            digest = _sha256(path)
        except FileNotFoundError:
            return f"its rows file replications/{path.name} is missing"
        except OSError as exc:
            return f"its rows file replications/{path.name} is unreadable ({exc.strerror})"
        if digest != rows["sha256"]:
            return f"its rows file replications/{path.name} was changed (SHA-256 differs)"
        return None

    def committed(self) -> set[int]:
        """Indices of the valid cells committed so far (reads only)."""
        return set(self.scan().records)

    def records(self) -> list[dict[str, Any]]:
        """Every valid committed cell record, in cell order (reads only)."""
        recs = self.scan().records
        return [recs[i] for i in sorted(recs)]

    # ---- committing ---------------------------------------------------------------------

    def commit(
        self,
        record: dict[str, Any],
        rows: npt.NDArray[np.float64] | None = None,
        columns: Sequence[str] = (),
    ) -> None:
        """Commit one cell (its rows first, then the cell file: the commit point)."""
        if not self._lock.held or self.manifest is None:
            raise RuntimeError("commit needs an open store (StudyStore.open)")
        index = int(record["cell"])
        data = {k: record[k] for k in RECORD_KEYS}
        data["study"] = self.manifest["hash"]
        if rows is not None:
            pa = require("pyarrow", feature="per-replication rows")
            pq = require("pyarrow.parquet", feature="per-replication rows")
            n = rows.shape[0]
            arrays = [
                pa.array(np.full(n, index, dtype=np.int64)),
                pa.array(np.arange(n, dtype=np.int64)),
            ]
            arrays += [pa.array(np.ascontiguousarray(rows[:, j])) for j in range(rows.shape[1])]
            table = pa.Table.from_arrays(arrays, names=["cell", "replication", *columns])
            sink = pa.BufferOutputStream()
            pq.write_table(table, sink, compression="zstd")
            blob = sink.getvalue().to_pybytes()
            durable_write(self.rows_dir / f"cell-{index:08d}.parquet", blob)
            data["rows"] = {"n": int(n), "sha256": hashlib.sha256(blob).hexdigest()}
        text = json.dumps(data, allow_nan=True) + "\n"
        durable_write(self.cells_dir / f"cell-{index:08d}.json", text.encode())

    # ---- derived files ------------------------------------------------------------------

    def finalise(
        self,
        manifest: dict[str, Any],
        records: list[dict[str, Any]],
        sensitivity: Iterable[dict[str, Any]] | None,
    ) -> None:
        """Write cells.parquet, sensitivity.json and study.duckdb from the committed cells."""
        pa = require("pyarrow", feature="the study results store")
        pq = require("pyarrow.parquet", feature="the study results store")
        duckdb = require("duckdb", feature="the study results store")
        factor_names = [f["name"] for f in manifest["factors"]]
        outputs = list(manifest["outputs"])
        cols: dict[str, Any] = {
            "cell": pa.array([r["cell"] for r in records], type=pa.int64()),
            "seed": pa.array([r["seed"] for r in records], type=pa.int64()),
        }
        for j, name in enumerate(factor_names):
            vals = [r["values"][j] for r in records]
            cols[name] = _column(pa, vals)
        for name in outputs:
            cols[name] = pa.array(
                [float(r["outputs"].get(name, float("nan"))) for r in records], type=pa.float64()
            )
        table = pa.table(cols)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        durable_write(self.dir / "cells.parquet", sink.getvalue().to_pybytes())
        sens = list(sensitivity or [])
        if sensitivity is not None:
            durable_write(
                self.dir / "sensitivity.json", (json.dumps(sens, indent=2) + "\n").encode()
            )
        target = self.dir / "study.duckdb"
        try:
            with output_errors(target, "--out"):
                self._write_duckdb(duckdb, manifest, table, sens, records)
        except duckdb.IOException as exc:  # a full disk or a file-size limit, in DuckDB's words
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(
                f"cannot write {str(target)!r}: {first}: free some space or write elsewhere",
                field="--out",
            ) from None

    def _write_duckdb(
        self,
        duckdb: Any,
        manifest: dict[str, Any],
        table: Any,
        sens: list[dict[str, Any]],
        records: list[dict[str, Any]],
    ) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".study.", suffix=".duckdb.tmp", dir=self.dir)
        os.close(fd)
        os.unlink(tmp)  # duckdb creates the file itself
        try:
            con = duckdb.connect(tmp)
            try:
                con.register("cells_arrow", table)
                con.execute("CREATE TABLE cells AS SELECT * FROM cells_arrow")
                con.unregister("cells_arrow")
                con.execute(
                    "CREATE TABLE factors (position INTEGER, name VARCHAR, target VARCHAR, "
                    "op VARCHAR, low DOUBLE, high DOUBLE, range_source VARCHAR)"
                )
                con.executemany(
                    "INSERT INTO factors VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        [j, f["name"], f["where"], f["op"], f["low"], f["high"], f["source"]]
                        for j, f in enumerate(manifest["factors"])
                    ],
                )
                con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
                con.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        [k, json.dumps(manifest[k])]
                        for k in ("name", "hash", "design", "replications", "seed", "n_cells")
                    ],
                )
                con.execute(
                    "CREATE TABLE sensitivity (output VARCHAR, factor VARCHAR, measure VARCHAR, "
                    "value DOUBLE, low DOUBLE, high DOUBLE)"
                )
                if sens:
                    con.executemany(
                        "INSERT INTO sensitivity VALUES (?, ?, ?, ?, ?, ?)",
                        [
                            [
                                s["output"],
                                s["factor"],
                                s["measure"],
                                s["value"],
                                s["low"],
                                s["high"],
                            ]
                            for s in sens
                        ],
                    )
                # Exactly the rows of the (validated) cells: no glob, so a stray or
                # orphaned file in replications/ never reaches the table.
                files = [str(self.rows_dir / f"cell-{r['cell']:08d}.parquet") for r in records]
                if manifest["per_replication"] and files:
                    con.execute(
                        "CREATE TABLE replications AS SELECT * FROM "
                        "read_parquet(?, union_by_name = true) ORDER BY cell, replication",
                        [files],
                    )
                con.execute("CHECKPOINT")
            finally:
                con.close()
            os.replace(tmp, self.dir / "study.duckdb")
            _fsync_dir(self.dir)
        finally:
            Path(tmp).unlink(missing_ok=True)
            Path(tmp + ".wal").unlink(missing_ok=True)


def _column(pa: Any, vals: list[Any]) -> Any:
    if all(isinstance(v, bool) for v in vals):
        return pa.array(vals, type=pa.bool_())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return pa.array(vals, type=pa.int64())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
        return pa.array([float(v) for v in vals], type=pa.float64())
    return pa.array([None if v is None else str(v) for v in vals], type=pa.string())

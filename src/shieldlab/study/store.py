"""The results directory of a study: committed cells, Parquet files and a DuckDB database.

Layout of ``DIR`` (docs/study.md, "Results store")::

    study.json                  manifest: the study, its hash, factors, outputs, cell count
    cells/cell-00000042.json    one committed cell (factor values, seed, outputs)
    replications/cell-00000042.parquet   per-replication rows (with --per-replication)
    cells.parquet               every cell, one row each (written when the study completes)
    study.duckdb                tables cells, factors, meta, sensitivity, replications
    sensitivity.json            Sobol or Morris indices (sobol / morris designs)

A cell is committed by writing its file to a temporary name, flushing it to disk
(``fsync``) and renaming it into place, then syncing the directory: after a crash,
SIGKILL or power cut a cell file is either complete or absent. Its per-replication rows
are committed the same way *before* it, so a committed cell always has its rows. A cell
file that cannot be read (a file system that lost the data of a rename at a power cut)
counts as missing and is recomputed. The files derived from the cells (Parquet, DuckDB,
sensitivity) are rebuilt from them whenever the study completes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shieldlab._optional import require
from shieldlab.errors import InputError

__all__ = ["FORMAT", "StudyStore", "read_manifest"]

log = logging.getLogger(__name__)

FORMAT = 1
_CELL = re.compile(r"^cell-(\d{8})\.json$")


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
    """Write ``data`` to ``path`` atomically and durably (temp file, fsync, rename)."""
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
    if data.get("format") != FORMAT:
        raise InputError(
            f"results format {data.get('format')!r}; this shieldlab reads format {FORMAT}",
            file=str(p),
        )
    return data


class StudyStore:
    """A study's results directory: open (or resume), commit cells, finalise."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.cells_dir = self.dir / "cells"
        self.rows_dir = self.dir / "replications"

    # ---- opening ------------------------------------------------------------------------

    def open(self, manifest: dict[str, Any], *, fresh: bool = False) -> set[int]:
        """Create or resume the directory for ``manifest``; return the committed cells.

        A directory holding another study (a different hash) is refused unless ``fresh``,
        which discards its results first.
        """
        if self.dir.exists() and not self.dir.is_dir():
            raise InputError("exists and is not a directory", file=str(self.dir), field="--out")
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the results directory: {exc.strerror or exc}",
                file=str(self.dir),
                field="--out",
            ) from None
        mpath = self.dir / "study.json"
        if mpath.exists():
            try:
                old = json.loads(mpath.read_text(encoding="utf-8"))
            except (OSError, ValueError):
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
            elif old.get("per_replication") != manifest["per_replication"] and not fresh:
                raise InputError(
                    "was started "
                    + ("with" if old.get("per_replication") else "without")
                    + " --per-replication; resume it the same way, or rerun with --fresh",
                    file=str(self.dir),
                    field="--per-replication",
                )
        elif any(self.dir.iterdir()) and not fresh:
            raise InputError(
                "is not empty and holds no study; choose an empty or new directory",
                file=str(self.dir),
                field="--out",
            )
        self.cells_dir.mkdir(exist_ok=True)
        if manifest["per_replication"]:
            self.rows_dir.mkdir(exist_ok=True)
        durable_write(mpath, (json.dumps(manifest, indent=2) + "\n").encode())
        return self.committed()

    def _clear(self) -> None:
        for name in ("cells", "replications"):
            shutil.rmtree(self.dir / name, ignore_errors=True)
        for name in ("cells.parquet", "study.duckdb", "sensitivity.json", "study.json"):
            (self.dir / name).unlink(missing_ok=True)

    def committed(self) -> set[int]:
        """Indices of the cells committed so far (unreadable files are dropped)."""
        done: set[int] = set()
        if not self.cells_dir.is_dir():
            return done
        for p in self.cells_dir.iterdir():
            m = _CELL.match(p.name)
            if m is None:
                if p.name.endswith(".tmp"):  # left by a process killed mid-write
                    p.unlink(missing_ok=True)
                continue
            try:
                json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.warning("cell file %s is unreadable: the cell is recomputed", p)
                p.unlink(missing_ok=True)
                continue
            done.add(int(m.group(1)))
        return done

    # ---- committing ---------------------------------------------------------------------

    def commit(
        self,
        record: dict[str, Any],
        rows: npt.NDArray[np.float64] | None = None,
        columns: Sequence[str] = (),
    ) -> None:
        """Commit one cell (its rows first, then the cell file: the commit point)."""
        index = int(record["cell"])
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
            durable_write(self.rows_dir / f"cell-{index:08d}.parquet", sink.getvalue().to_pybytes())
        text = json.dumps(record, allow_nan=True) + "\n"
        durable_write(self.cells_dir / f"cell-{index:08d}.json", text.encode())

    def records(self) -> list[dict[str, Any]]:
        """Every committed cell record, in cell order."""
        out = []
        for i in sorted(self.committed()):
            out.append(json.loads((self.cells_dir / f"cell-{i:08d}.json").read_text("utf-8")))
        return out

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
                if manifest["per_replication"] and any(self.rows_dir.glob("cell-*.parquet")):
                    pattern = str(self.rows_dir / "cell-*.parquet")
                    con.execute(
                        "CREATE TABLE replications AS SELECT * FROM "
                        "read_parquet(?, union_by_name = true) ORDER BY cell, replication",
                        [pattern],
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

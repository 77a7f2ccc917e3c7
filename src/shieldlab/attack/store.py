"""Attack results on disk: JSON, the best raid's scenario, Parquet tables and DuckDB.

``--out DIR`` of ``shieldlab attack optimise|cheapest|duel`` writes (docs/attack.md)::

    attack.json        the --json object
    raid.yaml          the best (or cheapest) raid as a ready-to-run scenario
    candidates.parquet every simulated candidate: trial, raid key, screening value, cost
    leaders.parquet    the re-run leaders (optimise) / verified raids (cheapest) /
                       rounds (duel)
    attack.duckdb      tables meta, candidates and leaders (or rounds)
    convergence.png    best screening objective against evaluations (with the [plot] extra)

Every file is written to a temporary name, flushed and renamed (``study.store``'s
``durable_write``), so a file is either complete or absent; the DuckDB database is built
beside and renamed into place the same way. Needs the ``[store]`` extra.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from shieldlab._optional import require
from shieldlab.errors import InputError
from shieldlab.study.store import durable_write

__all__ = ["check_out_dir", "write_attack_store"]

MARKER = "attack.json"


def check_out_dir(directory: str | Path) -> Path:
    """Fail before any simulation if ``directory`` cannot take attack results."""
    d = Path(directory)
    if d.exists():
        if not d.is_dir():
            raise InputError(f"{str(d)!r} exists and is not a directory", field="--out")
        if any(d.iterdir()) and not (d / MARKER).is_file():
            raise InputError(
                f"{str(d)!r} is neither empty nor earlier attack results; choose another",
                field="--out",
            )
    elif not d.absolute().parent.is_dir():
        raise InputError(f"the parent directory of {str(d)!r} does not exist", field="--out")
    require("pyarrow", feature="attack --out")
    require("duckdb", feature="attack --out")
    return d


def _table(rows: list[dict[str, Any]]) -> Any:
    pa = require("pyarrow", feature="attack --out")
    if not rows:
        return pa.table({"empty": pa.array([], type=pa.bool_())})
    cols: dict[str, list[Any]] = {k: [] for k in rows[0]}
    for r in rows:
        for k in cols:
            v = r.get(k)
            cols[k].append(json.dumps(v) if isinstance(v, list | dict) else v)
    return pa.table(cols)


def _parquet_bytes(table: Any) -> bytes:
    pa = require("pyarrow", feature="attack --out")
    pq = require("pyarrow.parquet", feature="attack --out")
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def write_attack_store(
    directory: str | Path,
    result: dict[str, Any],
    *,
    candidates: list[dict[str, Any]],
    second: list[dict[str, Any]],
    second_name: str = "leaders",
    scenario_yaml: str | None = None,
    figure_png: bytes | None = None,
) -> Path:
    """Write the files of the module docstring into ``directory``; return it."""
    duckdb = require("duckdb", feature="attack --out")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    tables = {"candidates": _table(candidates), second_name: _table(second)}
    for name, table in tables.items():
        durable_write(d / f"{name}.parquet", _parquet_bytes(table))
    if scenario_yaml is not None:
        durable_write(d / "raid.yaml", scenario_yaml.encode())
    if figure_png is not None:
        durable_write(d / "convergence.png", figure_png)
    fd, tmp = tempfile.mkstemp(prefix=".attack.", suffix=".duckdb.tmp", dir=d)
    os.close(fd)
    os.unlink(tmp)  # duckdb creates the file itself
    try:
        con = duckdb.connect(tmp)
        try:
            con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
            flat = {k: v for k, v in result.items() if not isinstance(v, list | dict)}
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in flat.items()]
            )
            for name, table in tables.items():
                con.register("_t", table)
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM _t")
                con.unregister("_t")
        finally:
            con.close()
        os.replace(tmp, d / "attack.duckdb")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # Last: attack.json marks a complete results directory.
    text = json.dumps(_finite(result), indent=2, default=_jsonable, allow_nan=False)
    durable_write(d / MARKER, (text + "\n").encode())
    return d


def _finite(obj: Any) -> Any:
    """NaN and infinities as null (strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _jsonable(obj: Any) -> Any:
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
    except ImportError:  # pragma: no cover
        pass
    return str(obj)

"""Recorded plots in, tracks out: the CSV formats of ``shieldlab track``.

Input (one plot per row, header required, rows in time order):

* Cartesian, local east-north-up: ``time_s,sensor_id,x_m,y_m,z_m``;
* radar coordinates: ``time_s,sensor_id,range_m,azimuth_deg,elevation_deg`` with an
  optional ``radial_velocity_mps`` (the sensors' positions and errors come from a YAML file).

Output: one row per confirmed track per scan time,
``time_s,track_id,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps``.

Every problem is an :class:`~shieldlab.errors.InputError` naming the file, the 1-based line
and the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from shieldlab._io import atomic_write_text
from shieldlab.errors import InputError

CARTESIAN_COLUMNS = ("time_s", "sensor_id", "x_m", "y_m", "z_m")
POLAR_COLUMNS = ("time_s", "sensor_id", "range_m", "azimuth_deg", "elevation_deg")
RADIAL_VELOCITY_COLUMN = "radial_velocity_mps"
TRACK_COLUMNS = ("time_s", "track_id", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")
MAX_CSV_BYTES = 1 << 30


@dataclass(frozen=True, kw_only=True)
class Detections:
    """Plots read from a CSV file, in file order (non-decreasing time).

    ``kind`` is ``"cartesian"`` (values = x, y, z in metres) or ``"polar"`` (values = range
    in metres, azimuth and elevation in radians, and radial velocity in m/s if present).
    """

    file: str
    kind: str
    time_s: NDArray[np.float64]
    sensor_id: list[str]
    values: NDArray[np.float64]
    line: NDArray[np.int64]  # 1-based line number of each row in the file

    def __len__(self) -> int:
        return int(self.time_s.shape[0])


def read_detections_csv(path: str | Path) -> Detections:
    """Read and check a detections CSV (see the module docstring)."""
    p = Path(path)
    name = str(path)
    if p.is_dir():
        raise InputError("is a directory, expected a CSV file", file=name)
    try:
        if p.stat().st_size > MAX_CSV_BYTES:
            raise InputError(f"file larger than {MAX_CSV_BYTES} bytes", file=name)
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", file=name) from None
    except PermissionError:
        raise InputError("permission denied: cannot read the file", file=name) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not a UTF-8 text file ({exc.reason})", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    if "\x00" in text:
        raise InputError("binary file, expected CSV text", file=name)
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("empty file, expected a header line", file=name, line=1) from None
    if set(CARTESIAN_COLUMNS) <= set(header):
        kind, wanted = "cartesian", list(CARTESIAN_COLUMNS)
    elif set(POLAR_COLUMNS) <= set(header):
        kind, wanted = "polar", list(POLAR_COLUMNS)
        if RADIAL_VELOCITY_COLUMN in header:
            wanted.append(RADIAL_VELOCITY_COLUMN)
    else:
        have = set(header)
        best = min((CARTESIAN_COLUMNS, POLAR_COLUMNS), key=lambda cols: len(set(cols) - have))
        missing = [c for c in best if c not in have]
        raise InputError(
            f"missing column(s) {', '.join(missing)}; expected "
            f"{','.join(CARTESIAN_COLUMNS)} or {','.join(POLAR_COLUMNS)}",
            file=name,
            line=1,
            field=missing[0],
        )
    dup = sorted({h for h in header if header.count(h) > 1 and h in wanted})
    if dup:
        raise InputError(f"duplicate column {dup[0]}", file=name, line=1, field=dup[0])
    col = {c: header.index(c) for c in wanted}
    numeric = [c for c in wanted if c != "sensor_id"]
    records: list[list[str]] = []
    lines_list: list[int] = []
    width = len(header)
    for record in reader:
        if len(record) != width:
            if not record or all(not f.strip() for f in record):
                continue
            raise InputError(
                f"expected {width} fields, found {len(record)}", file=name, line=reader.line_num
            )
        records.append(record)
        lines_list.append(reader.line_num)
    lines = np.asarray(lines_list, dtype=np.int64)
    n = len(records)
    # Whole-column conversion (C speed); on failure, find the first bad cell for the message.
    table = np.asarray(records, dtype=str).reshape(n, width)
    values = np.empty((n, len(numeric)))
    for k, c in enumerate(numeric):
        cells = np.char.strip(table[:, col[c]])
        try:
            values[:, k] = cells.astype(float)
        except ValueError:
            for i, raw in enumerate(cells.tolist()):
                try:
                    float(raw)
                except ValueError:
                    raise InputError(
                        f"not a number: {raw!r}", file=name, line=int(lines[i]), field=c
                    ) from None
            raise  # pragma: no cover - astype and float() agree
        bad = np.flatnonzero(~np.isfinite(values[:, k]))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"not a finite number: {cells[i]!r}", file=name, line=int(lines[i]), field=c
            )
    times = values[:, 0]
    back = np.flatnonzero(np.diff(times) < 0.0)
    if back.size:
        i = int(back[0]) + 1
        raise InputError(
            f"time {times[i]:g} s is earlier than the previous row's {times[i - 1]:g} s "
            "(rows must be sorted by time)",
            file=name,
            line=int(lines[i]),
            field="time_s",
        )
    sensors = np.char.strip(table[:, col["sensor_id"]]).tolist() if n else []
    empty = [i for i, sid in enumerate(sensors) if not sid]
    if empty:
        raise InputError("empty sensor id", file=name, line=int(lines[empty[0]]), field="sensor_id")
    values = values[:, 1:]
    if kind == "polar":
        neg = np.flatnonzero(values[:, 0] < 0.0)
        if neg.size:
            raise InputError("negative range", file=name, line=int(lines[neg[0]]), field="range_m")
        values[:, 1:3] = np.radians(values[:, 1:3])
    return Detections(
        file=name,
        kind=kind,
        time_s=np.ascontiguousarray(times),
        sensor_id=sensors,
        values=np.ascontiguousarray(values),
        line=lines,
    )


def format_tracks_csv(rows: NDArray[np.float64]) -> str:
    """CSV text of track rows (k, 8) in :data:`TRACK_COLUMNS` order."""
    buf = io.StringIO()
    buf.write(",".join(TRACK_COLUMNS) + "\n")
    if rows.shape[0]:
        np.savetxt(
            buf,
            rows,
            fmt=["%.6f", "%d", "%.3f", "%.3f", "%.3f", "%.4f", "%.4f", "%.4f"],
            delimiter=",",
        )
    return buf.getvalue()


def write_tracks_csv(path: str | Path, rows: NDArray[np.float64]) -> None:
    """Write track rows atomically (nothing half-written on failure)."""
    atomic_write_text(path, format_tracks_csv(rows))

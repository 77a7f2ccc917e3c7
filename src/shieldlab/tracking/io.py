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
#: Largest range or coordinate of a plot (m): 100,000 km, beyond geostationary orbit (36,000
#: km up), the farthest anything a radar tracks is. Larger values overflowed the tracker's
#: covariances (1e200 -> inf -> NaN tracks, found by the fuzz suite).
MAX_DISTANCE_M = 1e8
_ROW_FORMAT = "%.6f,%d,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f\n"


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
    header, kind, wanted, records, lines_list = _split_rows(text, name)
    col = {c: header.index(c) for c in wanted}
    numeric = [c for c in wanted if c != "sensor_id"]
    lines = np.asarray(lines_list, dtype=np.int64)
    n = len(records)
    columns = list(zip(*records, strict=True)) if n else [()] * len(header)
    values = np.empty((n, len(numeric)))
    for k, c in enumerate(numeric):
        cells = columns[col[c]]
        try:
            # float() per cell is numpy's own str -> float rule (it strips blanks too),
            # with no string array to build: ~1.7x faster than astype per column (measured).
            values[:, k] = np.fromiter(map(float, cells), dtype=np.float64, count=n)
        except ValueError:
            for i, raw in enumerate(cells):
                try:
                    float(raw)
                except ValueError:
                    raise InputError(
                        f"not a number: {raw.strip()!r}", file=name, line=int(lines[i]), field=c
                    ) from None
            raise  # pragma: no cover - the loop meets the same cell
        bad = np.flatnonzero(~np.isfinite(values[:, k]))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"not a finite number: {cells[i].strip()!r}",
                file=name,
                line=int(lines[i]),
                field=c,
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
    sensors = [sid.strip() for sid in columns[col["sensor_id"]]]
    empty = [i for i, sid in enumerate(sensors) if not sid]
    if empty:
        raise InputError("empty sensor id", file=name, line=int(lines[empty[0]]), field="sensor_id")
    values = values[:, 1:]
    reach = values[:, 0] if kind == "polar" else np.abs(values[:, :3]).max(axis=1, initial=0.0)
    far = np.flatnonzero(reach > MAX_DISTANCE_M)
    if far.size:
        i = int(far[0])
        if kind == "polar":
            column = "range_m"
        else:
            column = ("x_m", "y_m", "z_m")[int(np.argmax(np.abs(values[i, :3])))]
        raise InputError(
            f"farther than {MAX_DISTANCE_M:g} m from the origin (no radar plot is)",
            file=name,
            line=int(lines[i]),
            field=column,
        )
    if kind == "polar":
        # A plot at range 0 is at the antenna and one at elevation +-90 deg is at the
        # zenith (nadir): the polar measurement model has no azimuth there and its
        # Jacobian divides by zero, so the tracker would return NaN tracks.
        neg = np.flatnonzero(values[:, 0] <= 0.0)
        if neg.size:
            i = int(neg[0])
            what = "negative range" if values[i, 0] < 0.0 else "range 0 (a plot at the antenna)"
            raise InputError(
                f"{what}: ranges must be > 0 m", file=name, line=int(lines[i]), field="range_m"
            )
        steep = np.flatnonzero(np.abs(values[:, 2]) >= 90.0)
        if steep.size:
            i = int(steep[0])
            raise InputError(
                f"elevation {values[i, 2]:g} deg: must lie strictly between -90 and 90 "
                "(at the zenith the azimuth, and the polar measurement model, are undefined)",
                file=name,
                line=int(lines[i]),
                field="elevation_deg",
            )
        values[:, 1:3] = np.radians(values[:, 1:3])
    return Detections(
        file=name,
        kind=kind,
        time_s=np.ascontiguousarray(times),
        sensor_id=sensors,
        values=np.ascontiguousarray(values),
        line=lines,
    )


def _layout(header: list[str], name: str) -> tuple[str, list[str]]:
    """Kind of plots and the columns to read, from the header (line 1)."""
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
    return kind, wanted


def _split_rows(
    text: str, name: str
) -> tuple[list[str], str, list[str], list[list[str]], list[int]]:
    """Header (cells stripped), kind and columns (:func:`_layout`), records with as many
    fields as the header and their 1-based line numbers; blank lines are skipped, a record
    of another width is an error (after any error in the header, as the reader meets them).

    Without quotes or bare carriage returns a CSV line is exactly its text split at commas
    (what :mod:`csv` would return), so that common case is split with ``str.split``; any
    file with quoting goes through :mod:`csv`.
    """
    body = text.replace("\r\n", "\n") if "\r" in text else text
    if '"' in body or "\r" in body:
        return _split_rows_csv(text, name)
    if not body:
        raise InputError("empty file, expected a header line", file=name, line=1)
    physical = body.split("\n")
    if physical[-1] == "":
        physical.pop()  # the final newline ends the last line; it does not start one
    header = [h.strip() for h in physical[0].split(",")]
    kind, wanted = _layout(header, name)
    records = [line.split(",") for line in physical[1:]]
    width = len(header)
    numbers = list(range(2, len(records) + 2))
    if any(len(r) != width for r in records):
        kept: list[list[str]] = []
        kept_numbers: list[int] = []
        for number, record in zip(numbers, records, strict=True):
            if len(record) != width:
                if all(not f.strip() for f in record):
                    continue
                raise InputError(
                    f"expected {width} fields, found {len(record)}", file=name, line=number
                )
            kept.append(record)
            kept_numbers.append(number)
        records, numbers = kept, kept_numbers
    return header, kind, wanted, records, numbers


def _split_rows_csv(
    text: str, name: str
) -> tuple[list[str], str, list[str], list[list[str]], list[int]]:
    """:func:`_split_rows` for any CSV dialect detail (quoting), with :mod:`csv`."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("empty file, expected a header line", file=name, line=1) from None
    kind, wanted = _layout(header, name)
    records: list[list[str]] = []
    numbers: list[int] = []
    width = len(header)
    for record in reader:
        if len(record) != width:
            if not record or all(not f.strip() for f in record):
                continue
            raise InputError(
                f"expected {width} fields, found {len(record)}", file=name, line=reader.line_num
            )
        records.append(record)
        numbers.append(reader.line_num)
    return header, kind, wanted, records, numbers


def format_tracks_csv(rows: NDArray[np.float64]) -> str:
    """CSV text of track rows (k, 8) in :data:`TRACK_COLUMNS` order.

    One ``%``-format per row joined into one string: the text ``np.savetxt`` writes, without
    its per-row file writes.
    """
    return (
        ",".join(TRACK_COLUMNS)
        + "\n"
        + "".join(map(_ROW_FORMAT.__mod__, map(tuple, rows.tolist())))
    )


def write_tracks_csv(path: str | Path, rows: NDArray[np.float64]) -> None:
    """Write track rows atomically (nothing half-written on failure)."""
    atomic_write_text(path, format_tracks_csv(rows))

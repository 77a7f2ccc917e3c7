"""The detections CSV reader and the tracks CSV writer of ``shieldlab track``.

The reader splits plain files with ``str.split`` and quoted ones with :mod:`csv`, and
converts whole columns with ``float``. :func:`_previous_read` below is the reader it
replaced (csv module for every file, numpy string arrays for the numbers), kept here as the
reference: on generated files -- every number format, padding, blank lines, CRLF, quoting
-- both must give the same plots, and on files with one defect the same message (file,
line, column).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shieldlab.errors import InputError
from shieldlab.tracking.io import (
    CARTESIAN_COLUMNS,
    POLAR_COLUMNS,
    RADIAL_VELOCITY_COLUMN,
    format_tracks_csv,
    read_detections_csv,
)


def _previous_read(path: Path) -> tuple[str, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """The reader before the fast split (kind, times, sensor ids, values, line numbers)."""
    name = str(path)
    text = path.read_text(encoding="utf-8-sig")
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
            raise
        bad = np.flatnonzero(~np.isfinite(values[:, k]))
        if bad.size:
            i = int(bad[0])
            # str(): the previous reader printed numpy 2's repr, np.str_('nan'), here; the
            # new one prints 'nan'. The rest of the message is compared as it was.
            raise InputError(
                f"not a finite number: {str(cells[i])!r}", file=name, line=int(lines[i]), field=c
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
    return kind, times, sensors, values, lines


def _outcome(read: object, path: Path) -> tuple[object, ...]:
    """What a reader gives for a file: its arrays, or the message of its InputError."""
    try:
        if read is read_detections_csv:
            d = read_detections_csv(path)
            kind, times, sensors, values, lines = d.kind, d.time_s, d.sensor_id, d.values, d.line
        else:
            kind, times, sensors, values, lines = _previous_read(path)
    except InputError as exc:
        return ("error", str(exc))
    return ("ok", kind, times.tolist(), list(sensors), values.tolist(), lines.tolist())


NUMBER_FORMATS = ["{:r}", "{:.3f}", "{:.6e}", "{:g}", "{:.0f}", "{:+.2f}", "{:E}"]


def _number(x: float, fmt: str) -> str:
    return repr(x) if fmt == "{:r}" else fmt.format(x)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, bool]:
    """A well-formed detections CSV in any of the accepted spellings; (text, polar?)."""
    polar = draw(st.booleans())
    rv = polar and draw(st.booleans())
    cols = list(POLAR_COLUMNS if polar else CARTESIAN_COLUMNS) + (
        [RADIAL_VELOCITY_COLUMN] if rv else []
    )
    extra = draw(st.booleans())  # an unused column the reader must ignore
    if extra:
        cols.insert(draw(st.integers(0, len(cols))), "note")
    order = draw(st.permutations(cols))
    pad = draw(st.sampled_from(["", " ", "  "]))
    quote = draw(st.booleans())
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    n = draw(st.integers(0, 25))
    finite = st.floats(-1e7, 1e7, allow_nan=False, allow_infinity=False)
    t = 0.0
    lines = [",".join(pad + c + pad for c in order)]
    for _ in range(n):
        t += draw(st.sampled_from([0.0, 0.0, 0.5, 1.0, 1e-3]))
        row = {}
        for c in order:
            if c == "sensor_id":
                row[c] = draw(st.sampled_from(["R1", "R2", "radar b", "Ω"]))
            elif c == "note":
                row[c] = draw(st.sampled_from(["", "x", "1"]))
            elif c == "time_s":
                row[c] = repr(t)
            else:
                x = abs(draw(finite)) if c == "range_m" else draw(finite)
                row[c] = _number(x, draw(st.sampled_from(NUMBER_FORMATS)))
        cells = [pad + row[c] + pad for c in order]
        if quote:
            cells = [f'"{cell}"' if draw(st.booleans()) else cell for cell in cells]
        lines.append(",".join(cells))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "  ", ",,,,,,,,,,,,"[: len(order) - 2]])))
    end = draw(st.sampled_from(["", newline]))
    return newline.join(lines) + end, polar


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_files())
def test_same_plots_as_the_previous_reader(tmp_path: Path, data: tuple[str, bool]) -> None:
    text, _ = data
    path = tmp_path / "det.csv"
    path.write_bytes(text.encode("utf-8"))
    new, old = _outcome(read_detections_csv, path), _outcome(_previous_read, path)
    assert new == old
    # Sanity: well-formed files are read, not rejected by both.
    assert new[0] == "ok", new


DEFECTS = ["abc", "", "nan", "inf", "-inf", "1.2.3", "0x10", "1,5"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=csv_files(),
    where=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
    bad=st.sampled_from([*DEFECTS, "unsorted", "short row"]),
)
def test_same_message_for_one_defect(
    tmp_path: Path, data: tuple[str, bool], where: tuple[int, int], bad: str
) -> None:
    text, _ = data
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    rows = [i for i, line in enumerate(lines) if i > 0 and line.count(",") >= 3]
    if not rows:
        return
    i = rows[where[0] % len(rows)]
    cells = lines[i].split(",")
    if bad == "unsorted":
        header = [h.strip().strip('"') for h in lines[0].split(",")]
        cells[header.index("time_s")] = "-1"
    elif bad == "short row":
        cells = cells[:-1]
    else:
        cells[where[1] % len(cells)] = bad
    lines[i] = ",".join(cells)
    path = tmp_path / "det.csv"
    path.write_bytes(newline.join(lines).encode("utf-8"))
    new, old = _outcome(read_detections_csv, path), _outcome(_previous_read, path)
    assert new == old


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("quoted", [False, True])
def test_error_line_numbers_count_blank_lines(tmp_path: Path, newline: str, quoted: bool) -> None:
    sid = '"R1"' if quoted else "R1"
    text = newline.join(
        [
            "time_s,sensor_id,x_m,y_m,z_m",
            f"0,{sid},1,2,3",
            "",
            f"1,{sid},1,2,3",
            "  ",
            f"2,{sid},1,oops,3",
            "",
        ]
    )
    path = tmp_path / "det.csv"
    path.write_bytes(text.encode())
    with pytest.raises(InputError) as exc:
        read_detections_csv(path)
    assert str(exc.value) == f"{path}:6, field 'y_m': not a number: 'oops'"
    good = path.with_name("good.csv")
    good.write_bytes(text.replace("oops", "2").encode())
    d = read_detections_csv(good)
    assert d.line.tolist() == [2, 4, 6] and d.sensor_id == ["R1"] * 3
    np.testing.assert_array_equal(d.time_s, [0.0, 1.0, 2.0])


def test_header_error_comes_before_row_errors(tmp_path: Path) -> None:
    path = tmp_path / "det.csv"
    path.write_text("time_s,sensor_id,x_m,y_m\n0,R1\n")
    with pytest.raises(InputError, match=r":1, field 'z_m': missing column"):
        read_detections_csv(path)


def test_bom_and_header_only(tmp_path: Path) -> None:
    path = tmp_path / "det.csv"
    path.write_bytes("\ufefftime_s,sensor_id,x_m,y_m,z_m\n".encode())
    d = read_detections_csv(path)
    assert len(d) == 0 and d.values.shape == (0, 3) and d.kind == "cartesian"


@settings(max_examples=100)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(0, 1e5, allow_nan=False),
            st.integers(1, 10**6),
            *[st.floats(-1e7, 1e7, allow_nan=False)] * 6,
        ),
        max_size=30,
    )
)
def test_tracks_text_is_what_savetxt_writes(rows: list[tuple[float, ...]]) -> None:
    arr = np.array(rows, dtype=float).reshape(-1, 8)
    buf = io.StringIO()
    buf.write("time_s,track_id,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps\n")
    if arr.shape[0]:
        fmt = ["%.6f", "%d", "%.3f", "%.3f", "%.3f", "%.4f", "%.4f", "%.4f"]
        np.savetxt(buf, arr, fmt=fmt, delimiter=",")
    assert format_tracks_csv(arr) == buf.getvalue()

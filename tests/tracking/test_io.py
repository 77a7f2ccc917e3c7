"""The detections CSV reader and the tracks CSV writer of ``shieldlab track``.

The reader splits plain files with ``str.split`` and quoted ones with :mod:`csv`, and
converts whole columns with ``float``. The generated files below know what they hold --
every number format, padding, blank lines, CRLF, quoting -- so the reader is checked
against the values written, and on files with one defect against the line and column of
the defect.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
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


@dataclass
class Expected:
    """What a generated file holds: the plots as the reader must return them."""

    kind: str
    width: int  # value columns
    times: list[float] = field(default_factory=list)
    sensors: list[str] = field(default_factory=list)
    values: list[list[float]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


NUMBER_FORMATS = ["{:r}", "{:.3f}", "{:.6e}", "{:g}", "{:.0f}", "{:+.2f}", "{:E}"]


def _number(x: float, fmt: str) -> str:
    return repr(x) if fmt == "{:r}" else fmt.format(x)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, Expected]:
    """A well-formed detections CSV in any of the accepted spellings, and what it holds."""
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
    # the reader's value columns, in its order (cols before the unused "note" went in)
    numeric = [c for c in cols if c not in ("time_s", "sensor_id", "note")]
    exp = Expected(kind="polar" if polar else "cartesian", width=len(numeric))
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
                if c == "range_m":  # > 0: a plot at the antenna has no direction
                    x = draw(st.floats(1.0, 1e7))  # 1.0: "{:.0f}" keeps it > 0
                elif c == "elevation_deg":  # strictly inside (-90, 90): no zenith plots
                    x = draw(st.floats(-89.4, 89.4))  # rounds inside
                else:
                    x = draw(finite)
                row[c] = _number(x, draw(st.sampled_from(NUMBER_FORMATS)))
        exp.times.append(t)
        exp.sensors.append(row["sensor_id"])
        exp.values.append(
            [
                math.radians(float(row[c]))
                if c in ("azimuth_deg", "elevation_deg")
                else float(row[c])
                for c in numeric
            ]
        )
        exp.lines.append(len(lines) + 1)
        cells = [pad + row[c] + pad for c in order]
        if quote:
            cells = [f'"{cell}"' if draw(st.booleans()) else cell for cell in cells]
        lines.append(",".join(cells))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "  ", ",,,,,,,,,,,,"[: len(order) - 2]])))
    end = draw(st.sampled_from(["", newline]))
    return newline.join(lines) + end, exp


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_files())
def test_reads_the_plots_written(tmp_path: Path, data: tuple[str, Expected]) -> None:
    text, exp = data
    path = tmp_path / "det.csv"
    path.write_bytes(text.encode("utf-8"))
    d = read_detections_csv(path)
    assert d.kind == exp.kind
    assert d.time_s.tolist() == exp.times
    assert d.sensor_id == exp.sensors
    assert d.line.tolist() == exp.lines
    assert d.values.shape == (len(exp.lines), exp.width)
    assert d.values.tolist() == exp.values  # angles: the same floats in radians, bit for bit


DEFECTS = ["abc", "", "nan", "inf", "-inf", "1.2.3", "0x10", "1,5"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=csv_files(),
    where=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
    bad=st.sampled_from([*DEFECTS, "unsorted", "short row"]),
)
def test_one_defect_is_reported_at_its_line_and_column(
    tmp_path: Path, data: tuple[str, Expected], where: tuple[int, int], bad: str
) -> None:
    text, exp = data
    if not exp.lines:
        return
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    header = [h.strip().strip('"') for h in lines[0].split(",")]
    row = where[0] % len(exp.lines)
    i = exp.lines[row] - 1  # index of the defective line
    cells = lines[i].split(",")
    field: str | None = None  # the column the message must name (None: a row error)
    if bad == "unsorted":
        cells[header.index("time_s")] = "-1"
        expect_error = row > 0  # -1 s is earlier than any previous row (times start at 0)
        field = "time_s"
    elif bad == "short row":
        cells = cells[:-1]
        expect_error = True
    else:
        c = header[where[1] % len(cells)]
        cells[where[1] % len(cells)] = bad
        if bad == "1,5":
            expect_error = True  # one field too many
        elif c == "note":
            expect_error = False  # a column the reader does not read
        elif c == "sensor_id":
            expect_error, field = bad == "", "sensor_id"  # any text but nothing is an id
        else:
            expect_error, field = True, c
    lines[i] = ",".join(cells)
    path = tmp_path / "det.csv"
    path.write_bytes(newline.join(lines).encode("utf-8"))
    if not expect_error:
        read_detections_csv(path)
        return
    with pytest.raises(InputError) as exc:
        read_detections_csv(path)
    loc = exc.value.location
    assert (loc.file, loc.line, loc.field) == (str(path), i + 1, field), str(exc.value)


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

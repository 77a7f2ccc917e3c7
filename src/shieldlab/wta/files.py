"""Reading WTA instances: the benchmark text format and JSON, with exact error locations.

Text format (Andersen, Pavlikov & Toffolo 2022, github.com/tuliotoffolo/wta): line 1
``m n mu``; then n lines with the value V_j of each target; then lines ``i j p_ij``.
Pairs not listed have p_ij = 0 (the weapon cannot reach the target).

JSON: ``{"target_values": [...], "kill_probability": [[p for each target] for each
weapon type], "weapon_counts": [...]}``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from shieldlab.errors import InputError
from shieldlab.wta.base import WTAInstance

MAX_INSTANCE_BYTES = 200_000_000


def load_instance(path: str | Path) -> WTAInstance:
    """Read an instance from ``path`` (JSON when it starts with ``{``, else text format)."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=p)
    if not p.is_file():
        raise InputError("not a regular file", file=p)
    if p.stat().st_size > MAX_INSTANCE_BYTES:
        raise InputError(f"file larger than {MAX_INSTANCE_BYTES} bytes", file=p)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not a UTF-8 text file ({exc.reason})", file=p) from None
    if not text.strip():
        raise InputError("file is empty", file=p)
    if text.lstrip().startswith("{"):
        return parse_json_instance(text, file=p)
    return parse_text_instance(text, file=p)


def _number(token: str, *, file: Path | None, line: int, field: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise InputError(f"not a number: {token!r}", file=file, line=line, field=field) from None
    if not math.isfinite(value):
        raise InputError(f"not a finite number: {token!r}", file=file, line=line, field=field)
    return value


def _integer(token: str, *, file: Path | None, line: int, field: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise InputError(f"not an integer: {token!r}", file=file, line=line, field=field) from None


def parse_text_instance(text: str, *, file: Path | None = None, name: str = "") -> WTAInstance:
    """Parse the benchmark text format; errors name file, 1-based line and field."""
    lines = [(k + 1, ln.split()) for k, ln in enumerate(text.splitlines())]
    lines = [(k, toks) for k, toks in lines if toks]
    if not lines:
        raise InputError("file is empty", file=file)
    head_line, head = lines[0]
    if len(head) != 3:
        raise InputError(
            f"header must be 'm n mu' (3 integers), found {len(head)} fields",
            file=file,
            line=head_line,
            field="header",
        )
    m = _integer(head[0], file=file, line=head_line, field="m")
    n = _integer(head[1], file=file, line=head_line, field="n")
    mu = _integer(head[2], file=file, line=head_line, field="mu")
    for nm, size in (("m", m), ("n", n)):
        if size < 1:
            raise InputError("must be >= 1", file=file, line=head_line, field=nm)
    if mu < 0:
        raise InputError("must be >= 0", file=file, line=head_line, field="mu")
    if len(lines) < 1 + n:
        raise InputError(
            f"expected {n} target values after the header, found {len(lines) - 1} lines",
            file=file,
            line=lines[-1][0],
            field="target_values",
        )
    values = np.empty(n)
    for j in range(n):
        ln, toks = lines[1 + j]
        if len(toks) != 1:
            raise InputError(
                f"expected one target value, found {len(toks)} fields",
                file=file,
                line=ln,
                field=f"target_values[{j}]",
            )
        v = _number(toks[0], file=file, line=ln, field=f"target_values[{j}]")
        if v < 0:
            raise InputError("must be >= 0", file=file, line=ln, field=f"target_values[{j}]")
        values[j] = v
    prob = np.zeros((m, n))
    seen = np.zeros((m, n), dtype=bool)
    for ln, toks in lines[1 + n :]:
        if len(toks) != 3:
            raise InputError(
                f"expected 'i j p', found {len(toks)} fields",
                file=file,
                line=ln,
                field="kill_probability",
            )
        i = _integer(toks[0], file=file, line=ln, field="i")
        j = _integer(toks[1], file=file, line=ln, field="j")
        if not 0 <= i < m:
            raise InputError(f"weapon type {i} outside 0..{m - 1}", file=file, line=ln, field="i")
        if not 0 <= j < n:
            raise InputError(f"target {j} outside 0..{n - 1}", file=file, line=ln, field="j")
        fld = f"kill_probability[{i}][{j}]"
        pij = _number(toks[2], file=file, line=ln, field=fld)
        if not 0.0 <= pij <= 1.0:
            raise InputError(f"probability {pij} outside [0, 1]", file=file, line=ln, field=fld)
        if seen[i, j]:
            raise InputError("pair given twice", file=file, line=ln, field=fld)
        seen[i, j] = True
        prob[i, j] = pij
    return WTAInstance(
        target_values=values,
        kill_probability=prob,
        weapon_counts=np.full(m, mu, dtype=np.int64),
        name=name or (file.name if file is not None else ""),
    )


def _json_line(text: str, key: str, index: int | None = None, sub: int | None = None) -> int | None:
    """1-based line of ``key`` (top level) or of element ``[index]`` / ``[index][sub]`` in it.

    A small scanner over the raw text (strings skipped, brackets counted), because the
    standard json module keeps no positions once parsing succeeded.
    """
    pos = _find_top_key(text, key)
    if pos is None:
        return None
    path = [k for k in (index, sub) if k is not None]
    colon = text.find(":", pos)
    cursor = colon + 1
    for target in path:
        start = _element_start(text, cursor, target)
        if start is None:
            return text.count("\n", 0, cursor) + 1
        cursor = start
    return text.count("\n", 0, cursor if path else pos) + 1


def _find_top_key(text: str, key: str) -> int | None:
    depth, k, n = 0, 0, len(text)
    while k < n:
        c = text[k]
        if c == '"':
            end = _string_end(text, k)
            if depth == 1 and text[k + 1 : end] == key:
                return k
            k = end + 1
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        k += 1
    return None


def _string_end(text: str, k: int) -> int:
    j = k + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == '"':
            return j
        j += 1
    return len(text) - 1


def _element_start(text: str, cursor: int, target: int) -> int | None:
    """Position of element ``target`` of the array opening at or after ``cursor``."""
    k = text.find("[", cursor)
    if k < 0:
        return None
    depth, count, k = 0, 0, k + 1
    expecting = True
    while k < len(text):
        c = text[k]
        if c.isspace():
            k += 1
            continue
        if depth == 0 and expecting:
            if count == target:
                return k
            expecting = False
        if c == '"':
            k = _string_end(text, k) + 1
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            if depth == 0:
                return None
            depth -= 1
        elif c == "," and depth == 0:
            count += 1
            expecting = True
        k += 1
    return None


def parse_json_instance(text: str, *, file: Path | None = None, name: str = "") -> WTAInstance:
    """Parse the JSON instance format; errors name file, line and field."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", file=file, line=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("top level must be a JSON object", file=file, line=1)
    for key in ("target_values", "kill_probability", "weapon_counts"):
        if key not in data:
            raise InputError("missing", file=file, line=1, field=key)
    unknown = sorted(set(data) - {"target_values", "kill_probability", "weapon_counts", "name"})
    if unknown:
        raise InputError(
            "unknown field", file=file, line=_json_line(text, unknown[0]), field=unknown[0]
        )

    def fail(msg: str, key: str, i: int | None = None, j: int | None = None) -> InputError:
        fld = key + ("" if i is None else f"[{i}]") + ("" if j is None else f"[{j}]")
        return InputError(msg, file=file, line=_json_line(text, key, i, j), field=fld)

    def num(v: Any, key: str, i: int | None, j: int | None = None) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise fail(f"not a number: {json.dumps(v)}", key, i, j)
        if not math.isfinite(float(v)):
            raise fail("not a finite number", key, i, j)
        return float(v)

    tv, kp, wc = data["target_values"], data["kill_probability"], data["weapon_counts"]
    if not isinstance(tv, list) or not tv:
        raise fail("must be a non-empty list of numbers", "target_values")
    if not isinstance(kp, list) or not kp:
        raise fail("must be a non-empty list of rows (one per weapon type)", "kill_probability")
    if not isinstance(wc, list):
        raise fail("must be a list of integers", "weapon_counts")
    values = [num(v, "target_values", j) for j, v in enumerate(tv)]
    for j, v in enumerate(values):
        if v < 0:
            raise fail(f"value {v} is negative", "target_values", j)
    n = len(values)
    rows: list[list[float]] = []
    for i, row in enumerate(kp):
        if not isinstance(row, list):
            raise fail("must be a list of probabilities", "kill_probability", i)
        if len(row) != n:
            raise fail(
                f"row has {len(row)} entries, expected {n} (one per target)", "kill_probability", i
            )
        r = [num(v, "kill_probability", i, j) for j, v in enumerate(row)]
        for j, v in enumerate(r):
            if not 0.0 <= v <= 1.0:
                raise fail(f"probability {v} outside [0, 1]", "kill_probability", i, j)
        rows.append(r)
    if len(wc) != len(rows):
        raise fail(
            f"has {len(wc)} entries, expected {len(rows)} (one per weapon type)", "weapon_counts"
        )
    counts: list[int] = []
    for i, c in enumerate(wc):
        if (
            isinstance(c, bool)
            or not isinstance(c, int | float)
            or not math.isfinite(c)
            or float(c) != int(c)
        ):
            raise fail(f"not an integer: {json.dumps(c)}", "weapon_counts", i)
        if c < 0:
            raise fail(f"count {c} is negative", "weapon_counts", i)
        counts.append(int(c))
    nm = data.get("name", "")
    return WTAInstance(
        target_values=np.array(values),
        kill_probability=np.array(rows),
        weapon_counts=np.array(counts, dtype=np.int64),
        name=str(nm) if nm else (name or (file.name if file is not None else "")),
    )

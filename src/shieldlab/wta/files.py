"""Reading WTA instances: the benchmark text format and JSON, with exact error locations.

Text format (Andersen, Pavlikov & Toffolo 2022, github.com/tuliotoffolo/wta): line 1
``m n mu``; then n lines with the value V_j of each target; then lines ``i j p_ij``.
Pairs not listed have p_ij = 0 (the weapon cannot reach the target).

JSON: ``{"target_values": [...], "kill_probability": [[p for each target] for each
weapon type], "weapon_counts": [...]}``.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from shieldlab.errors import InputError
from shieldlab.wta.base import (
    MAX_ENTRIES,
    MAX_TARGETS,
    MAX_WEAPON_TYPES,
    MAX_WEAPONS,
    WTAInstance,
    size_problem,
)

MAX_INSTANCE_BYTES = 200_000_000
#: the format nests three deep; the reader refuses more than this before parsing
MAX_JSON_DEPTH = 32


def load_instance(path: str | Path) -> WTAInstance:
    """Read an instance from ``path`` (JSON when it starts with ``{``, else text format)."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=p)
    if not p.is_file():
        raise InputError("not a regular file", file=p)
    if p.stat().st_size > MAX_INSTANCE_BYTES:
        raise InputError(f"file larger than {MAX_INSTANCE_BYTES:,} bytes", file=p)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not a UTF-8 text file ({exc.reason})", file=p) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=p) from None
    if not text.strip():
        raise InputError("file is empty", file=p)
    if text.lstrip().startswith("{"):
        return parse_json_instance(text, file=p)
    return parse_text_instance(text, file=p)


def _number(token: str, *, file: Path | None, line: int, field: str) -> float:
    if "_" in token:  # float() takes "1_0"; the format does not
        raise InputError(f"not a number: {token[:40]!r}", file=file, line=line, field=field)
    try:
        value = float(token)
    except ValueError:
        raise InputError(
            f"not a number: {token[:40]!r}", file=file, line=line, field=field
        ) from None
    if not math.isfinite(value):
        raise InputError(f"not a finite number: {token[:40]!r}", file=file, line=line, field=field)
    return value


def _integer(token: str, *, file: Path | None, line: int, field: str, cap: int) -> int:
    """A decimal integer in 0..cap (checked on the digits, before any conversion)."""
    digits = token[1:] if token[:1] == "+" else token
    if not digits.isascii() or not digits.isdigit():
        if digits[:1] == "-" and digits[1:].isascii() and digits[1:].isdigit():
            raise InputError(f"must be >= 0, got {token[:40]}", file=file, line=line, field=field)
        raise InputError(f"not an integer: {token[:40]!r}", file=file, line=line, field=field)
    if len(digits.lstrip("0")) > len(str(cap)) or int(digits) > cap:
        raise InputError(
            f"{token[:40]} exceeds the cap of {cap:,}", file=file, line=line, field=field
        )
    return int(digits)


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(1-based line, fields) of each non-blank line, without a list of every line."""
    for k, raw in enumerate(io.StringIO(text), start=1):
        toks = raw.split()
        if toks:
            yield k, toks


def parse_text_instance(text: str, *, file: Path | None = None, name: str = "") -> WTAInstance:
    """Parse the benchmark text format; errors name file, 1-based line and field.

    The header is checked against the size caps (:func:`~shieldlab.wta.base.size_problem`)
    and against the rows that follow (exactly n value lines, indices within m and n, no
    more pair rows than m x n) before anything of its size is allocated.
    """
    rows = _rows(text)
    first = next(rows, None)
    if first is None:
        raise InputError("file is empty", file=file)
    head_line, head = first
    if len(head) != 3:
        raise InputError(
            f"header must be 'm n mu' (3 integers), found {len(head)} fields",
            file=file,
            line=head_line,
            field="header",
        )
    m = _integer(head[0], file=file, line=head_line, field="m", cap=MAX_WEAPON_TYPES)
    n = _integer(head[1], file=file, line=head_line, field="n", cap=MAX_TARGETS)
    mu = _integer(head[2], file=file, line=head_line, field="mu", cap=MAX_WEAPONS)
    for nm, size in (("m", m), ("n", n)):
        if size < 1:
            raise InputError("must be >= 1", file=file, line=head_line, field=nm)
    problem = size_problem(m, n, m * mu)
    if problem is not None:
        raise InputError(problem, file=file, line=head_line, field="header")
    values: list[float] = []
    last_line = head_line
    pairs = 0
    # allocated once the n values are read: its size is then checked against the data
    prob = np.zeros((0, 0))
    seen = np.zeros((0, 0), dtype=bool)
    for ln, toks in rows:
        last_line = ln
        if len(values) < n:
            if len(toks) != 1:
                raise InputError(
                    f"header says n = {n} targets, but only {len(values)} value lines "
                    f"follow it (this line has {len(toks)} fields)",
                    file=file,
                    line=ln,
                    field=f"target_values[{len(values)}]",
                )
            v = _number(toks[0], file=file, line=ln, field=f"target_values[{len(values)}]")
            if v < 0:
                raise InputError(
                    "must be >= 0", file=file, line=ln, field=f"target_values[{len(values)}]"
                )
            values.append(v)
            continue
        if len(toks) == 1 and pairs == 0:
            raise InputError(
                f"a target value beyond the n = {n} of the header",
                file=file,
                line=ln,
                field=f"target_values[{n}]",
            )
        if len(toks) != 3:
            raise InputError(
                f"expected 'i j p', found {len(toks)} fields",
                file=file,
                line=ln,
                field="kill_probability",
            )
        if pairs >= m * n:
            raise InputError(
                f"more than m x n = {m * n:,} pair rows",
                file=file,
                line=ln,
                field="kill_probability",
            )
        if pairs == 0:
            prob = np.zeros((m, n))
            seen = np.zeros((m, n), dtype=bool)
        pairs += 1
        i = _integer(toks[0], file=file, line=ln, field="i", cap=MAX_WEAPON_TYPES)
        j = _integer(toks[1], file=file, line=ln, field="j", cap=MAX_TARGETS)
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
    if len(values) < n:
        raise InputError(
            f"expected {n} target values after the header, found {len(values)} lines",
            file=file,
            line=last_line,
            field="target_values",
        )
    if pairs == 0:
        prob = np.zeros((m, n))
    return WTAInstance(
        target_values=np.asarray(values, dtype=np.float64),
        kill_probability=prob,
        weapon_counts=np.full(m, mu, dtype=np.int64),
        name=name or (file.name if file is not None else ""),
    )


def _short(v: Any) -> str:
    """A JSON value for a one-line message, cut at 40 characters."""
    try:
        out = json.dumps(v)
    except (ValueError, RecursionError):
        out = repr(type(v).__name__)
    out = out if len(out) <= 40 else out[:37] + "..."
    return out.replace("\n", " ")


def _too_deep_line(text: str, depth_max: int) -> int | None:
    """1-based line where the nesting first exceeds ``depth_max`` (strings skipped)."""
    depth, k, n = 0, 0, len(text)
    while k < n:
        c = text[k]
        if c == '"':
            k = _string_end(text, k) + 1
            continue
        if c in "[{":
            depth += 1
            if depth > depth_max:
                return text.count("\n", 0, k) + 1
        elif c in "]}":
            depth -= 1
        k += 1
    return None


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
    # a valid instance holds n + m n + m numbers: refuse far more before parsing them
    if text.count(",") > MAX_ENTRIES + MAX_TARGETS + MAX_WEAPON_TYPES + 64:
        raise InputError(
            f"more values than the size caps allow ({MAX_ENTRIES:,} matrix entries)", file=file
        )
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", file=file, line=exc.lineno) from None
    except RecursionError:
        # the json module recurses once per nesting level; the format needs three
        raise InputError(
            f"arrays or objects nested deeper than {MAX_JSON_DEPTH} levels",
            file=file,
            line=_too_deep_line(text, MAX_JSON_DEPTH),
        ) from None
    except ValueError as exc:
        # e.g. an integer literal longer than Python's int_max_str_digits (4,300)
        raise InputError(f"malformed JSON: {str(exc)[:80]}", file=file) from None
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
            raise fail(f"not a number: {_short(v)}", key, i, j)
        try:
            x = float(v)
        except OverflowError:  # an int beyond the float range
            raise fail("not a finite number", key, i, j) from None
        if not math.isfinite(x):
            raise fail("not a finite number", key, i, j)
        return x

    tv, kp, wc = data["target_values"], data["kill_probability"], data["weapon_counts"]
    if not isinstance(tv, list) or not tv:
        raise fail("must be a non-empty list of numbers", "target_values")
    if not isinstance(kp, list) or not kp:
        raise fail("must be a non-empty list of rows (one per weapon type)", "kill_probability")
    if not isinstance(wc, list):
        raise fail("must be a list of integers", "weapon_counts")
    if len(tv) > MAX_TARGETS:
        raise fail(f"{len(tv):,} targets exceed the cap of {MAX_TARGETS:,}", "target_values")
    if len(kp) > MAX_WEAPON_TYPES:
        raise fail(
            f"{len(kp):,} weapon types exceed the cap of {MAX_WEAPON_TYPES:,}", "kill_probability"
        )
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
        if isinstance(c, bool) or not isinstance(c, int):
            raise fail(
                f"not an integer: {_short(c)} (write counts as plain integers)",
                "weapon_counts",
                i,
            )
        if c < 0:
            raise fail(f"count {c} is negative", "weapon_counts", i)
        if c > MAX_WEAPONS:
            raise fail(f"{_short(c)} weapons exceed the cap of {MAX_WEAPONS:,}", "weapon_counts", i)
        counts.append(c)
    problem = size_problem(len(rows), n, sum(counts))
    if problem is not None:
        raise fail(problem, "weapon_counts")
    nm = data.get("name", "")
    if not isinstance(nm, str):
        raise InputError("must be a string", file=file, line=_json_line(text, "name"), field="name")
    return WTAInstance(
        target_values=np.array(values),
        kill_probability=np.array(rows),
        weapon_counts=np.array(counts, dtype=np.int64),
        name=str(nm) if nm else (name or (file.name if file is not None else "")),
    )

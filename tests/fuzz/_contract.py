"""Shared helpers of the fuzz suite: run the CLI, check the error contract, mutate files.

The contract (docs/architecture.md, "Error contract"): whatever a file holds, a command
ends with exit status 0, or 2 with exactly one line on stderr, ``shieldlab: error: ...``,
naming the file (and its line and field when the problem has one); never exit 1 or a
traceback; and a failed command leaves no output file created, changed or half-written.

Reusable by every fuzz test (scenario, posture, sensors and plots CSV in
``test_fuzz_loaders.py``; WTA JSON/text elsewhere):

- :func:`run_cli` runs ``shieldlab`` in this process (``shieldlab.cli.main.main``),
  :func:`run_subprocess` in a real one;
- :func:`assert_contract` checks an :class:`Outcome` against the contract;
- :func:`yaml_mutations` / :func:`csv_mutations` are hypothesis strategies of malformed
  variants of a valid file (bytes);
- :class:`Tally` counts outcomes by class (``ok`` / ``exit 2`` / ``other``) per loader,
  for the figures of ``benchmarks/fuzz_report.py``.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

__all__ = [
    "NASTY_CELLS",
    "NASTY_VALUES",
    "Outcome",
    "Tally",
    "assert_contract",
    "csv_mutations",
    "run_cli",
    "run_subprocess",
    "snapshot",
    "yaml_mutations",
]


@dataclass(frozen=True)
class Outcome:
    """What one command did: exit status, stdout, stderr, wall seconds."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float

    @property
    def kind(self) -> str:
        """``ok`` (exit 0), ``exit 2`` or ``other`` (anything else: a contract breach)."""
        return {0: "ok", 2: "exit 2"}.get(self.code, "other")


def run_cli(args: Sequence[str], *, strict_numerics: bool = False) -> Outcome:
    """``shieldlab ARGS`` in this process; an exception escaping ``main`` is code -1.

    ``strict_numerics``: numpy's overflow / invalid-value warnings become errors (exit 1),
    so input that silently turns results into inf or NaN breaks the contract too.
    """
    from shieldlab.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with redirect_stdout(out), redirect_stderr(err), warnings.catch_warnings():
        if strict_numerics:
            warnings.simplefilter("error", RuntimeWarning)
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            code = -1
            err.write(traceback.format_exc())
    return Outcome(tuple(args), code, out.getvalue(), err.getvalue(), time.perf_counter() - t0)


def run_subprocess(args: Sequence[str], *, timeout: float = 120.0) -> Outcome:
    """``shieldlab ARGS`` in a fresh Python process (real exit status, real stderr)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "shieldlab.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    return Outcome(tuple(args), res.returncode, res.stdout, res.stderr, time.perf_counter() - t0)


def snapshot(paths: Sequence[Path]) -> dict[Path, bytes | None]:
    """Contents of ``paths`` (``None``: absent), to check a failed command changed none."""
    return {p: (p.read_bytes() if p.exists() else None) for p in paths}


_LOCATED = re.compile(r"^shieldlab: error: (?P<where>[^:]*(?::\d+)?)(?:, field '[^']*')?: ")


def assert_contract(
    o: Outcome,
    *,
    file: Path | str | Sequence[Path | str] | None = None,
    outputs: dict[Path, bytes | None] | None = None,
) -> None:
    """Check ``o`` against the error contract (see the module docstring).

    ``file``: the input being fuzzed (or all the command's input files); an exit-2 message
    must name it (one of them). ``outputs``: the :func:`snapshot` of the command's output
    files taken before it ran.
    """
    where = f"shieldlab {' '.join(o.args)[:300]}"
    assert o.code in (0, 2), f"{where}: exit {o.code}\n{o.err[-3000:]}"
    assert "Traceback" not in o.err, f"{where}: traceback\n{o.err[-3000:]}"
    if o.code == 2:
        lines = o.err.splitlines()
        assert len(lines) == 1, f"{where}: stderr is {len(lines)} lines:\n{o.err[-3000:]}"
        line = lines[0]
        assert line.startswith("shieldlab: error: "), f"{where}: {line!r}"
        if file is not None:
            files = [file] if isinstance(file, str | Path) else list(file)
            assert any(str(f) in line for f in files), (
                f"{where}: message names none of {[str(f) for f in files]}: {line!r}"
            )
        if outputs:
            for path, before in outputs.items():
                now = path.read_bytes() if path.exists() else None
                assert now == before, f"{where}: output {path} changed on failure"
    if outputs:
        for path in outputs:
            stray = [p.name for p in path.parent.glob(f".{path.name}.*.tmp")]
            assert not stray, f"{where}: temporary files left: {stray}"


def names_line(o: Outcome, file: Path | str) -> bool:
    """True if an exit-2 message gives ``file:LINE``."""
    return o.code == 2 and re.search(re.escape(str(file)) + r":\d+", o.err) is not None


@dataclass
class Tally:
    """Outcomes by class per loader (and how many exit-2 messages named a line)."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, loader: str, o: Outcome, file: Path | str | None = None) -> None:
        c = self.counts.setdefault(loader, Counter())
        c[o.kind] += 1
        c["inputs"] += 1
        if file is not None and names_line(o, file):
            c["exit 2 with line"] += 1

    def rows(self) -> list[tuple[str, int, int, int, int, int]]:
        """(loader, inputs, ok, exit 2, of which with a line, other) per loader."""
        return [
            (k, c["inputs"], c["ok"], c["exit 2"], c["exit 2 with line"], c["other"])
            for k, c in sorted(self.counts.items())
        ]


# ---------------------------------------------------------------------------------------
# Mutations

#: Values substituted for a YAML scalar: wrong types, edge and huge numbers, YAML features
#: (tags, anchors, aliases, merge keys), escapes no field should hold.
NASTY_VALUES: tuple[str, ...] = (
    "0",
    "-1",
    "-0.0",
    "0.5",
    "1e5",
    "2147483648",
    "9223372036854775808",
    "1e308",
    "-1e308",
    "1e999",
    "-1e999",
    "4.9e-324",
    ".inf",
    "-.inf",
    ".nan",
    "9" * 5000,
    "-" + "1" * 4301,
    "0x" + "f" * 120,
    "0o17",
    "1:30",
    "1_000",
    "null",
    "~",
    "''",
    '""',
    "true",
    "no",
    "abc",
    "[]",
    "{}",
    "[1, 2, 3]",
    "{a: 1}",
    "[" * 150 + "]" * 150,
    "2020-13-45",
    "!!timestamp 2020-01-01",
    "!!binary AAAA",
    "!!set {a}",
    "!!python/object:os.system echo",
    "!custom x",
    "!!int x",
    "!!float nope",
    "!!str 5",
    '"\\ud800"',
    '"\\e[2J"',
    '"\\0"',
    '"caf\\u00e9"',
    "x" * 5000,
    "&anchor 5",
    "*undefined_alias",
    "<<: {a: 1}",
    "|\n  multi\n  line",
)

#: Extra text inserted at a random place of a YAML file.
_YAML_JUNK: tuple[str, ...] = (
    "\t",
    ":",
    "- ",
    "{",
    "]",
    "'",
    '"',
    "&a ",
    "*a ",
    "? ",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "\n  extra: 1\n",
    "\nschema_version: 1\n",
    "\nname: again\n",
    "\n<<: *x\n",
    "\x85",
    "\ufeff",
    "\u2028",
)

_BOMB = "\nlol0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
)
_SCALAR_LINE = re.compile(r"^(\s*(?:-\s+)?[A-Za-z_][\w]*:\s*)(\S.*)$")


@st.composite
def yaml_mutations(draw: st.DrawFn, base: str) -> tuple[str, bytes]:
    """(what was done, bytes) for a malformed or odd variant of the YAML text ``base``."""
    lines = base.splitlines(keepends=True)
    kind = draw(
        st.sampled_from(
            (
                "value",
                "value",
                "value",
                "number",
                "delete",
                "duplicate",
                "swap",
                "indent",
                "insert",
                "truncate",
                "bytes",
                "bomb",
                "empty",
            )
        )
    )
    scalar = [i for i, line in enumerate(lines) if _SCALAR_LINE.match(line.rstrip("\n"))]
    if kind in ("value", "number") and scalar:
        i = draw(st.sampled_from(scalar))
        m = _SCALAR_LINE.match(lines[i].rstrip("\n"))
        assert m is not None
        if kind == "value":
            new = draw(st.sampled_from(NASTY_VALUES))
        else:
            new = repr(
                draw(
                    st.one_of(
                        st.integers(-(2**70), 2**70),
                        st.floats(allow_nan=False, allow_infinity=False),
                    )
                )
            )
        lines[i] = f"{m.group(1)}{new}\n"
        return f"{kind} line {i + 1}", "".join(lines).encode("utf-8", "surrogatepass")
    if kind == "delete" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        del lines[i]
        return f"delete line {i + 1}", "".join(lines).encode()
    if kind == "duplicate" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i, lines[i])
        return f"duplicate line {i + 1}", "".join(lines).encode()
    if kind == "swap" and len(lines) > 1:
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return f"swap lines {i + 1}, {j + 1}", "".join(lines).encode()
    if kind == "indent" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = " " * draw(st.integers(0, 7)) + lines[i].lstrip(" ")
        return f"indent line {i + 1}", "".join(lines).encode()
    text = "".join(lines)
    if kind == "insert":
        pos = draw(st.integers(0, len(text)))
        junk = draw(st.sampled_from(_YAML_JUNK))
        return f"insert {junk!r} at {pos}", (text[:pos] + junk + text[pos:]).encode()
    if kind == "truncate":
        pos = draw(st.integers(0, len(text)))
        return f"truncate at {pos}", text[:pos].encode()
    if kind == "bytes":
        raw = text.encode()
        pos = draw(st.integers(0, len(raw)))
        junk = draw(st.binary(min_size=1, max_size=8))
        return f"bytes {junk!r} at {pos}", raw[:pos] + junk + raw[pos:]
    if kind == "bomb":
        return "alias bomb", (text + _BOMB).encode()
    return "empty", b""


#: Cells substituted in a plots CSV.
NASTY_CELLS: tuple[str, ...] = (
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "1e999",
    "-1e999",
    "9" * 5000,
    "0x10",
    "1_0",
    "-0",
    "abc",
    '"',
    '"1"',
    "1,2",
    "é",
    "\u00a0",
    "\u2028",
    "-1",
    "1e-320",
    "x" * 10_000,
)


@st.composite
def csv_mutations(draw: st.DrawFn, base: str) -> tuple[str, bytes]:
    """(what was done, bytes) for a malformed or odd variant of the CSV text ``base``."""
    lines = base.splitlines()
    kind = draw(
        st.sampled_from(
            (
                "cell",
                "cell",
                "cell",
                "number",
                "header",
                "drop_field",
                "add_field",
                "delete",
                "swap",
                "truncate",
                "bytes",
                "crlf",
                "bom",
                "only_header",
                "empty",
            )
        )
    )
    if kind in ("cell", "number", "header", "drop_field", "add_field") and lines:
        i = 0 if kind == "header" else draw(st.integers(min(1, len(lines) - 1), len(lines) - 1))
        cells = lines[i].split(",")
        j = draw(st.integers(0, len(cells) - 1))
        if kind == "drop_field":
            del cells[j]
        elif kind == "add_field":
            cells.insert(j, draw(st.sampled_from(NASTY_CELLS)))
        elif kind == "number":
            cells[j] = repr(draw(st.floats(allow_nan=True, allow_infinity=True)))
        else:
            cells[j] = draw(st.sampled_from((*NASTY_CELLS, "time_s", "sensor_id", "range_m")))
        lines[i] = ",".join(cells)
        return f"{kind} line {i + 1} field {j + 1}", ("\n".join(lines) + "\n").encode()
    if kind == "delete" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        del lines[i]
        return f"delete line {i + 1}", ("\n".join(lines) + "\n").encode()
    if kind == "swap" and len(lines) > 2:
        i, j = draw(st.integers(1, len(lines) - 1)), draw(st.integers(1, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return f"swap lines {i + 1}, {j + 1}", ("\n".join(lines) + "\n").encode()
    text = "\n".join(lines) + "\n"
    if kind == "truncate":
        pos = draw(st.integers(0, len(text)))
        return f"truncate at {pos}", text[:pos].encode()
    if kind == "bytes":
        raw = text.encode()
        pos = draw(st.integers(0, len(raw)))
        junk = draw(st.binary(min_size=1, max_size=8))
        return f"bytes {junk!r} at {pos}", raw[:pos] + junk + raw[pos:]
    if kind == "crlf":
        return "CRLF", text.replace("\n", "\r\n").encode()
    if kind == "bom":
        return "BOM", b"\xef\xbb\xbf" + text.encode()
    if kind == "only_header":
        return "only header", (lines[0] + "\n").encode() if lines else b""
    return "empty", b""

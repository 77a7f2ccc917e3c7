"""Figures of the fuzz suite: inputs fuzzed per loader and outcomes by class.

Runs the hypothesis fuzz tests of ``tests/fuzz/test_fuzz_loaders.py`` outside pytest (the
same derandomized examples, scaled by ``--scale``: 1 = the test suite's count) and prints,
per loader, how many inputs went through the CLI and how they ended: ``ok`` (exit 0),
``exit 2`` (one-line message; how many of those named a line), ``other`` (a breach of the
error contract: exit 1, a traceback, a multi-line message, a message not naming the file,
an output changed on failure). A breach also stops its test and is printed.

    .venv/bin/python benchmarks/fuzz_report.py            # the suite's examples
    .venv/bin/python benchmarks/fuzz_report.py --scale 5  # five times as many
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="examples x this (default 1)")
    args = ap.parse_args()
    os.environ["SHIELDLAB_FUZZ_EXAMPLES"] = str(100.0 * args.scale)
    sys.path.insert(0, str(HERE.parent / "tests" / "fuzz"))
    import warnings

    warnings.simplefilter("ignore")
    import test_fuzz_loaders as fz

    breaches: list[str] = []
    t0 = time.perf_counter()
    for name in sorted(n for n in dir(fz) if n.startswith("test_fuzz_")):
        t = time.perf_counter()
        try:
            getattr(fz, name)()
            status = "ok"
        except Exception as exc:  # reported, then the next loader runs
            status = "BREACH"
            breaches.append(f"{name}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        print(f"{name}: {status} ({time.perf_counter() - t:.1f} s)", file=sys.stderr)
    seconds = time.perf_counter() - t0
    print(f"\nFuzz outcomes (scale {args.scale:g}, {seconds:.0f} s, load {os.getloadavg()[0]:.1f})")
    print()
    print("| loader | inputs | ok (exit 0) | exit 2 | exit 2 naming a line | other |")
    print("|---|---:|---:|---:|---:|---:|")
    for loader, n, ok, two, lined, other in fz.TALLY.rows():
        print(f"| {loader} | {n} | {ok} | {two} | {lined} | {other} |")
    for b in breaches:
        print("\n" + b[-4000:])
    sys.exit(1 if breaches else 0)


if __name__ == "__main__":
    main()

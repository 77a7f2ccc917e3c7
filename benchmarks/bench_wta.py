"""Benchmark of the static WTA solvers on the Andersen-Pavlikov-Toffolo (2022) instances.

Reads every instance of ``<repo>/../shared/benchmarks/wta`` (or ``$SHIELDLAB_SHARED/
benchmarks/wta``) in place and runs every solver on it: objective, gap to the published
best known (BEST_KNOWN.csv), proven lower bound, seconds, and the objective as a ratio of
greedy's (the baseline, run in the same process). Not a test.

    python benchmarks/bench_wta.py                 # all instances, 60 s limits (long)
    python benchmarks/bench_wta.py --quick         # 50x100 instances, 5 s limits
    python benchmarks/bench_wta.py --out wta.md    # also write the table as markdown
    python benchmarks/bench_wta.py --fire-control  # the assigners in the engine
    python benchmarks/bench_wta.py --mu1           # the five mu = 1 instances, exact and auto

``--fire-control [options]`` runs the fire-control comparison of
``benchmarks/bench_engine.py --fire-control`` (greedy, optimal and dynamic assigners on
``four-batteries`` at rising raid sizes, paired with common random numbers; the code
lives there, see its docstring for the options).
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOLVERS = ("greedy", "assignment", "local-search", "exact", "auto")
TIMED = {"local-search", "exact", "auto"}


def benchmark_dir() -> Path | None:
    env = os.environ.get("SHIELDLAB_SHARED")
    for base in ([Path(env)] if env else []) + [REPO.parent / "shared"]:
        if (base / "benchmarks" / "wta" / "BEST_KNOWN.csv").is_file():
            return base / "benchmarks" / "wta"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50x100 instances, 5 s limits")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds (default 60)")
    ap.add_argument("--solvers", default=",".join(SOLVERS), help="comma-separated solvers")
    ap.add_argument("--instances", default="", help="comma-separated file names (default all)")
    ap.add_argument("--out", type=Path, default=None, help="write the table as markdown here")
    ap.add_argument(
        "--mu1", action="store_true", help="the mu = 1 instances only, solvers exact and auto"
    )
    ap.add_argument(
        "--fire-control",
        action="store_true",
        help="the assigners in the engine: same as bench_engine.py --fire-control [options]",
    )
    argv = sys.argv[1:] if argv is None else argv
    if "--fire-control" in argv:
        return fire_control([a for a in argv if a != "--fire-control"])
    args = ap.parse_args(argv)

    folder = benchmark_dir()
    if folder is None:
        print(
            "bench_wta: skipped: no WTA benchmark data (needs <repo>/../shared/benchmarks/wta "
            "or SHIELDLAB_SHARED)"
        )
        return 0
    from rich.console import Console
    from rich.table import Table

    from shieldlab._io import atomic_write_text
    from shieldlab.wta import load_instance, solve

    logging.basicConfig(level=logging.WARNING)
    limit = args.time_limit if args.time_limit is not None else (5.0 if args.quick else 60.0)
    best = {r["instance"]: r for r in csv.DictReader((folder / "BEST_KNOWN.csv").open())}
    names = [s for s in args.instances.split(",") if s] or list(best)
    if args.quick and not args.instances:
        names = [nm for nm in names if nm.startswith("wta_50x100")]
    solvers = [s for s in args.solvers.split(",") if s]
    if args.mu1:
        names = [nm for nm in names if nm.endswith("x1.txt")]
        solvers = ["greedy", "assignment", "exact", "auto"]

    # warm the numba caches so that compile time is not charged to the first instance
    from shieldlab.wta import WTAInstance

    warm = WTAInstance(target_values=[1.0, 2.0], kill_probability=[[0.5, 0.4]], weapon_counts=[2])
    # one copy per type takes the single-copy path of exact/auto (its own kernels)
    warm1 = WTAInstance(
        target_values=[1.0, 2.0], kill_probability=[[0.5, 0.4], [0.3, 0.6]], weapon_counts=[1, 1]
    )
    for s in solvers:
        solve(warm, s, time_limit_s=0.2)
        solve(warm1, s, time_limit_s=0.2)

    header = [
        "instance",
        "solver",
        "objective",
        "gap to best %",
        "lower bound",
        "proven",
        "seconds",
        "obj / greedy",
    ]
    rows: list[list[str]] = []
    console = Console(width=200)

    def write_markdown() -> None:
        if args.out is None:
            return
        lines = [
            f"WTA benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), time limit "
            f"{limit:g} s for {', '.join(sorted(TIMED & set(solvers)))}; best known and its "
            "bound from Andersen, Pavlikov & Toffolo (2022).",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
        ]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        atomic_write_text(args.out, "\n".join(lines) + "\n")

    for nm in names:
        inst = load_instance(folder / nm)
        ref = float(best[nm]["best_known_objective"])
        greedy_obj = None
        for s in solvers:
            res = solve(inst, s, time_limit_s=limit)
            if s == "greedy" or greedy_obj is None:
                greedy_obj = greedy_obj or solve(inst, "greedy").objective
            gap = 100.0 * (res.objective - ref) / ref
            rows.append(
                [
                    nm,
                    s,
                    f"{res.objective:.6f}",
                    f"{gap:+.4f}",
                    "-" if res.lower_bound is None else f"{res.lower_bound:.6f}",
                    "yes" if res.optimal else "no",
                    f"{res.seconds:.2f}",
                    f"{res.objective / greedy_obj:.4f}",
                ]
            )
            console.print(" | ".join(rows[-1]))
            write_markdown()
    table = Table(*header, title=f"WTA benchmark, time limit {limit:g} s")
    for r in rows:
        table.add_row(*r)
    console.print(table)
    return 0


def fire_control(argv: list[str]) -> int:
    """The fire-control comparison, which lives in bench_engine.py (shared code)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_engine

    ap = argparse.ArgumentParser(description="greedy vs optimal vs dynamic fire control")
    ap.add_argument("--quick", action="store_true", help="16, 64, 256 threats, 4 replications")
    bench_engine.fire_control_args(ap)
    bench_engine.fire_control(ap.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())

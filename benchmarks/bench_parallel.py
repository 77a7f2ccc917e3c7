"""Benchmark of where replications run: in process, the reusable pool, Dask LocalCluster.

On the built-in four-batteries scenario, a run of about ten seconds in one process
(``--replications``, default 60,000), all in this one process, in this order:

1. ``workers=1``: the baseline (scenario compile, kernel load, replications);
2. ``workers=2``, first call: the reusable pool starts (spawn, numba import, kernel
   cache load in each worker) -- what every ``--workers 2`` run paid before the pool
   was kept;
3. ``workers=2`` again: the same workers, already warm;
4. Dask: ``open_executor("local", workers=2)`` (cluster start timed apart), a first and
   a second run on it.

Each line gives the wall time of the ``simulate`` call and its ratio to line 1, and
checks that every backend gave the same numbers. The load average (``os.getloadavg``)
is printed before and after: on a shared machine the ratios are what to compare.

Run: ``python benchmarks/bench_parallel.py`` (about a minute) or ``--quick``;
``--no-dask`` without the Dask lines.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def _numbers(res: Any) -> str:
    d = res.to_dict()
    d.pop("timing")
    return json.dumps(d, sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=60_000)
    ap.add_argument("--quick", action="store_true", help="12,000 replications")
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    reps = 12_000 if args.quick else args.replications

    from shieldlab.montecarlo import simulate
    from shieldlab.montecarlo.backends import open_executor
    from shieldlab.scenario.loader import scenario_by_name_or_path

    sc = scenario_by_name_or_path("four-batteries")
    simulate(sc, replications=1, seed=0)  # numba's disk cache filled before any timing
    print(f"four-batteries, {reps:,} replications per run; {_load()}")

    rows: list[tuple[str, float, float]] = []
    results: dict[str, str] = {}

    def timed(label: str, **kw: Any) -> None:
        t = time.perf_counter()
        res = simulate(sc, replications=reps, seed=1, **kw)
        wall = time.perf_counter() - t
        rows.append((label, wall, res.timing["run_s"]))
        results[label] = _numbers(res)

    timed("workers=1 (in process)")
    timed("workers=2, first call (pool starts)", workers=2)
    timed("workers=2, reused pool", workers=2)
    if not args.no_dask:
        t = time.perf_counter()
        with open_executor("local", workers=2) as ex:
            start = time.perf_counter() - t
            timed("dask LocalCluster(2), first run", executor=ex, workers=2)
            timed("dask LocalCluster(2), second run", executor=ex, workers=2)
        print(f"dask LocalCluster start: {start:.2f} s (not in the lines below)")

    base = rows[0][1]
    print(f"{'backend':40} {'wall s':>8} {'run s':>8} {'speed-up':>9}")
    for label, wall, run in rows:
        print(f"{label:40} {wall:8.2f} {run:8.2f} {base / wall:8.2f}x")
    by = {label: wall for label, wall, _ in rows}
    print(
        "reused / first call: "
        f"{by['workers=2, reused pool'] / by['workers=2, first call (pool starts)']:.2f}"
    )
    if not args.no_dask:
        print(
            "dask (second run) / process pool (reused): "
            f"{by['dask LocalCluster(2), second run'] / by['workers=2, reused pool']:.2f}"
        )
    same = len(set(results.values())) == 1
    print(f"same numbers on every backend: {same}")
    print(_load())
    if not same:
        raise SystemExit("backends disagree")


if __name__ == "__main__":
    main()

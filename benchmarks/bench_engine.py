"""Benchmark of the Monte Carlo engine on the built-in four-batteries scenario.

Measures, in one run:
1. replications/s of the compiled kernel at 1 and 2 worker processes (JIT and pool start-up
   excluded), with peak resident memory of the main process and of the workers;
2. the plain-Python event loop of the same doctrine (the test oracle) and the speed ratio;
3. time per replication against raid size, 64 -> 1024 threats (CPU time per replication,
   so that other load on a shared machine counts less);
4. peak memory as the number of replications grows (each size in a fresh process):
   streaming aggregation keeps it flat.

Run: ``python benchmarks/bench_engine.py`` (about a minute) or ``--quick``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1.0 / 1024.0 if sys.platform != "darwin" else 1.0 / 1024.0 / 1024.0
    return resource.getrusage(who).ru_maxrss * scale


# ---------------------------------------------------------------- worker-pool throughput
_CS = None


def _init(cs: object) -> None:
    global _CS
    import numba

    numba.set_num_threads(1)
    _CS = cs
    from shieldlab.engine.batch import run_replications

    run_replications(cs, seed=0, first=0, count=2)  # type: ignore[arg-type]


def _task(first: int, count: int) -> tuple[float, float, float]:
    from shieldlab.engine.batch import run_replications
    from shieldlab.montecarlo.aggregate import summarise

    c0 = time.process_time()
    rows = run_replications(_CS, seed=1, first=first, count=count)  # type: ignore[arg-type]
    summarise(rows, first=first, leak_col=0)
    return float(rows[:, 0].sum()), _peak_rss_mb(), time.process_time() - c0


def _noop() -> int:
    return os.getpid()


def throughput(cs: object, workers: int, reps: int, chunk: int) -> tuple[float, float, float]:
    """(wall replications/s, CPU replications/s per worker, peak worker RSS MB)."""
    from shieldlab.engine.batch import run_replications
    from shieldlab.montecarlo.aggregate import summarise

    tasks = [(a, min(chunk, reps - a)) for a in range(0, reps, chunk)]
    if workers == 1:
        run_replications(cs, seed=0, first=0, count=2)  # type: ignore[arg-type]
        c0, t0 = time.process_time(), time.perf_counter()
        for a, n in tasks:
            summarise(run_replications(cs, seed=1, first=a, count=n), first=a, leak_col=0)  # type: ignore[arg-type]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return reps / wall, reps / cpu, _peak_rss_mb()
    with ProcessPoolExecutor(workers, mp.get_context("spawn"), _init, (cs,)) as pool:
        # Wait until every worker has started and loaded the compiled kernel.
        pids: set[int] = set()
        while len(pids) < workers:
            pids |= {f.result() for f in [pool.submit(_noop) for _ in range(4 * workers)]}
            time.sleep(0.05)
        c0 = time.perf_counter()
        res = list(pool.map(_task, *zip(*tasks, strict=True)))
        wall = time.perf_counter() - c0
    # CPU seconds spent inside the tasks, summed over workers: rep/s per busy core.
    cpu = sum(r[2] for r in res)
    return reps / wall, reps / cpu, max(r[1] for r in res)


# ---------------------------------------------------------------- memory vs replications
def _memory_child(reps: int) -> None:
    from shieldlab.montecarlo import simulate
    from shieldlab.scenario import builtin_scenario

    simulate(builtin_scenario("four-batteries"), replications=2, seed=0)
    before = _peak_rss_mb()
    res = simulate(builtin_scenario("four-batteries"), replications=reps, seed=0)
    print(
        json.dumps(
            {"before": before, "after": _peak_rss_mb(), "leakers": res.metrics["leakers"].mean}
        )
    )


def memory_curve(sizes: list[int]) -> list[tuple[int, float, float]]:
    out = []
    for n in sizes:
        res = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        d = json.loads(res.stdout.strip().splitlines()[-1])
        out.append((n, d["before"], d["after"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short run")
    ap.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        _memory_child(args.memory_child)
        return

    from shieldlab.engine.batch import run_replications
    from shieldlab.engine.compiled import compile_scenario
    from shieldlab.engine.oracle import run_replications_py
    from shieldlab.montecarlo.studies import scale_raid
    from shieldlab.scenario import builtin_scenario

    quick = args.quick
    base = builtin_scenario("four-batteries")
    t0 = time.perf_counter()
    cs = compile_scenario(base)
    t_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_replications(cs, seed=0, first=0, count=1)
    t_jit = time.perf_counter() - t0
    print(
        f"four-batteries: {cs.n_threats} threats, {cs.n_batteries} batteries, "
        f"{cs.n_radars} radars, {cs.n_weapons} weapons, {cs.n_cycles} decision cycles"
    )
    print(
        f"scenario compile {t_compile:.2f} s; kernel JIT/cache load {t_jit:.2f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)"
    )
    print()

    reps = 20_000 if quick else 100_000
    chunk = 4096
    w1_wall, w1_cpu, w1_mem = throughput(cs, 1, reps, chunk)
    w2_wall, w2_cpu, w2_mem = throughput(cs, 2, reps, chunk)
    n_oracle = 3 if quick else 10
    c0 = time.process_time()
    t0 = time.perf_counter()
    oracle_rows = run_replications_py(cs, seed=1, first=0, count=n_oracle)
    o_wall = n_oracle / (time.perf_counter() - t0)
    o_cpu = n_oracle / (time.process_time() - c0)
    kernel_rows = run_replications(cs, seed=1, first=0, count=n_oracle)
    same = bool(np.array_equal(oracle_rows, kernel_rows, equal_nan=True))

    print("Throughput on four-batteries (replications per second)")
    print(f"{'implementation':<34}{'wall rep/s':>12}{'CPU rep/s':>12}{'peak RSS MB':>13}")
    print(f"{'compiled kernel, 1 worker':<34}{w1_wall:>12,.0f}{w1_cpu:>12,.0f}{w1_mem:>13.0f}")
    print(f"{'compiled kernel, 2 workers':<34}{w2_wall:>12,.0f}{w2_cpu:>12,.0f}{w2_mem:>13.0f}")
    print("  (2 workers: CPU rep/s per busy worker core, inside tasks; peak RSS per worker)")
    print(f"{'Python event loop (oracle)':<34}{o_wall:>12,.2f}{o_cpu:>12,.2f}{'':>13}")
    print(f"speed-up 1 -> 2 workers (wall): {w2_wall / w1_wall:.2f}x")
    print(
        f"kernel / oracle (CPU time, 1 worker): {w1_cpu / o_cpu:,.0f}x; "
        f"(wall): {w1_wall / o_wall:,.0f}x; identical outcomes on {n_oracle} replications: {same}"
    )
    print()

    print("Time per replication against raid size (CPU time, 1 worker)")
    print(
        f"{'threats':>8}{'cycles':>8}{'compile s':>11}{'us/rep':>10}{'us/threat':>11}"
        f"{'mean leakers':>14}"
    )
    sizes = [64, 128, 256, 512, 1024]
    per: list[float] = []
    for n in sizes:
        t0 = time.perf_counter()
        csn = compile_scenario(scale_raid(base, n))
        tc = time.perf_counter() - t0
        r = max(20, (20_000 if not quick else 5_000) // n)
        best = np.inf
        for _ in range(3):
            c0 = time.process_time()
            rows = run_replications(csn, seed=2, first=0, count=r)
            best = min(best, (time.process_time() - c0) / r)
        per.append(best)
        print(
            f"{n:>8}{csn.n_cycles:>8}{tc:>11.2f}{best * 1e6:>10.0f}{best * 1e6 / n:>11.2f}"
            f"{rows[:, 0].mean():>14.1f}"
        )
    slope = np.polyfit(np.log(sizes), np.log(per), 1)[0]
    print(f"log-log slope of time against raid size: {slope:.2f} (1.0 = linear)")
    print()

    print("Peak memory against replications (fresh process each, 1 worker)")
    print(f"{'replications':>13}{'RSS before MB':>15}{'RSS after MB':>14}")
    for n, before, after in memory_curve([10_000, 40_000] if quick else [10_000, 40_000, 160_000]):
        print(f"{n:>13,}{before:>15.0f}{after:>14.0f}")


if __name__ == "__main__":
    main()

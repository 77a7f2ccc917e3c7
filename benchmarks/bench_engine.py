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

``--fire-control`` runs instead the fire-control comparison (WTA issue): the
``four-batteries`` raid resized to rising sizes, each replication run through the
engine's Python event loop once per assigner (``greedy``, ``optimal``, ``dynamic`` by
default) with the same seed and replication numbers, so every random draw is shared
(common random numbers: draws are keyed by seed, replication, threat and shot). It
prints leakers and interceptors fired per assigner, the paired difference from greedy
with its 95 % t interval, and wall seconds per replication with the ratio to greedy's
(measured in the same process). Options: ``--assigners``, ``--raid-sizes``,
``--replications``, ``--channels T,G`` (target and guidance channels per battery),
``--interceptors N`` (total rounds, all ready, no reloads: ``with_inventory``),
``--priority time_to_impact|asset_value`` (instead of the scenario's), ``--out FILE``
(markdown table); ``--quick`` runs 16, 64 and 256 threats with 4 replications (a few
minutes on a loaded machine).

    python benchmarks/bench_engine.py --fire-control --quick
    python benchmarks/bench_engine.py --fire-control --interceptors 96
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


# ---------------------------------------------------------------- fire control (WTA)
def fire_control_args(ap: argparse.ArgumentParser) -> None:
    """Options of the fire-control comparison (shared with bench_wta.py --fire-control)."""
    ap.add_argument("--assigners", default="greedy,optimal,dynamic", help="comma-separated")
    ap.add_argument("--raid-sizes", default="", help="default 16,32,64,128,256")
    ap.add_argument("--replications", type=int, default=0, help="per raid size (default 12)")
    ap.add_argument("--channels", default="", help="TARGETS,GUIDED channels per battery")
    ap.add_argument("--interceptors", type=int, default=0, help="total rounds (all ready)")
    ap.add_argument(
        "--priority",
        default="",
        choices=["", "time_to_impact", "asset_value"],
        help="engagement priority instead of the scenario's (time_to_impact)",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="", help="also write the table as markdown here")


def fire_control(args: argparse.Namespace) -> list[list[str]]:
    """Paired runs of the assigners on four-batteries at rising raid sizes; table rows."""
    import dataclasses
    import math
    from pathlib import Path

    from shieldlab._io import atomic_write_text
    from shieldlab.c2.base import PRIORITY_ASSET_VALUE, PRIORITY_TIME_TO_IMPACT
    from shieldlab.c2.registry import make_assigner
    from shieldlab.core.stats import t_half_width
    from shieldlab.engine.oracle import run_replications_py
    from shieldlab.engine.outcomes import layout_of
    from shieldlab.montecarlo.studies import CompiledRaids, with_inventory
    from shieldlab.scenario import builtin_scenario

    priorities = {"time_to_impact": PRIORITY_TIME_TO_IMPACT, "asset_value": PRIORITY_ASSET_VALUE}
    quick = bool(getattr(args, "quick", False))
    names = [a for a in args.assigners.split(",") if a]
    if "greedy" not in names:
        names.insert(0, "greedy")  # the paired baseline
    sizes = [int(x) for x in args.raid_sizes.split(",") if x] or (
        [16, 64, 256] if quick else [16, 32, 64, 128, 256]
    )
    reps = int(args.replications) or (4 if quick else 12)
    raids = CompiledRaids(builtin_scenario("four-batteries"))
    header = [
        "raid",
        "assigner",
        "leakers",
        "Δ leakers vs greedy (95 % CI)",
        "fired",
        "Δ fired vs greedy (95 % CI)",
        "s/rep",
        "time / greedy",
    ]
    rows: list[list[str]] = []

    def paired(d: np.ndarray) -> str:
        half = t_half_width(float(d.var(ddof=1)), d.size) if d.size > 1 else math.nan
        return f"{d.mean():+.3f} ± {half:.3f}"

    load = os.getloadavg()
    print(
        f"four-batteries, {reps} paired replications per raid size (seed {args.seed}), "
        f"Python event loop for every assigner; load average {load[0]:.1f} on "
        f"{os.cpu_count()} CPUs"
        + (f"; channels per battery {args.channels}" if args.channels else "")
        + (f"; {args.interceptors} interceptors in all" if args.interceptors else "")
        + (f"; priority {args.priority}" if args.priority else ""),
        flush=True,
    )
    # warm-up (numba compilation, solver start-up) so the first row is not charged with it
    for name in names:
        run_replications_py(raids(sizes[0]), seed=0, first=0, count=1, assigner=make_assigner(name))
    print(" | ".join(header), flush=True)
    for size in sizes:
        cs = raids(size)
        if args.channels:
            n_t, n_g = (int(v) for v in args.channels.split(","))
            cs = dataclasses.replace(
                cs,
                battery_max_targets=np.full_like(cs.battery_max_targets, n_t),
                battery_max_guided=np.full_like(cs.battery_max_guided, n_g),
            )
        if args.interceptors:
            cs = with_inventory(cs, args.interceptors)
        if args.priority:
            cs = dataclasses.replace(cs, priority=priorities[args.priority])
        cols = layout_of(cs).columns()
        leak: dict[str, np.ndarray] = {}
        fired: dict[str, np.ndarray] = {}
        secs: dict[str, float] = {}
        for name in names:
            t0 = time.perf_counter()
            out = run_replications_py(
                cs, seed=args.seed, first=0, count=reps, assigner=make_assigner(name)
            )
            secs[name] = (time.perf_counter() - t0) / reps
            leak[name] = out[:, cols["leakers"]]
            fired[name] = out[:, cols["interceptors_fired"]]
        for name in names:
            base = name == "greedy"
            rows.append(
                [
                    str(size),
                    name,
                    f"{leak[name].mean():.2f}",
                    "(baseline)" if base else paired(leak[name] - leak["greedy"]),
                    f"{fired[name].mean():.1f}",
                    "(baseline)" if base else paired(fired[name] - fired["greedy"]),
                    f"{secs[name]:.2f}",
                    f"{secs[name] / secs['greedy']:.2f}",
                ]
            )
            print(" | ".join(rows[-1]), flush=True)
    if args.out:
        lines = [
            f"four-batteries, {reps} paired replications per raid size (seed {args.seed}); "
            f"load average {load[0]:.1f}"
            + (f"; channels {args.channels}" if args.channels else "")
            + (f"; {args.interceptors} interceptors" if args.interceptors else "")
            + (f"; priority {args.priority}" if args.priority else ""),
            "",
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(r) + " |" for r in rows),
        ]
        atomic_write_text(Path(args.out), "\n".join(lines) + "\n")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawTextHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="short run")
    ap.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument(
        "--fire-control", action="store_true", help="greedy vs optimal vs dynamic assigner"
    )
    fire_control_args(ap)
    args = ap.parse_args()
    if args.memory_child:
        _memory_child(args.memory_child)
        return
    if args.fire_control:
        fire_control(args)
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

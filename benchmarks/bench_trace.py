"""Benchmark of the event trace: normal runs are not slowed, and what a traced replication costs.

Measures, in one process, on the built-in four-batteries scenario (and ``--threats N``
copies of its raid, ``montecarlo.studies.scale_raid``):

1. replications/s of the normal compiled run (``engine.batch.run_replications``, the
   ``ev=None`` specialisation of ``simulate_one``) against the kernel *before* the trace
   was added -- ``src/shieldlab/engine/kernel.py`` as of ``--baseline`` (default: the
   parent of the commit that added ``run_traced``), loaded from git into a temporary
   module and compiled beside it. Both run the same tables and seed, alternately, several
   rounds; the ratio of the best CPU times is printed, and the outcome rows must be equal;
2. the cost of one traced replication: the kernel alone (``run_traced``) and the whole
   ``record_replication`` (buffer, sorting, positions), against one normal replication.

Run: ``python benchmarks/bench_trace.py`` (about a minute with JIT) or ``--quick``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
KERNEL = "src/shieldlab/engine/kernel.py"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def baseline_rev() -> str:
    """Parent of the first commit whose kernel has ``run_traced`` (HEAD if none yet)."""
    revs = _git("log", "--format=%H", "-S", "def run_traced", "--", KERNEL).split()
    return f"{revs[-1]}^" if revs else "HEAD"


def load_baseline(rev: str, tmp: Path) -> ModuleType:
    src = _git("show", f"{rev}:{KERNEL}")
    if "def run_traced" in src:
        raise SystemExit(f"{rev}: its kernel already has the trace; pass --baseline")
    path = tmp / "kernel_baseline.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("kernel_baseline", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["kernel_baseline"] = mod
    spec.loader.exec_module(mod)
    return mod


def best_cpu(fn: object, rounds: int) -> float:
    best = np.inf
    for _ in range(rounds):
        c0 = time.process_time()
        fn()  # type: ignore[operator]
        best = min(best, time.process_time() - c0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short run")
    ap.add_argument("--baseline", default="", help="git revision of the kernel before the trace")
    ap.add_argument("--threats", type=int, default=0, help="also a raid of N threats")
    args = ap.parse_args()

    from shieldlab.engine.batch import kernel_tables, run_replications
    from shieldlab.engine.compiled import compile_scenario
    from shieldlab.engine.kernel import run_traced
    from shieldlab.engine.outcomes import layout_of
    from shieldlab.engine.trace import event_capacity, record_replication
    from shieldlab.montecarlo.studies import scale_raid
    from shieldlab.scenario import builtin_scenario

    rev = args.baseline or baseline_rev()
    print(
        f"baseline kernel: {KERNEL} at {rev} ({_git('rev-parse', '--short', rev)}); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)"
    )
    reps = 2_000 if args.quick else 8_000
    rounds = 3 if args.quick else 5
    base_sc = builtin_scenario("four-batteries")
    scenarios = [("four-batteries", base_sc)]
    if args.threats:
        scenarios.append((f"{args.threats} threats", scale_raid(base_sc, args.threats)))

    with tempfile.TemporaryDirectory() as tmp:
        old = load_baseline(rev, Path(tmp))
        print()
        print("Normal runs: compiled kernel with the trace (None specialisation) vs before")
        print(
            f"{'scenario':<18}{'reps':>7}{'before rep/s':>14}{'after rep/s':>13}"
            f"{'after/before':>14}{'same rows':>11}"
        )
        for name, sc in scenarios:
            cs = compile_scenario(sc)
            tables = kernel_tables(cs)
            n_cols = layout_of(cs).n_columns
            r = max(50, reps * 64 // cs.n_threats)
            # warm both (JIT or cache load)
            old.run_batch(1, 0, 2, n_cols, *tables)
            run_replications(cs, seed=1, first=0, count=2)
            t_old = np.inf
            t_new = np.inf
            for _ in range(rounds):  # alternate, so that load changes hit both alike
                t_old = min(t_old, best_cpu(lambda: old.run_batch(1, 0, r, n_cols, *tables), 1))  # noqa: B023
                t_new = min(
                    t_new,
                    best_cpu(lambda: run_replications(cs, seed=1, first=0, count=r), 1),  # noqa: B023
                )
            same = np.array_equal(
                old.run_batch(1, 0, r, n_cols, *tables),
                run_replications(cs, seed=1, first=0, count=r),
                equal_nan=True,
            )
            print(
                f"{name:<18}{r:>7}{r / t_old:>14,.0f}{r / t_new:>13,.0f}"
                f"{t_old / t_new:>14.3f}{same!s:>11}"
            )

        print()
        print("One traced replication (CPU time; the mean over several replications)")
        print(
            f"{'scenario':<18}{'events':>8}{'buffer MB':>11}{'normal ms':>11}"
            f"{'run_traced ms':>15}{'record_replication ms':>23}{'record/normal':>15}"
        )
        for name, sc in scenarios:
            cs = compile_scenario(sc)
            tables = kernel_tables(cs)
            n_cols = layout_of(cs).n_columns
            cap = event_capacity(cs)
            record_replication(cs, seed=1, replication=0)  # warm
            k = 20 if args.quick else 50
            t_norm = best_cpu(lambda: run_replications(cs, seed=1, first=0, count=k), rounds) / k  # noqa: B023

            def kernel_only(cs=cs, tables=tables, n_cols=n_cols, cap=cap, k=k) -> None:
                for j in range(k):
                    ev_i = np.zeros((cap, 4), dtype=np.int64)
                    ev_t = np.zeros((cap, 2), dtype=np.float64)
                    run_traced(1, j, n_cols, ev_i, ev_t, np.zeros(1, dtype=np.int64), *tables)

            t_kern = best_cpu(kernel_only, rounds) / k

            def whole(cs=cs, k=k) -> int:
                n = 0
                for j in range(k):
                    n += record_replication(cs, seed=1, replication=j).n_events
                return n

            t_rec = best_cpu(whole, rounds) / k
            n_ev = whole() / k
            print(
                f"{name:<18}{n_ev:>8,.0f}{cap * 48 / 1e6:>11.2f}{t_norm * 1e3:>11.3f}"
                f"{t_kern * 1e3:>15.3f}{t_rec * 1e3:>23.2f}{t_rec / t_norm:>15.0f}"
            )


if __name__ == "__main__":
    main()

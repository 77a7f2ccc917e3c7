"""Cost of the statistics layer: support-respecting intervals and nested raid sizing.

Two ratios against a baseline in the same process:

* ``mean_interval`` (t interval on the log/logit scale, ``core.stats``) against the plain
  Student t interval it replaced, per call, and the whole ``build_results`` of
  four-batteries (every metric of a run) against one replication block of the kernel;
* ``nested_wave_counts`` (sequential Webster apportionment, a Python loop over threats)
  against ``compile_scenario`` of the same resized raid, the step it precedes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from shieldlab.core.stats import mean_interval, t_interval
from shieldlab.engine import compile_scenario, layout_of, run_replications
from shieldlab.montecarlo.aggregate import Accumulator, summarise
from shieldlab.montecarlo.results import build_results
from shieldlab.montecarlo.studies import nested_wave_counts, scale_raid
from shieldlab.scenario import scenario_by_name_or_path


def per_call(fn: Callable[[], object], repeat: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repeats and raid sizes")
    args = ap.parse_args()
    rep = 2_000 if args.quick else 20_000
    out = Console()

    t = Table(title="Intervals: cost per call", title_justify="left")
    for col in ("what", "seconds", "ratio"):
        t.add_column(col, justify="right" if col != "what" else "left")
    base = per_call(lambda: t_interval(3.1, 2.5, 10_000), rep)
    for name, fn in (
        ("Student t (baseline)", lambda: t_interval(3.1, 2.5, 10_000)),
        ("log scale", lambda: mean_interval(3.1, 2.5, 10_000)),
        ("logit scale", lambda: mean_interval(3.1, 2.5, 10_000, upper=60.0)),
    ):
        s = per_call(fn, rep)
        t.add_row(name, f"{s:.2e}", f"{s / base:.2f}")
    sc = scenario_by_name_or_path("four-batteries")
    cs = compile_scenario(sc)
    rows = run_replications(cs, seed=0, first=0, count=256)
    acc = Accumulator(n_cols=rows.shape[1])
    for blk in summarise(rows, first=0, leak_col=layout_of(cs).columns()["leakers"]):
        acc.add(blk)
    kernel = per_call(lambda: run_replications(cs, seed=0, first=0, count=256), 3)
    res = per_call(
        lambda: build_results(cs, acc, seed=0, precision=None, precision_met=None, timing={}),
        20 if args.quick else 200,
    )
    t.add_row("build_results, four-batteries (all metrics)", f"{res:.2e}", "")
    t.add_row("kernel, one block of 256 replications", f"{kernel:.2e}", f"{res / kernel:.4f}")
    out.print(t)

    t = Table(title="Nested raid sizes vs compiling the raid", title_justify="left")
    for col in ("threats", "nested_wave_counts s", "compile_scenario s", "ratio"):
        t.add_column(col, justify="right")
    counts = [w.count for w in sc.raid.waves]
    for n in (64, 256) if args.quick else (64, 256, 1024):
        a = per_call(lambda n=n: nested_wave_counts(counts, n), 20)
        b = per_call(lambda n=n: compile_scenario(scale_raid(sc, n)), 1)
        t.add_row(f"{n:,}", f"{a:.2e}", f"{b:.2e}", f"{a / b:.5f}")
    out.print(t)


if __name__ == "__main__":
    main()

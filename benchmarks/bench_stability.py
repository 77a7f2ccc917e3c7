"""Restraint-map speed: penetration curves reused across cells vs recomputed every time.

Runs the 20 x 20 restraint map of the built-in posture (interceptor cap x launcher cap)
twice in the same process: with the shared curve caches (each defence size's penetration
curve computed once for the whole map) and with caching disabled (the naive baseline: a
curve for every "missiles needed" question). Both must give identical maps. ``--quick``
runs an 8 x 8 map. Target (issue 6): the 20 x 20 map in under a minute.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from shieldlab.stability.posture import builtin_posture
from shieldlab.stability.race import RaceCaches
from shieldlab.stability.restraint import RestraintMap, restraint_map


def run(n: int, *, cached: bool) -> tuple[float, int, RestraintMap]:
    p = builtin_posture()
    xs = np.linspace(0, 950, n).round().astype(int)
    ys = np.linspace(50, 1000, n).round().astype(int)
    caches = RaceCaches(p, enabled=cached)
    t0 = time.perf_counter()
    m = restraint_map(
        p, x_cap="interceptors", x_values=xs, y_cap="launchers", y_values=ys, caches=caches
    )
    return time.perf_counter() - t0, caches.curves_computed, m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="8 x 8 map instead of 20 x 20")
    args = ap.parse_args()
    n = 8 if args.quick else 20
    run(3, cached=True)  # warm-up: imports, first-call overheads
    t_fast, c_fast, m_fast = run(n, cached=True)
    t_slow, c_slow, m_slow = run(n, cached=False)
    same = np.array_equal(m_fast.stability_index, m_slow.stability_index) and np.array_equal(
        m_fast.stable,
        m_slow.stable,
    )
    table = Table(title=f"Restraint map {n} x {n} ({n * n} cap pairs), built-in posture")
    for col in ("variant", "seconds", "curves computed", "ratio vs naive"):
        table.add_column(col, justify="right")
    table.add_row("naive (recompute)", f"{t_slow:.3f}", str(c_slow), "1.0")
    table.add_row("curves reused", f"{t_fast:.3f}", str(c_fast), f"{t_slow / t_fast:.1f}x faster")
    con = Console()
    con.print(table)
    con.print(f"identical maps: {same}; under one minute: {t_fast < 60.0}")
    if not same:
        raise SystemExit("cached and naive maps differ")


if __name__ == "__main__":
    main()

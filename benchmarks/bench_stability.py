"""Restraint-map speed: penetration curves reused across cells vs recomputed every time.

Runs the 20 x 20 restraint map of the built-in posture (interceptor cap x launcher cap)
twice in the same process: with the shared curve caches (each defence size's penetration
curve computed once for the whole map) and with caching disabled (the naive baseline: a
curve for every "missiles needed" question). Both must give identical maps. ``--quick``
runs an 8 x 8 map. Target (issue 6): the 20 x 20 map in under a minute.

Then the same map with engine curves (``--engine``, default the built-in ``closed-form``
scenario as both sides' defence): engine runs reused across all cells (each raid size
compiled once, each (inventory, raid size) pair simulated once, one curve per defence
size) against the baseline of recomputing every engine curve per cell (fresh caches per
cell), timed on a sample of cells and scaled to the whole grid; the sampled cells must
equal the map's (same seed, same draws).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from shieldlab.stability.engine_curves import EngineSource, load_engine_scenario
from shieldlab.stability.posture import builtin_posture
from shieldlab.stability.race import RaceCaches
from shieldlab.stability.restraint import Caps, RestraintMap, evaluate_caps, restraint_map


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


def run_engine(n: int, source: EngineSource, n_sample: int) -> None:
    """Engine-backed map with reuse vs per-cell recomputation (sampled cells, scaled)."""
    p = builtin_posture()
    xs = np.linspace(0, 950, n).round().astype(int)
    ys = np.linspace(50, 1000, n).round().astype(int)
    # Warm the kernel (JIT or cache load) outside the timings.
    evaluate_caps(p, Caps(interceptors=0, launchers=50), caches=RaceCaches(p, engine=source))
    caches = RaceCaches(p, engine=source)
    t0 = time.perf_counter()
    m = restraint_map(
        p, x_cap="interceptors", x_values=xs, y_cap="launchers", y_values=ys, caches=caches
    )
    t_map = time.perf_counter() - t0
    runs = caches.engine_runs
    assert runs is not None
    rng = np.random.default_rng(0)  # which cells to sample: fixed, not part of the model
    cells = rng.choice(n * n, size=min(n_sample, n * n), replace=False)
    t1 = time.perf_counter()
    same = True
    for c in cells:
        iy, ix = divmod(int(c), n)
        cell = evaluate_caps(
            p,
            Caps(interceptors=int(xs[ix]), launchers=int(ys[iy])),
            caches=RaceCaches(p, engine=source),
        )
        same &= cell.stable == bool(m.stable[iy, ix]) and cell.stability_index == float(
            m.stability_index[iy, ix]
        )
    per_cell = (time.perf_counter() - t1) / len(cells)
    t_naive = per_cell * n * n
    table = Table(
        title=f"Engine-backed restraint map {n} x {n} ({n * n} cap pairs), built-in posture, "
        f"scenario {source.scenario.name}, {source.replications} replications, raid step "
        f"{source.raid_step}, inventory step {source.inventory_step}"
    )
    for col in ("variant", "seconds", "work", "ratio vs per-cell"):
        table.add_column(col, justify="right")
    table.add_row(
        f"per-cell curves ({len(cells)} cells timed, scaled)",
        f"{t_naive:.1f}",
        f"{per_cell:.2f} s/cell",
        "1.0",
    )
    table.add_row(
        "engine runs reused",
        f"{t_map:.1f}",
        f"{m.curves_computed} curves, {runs.simulations} runs, {runs.raids.compiled} compiles",
        f"{t_naive / t_map:.1f}x faster",
    )
    con = Console()
    con.print(table)
    con.print(f"sampled cells identical to the map: {same}; under one minute: {t_map < 60.0}")
    if not same:
        raise SystemExit("per-cell and reused engine maps differ")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="8 x 8 map instead of 20 x 20")
    ap.add_argument("--engine", default="closed-form", help="engine scenario for the curves")
    ap.add_argument("--replications", type=int, default=300, help="engine replications")
    ap.add_argument("--no-engine", action="store_true", help="closed-form part only")
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
    if not args.no_engine:
        source = EngineSource(
            scenario=load_engine_scenario(args.engine), replications=args.replications
        )
        run_engine(n, source, n_sample=2 if args.quick else 4)


if __name__ == "__main__":
    main()

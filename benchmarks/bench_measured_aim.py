"""Measured fidelity with aim error from track covariance: its cost and its effect.

Aim error on (every interceptor type given ``lethal_radius_m`` and
``guidance_miss_sigma_m``) makes each radar's tracker run past track confirmation, up to
the last launch that may aim with its tracks, and rewrites the kill-probability table per
replication. Timed against the measured fidelity without it (the baseline), in the same
process and on the same replications:

* seconds per replication, off and on, and the ratio;
* killed threats and leakers (mean and 95 % t-interval over the replications) with the
  default radar errors (50 m, 0.2 deg) and with a clean (5 m, 0.02 deg) and a noisy
  (200 m, 1 deg) radar, clutter-free, common random numbers throughout.

Run ``python benchmarks/bench_measured_aim.py`` (closed-form and single-battery, 40
replications; four-batteries, 4) or ``--quick`` (closed-form and single-battery, 8).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from shieldlab.core.stats import t_half_width
from shieldlab.engine import measured
from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.scenario import Scenario, builtin_scenario

LETHAL_RADIUS_M = 300.0
GUIDANCE_SIGMA_M = 30.0
RADARS = {
    "clean": measured.MeasuredSettings(
        sigma_range_m=5.0,
        sigma_azimuth_rad=math.radians(0.02),
        sigma_elevation_rad=math.radians(0.02),
        clutter_per_scan=0.0,
    ),
    "default": measured.MeasuredSettings(clutter_per_scan=0.0),
    "noisy": measured.MeasuredSettings(
        sigma_range_m=200.0,
        sigma_azimuth_rad=math.radians(1.0),
        sigma_elevation_rad=math.radians(1.0),
        clutter_per_scan=0.0,
    ),
}


def aimed(sc: Scenario) -> Scenario:
    its = [
        type(t).model_validate(
            {
                **t.model_dump(),
                "lethal_radius_m": LETHAL_RADIUS_M,
                "guidance_miss_sigma_m": GUIDANCE_SIGMA_M,
            }
        )
        for t in sc.interceptor_types
    ]
    return sc.replace(interceptor_types=its)


def run(
    sc: Scenario, st: measured.MeasuredSettings, n: int, seed: int
) -> tuple[float, dict[str, np.ndarray], float]:
    """(s per replication, outcome columns, mean track σ at launch) of n replications."""
    cs = compile_scenario(sc)
    tables = measured.prepare(cs, sc, st)
    engine = lambda c, f, k: run_replications(c, seed=seed, first=f, count=k)  # noqa: E731
    engine(cs, 0, 1)  # compile or load the kernel outside the timing
    t0 = time.perf_counter()
    rows = measured.run_measured(cs, tables, seed=seed, first=0, count=n, run=engine)
    dt = (time.perf_counter() - t0) / n
    col = layout_of(cs).columns()
    sig = np.nan
    if tables.aim is not None:
        s = measured.aim_sigmas(cs, tables, seed=seed, replication=0)
        sig = float(np.nanmean(s)) if np.isfinite(s).any() else np.nan
    return dt, {k: rows[:, col[k]] for k in ("threats_killed", "leakers")}, sig


def ci(x: np.ndarray) -> str:
    h = t_half_width(float(np.var(x, ddof=1)) if x.size > 1 else math.inf, x.size)
    return f"{x.mean():6.2f} ± {h:4.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="closed-form and single-battery, 8 reps")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    cases = [("closed-form", 8 if args.quick else 40), ("single-battery", 8 if args.quick else 40)]
    if not args.quick:
        cases.append(("four-batteries", 4))
    print(
        f"aim error: lethal radius {LETHAL_RADIUS_M:g} m, guidance miss σ {GUIDANCE_SIGMA_M:g} m "
        "on every interceptor type; kills and leakers: mean ± 95 % half-width"
    )
    print(
        f"{'scenario':15} {'radar':8} {'reps':>4} {'s/rep off':>9} {'s/rep on':>9} {'ratio':>6} "
        f"{'σ launch m':>10} {'killed off':>14} {'killed on':>14} {'leakers off':>14} "
        f"{'leakers on':>14}"
    )
    for name, n in cases:
        base = builtin_scenario(name)
        for label, st in RADARS.items():
            if name == "four-batteries" and label != "default":
                continue
            t_off, off, _ = run(base, st, n, args.seed)
            t_on, on, sig = run(aimed(base), st, n, args.seed)
            print(
                f"{name:15} {label:8} {n:4d} {t_off:9.3f} {t_on:9.3f} {t_on / t_off:6.2f} "
                f"{sig:10.0f} {ci(off['threats_killed']):>14} {ci(on['threats_killed']):>14} "
                f"{ci(off['leakers']):>14} {ci(on['leakers']):>14}",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Free-disposal sweep of the engagement doctrines on the built-in scenarios (issue 16).

For each doctrine (``layered``, ``time_to_impact``, ``asset_value``) and each built-in
scenario, paired runs (same seed, same replication numbers: common random numbers):

1. total inventory scaled (``montecarlo.studies.with_inventory``, all rounds ready, no
   reloads) through 0.5x, 1x, 2x, 4x the scenario's rounds;
2. one interceptor type's rounds x4, the others as written;
3. one layer removed (its rounds set to zero).

Each row prints mean leakers and the paired difference from the scenario as written with
its 95 % t interval (a z score): free disposal asks that no row with more rounds, and no
row with a layer removed, is significantly *below* (for removal) or *above* (for more
rounds) the baseline. Closed-form bounds (``analytic.crosscheck``) are printed for the
single-battery variants (salvo 2, and salvo 1 with two looks).

Run: ``python benchmarks/free_disposal.py`` (a few minutes) or ``--replications 1000``.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from shieldlab.engine import CompiledScenario, compile_scenario, layout_of, run_replications
from shieldlab.montecarlo.studies import with_inventory
from shieldlab.scenario import Scenario, scenario_by_name_or_path

DOCTRINES = ("layered", "time_to_impact", "asset_value")


def _doctrine(sc: Scenario, priority: str, **update: object) -> Scenario:
    return sc.replace(
        doctrine=sc.doctrine.model_copy(update={"engagement_priority": priority, **update})
    )


def _leakers(cs: CompiledScenario, reps: int, seed: int) -> np.ndarray:
    col = layout_of(cs).columns()["leakers"]
    return run_replications(cs, seed=seed, first=0, count=reps)[:, col]


def _scaled_type(cs: CompiledScenario, jt: int, factor: float) -> CompiledScenario:
    sel = cs.weapon_type == jt
    ready = cs.weapon_ready.copy()
    reserve = cs.weapon_reserve.copy()
    ready[sel] = np.round(ready[sel] * factor).astype(np.int64)
    reserve[sel] = np.round(reserve[sel] * factor).astype(np.int64)
    return dataclasses.replace(cs, weapon_ready=ready, weapon_reserve=reserve)


def _row(label: str, base: np.ndarray, x: np.ndarray) -> str:
    d = x - base
    sd = float(d.std(ddof=1)) if d.size > 1 else 0.0
    half = 1.96 * sd / np.sqrt(d.size)
    z = float(d.mean()) / (sd / np.sqrt(d.size)) if sd > 0 else 0.0
    return f"| {label} | {x.mean():.3f} | {d.mean():+.3f} ± {half:.3f} | {z:+.1f} |"


def sweep(name: str, priority: str, reps: int, seed: int, **update: object) -> list[str]:
    cs = compile_scenario(_doctrine(scenario_by_name_or_path(name), priority, **update))
    base = _leakers(cs, reps, seed)
    lines = [f"| {name} {priority} {update or ''} as written | {base.mean():.3f} | | |"]
    total = int(np.sum(cs.weapon_ready + cs.weapon_reserve))
    for f in (0.5, 1.0, 2.0, 4.0):
        n = round(total * f)
        lines.append(_row(f"all rounds {n}", base, _leakers(with_inventory(cs, n), reps, seed)))
    for jt, tname in enumerate(cs.interceptor_names):
        if not np.any(cs.weapon_type == jt):
            continue
        lines.append(_row(f"{tname} x4", base, _leakers(_scaled_type(cs, jt, 4.0), reps, seed)))
        lines.append(
            _row(f"{tname} removed", base, _leakers(_scaled_type(cs, jt, 0.0), reps, seed))
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--doctrines", default=",".join(DOCTRINES))
    ap.add_argument("--scenarios", default="single-battery,four-batteries")
    a = ap.parse_args()
    print("| case | leakers | paired diff (95 %) | z |")
    print("|---|---|---|---|")
    for priority in a.doctrines.split(","):
        for name in a.scenarios.split(","):
            for line in sweep(name, priority, a.replications, a.seed):
                print(line, flush=True)
            if name == "single-battery":
                for line in sweep(
                    name,
                    priority,
                    a.replications,
                    a.seed,
                    salvo_size=1,
                    max_engagements_per_threat=2,
                ):
                    print(line, flush=True)


if __name__ == "__main__":
    main()

"""Candidate raids evaluated per minute by ``attack optimise``, and the search's overhead.

On the built-in ``four-batteries`` scenario with the built-in ``four-batteries-red``
arsenal (a space of about 10^15 raids), in one process:

1. baseline: the same candidate raids the search simulated, evaluated directly by the
   :class:`~shieldlab.attack.Evaluator` (scenario compiled, replications run, objective
   taken) in the same order -- raw engine throughput on these raids;
2. the Optuna search (``search_raids``: TPE proposal, budget check, storage writes, then
   the same evaluations) -- candidates per minute and its time ratio to 1;
3. optionally (``--storage``) the search with an SQLite Optuna storage (resumable).

The kernel is warmed first. Prints the load average before and after: the machine may be
shared. ``--quick``: 15 candidates at 100 replications.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from shieldlab.attack import Evaluator, Objective, SearchSettings
from shieldlab.attack.arsenal import arsenal_by_name_or_path
from shieldlab.attack.evaluate import outcome_rows
from shieldlab.attack.optimise import search_raids
from shieldlab.attack.space import RaidSpace
from shieldlab.scenario.loader import builtin_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evaluations", type=int, default=40)
    ap.add_argument("--replications", type=int, default=200)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--storage", action="store_true", help="also time SQLite storage")
    args = ap.parse_args()
    if args.quick:
        args.evaluations, args.replications = 15, 100
    con = Console()
    con.print(f"load average before: {os.getloadavg()}")
    sc = builtin_scenario("four-batteries")
    ars = arsenal_by_name_or_path("four-batteries-red")
    space = RaidSpace(sc, ars)
    outcome_rows(sc, seed=0, first=0, count=2)  # warm the kernel (JIT or cache load)
    settings = SearchSettings(evaluations=args.evaluations, replications=args.replications)

    t0 = time.perf_counter()
    ev_search = Evaluator(space=space, objective=Objective(), seed=0)
    log = search_raids(ev_search, settings)
    t_search = time.perf_counter() - t0
    n = len(log.records)

    ev_direct = Evaluator(space=space, objective=Objective(), seed=0)
    t0 = time.perf_counter()
    for r in log.records:
        ev_direct.evaluate(r.choice, first=0, count=args.replications)
    t_direct = time.perf_counter() - t0
    assert ev_direct.simulated == n

    rows = [
        ("direct evaluation (baseline)", n, t_direct, 1.0),
        ("Optuna search (in memory)", n, t_search, t_search / t_direct),
    ]
    if args.storage:
        with tempfile.TemporaryDirectory() as d:
            st = SearchSettings(
                evaluations=args.evaluations,
                replications=args.replications,
                storage=str(Path(d) / "s.sqlite3"),
            )
            t0 = time.perf_counter()
            log2 = search_raids(Evaluator(space=space, objective=Objective(), seed=0), st)
            t_st = time.perf_counter() - t0
        rows.append(("Optuna search (SQLite storage)", len(log2.records), t_st, t_st / t_direct))

    tab = Table(
        title=f"attack optimise on four-batteries: {args.replications} replications per "
        f"candidate, raids of {min(sum(r.choice.counts) for r in log.records)}-"
        f"{max(sum(r.choice.counts) for r in log.records)} threats"
    )
    for c in ("path", "candidates", "seconds", "candidates / min", "time / baseline"):
        tab.add_column(c)
    for name, k, t, ratio in rows:
        tab.add_row(name, str(k), f"{t:.1f}", f"{60 * k / t:.1f}", f"{ratio:.2f}")
    con.print(tab)
    con.print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

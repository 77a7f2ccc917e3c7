"""Compile the numba kernels once, before the test workers start (``make warm``).

The kernels are compiled on first use and cached on disk (``cache=True``, next to their
modules). On a clean clone the cache is empty; without this step every pytest-xdist worker
would compile the same kernels at the same time (20-60 s of CPU each on a 2-core machine).
Run once, in one process, the workers then load them from the cache. The calls are the
library's own code paths (so numba sees the same argument types the tests pass): a run of
each built-in Monte Carlo scenario with and without the breakdown, one traced replication,
the static WTA solvers' own warm-up and one shoot-look-shoot plan. Nothing here is checked
(the tests do that); it only saves time.
"""

from __future__ import annotations

import logging
import time

from shieldlab.engine.trace import record_replication
from shieldlab.montecarlo import simulate
from shieldlab.scenario import builtin_scenario
from shieldlab.wta import WTAInstance
from shieldlab.wta.dynamic import plan_stages
from shieldlab.wta.warmup import warm_up


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    for name in ("single-battery", "four-batteries"):
        for breakdown in (True, False):
            simulate(builtin_scenario(name), replications=20, seed=0, breakdown=breakdown)
    record_replication(builtin_scenario("four-batteries"), seed=0, replication=0)
    warm_up()
    plan_stages(
        WTAInstance(
            target_values=[1.0, 2.0],
            kill_probability=[[0.5, 0.4], [0.3, 0.9]],
            weapon_counts=[2, 1],
        ),
        2,
    )
    print(f"warm: numba kernels compiled or loaded in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()

"""Start-up of the static WTA solvers, kept outside their time limits.

The solvers' numba kernels are compiled on first use and cached on disk (``cache=True``);
compiling them takes 20-80 s on a loaded 2-core machine, loading them from the cache
about 0.5 s. Both used to happen inside the first solve and count against its time limit
(a cold ``--time-limit 2`` run took 77.6 s). :func:`warm_up` runs every kernel once, on
tiny instances through the solvers' own code paths (so that numba sees the same argument
types, read-only arrays included), and imports HiGHS and scipy's assignment solver;
:func:`shieldlab.wta.solve` calls it before the solver's clock starts. The time it takes
is the documented start-up (docs/wta.md, "Time limits").
"""

from __future__ import annotations

import time

import numpy as np

_warm = False


def warm_up() -> float:
    """Load or compile every kernel of the static solvers; seconds spent (0 when done before)."""
    # process-wide by nature: numba keeps the loaded kernels for the process
    global _warm
    if _warm:
        return 0.0
    t0 = time.perf_counter()
    from shieldlab.wta.base import WTAInstance
    from shieldlab.wta.greedy import greedy_assignment
    from shieldlab.wta.highs import new_highs
    from shieldlab.wta.local_search import local_search
    from shieldlab.wta.single_copy import solve_single_copy

    values = np.array([1.0, 2.0, 3.0])
    prob = np.array([[0.5, 0.4, 0.2], [0.3, 0.9, 0.6]])
    many = WTAInstance(target_values=values, kill_probability=prob, weapon_counts=np.array([2, 1]))
    one = WTAInstance(target_values=values, kill_probability=prob, weapon_counts=np.array([1, 1]))
    greedy_assignment(many)
    local_search(many, time_limit_s=60.0, max_kicks=1)
    # the LP, the pricing and enumeration searches and the MILP (polish off, so that
    # the enumeration and MILP steps run)
    solve_single_copy(one, time_limit_s=60.0, polish=False)
    new_highs()
    _warm = True
    return time.perf_counter() - t0

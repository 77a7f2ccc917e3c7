"""HiGHS handles that keep the CLI's stdout clean and stop by a deadline.

Shared by the exact MILPs (:mod:`shieldlab.wta.exact`) and the column MILP over single
weapons (:mod:`shieldlab.wta.single_copy`); kept apart so that neither imports the other.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

import numpy as np

LOG = logging.getLogger(__name__)


def new_highs() -> Any:
    """A silent HiGHS instance.

    HiGHS prints a licence banner on the C-level stdout when its first instance is built,
    before any option can be set; stdout is reserved for the CLI's JSON, so file
    descriptor 1 is pointed at /dev/null for that moment.
    """
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as sink:
            os.dup2(sink.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def highs_time(deadline: float, reserve_s: float = 0.0) -> float:
    """The ``time_limit`` to give HiGHS for a run that must end by ``deadline``.

    HiGHS reads its clock between simplex iterations and nodes, not while it sets up or
    presolves: on 250x500x2 under load 8 an LP given 0.75 s ran 0.97 s, and on a quiet
    machine an outer-approximation MILP of 250x500x3 given 1.0 s ran 1.5-1.7 s (0.33 s of
    it presolve, which never reads the clock). It gets the time left less a fifth of it,
    at most 1 s, less 20 ms, so that its stop latency falls inside the limit; for large
    models the caller's ``reserve_s`` (set-up time estimated from the model's size, up
    to half the time left) when that is more: an outer-approximation round of 250x500x2
    given 12.8 s ran 14.9 s under load 4.
    """
    left = deadline - time.perf_counter()
    return left - max(min(0.2 * left, 1.0), min(reserve_s, 0.5 * left)) - 0.02


def run_verified(h: Any, deadline: float, reserve_s: float = 0.0) -> bool:
    """``h.run()`` until ``deadline`` (``time.perf_counter``), repeated without presolve
    when the solution is not the one reported.

    HiGHS 1.16 can report a MIP optimum yet return the start given by ``setSolution``
    (seen after presolve on a 7-column model: objective 1.49 reported, start of value 2.0
    returned). Such a solution would be taken for the MILP's own, so its objective is
    checked against the reported one and the model solved again without presolve, with
    the time then left. HiGHS gets the time left as its ``time_limit``; nothing runs when
    none is left, and then False is returned (the model's info is then no bound).
    """
    left = highs_time(deadline, reserve_s)
    if left <= 0.0:
        return False
    h.setOptionValue("time_limit", left)
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != 2:  # 2: feasible
        return True
    lp = h.getLp()
    col = np.asarray(h.getSolution().col_value)
    got = float(np.dot(np.asarray(lp.col_cost_), col)) + float(lp.offset_)
    want = float(info.objective_function_value)
    if abs(got - want) <= 1e-9 * max(1.0, abs(want)):
        return True
    LOG.debug("HiGHS returned a solution of value %g for optimum %g: re-solving", got, want)
    left = highs_time(deadline, reserve_s)
    if left <= 0.0:
        return True
    h.setOptionValue("presolve", "off")
    h.setOptionValue("time_limit", left)
    try:
        h.run()
    finally:
        h.setOptionValue("presolve", "choose")
    return True

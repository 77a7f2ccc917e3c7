"""Weapon-target assignment: static solvers (greedy, assignment, local search, exact MILP,
auto) and multi-stage shoot-look-shoot assignment (:mod:`shieldlab.wta.dynamic`).

>>> from shieldlab.wta import WTAInstance, solve
>>> inst = WTAInstance(target_values=[10.0, 4.0], kill_probability=[[0.9, 0.5]],
...                    weapon_counts=[1])
>>> solve(inst, solver="exact").assignment.tolist()
[[1, 0]]
"""

from __future__ import annotations

from shieldlab.wta.base import WTAInstance, WTAResult, WTASolver, check_feasible, objective
from shieldlab.wta.files import load_instance, parse_json_instance, parse_text_instance
from shieldlab.wta.solve import SOLVER_NAMES, make_solver, solve

__all__ = [
    "SOLVER_NAMES",
    "WTAInstance",
    "WTAResult",
    "WTASolver",
    "check_feasible",
    "load_instance",
    "make_solver",
    "objective",
    "parse_json_instance",
    "parse_text_instance",
    "solve",
]

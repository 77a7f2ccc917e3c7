"""The engine: a scenario compiled to plain arrays, the numba replication kernel, and the
plain-Python event loop of the same doctrine (test oracle and path for other assigners).

Public API: :func:`compile_scenario`, :class:`CompiledScenario`, :func:`run_replications`
(compiled), :func:`run_replications_py` / :func:`simulate_replication` (Python),
:func:`layout_of` (outcome columns). See docs/engine.md.
"""

from __future__ import annotations

from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import CompiledScenario, compile_scenario
from shieldlab.engine.oracle import run_replications_py, simulate_replication
from shieldlab.engine.outcomes import OutcomeLayout, layout_of

__all__ = [
    "CompiledScenario",
    "OutcomeLayout",
    "compile_scenario",
    "layout_of",
    "run_replications",
    "run_replications_py",
    "simulate_replication",
]

"""shieldlab: layered air and missile defence, simulated and checked against closed forms."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from shieldlab.montecarlo import Results
    from shieldlab.scenario import Scenario

__version__ = "0.1.0"


def load_scenario(path: str | Path) -> Scenario:
    """Read, resolve and validate a scenario file (see :func:`shieldlab.scenario.load_scenario`)."""
    from shieldlab.scenario import load_scenario as _load

    return _load(path)


def simulate(
    scenario: Scenario,
    *,
    replications: int = 10_000,
    seed: int = 0,
    workers: int = 1,
    precision: float | None = None,
    executor: Executor | None = None,
    breakdown: bool = True,
) -> Results:
    """Monte Carlo of a scenario: metrics with 95 % intervals (``montecarlo.simulate``)."""
    from shieldlab.montecarlo import simulate as _simulate

    return _simulate(
        scenario,
        replications=replications,
        seed=seed,
        workers=workers,
        precision=precision,
        executor=executor,
        breakdown=breakdown,
    )


__all__ = ["__version__", "load_scenario", "simulate"]

"""Penetration curves from the Monte Carlo engine, run with common random numbers.

:func:`shieldlab.montecarlo.penetration_curve` resizes a scenario's raid and runs every
size with the same seed: each random draw is keyed by (seed, replication, threat, event),
and growing a raid appends threats, so existing threats keep their draws (common random
numbers). The curve is then a paired comparison across raid sizes: smooth, and monotone
up to the engine's doctrine effects, far less noisy than independent runs.

The engine reports, per raid size, the mean number of leakers (with its 95 % interval)
and the probability of no leaker; the curve therefore carries P(at least 1 penetrates)
(k = 1). Raid sizes are threats (warheads), one per "missile".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from shieldlab.stability.penetration import PenetrationCurve

if TYPE_CHECKING:
    from shieldlab.scenario.model import Scenario

__all__ = ["engine_curve", "load_engine_scenario"]


def load_engine_scenario(name_or_path: str) -> Scenario:
    """A scenario file by path, else a built-in by name (the CLI's SCENARIO convention)."""
    from shieldlab.scenario import scenario_by_name_or_path

    return scenario_by_name_or_path(name_or_path)


def engine_curve(
    scenario: Scenario,
    raid_sizes: Sequence[int],
    *,
    replications: int = 2_000,
    seed: int = 0,
    workers: int = 1,
) -> PenetrationCurve:
    """Expected leakers and P(>= 1 leaker) against raid size, from the engine (CRN)."""
    from shieldlab.montecarlo import penetration_curve

    sizes = [int(n) for n in raid_sizes]
    points = penetration_curve(
        scenario, sizes, replications=replications, seed=seed, workers=workers
    )
    mean = np.array([pt.leakers.mean for pt in points], dtype=np.float64)
    half = np.array([pt.leakers.half_width for pt in points], dtype=np.float64)
    p_zero = np.array([pt.p_zero_leakers.mean for pt in points], dtype=np.float64)
    return PenetrationCurve(
        raid_missiles=np.asarray(sizes, dtype=np.int64),
        warheads_per_missile=1,
        decoys_per_missile=0.0,
        interceptors=None,
        k=1,
        expected_penetrating=mean,
        p_at_least_k=1.0 - p_zero,
        source=f"engine ({replications} replications, seed {seed}, common random numbers)",
        expected_ci95_half_width=half,
    )

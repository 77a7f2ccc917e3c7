"""Monte Carlo studies: replications, streaming statistics, executors, sweeps.

Public API: :func:`simulate`, :class:`Results`, :class:`Metric`, :func:`penetration_curve`.
"""

from __future__ import annotations

from shieldlab.montecarlo.results import Metric, Results
from shieldlab.montecarlo.runner import simulate
from shieldlab.montecarlo.studies import PenetrationPoint, penetration_curve, scale_raid

__all__ = [
    "Metric",
    "PenetrationPoint",
    "Results",
    "penetration_curve",
    "scale_raid",
    "simulate",
]

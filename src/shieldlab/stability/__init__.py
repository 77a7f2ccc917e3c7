"""Strategic stability: what a missile defence does to deterrence, arms races and restraint.

* :mod:`~shieldlab.stability.posture` -- two-sided posture files (Blue, Red), validated.
* :mod:`~shieldlab.stability.penetration` -- penetration curves, saturation point.
* :mod:`~shieldlab.stability.deterrence` -- restoring deterrence, decoys, cost exchange.
* :mod:`~shieldlab.stability.first_strike` -- first-strike stability index.
* :mod:`~shieldlab.stability.crisis` -- crisis time: warning, decision and C2 latency set
  launch under attack in the first-strike exchange.
* :mod:`~shieldlab.stability.race` -- Richardson and action-reaction races.
* :mod:`~shieldlab.stability.restraint` -- caps and the map of the stable region.
* :mod:`~shieldlab.stability.plots` -- PNG and offline HTML figures.
* :mod:`~shieldlab.stability.studies` -- one function per ``shieldlab stability`` command,
  returning a result with ``to_dict()``, ``report()`` and ``write_figures()``.

Formulas, sources and modelling choices: ``docs/stability.md``.
"""

from shieldlab.stability.deterrence import (
    CostExchange,
    RestoreResult,
    cost_exchange,
    decoys_needed,
    missiles_needed,
    restore_deterrence,
)
from shieldlab.stability.first_strike import (
    FirstStrikeResult,
    SideForces,
    first_strike_stability,
    posture_stability,
    stability_vs_interceptors,
)
from shieldlab.stability.penetration import (
    CurveCache,
    DefenceModel,
    PenetrationCurve,
    Requirement,
    closed_form_curve,
    penetration,
    saturation_point,
    saturation_raid_closed_form,
)
from shieldlab.stability.posture import Posture, builtin_posture, load_posture
from shieldlab.stability.race import (
    RaceCaches,
    RaceResult,
    action_reaction,
    linear_race,
    richardson,
)
from shieldlab.stability.restraint import Caps, RestraintMap, evaluate_caps, restraint_map

__all__ = [
    "Caps",
    "CostExchange",
    "CurveCache",
    "DefenceModel",
    "FirstStrikeResult",
    "PenetrationCurve",
    "Posture",
    "RaceCaches",
    "RaceResult",
    "Requirement",
    "RestoreResult",
    "RestraintMap",
    "SideForces",
    "action_reaction",
    "builtin_posture",
    "closed_form_curve",
    "cost_exchange",
    "decoys_needed",
    "evaluate_caps",
    "first_strike_stability",
    "linear_race",
    "load_posture",
    "missiles_needed",
    "penetration",
    "posture_stability",
    "restore_deterrence",
    "restraint_map",
    "richardson",
    "saturation_point",
    "saturation_raid_closed_form",
    "stability_vs_interceptors",
]

"""Builders for the stability tests: small postures written as plain dicts.

A module of its own (not ``conftest``): several test folders have a ``conftest.py``, and
``from conftest import`` would find whichever was imported first."""

from __future__ import annotations

import copy
from typing import Any

from shieldlab.stability.posture import Posture


def side_dict(**over: Any) -> dict[str, Any]:
    """One side with round numbers; ``over`` replaces blocks or ``block__field`` values."""
    d: dict[str, Any] = {
        "offence": {
            "launchers": 100,
            "warheads_per_launcher": 1,
            "survivable_fraction": 0.3,
            "counterforce_pk": 0.7,
        },
        "defence": {
            "interceptors": 60,
            "shots_per_threat": 2,
            "sspk": 0.7,
            "p_detect": 0.9,
            "discrimination": 0.8,
            "forces_fraction": 0.3,
        },
        "costs": {"missile": 10.0, "decoy": 1.0, "interceptor": 3.0, "source": "test"},
        "deterrence": {"warheads": 20, "probability": 0.9},
        "valuation": {"damage_scale_warheads": 50.0, "alpha": 0.5},
        "race": {"defence_fraction": 0.5, "max_launchers": 1000, "max_interceptors": 2000},
    }
    for key, value in over.items():
        if "__" in key:
            block, field = key.split("__")
            d[block][field] = value
        else:
            d[key] = value
    return d


def posture_dict(blue: dict[str, Any] | None = None, red: dict[str, Any] | None = None) -> dict:
    """A whole posture; Red defaults to a copy of Blue (a symmetric posture)."""
    b = side_dict() if blue is None else blue
    return {
        "schema_version": 1,
        "name": "test",
        "blue": b,
        "red": copy.deepcopy(b) if red is None else red,
        "race": {"periods": 60},
    }


def make_posture(blue: dict[str, Any] | None = None, red: dict[str, Any] | None = None) -> Posture:
    return Posture.model_validate(posture_dict(blue, red))

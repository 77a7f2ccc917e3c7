"""Closed-form models of detection, trajectories and engagement, with validity enforced.

The formulas live as vectorised kernels in :mod:`shieldlab.core` (``radar``, ``jamming``,
``ballistic``, ``reentry``, ``glide``, ``engagement``, ``richardson``); this package
checks inputs (probabilities, counts, each empirical formula's stated validity range) and
raises
:class:`~shieldlab.errors.InputError` naming the parameter, so the CLI can name the option.
"""

from __future__ import annotations

from shieldlab.analytic.arms_race import RichardsonResult, richardson
from shieldlab.analytic.defence import (
    LayeredLeakage,
    Leakage,
    interceptors_needed,
    layers,
    leakage,
    shoot_look_shoot,
)
from shieldlab.analytic.detection import (
    albersheim_snr_db,
    detection_range_m,
    pd_from_snr,
    peak_power_w,
    radar_horizon_m,
    required_snr_db,
    shnidman_snr_db,
    snr_db,
    target_height_m,
)
from shieldlab.analytic.jamming import jam_to_noise_db, self_screening_burn_through_m
from shieldlab.analytic.reentry import (
    Glide,
    ReEntry,
    allen_eggers,
    discrimination_altitude_m,
    equilibrium_glide,
)
from shieldlab.analytic.trajectory import ballistic_arc

__all__ = [
    "Glide",
    "LayeredLeakage",
    "Leakage",
    "ReEntry",
    "RichardsonResult",
    "albersheim_snr_db",
    "allen_eggers",
    "ballistic_arc",
    "detection_range_m",
    "discrimination_altitude_m",
    "equilibrium_glide",
    "interceptors_needed",
    "jam_to_noise_db",
    "layers",
    "leakage",
    "pd_from_snr",
    "peak_power_w",
    "radar_horizon_m",
    "required_snr_db",
    "richardson",
    "self_screening_burn_through_m",
    "shnidman_snr_db",
    "shoot_look_shoot",
    "snr_db",
    "target_height_m",
]

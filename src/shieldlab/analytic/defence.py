"""Engagement arithmetic with checked inputs: kill, leakers, inventory, layers.

Checked wrappers over :mod:`shieldlab.core.engagement` (Wilkening 1999; formulas in the
kernel docstrings and ``docs/analytic.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from shieldlab.analytic import _validate as v
from shieldlab.core import engagement as eg
from shieldlab.core.engagement import FloatArray
from shieldlab.errors import InputError


@dataclass(frozen=True, kw_only=True)
class Leakage:
    """Raid outcome in closed form; ``threats_engaged`` is all threats without an inventory."""

    p_kill_per_threat: FloatArray
    expected_leakers: FloatArray
    p_zero_leakers: FloatArray
    threats_engaged: FloatArray


def leakage(
    n_threats: ArrayLike,
    shots_per_threat: ArrayLike,
    sspk: ArrayLike,
    *,
    p_detect: ArrayLike = 1.0,
    interceptors: ArrayLike | None = None,
) -> Leakage:
    """Per-threat kill Pd(1-(1-SSPK)^n), expected leakers and P(no leaker).

    With a finite inventory I only floor(I/n) threats are engaged and the rest leak
    (:func:`shieldlab.core.engagement.leakage_with_inventory`).
    """
    n = v.count("n_threats", n_threats)
    shots = v.count("shots_per_threat", shots_per_threat)
    s = v.probability("sspk", sspk)
    pd = v.probability("p_detect", p_detect)
    if interceptors is None:
        pk = eg.p_kill_per_threat(s, shots, pd)
        return Leakage(
            p_kill_per_threat=pk,
            expected_leakers=eg.expected_leakers(n, pk),
            p_zero_leakers=eg.p_zero_leakers(n, pk),
            threats_engaged=np.asarray(n, dtype=np.float64),
        )
    res = eg.leakage_with_inventory(n, shots, s, v.count("interceptors", interceptors), pd)
    return Leakage(
        p_kill_per_threat=res.p_kill_per_threat,
        expected_leakers=res.expected_leakers,
        p_zero_leakers=res.p_zero_leakers,
        threats_engaged=res.threats_engaged,
    )


def interceptors_needed(
    n_threats: ArrayLike,
    sspk: ArrayLike,
    p_zero_leakers: ArrayLike,
    *,
    p_detect: ArrayLike = 1.0,
) -> eg.InterceptorRequirement:
    """Whole shots per threat and interceptors for P(no leaker) >= the requirement.

    Raises InputError naming ``p_zero_leakers`` when no number of shots reaches it
    (the requirement exceeds p_detect^N, or SSPK is 0).
    """
    n = v.count("n_threats", n_threats, minimum=1)
    s = v.probability("sspk", sspk)
    p = v.probability("p_zero_leakers", p_zero_leakers)
    pd = v.probability("p_detect", p_detect)
    req = eg.interceptors_needed(n, s, p, pd)
    bad = ~np.isfinite(req.shots_per_threat)
    if np.any(bad):
        nb, sb, pb, pdb = (np.broadcast_to(x, bad.shape)[bad].flat[0] for x in (n, s, p, pd))
        raise InputError(
            f"{pb:g} is unattainable: with SSPK {sb:g} and detection probability {pdb:g} the best "
            f"possible P(no leaker) for {nb:g} threats is {(pdb if sb > 0 else 0.0) ** nb:.6g}",
            field="p_zero_leakers",
        )
    return req


def shoot_look_shoot(sspk: ArrayLike, stages: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Kill probability and expected shots of k shoot-look-shoot stages."""
    return eg.shoot_look_shoot(v.probability("sspk", sspk), v.count("stages", stages, minimum=1))


@dataclass(frozen=True, kw_only=True)
class LayeredLeakage:
    """Independent layers: per-threat leak probability, expected leakers, P(no leaker)."""

    p_leak_per_threat: FloatArray
    expected_leakers: FloatArray
    p_zero_leakers: FloatArray


def layers(layer_pks: ArrayLike, n_threats: ArrayLike) -> LayeredLeakage:
    """Leakage through independent layers: p_leak = prod(1 - Pk_i); N p_leak; (1-p_leak)^N."""
    pks = v.probability("layer_pks", layer_pks)
    if pks.ndim == 0 or pks.shape[-1] == 0:
        raise InputError("give at least one layer's kill probability", field="layer_pks")
    n = v.count("n_threats", n_threats)
    p_leak = eg.layered_leak(pks)
    return LayeredLeakage(
        p_leak_per_threat=p_leak,
        expected_leakers=eg.expected_leakers(n, 1.0 - p_leak),
        p_zero_leakers=eg.p_zero_leakers(n, 1.0 - p_leak),
    )

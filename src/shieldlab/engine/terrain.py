"""Notional terrain masking of low fliers in the detection tables (issue 17 item 5).

A wave's ``terrain_masking`` (``scenario.model.TerrainMasking``) cuts the ground under its
approach into rings of length L by ground distance d to each threat's aimpoint; the near
fraction f of every ring hides a threat flying below ``below_altitude_m`` from every
radar: masked when (d mod L) < f L. :mod:`shieldlab.engine.compiled` multiplies the
line-of-sight mask by it, so a masked scan has Pd = 0 and the kernel and the oracle read
the same table. Over an approach long against L the masked share of the low-altitude
scans tends to f; the masked stretches are contiguous (a terrain feature hides the threat
for L f / v seconds), which is what M-of-N track formation feels.

The 4/3-Earth horizon (``core.sensing.visible``) still applies on top: terrain only
removes further scans.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from shieldlab.scenario.model import Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B8 = npt.NDArray[np.bool_]

__all__ = ["masked_by_cells", "terrain_masked"]


def masked_by_cells(
    distance_m: npt.ArrayLike,
    alt_m: npt.ArrayLike,
    *,
    fraction: float,
    cell_m: float,
    below_m: float,
) -> B8:
    """(d mod L) < f L for points below ``below_m``: hidden by the notional terrain."""
    d = np.asarray(distance_m, dtype=np.float64)
    low = np.asarray(alt_m, dtype=np.float64) < below_m
    return np.asarray(low & (np.mod(d, cell_m) < fraction * cell_m))


def terrain_masked(
    sc: Scenario,
    *,
    off: I64,
    pos: F64,
    alt: F64,
    threat_wave: I64,
    aim_pos: F64,
) -> B8 | None:
    """Scan samples hidden by their wave's terrain, or ``None`` when no wave has terrain.

    Samples as in ``engine.compiled._scan_samples`` (threat i at rows ``off[i] :
    off[i + 1]``); ``threat_wave[i]`` is threat i's wave index and ``aim_pos[i]`` its
    aimpoint's local position (m). Distance to the aimpoint is the straight line (the
    chord: within 0.01 % of the ground arc at 300 km, and the cells are notional).
    """
    waves = sc.raid.waves
    if all(w.terrain_masking is None for w in waves):
        return None
    counts = np.diff(off)
    owner = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
    out = np.zeros(pos.shape[0], dtype=np.bool_)
    for w, wave in enumerate(waves):
        tm = wave.terrain_masking
        if tm is None or tm.fraction <= 0.0:
            continue
        rows = np.flatnonzero(threat_wave[owner] == w)
        if rows.size == 0:
            continue
        d = np.linalg.norm(pos[rows] - aim_pos[owner[rows]], axis=-1)
        out[rows] = masked_by_cells(
            d, alt[rows], fraction=tm.fraction, cell_m=tm.cell_length_m, below_m=tm.below_altitude_m
        )
    return out

"""Radar detection kernels: reference-range SNR, Pd tables, horizon and elevation masks.

Reference-range form of the radar equation (Skolnik, *Introduction to Radar Systems*,
3rd ed., eq. 2.1 rearranged): with every radar term fixed, SNR ∝ σ / R⁴, so

    SNR_dB(R, σ) = SNR_ref_dB + 10 log10(σ / σ_ref) + 40 log10(R_ref / R).

Single-scan detection probability Pd(SNR) comes from ``core.radar.pd_from_snr`` (Swerling
0: Marcum Q; Swerling 1: Pfa^(1/(1+SNR))), tabulated once on a uniform dB grid and linearly
interpolated (``pd_interp``, compiled, usable inside numba kernels).

Line of sight: the 4/3-Earth radar horizon (``core.radar.radar_horizon_m``,
d = sqrt(2 k R h_r) + sqrt(2 k R h_t)), a minimum elevation angle (the apparent
elevation on the same 4/3 Earth, ``apparent_elevation_rad``) and the instrumented range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from shieldlab.core.jamming import jammed_snr_db
from shieldlab.core.radar import EARTH_RADIUS_M, pd_from_snr, radar_horizon_m

FloatArray = npt.NDArray[np.float64]

PD_TABLE_MIN_DB = -20.0
PD_TABLE_MAX_DB = 40.0
PD_TABLE_STEP_DB = 0.05


@dataclass(frozen=True, kw_only=True)
class PdTable:
    """Pd on a uniform SNR grid: ``pd[k]`` at ``snr0_db + k * step_db``."""

    snr0_db: float
    step_db: float
    pd: FloatArray


def pd_table(
    *, pfa: float, swerling: int, n_pulses: int = 1, step_db: float = PD_TABLE_STEP_DB
) -> PdTable:
    """Tabulate ``core.radar.pd_from_snr`` from -20 to +40 dB (Pd is flat outside)."""
    grid = np.arange(PD_TABLE_MIN_DB, PD_TABLE_MAX_DB + step_db / 2.0, step_db)
    pd = np.asarray(pd_from_snr(grid, pfa, n_pulses=n_pulses, swerling=swerling), dtype=float)
    return PdTable(snr0_db=PD_TABLE_MIN_DB, step_db=step_db, pd=np.clip(pd, 0.0, 1.0))


@njit(cache=True)
def pd_interp(snr0_db: float, step_db: float, table: FloatArray, snr_db: float) -> float:
    """Linear interpolation in a uniform Pd table; clamps to its end values."""
    x = (snr_db - snr0_db) / step_db
    if x <= 0.0:
        return float(table[0])
    n = table.shape[0]
    if x >= n - 1:
        return float(table[n - 1])
    k = int(x)
    f = x - k
    return float(table[k] * (1.0 - f) + table[k + 1] * f)


@njit(cache=True)
def pd_interp_array(
    snr0_db: float, step_db: float, table: FloatArray, snr_db: FloatArray
) -> FloatArray:
    """``pd_interp`` over an array of SNR values."""
    out = np.empty(snr_db.shape[0])
    for k in range(snr_db.shape[0]):
        out[k] = pd_interp(snr0_db, step_db, table, snr_db[k])
    return out


def snr_db_at(
    *,
    range_m: npt.ArrayLike,
    rcs_m2: npt.ArrayLike,
    ref_snr_db: float,
    ref_range_m: float,
    ref_rcs_m2: float,
) -> FloatArray:
    """SNR (dB) at a range and RCS from the radar's SNR at a reference range and RCS."""
    r = np.maximum(np.asarray(range_m, dtype=np.float64), 1.0)
    return np.asarray(
        ref_snr_db
        + 10.0 * np.log10(np.asarray(rcs_m2, dtype=np.float64) / ref_rcs_m2)
        + 40.0 * np.log10(ref_range_m / r),
        dtype=np.float64,
    )


def elevation_rad(rel_m: npt.ArrayLike, up: npt.ArrayLike) -> FloatArray:
    """Elevation angle of a line of sight ``rel_m`` (..., 3) above the plane normal to ``up``."""
    rel = np.asarray(rel_m, dtype=np.float64)
    rng = np.maximum(np.linalg.norm(rel, axis=-1), 1e-9)
    return np.asarray(np.arcsin(np.clip((rel @ np.asarray(up)) / rng, -1.0, 1.0)))


def apparent_elevation_rad(
    *,
    range_m: npt.ArrayLike,
    radar_height_m: float,
    target_alt_m: npt.ArrayLike,
    k_factor: float = 4.0 / 3.0,
) -> FloatArray:
    """Elevation of a target seen through standard refraction (effective-Earth model).

    On an Earth of effective radius R_e = k R (the same model as the 4/3-Earth horizon),
    the law of cosines gives
    sin(el) = ((R_e + h_t)² - (R_e + h_r)² - d²) / (2 d (R_e + h_r)), d the slant range
    (Skolnik, *Introduction to Radar Systems*, 3rd ed. 2001, ch. 8; Blake 1986).
    """
    re = k_factor * EARTH_RADIUS_M
    d = np.maximum(np.asarray(range_m, dtype=np.float64), 1e-9)
    rt = re + np.asarray(target_alt_m, dtype=np.float64)
    rr = re + radar_height_m
    return np.asarray(np.arcsin(np.clip((rt * rt - rr * rr - d * d) / (2.0 * d * rr), -1.0, 1.0)))


def visible(
    *,
    range_m: npt.ArrayLike,
    elevation_rad: npt.ArrayLike,
    radar_height_m: float,
    target_alt_m: npt.ArrayLike,
    instrumented_range_m: float,
    min_elevation_rad: float,
    k_factor: float = 4.0 / 3.0,
) -> npt.NDArray[np.bool_]:
    """Target above the 4/3-Earth horizon, above minimum elevation and inside instrumented range."""
    rng = np.asarray(range_m, dtype=np.float64)
    horizon = np.asarray(
        radar_horizon_m(radar_height_m, np.maximum(np.asarray(target_alt_m), 0.0), k_factor)
    )
    return np.asarray(
        (rng <= horizon)
        & (np.asarray(elevation_rad) >= min_elevation_rad)
        & (rng <= instrumented_range_m)
    )


def detection_probability(
    *,
    table: PdTable,
    range_m: npt.ArrayLike,
    rcs_m2: npt.ArrayLike,
    ref_snr_db: float,
    ref_range_m: float,
    ref_rcs_m2: float,
    mask: npt.ArrayLike,
    jnr_db: npt.ArrayLike | None = None,
) -> FloatArray:
    """Single-scan Pd from the table at the given geometry, zero where ``mask`` is False.

    With ``jnr_db`` (the jammer-to-noise ratio at each point) Pd is read at the jammed
    SNR, SNR - 10 log10(1 + JNR) (``core.jamming.jammed_snr_db``), never above the
    unjammed one.
    """
    snr = snr_db_at(
        range_m=range_m,
        rcs_m2=rcs_m2,
        ref_snr_db=ref_snr_db,
        ref_range_m=ref_range_m,
        ref_rcs_m2=ref_rcs_m2,
    )
    if jnr_db is not None:
        snr = jammed_snr_db(snr, jnr_db)
    flat = np.ascontiguousarray(snr.ravel())
    pd = pd_interp_array(table.snr0_db, table.step_db, table.pd, flat).reshape(snr.shape)
    return np.asarray(np.where(np.asarray(mask), pd, 0.0), dtype=np.float64)

"""Noise jamming in the detection tables: each radar's jammer-to-noise ratio at each scan.

For every scan sample (one threat, one scan of one radar) the scenario's jammers add their
noise densities at the radar's receiver (``core.jamming.jam_to_noise_db``, summed
linearly); :mod:`shieldlab.engine.compiled` then reads Pd at the jammed SNR
SNR / (1 + JNR) (``core.sensing.detection_probability``). The kernel and the oracle read
the resulting Pd table and so see the jamming identically; detection and M-of-N track
formation respond through it, and no random draw changes.

Per jammer and sample:

- range Rj from the radar to the jammer: a stand-off jammer's fixed position, or the
  carrier's position at that scan for a self-screening jammer (on its own carrier Rj is
  the target's range, so J/S grows as R^2 and burn-through follows the radar equation:
  ``core.jamming.self_screening_burn_through_m``);
- antenna gain towards it (``core.jamming.antenna_gain_db``): main lobe when the
  jammer is within half a beamwidth of the target's direction, sidelobe level otherwise;
- heard only above the 4/3-Earth radar horizon of jammer and radar, while active
  (stand-off: ``start_s`` to ``end_s``; self-screening: while its carrier flies), and only
  by radars whose frequency lies inside its band (``Jammer.covers``).

Richards, *Fundamentals of Radar Signal Processing*, 2nd ed. (2014), ch. 2; Skolnik,
*Introduction to Radar Systems*, 3rd ed. (2001), sec. 10; Adamy, *EW 101* (2001), ch. 9.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from shieldlab.core.jamming import antenna_gain_db, jam_to_noise_db
from shieldlab.core.kinematics import LocalFrame
from shieldlab.core.radar import radar_horizon_m
from shieldlab.scenario.model import Jammer, Radar, RadarReceiver, Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

__all__ = ["scan_jnr_db"]


def _jnr_lin(
    rx: RadarReceiver,
    jam: Jammer,
    los_t: F64,
    rel_j: F64,
    heard: npt.NDArray[np.bool_],
) -> F64:
    """Linear JNR of one jammer at relative positions ``rel_j`` (n, 3) from the radar, the
    targets seen along unit vectors ``los_t`` (n, 3); zero where not ``heard``."""
    rj = np.maximum(np.linalg.norm(rel_j, axis=-1), 1.0)
    cos_off = np.einsum("ij,ij->i", los_t, rel_j) / rj
    gain = antenna_gain_db(
        np.arccos(np.clip(cos_off, -1.0, 1.0)),
        gain_db=rx.gain_db,
        sidelobe_db=rx.sidelobe_db,
        beamwidth_rad=math.radians(rx.beamwidth_deg),
    )
    jnr_db = jam_to_noise_db(
        freq_hz=rx.freq_hz,
        jammer_erp_w=jam.erp_w,
        jammer_bandwidth_hz=jam.bandwidth_hz,
        jammer_range_m=rj,
        gain_toward_jammer_db=gain,
        jammer_loss_db=jam.loss_db,
        noise_temp_k=rx.noise_temp_k,
    )
    return np.where(heard, 10.0 ** (jnr_db / 10.0), 0.0)


def scan_jnr_db(
    sc: Scenario,
    frame: LocalFrame,
    radar: Radar,
    radar_pos: F64,
    radar_height_m: float,
    *,
    period_s: float,
    s_first: I64,
    off: I64,
    pos: F64,
    alt: F64,
    threat_type: I64,
) -> F64 | None:
    """Total JNR (dB) at each scan sample of one radar, or ``None`` when no jammer reaches it.

    Samples are those of ``engine.compiled._scan_samples``: threat i's scans
    ``s_first[i] ..`` at rows ``off[i] : off[i + 1]`` of ``pos`` (local, m) and ``alt``;
    ``threat_type[i]`` is threat i's type index.
    """
    rx = radar.receiver
    jammers = [j for j in sc.jammers if rx is not None and j.covers(rx.freq_hz)]
    if rx is None or not jammers:
        return None
    n_t = s_first.shape[0]
    counts = np.diff(off)
    owner = np.repeat(np.arange(n_t, dtype=np.int64), counts)
    scan = s_first[owner] + (np.arange(pos.shape[0], dtype=np.int64) - off[owner])
    t_scan = scan * period_s
    rel_t = pos - radar_pos
    los_t = rel_t / np.maximum(np.linalg.norm(rel_t, axis=-1), 1e-9)[:, None]
    total = np.zeros(pos.shape[0])
    for jam in jammers:
        if jam.kind == "stand_off":
            p = jam.position
            assert p is not None  # Jammer validates it
            j_pos = frame.to_local(math.radians(p.lat_deg), math.radians(p.lon_deg), p.alt_m)
            rel = np.broadcast_to(np.asarray(j_pos, dtype=np.float64) - radar_pos, pos.shape)
            on = t_scan >= jam.start_s
            if jam.end_s is not None:
                on &= t_scan <= jam.end_s
            in_sight = float(np.linalg.norm(rel[0])) <= float(
                radar_horizon_m(radar_height_m, max(p.alt_m, 0.0))
            )
            total += _jnr_lin(rx, jam, los_t, np.ascontiguousarray(rel), on & in_sight)
            continue
        k_type = sc.threat_type_index(str(jam.carried_by))
        for c in np.flatnonzero(threat_type == k_type):
            k = scan - s_first[c]
            ok = (k >= 0) & (k < counts[c])
            if not ok.any():
                continue
            idx = off[c] + k[ok]
            rel = pos[idx] - radar_pos
            horizon = radar_horizon_m(radar_height_m, np.maximum(alt[idx], 0.0))
            heard = np.linalg.norm(rel, axis=-1) <= horizon
            total[ok] += _jnr_lin(rx, jam, los_t[ok], rel, heard)
    with np.errstate(divide="ignore"):
        return np.asarray(10.0 * np.log10(total), dtype=np.float64)

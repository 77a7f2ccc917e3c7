"""Measured fidelity: fire control acts on tracks that a tracker builds from radar plots.

The ``ideal`` fidelity forms a track on (radar r, threat i) after M detections in N scans,
drawn with the single-scan Pd tables of :mod:`shieldlab.engine.compiled`. The ``measured``
fidelity replaces that rule with the real thing: per replication and radar,

1. plots per scan (:func:`shieldlab.sensors.measurement.simulate_scan`): the threats the
   radar sees, each detected with the same Pd and the **same keyed uniform draw**
   (``core.rng``, kind ``KIND_DETECT``) as the ideal path -- so both fidelities see the same
   detections (common random numbers) -- with range/azimuth/elevation errors and Poisson
   false alarms over the coverage;
2. a multi-target tracker (:class:`shieldlab.tracking.Tracker`: EKF with a constant-velocity
   model, Mahalanobis gate, GNN, the doctrine's M-of-N confirmation, the radar's track
   capacity) run over the radar's scans;
3. the first scan at which a *confirmed* track was last updated by a plot of threat i
   (plots carry their origin as a label the tracker keeps but never uses to associate)
   becomes the formation time of (r, i) -- a track living on clutter or on a neighbour's
   plots does not count; the kernel then runs unchanged from there
   (engagement can only start on a confirmed track).

Everything that does not depend on random draws (truth positions and Pd per scan) is
computed once per compiled scenario; per replication only plots and tracks are made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from shieldlab.core.kinematics import LocalFrame
from shieldlab.core.rng import KIND_DETECT, uniform_np
from shieldlab.engine.compiled import CompiledScenario
from shieldlab.scenario.model import Scenario
from shieldlab.sensors.measurement import RadarMeasurementSpec, simulate_scan
from shieldlab.tracking import (
    GNN,
    ConstantVelocity,
    KalmanFilter,
    MahalanobisGater,
    MissedUpdatesDeleter,
    MOfNInitiator,
    RangeAzEl,
    Scan,
    Tracker,
    UnscentedKalmanFilter,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, kw_only=True)
class MeasuredSettings:
    """Radar errors and tracker settings of the measured fidelity (not in the scenario)."""

    sigma_range_m: float = 50.0
    sigma_azimuth_rad: float = math.radians(0.2)
    sigma_elevation_rad: float = math.radians(0.2)
    clutter_per_scan: float = 2.0
    process_noise_m2_s3: float = 500.0
    gate_distance: float = 4.0
    speed_sigma_mps: float = 2500.0
    delete_after_misses: int = 3
    unscented: bool = False


@dataclass(frozen=True, kw_only=True)
class _RadarTruth:
    spec: RadarMeasurementSpec
    model: RangeAzEl
    first_scan: int
    times_s: F64  # (S,)
    pos_m: F64  # (S, T, 3)
    pd: F64  # (S, T), 0 where not visible
    capacity: int


def _truth_tables(cs: CompiledScenario, sc: Scenario, st: MeasuredSettings) -> list[_RadarTruth]:
    frame = LocalFrame(
        lat0_rad=math.radians(sc.origin.lat_deg),
        lon0_rad=math.radians(sc.origin.lon_deg),
        alt0_m=sc.origin.alt_m,
    )
    tr = cs.trajectories
    t_all = np.asarray(tr["t_s"], dtype=np.float64)
    p_all = np.asarray(tr["pos_m"], dtype=np.float64)
    off = np.asarray(tr["off"], dtype=np.int64)
    cnt = np.asarray(tr["n"], dtype=np.int64)
    n_t = cs.n_threats
    out = []
    r = 0
    for bat in sc.batteries:
        for radar in bat.radars:
            pos = radar.position if radar.position is not None else bat.position
            rlat, rlon = math.radians(pos.lat_deg), math.radians(pos.lon_deg)
            r_pos = frame.to_local(rlat, rlon, pos.alt_m + radar.antenna_height_m)
            rot = LocalFrame(lat0_rad=rlat, lon0_rad=rlon).rotation @ frame.rotation.T
            period = float(cs.radar_scan_s[r])
            s0 = cs.det_s0[r]
            nn = cs.det_n[r]
            has = nn > 0
            if not has.any():
                first, last = 0, -1
            else:
                first = int(s0[has].min())
                last = int((s0[has] + nn[has]).max()) - 1
            scans = np.arange(first, last + 1)
            times = np.asarray(scans * period, dtype=np.float64)
            pos_tab = np.zeros((scans.size, n_t, 3))
            pd_tab = np.zeros((scans.size, n_t))
            for i in range(n_t):
                if nn[i] == 0:
                    continue
                sl = slice(int(off[i]), int(off[i] + cnt[i]))
                ti = t_all[sl]
                for c in range(3):
                    pos_tab[:, i, c] = np.interp(times, ti, p_all[sl, c])
                k = scans - int(s0[i])
                ok = (k >= 0) & (k < nn[i])
                pd_tab[ok, i] = cs.det_pd[int(cs.det_off[r, i]) + k[ok]]
            spec = RadarMeasurementSpec.from_radar(
                radar,
                position_enu_m=(float(r_pos[0]), float(r_pos[1]), float(r_pos[2])),
                frame_rotation=rot,
                sensor_id=r,
                sigma_range_m=st.sigma_range_m,
                sigma_azimuth_rad=st.sigma_azimuth_rad,
                sigma_elevation_rad=st.sigma_elevation_rad,
                clutter_per_scan=st.clutter_per_scan,
            )
            model = RangeAzEl(
                sensor_enu_m=np.asarray(r_pos, dtype=float),
                rotation=rot,
                max_range_m=radar.instrumented_range_m,
            )
            out.append(
                _RadarTruth(
                    spec=spec,
                    model=model,
                    first_scan=first,
                    times_s=times,
                    pos_m=pos_tab,
                    pd=pd_tab,
                    capacity=int(cs.radar_capacity[r]),
                )
            )
            r += 1
    return out


def _tracker(cs: CompiledScenario, st: MeasuredSettings, capacity: int) -> Tracker:
    return Tracker(
        filter=(UnscentedKalmanFilter if st.unscented else KalmanFilter)(
            motion=ConstantVelocity(q=st.process_noise_m2_s3)
        ),
        gater=MahalanobisGater(max_distance=st.gate_distance),
        associator=GNN(),
        initiator=MOfNInitiator(
            m=int(cs.track_m), n=int(cs.track_n), velocity_sigma_mps=st.speed_sigma_mps
        ),
        deleter=MissedUpdatesDeleter(max_misses=st.delete_after_misses),
        max_tracks=capacity,
    )


@dataclass(frozen=True, kw_only=True)
class MeasuredTables:
    """What the measured fidelity needs beyond the compiled scenario (no random draws):
    per radar its measurement model, truth positions and Pd at every scan."""

    settings: MeasuredSettings
    radars: tuple[_RadarTruth, ...]


def prepare(
    cs: CompiledScenario, scenario: Scenario, settings: MeasuredSettings | None = None
) -> MeasuredTables:
    """Tables for :func:`formation_scans`, computed once per compiled scenario."""
    st = settings or MeasuredSettings()
    return MeasuredTables(settings=st, radars=tuple(_truth_tables(cs, scenario, st)))


def formation_scans(
    cs: CompiledScenario, tables: MeasuredTables, *, seed: int, replication: int
) -> I64:
    """Scan index at which each (radar r, threat i) first has a confirmed track, flattened
    as r * T + i; -1 where no confirmed track ever holds the threat.

    Depends only on (scenario, seed, replication).
    """
    st = tables.settings
    n_t = cs.n_threats
    out = np.full(len(tables.radars) * n_t, -1, dtype=np.int64)
    for r, rt in enumerate(tables.radars):
        if rt.times_s.size == 0:
            continue
        tracker = _tracker(cs, st, rt.capacity)
        scans_idx = rt.first_scan + np.arange(rt.times_s.size)
        # The ideal path's detection draws for (threat, scan): same key, kind and index.
        u = uniform_np(
            seed,
            replication,
            cs.threat_rng_id[None, :],
            KIND_DETECT,
            (r << 32) | scans_idx[:, None],
        )
        table = tracker.empty()
        # Threats this radar ever sees, and those without a confirmed track yet.
        pending = np.flatnonzero((rt.pd > 0.0).any(axis=0))
        for s in range(rt.times_s.size):
            if pending.size == 0:
                break  # every threat has its track: nothing left to decide here
            vis = np.flatnonzero(rt.pd[s] > 0.0)
            rng = np.random.Generator(
                np.random.Philox(np.random.SeedSequence([seed, replication, r, int(scans_idx[s])]))
            )
            plots = simulate_scan(
                rt.spec,
                rt.pos_m[s, vis],
                1.0,
                rng,
                time_s=float(rt.times_s[s]),
                p_detect=rt.pd[s, vis],
                detect_uniforms=u[s, vis],
            )
            labels = np.full(plots.target_index.size, -1, dtype=np.int64)
            real = plots.target_index >= 0
            labels[real] = vis[plots.target_index[real]]
            table = tracker.step(
                table,
                Scan(
                    time_s=float(rt.times_s[s]),
                    z=plots.z,
                    r=rt.spec.measurement_covariance(),
                    model=rt.model,
                    labels=labels,
                ),
            )
            # Threat i has a track when a confirmed track was last updated by a plot of i
            # (a track living on clutter, or on a neighbour's plots, does not count for i).
            got = np.intersect1d(pending, table.label[table.confirmed])
            if got.size:
                out[r * n_t + got] = int(scans_idx[s])
                pending = np.setdiff1d(pending, got)
    return out


def replication_scenario(
    cs: CompiledScenario, tables: MeasuredTables, *, seed: int, replication: int
) -> CompiledScenario:
    """The compiled scenario of one measured replication.

    Its detection table is rewritten so that the engine's own M-of-N rule forms the track
    on (r, i) exactly at the tracker's confirmation scan: Pd = 1 on the M scans ending
    there, 0 elsewhere (never formed: 0 throughout). The kernel and the oracle then run
    unchanged -- and stay identical to each other.
    """
    form = formation_scans(cs, tables, seed=seed, replication=replication)
    pd = np.zeros_like(cs.det_pd)
    n_t, m = cs.n_threats, int(cs.track_m)
    for r in range(len(tables.radars)):
        for i in range(n_t):
            f = int(form[r * n_t + i])
            if f < 0:
                continue
            s0, n, off = int(cs.det_s0[r, i]), int(cs.det_n[r, i]), int(cs.det_off[r, i])
            # The M hits end at the confirmation scan (or, if the tracker confirmed a track
            # on this threat before M scans of it, at the M-th visible scan).
            end = min(max(f, s0 + m - 1), s0 + n - 1)
            start = max(end - m + 1, s0)
            pd[off + (start - s0) : off + (end - s0) + 1] = 1.0
    return replace(cs, det_pd=pd)


def run_measured(
    cs: CompiledScenario,
    tables: MeasuredTables,
    *,
    seed: int,
    first: int,
    count: int,
    run: Callable[[CompiledScenario, int, int], F64],
) -> F64:
    """Outcome rows of replications ``first .. first + count - 1`` in measured fidelity;
    ``run(cs_k, first, count)`` is the engine path (kernel or oracle) for one replication."""
    rows = [
        run(replication_scenario(cs, tables, seed=seed, replication=rep), rep, 1)
        for rep in range(first, first + count)
    ]
    return np.concatenate(rows, axis=0) if rows else np.zeros((0, 0))

"""Measured fidelity: fire control acts on tracks that a tracker builds from radar plots.

The ``ideal`` fidelity forms a track on (radar r, threat i) after M detections in N scans,
drawn with the single-scan Pd tables of :mod:`shieldlab.engine.compiled`. The ``measured``
fidelity replaces that rule with the real thing: per replication and radar,

1. plots per scan (:func:`shieldlab.sensors.measurement.simulate_scan`): the threats the
   radar sees, each detected with the same Pd and the **same keyed uniform draw**
   (``core.rng``, kind ``KIND_DETECT``) as the ideal path -- so both fidelities see the same
   detections (common random numbers) -- with the radar's own range/azimuth/elevation
   errors and Poisson false alarms over the coverage (scenario or card fields
   ``sigma_range_m``, ``sigma_azimuth_deg``, ``sigma_elevation_deg``,
   ``clutter_per_scan``; :func:`radar_errors`);
2. a multi-target tracker (:class:`shieldlab.tracking.Tracker`: EKF with a constant-velocity
   model, Mahalanobis gate, GNN, the doctrine's M-of-N confirmation, the radar's track
   capacity) run over the radar's scans;
3. the first scan at which a *confirmed* track was last updated by a plot of threat i
   (plots carry their origin as a label the tracker keeps but never uses to associate)
   becomes the formation time of (r, i) -- a track living on clutter or on a neighbour's
   plots does not count; the kernel then runs unchanged from there
   (engagement can only start on a confirmed track);
4. when an interceptor type sets ``lethal_radius_m`` and ``guidance_miss_sigma_m`` (card
   or scenario; default off), its kill probability on threat i falls with the position
   error of the track fire control engages on (:func:`aim_sigmas`,
   :func:`shieldlab.core.engagement.sspk_with_track_error`): the replication's ``pk``
   table is rewritten, as the detection table is, and the kernel again runs unchanged.

Everything that does not depend on random draws (truth positions and Pd per scan) is
computed once per compiled scenario; per replication only plots and tracks are made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from shieldlab.core.engagement import sspk_with_track_error
from shieldlab.core.kinematics import LocalFrame
from shieldlab.core.rng import KIND_DETECT, uniform_np
from shieldlab.engine.compiled import CompiledScenario
from shieldlab.errors import InputError
from shieldlab.scenario.model import (
    MAX_CLUTTER_PER_SCAN,
    MAX_SIGMA_ANGLE_DEG,
    MAX_SIGMA_RANGE_M,
    Radar,
    Scenario,
)
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


#: Plot errors and false plots of a radar that leaves them unset (``null``) in the scenario;
#: the shipped radar cards carry the same values (NOTIONAL, sourced on the cards).
DEFAULT_SIGMA_RANGE_M = 50.0
DEFAULT_SIGMA_AZIMUTH_RAD = math.radians(0.2)
DEFAULT_SIGMA_ELEVATION_RAD = math.radians(0.2)
DEFAULT_CLUTTER_PER_SCAN = 2.0


@dataclass(frozen=True, kw_only=True)
class MeasuredSettings:
    """Tracker settings of the measured fidelity (not in the scenario), and optional
    radar-error overrides.

    The plot errors and false plots come from each radar of the scenario
    (``sigma_range_m``, ``sigma_azimuth_deg``, ``sigma_elevation_deg``,
    ``clutter_per_scan``; see :func:`radar_errors`). ``sigma_*``/``clutter_per_scan`` set
    here (not ``None``) override them for every radar -- for studies and tests that sweep
    radar noise without editing the scenario.
    """

    sigma_range_m: float | None = None
    sigma_azimuth_rad: float | None = None
    sigma_elevation_rad: float | None = None
    clutter_per_scan: float | None = None
    process_noise_m2_s3: float = 500.0
    gate_distance: float = 4.0
    speed_sigma_mps: float = 2500.0
    delete_after_misses: int = 3
    unscented: bool = False

    def __post_init__(self) -> None:
        # The scenario's caps (shieldlab.scenario.model says why) hold for overrides too.
        deg = math.degrees
        checks = (
            ("sigma_range_m", self.sigma_range_m, 1.0, MAX_SIGMA_RANGE_M, "m"),
            ("sigma_azimuth_rad", self.sigma_azimuth_rad, deg(1.0), MAX_SIGMA_ANGLE_DEG, "deg"),
            ("sigma_elevation_rad", self.sigma_elevation_rad, deg(1.0), MAX_SIGMA_ANGLE_DEG, "deg"),
        )
        for name, value, scale, cap, unit in checks:
            if value is not None and not (0.0 < value * scale <= cap):
                raise InputError(
                    f"must be > 0 and at most {cap:g} {unit}, got {value!r}", field=name
                )
        c = self.clutter_per_scan
        if c is not None and not 0.0 <= c <= MAX_CLUTTER_PER_SCAN:
            raise InputError(
                f"must lie in [0, {MAX_CLUTTER_PER_SCAN:g}], got {c!r}", field="clutter_per_scan"
            )


@dataclass(frozen=True, kw_only=True)
class _RadarTruth:
    spec: RadarMeasurementSpec
    model: RangeAzEl
    first_scan: int
    times_s: F64  # (S,)
    pos_m: F64  # (S, T, 3)
    pd: F64  # (S, T), 0 where not visible
    capacity: int


@dataclass(frozen=True, kw_only=True)
class RadarErrors:
    """One radar's plot errors (per-axis std) and mean false plots per scan."""

    sigma_range_m: float
    sigma_azimuth_rad: float
    sigma_elevation_rad: float
    clutter_per_scan: float


def _pick(override: float | None, own: float | None, default: float) -> float:
    if override is not None:
        return float(override)
    return default if own is None else float(own)


def radar_errors(radar: Radar, settings: MeasuredSettings | None = None) -> RadarErrors:
    """The errors the measured fidelity gives ``radar``'s plots: per field, the settings'
    override if set, else the radar's own value (scenario or card), else the default
    (``DEFAULT_*``: 50 m, 0.2°, 0.2°, 2 false plots per scan)."""
    st = settings or MeasuredSettings()

    def rad(deg: float | None) -> float | None:
        return None if deg is None else math.radians(deg)

    return RadarErrors(
        sigma_range_m=_pick(st.sigma_range_m, radar.sigma_range_m, DEFAULT_SIGMA_RANGE_M),
        sigma_azimuth_rad=_pick(
            st.sigma_azimuth_rad, rad(radar.sigma_azimuth_deg), DEFAULT_SIGMA_AZIMUTH_RAD
        ),
        sigma_elevation_rad=_pick(
            st.sigma_elevation_rad, rad(radar.sigma_elevation_deg), DEFAULT_SIGMA_ELEVATION_RAD
        ),
        clutter_per_scan=_pick(
            st.clutter_per_scan, radar.clutter_per_scan, DEFAULT_CLUTTER_PER_SCAN
        ),
    )


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
            err = radar_errors(radar, st)
            spec = RadarMeasurementSpec.from_radar(
                radar,
                position_enu_m=(float(r_pos[0]), float(r_pos[1]), float(r_pos[2])),
                frame_rotation=rot,
                sensor_id=r,
                sigma_range_m=err.sigma_range_m,
                sigma_azimuth_rad=err.sigma_azimuth_rad,
                sigma_elevation_rad=err.sigma_elevation_rad,
                clutter_per_scan=err.clutter_per_scan,
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
class AimError:
    """Weapons whose kill probability falls with track error, and their card values."""

    weapons: I64  # weapon indices (rows of CompiledScenario.pk) that aim with track error
    lethal_radius_m: F64  # per entry of ``weapons``
    guidance_sigma_m: F64  # per entry of ``weapons``


@dataclass(frozen=True, kw_only=True)
class MeasuredTables:
    """What the measured fidelity needs beyond the compiled scenario (no random draws):
    per radar its measurement model, truth positions and Pd at every scan; ``aim`` when
    some interceptor type's kill probability depends on track error (else ``None``)."""

    settings: MeasuredSettings
    radars: tuple[_RadarTruth, ...]
    aim: AimError | None = None


def _aim_error(cs: CompiledScenario, sc: Scenario) -> AimError | None:
    types = sc.interceptor_types
    w = np.asarray(
        [k for k in range(cs.n_weapons) if types[int(cs.weapon_type[k])].aims_with_track_error],
        dtype=np.int64,
    )
    if w.size == 0:
        return None
    its = [types[int(cs.weapon_type[k])] for k in w]
    return AimError(
        weapons=w,
        lethal_radius_m=np.asarray([t.lethal_radius_m for t in its], dtype=np.float64),
        guidance_sigma_m=np.asarray([t.guidance_miss_sigma_m for t in its], dtype=np.float64),
    )


def prepare(
    cs: CompiledScenario, scenario: Scenario, settings: MeasuredSettings | None = None
) -> MeasuredTables:
    """Tables for :func:`formation_scans`, computed once per compiled scenario."""
    st = settings or MeasuredSettings()
    return MeasuredTables(
        settings=st,
        radars=tuple(_truth_tables(cs, scenario, st)),
        aim=_aim_error(cs, scenario),
    )


def formation_scans(
    cs: CompiledScenario, tables: MeasuredTables, *, seed: int, replication: int
) -> I64:
    """Scan index at which each (radar r, threat i) first has a confirmed track, flattened
    as r * T + i; -1 where no confirmed track ever holds the threat.

    Depends only on (scenario, seed, replication).
    """
    return _run_trackers(cs, tables, seed=seed, replication=replication, sigmas=False)[0]


def _position_sigma_m(p: F64) -> F64:
    """Per-axis RMS position error of covariances (n, d, d): √(trace(P_pos) / 3)."""
    return np.asarray(np.sqrt(np.trace(p[:, :3, :3], axis1=1, axis2=2) / 3.0), dtype=np.float64)


def _forward_fill(a: F64) -> F64:
    """Each column's last non-NaN value at or above each row (NaN before the first)."""
    ok = ~np.isnan(a)
    idx = np.where(ok, np.arange(a.shape[0])[:, None], 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    return np.asarray(np.take_along_axis(a, idx, axis=0), dtype=np.float64)


def _run_trackers(
    cs: CompiledScenario, tables: MeasuredTables, *, seed: int, replication: int, sigmas: bool
) -> tuple[I64, list[F64]]:
    """Formation scans (see :func:`formation_scans`) and, with ``sigmas``, per radar the
    per-axis position σ (m) of the confirmed track on each threat after each scan of the
    radar, (S_r, T), carried forward while no confirmed track holds the threat (NaN
    before its first). A radar stops once every threat it sees has a track -- with
    ``sigmas``, once also every launch that may aim with its tracks has been reached (see
    :func:`_last_scan_needed`). Without ``sigmas`` the list is empty."""
    st = tables.settings
    n_t = cs.n_threats
    out = np.full(len(tables.radars) * n_t, -1, dtype=np.int64)
    sig_out: list[F64] = []
    aim = tables.aim
    sigmas = sigmas and aim is not None
    for r, rt in enumerate(tables.radars):
        stop_scan = -1  # absolute scan up to which this radar's σ may be read
        sig = np.full((rt.times_s.size, n_t), np.nan) if sigmas else np.zeros((0, n_t))
        if sigmas:
            sig_out.append(sig)
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
            if pending.size == 0 and int(scans_idx[s]) > stop_scan:
                break  # every threat has its track (and σ is read no later): nothing to add
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
                if sigmas:
                    assert aim is not None
                    for i in got:
                        stop_scan = max(
                            stop_scan, _last_scan_needed(cs, aim, r, int(i), int(scans_idx[s]))
                        )
            if sigmas:
                held = table.confirmed & (table.label >= 0)
                if held.any():
                    row = np.full(n_t, np.inf)
                    # Two confirmed tracks on one threat: fire control takes the better.
                    np.minimum.at(
                        row,
                        table.label[held],
                        _position_sigma_m(tracker.filter.estimate(table.state)[1][held]),
                    )
                    sig[s] = np.where(np.isfinite(row), row, np.nan)
        if sigmas:
            sig_out[r] = _forward_fill(sig)
    return out, sig_out


def _last_scan_needed(cs: CompiledScenario, aim: AimError, r: int, i: int, f: int) -> int:
    """Last scan of radar r whose track σ on threat i may be read, given the tracker
    confirmed (r, i) at scan f: the scan at or before the latest first-possible launch of
    the aim weapons of r's C2 node counted from r's own track (a launch at i comes no
    later than that; see :func:`_launch_sigmas`); -1 if none of them can ever launch."""
    if cs.centralised:
        ws = aim.weapons
    else:
        ws = aim.weapons[cs.weapon_battery[aim.weapons] == cs.radar_battery[r]]
    nc = int(cs.it_nc[i])
    if ws.size == 0 or nc == 0:
        return -1
    s0, n, m = int(cs.det_s0[r, i]), int(cs.det_n[r, i]), int(cs.track_m)
    end = min(max(f, s0 + m - 1), s0 + n - 1)
    period = float(cs.radar_scan_s[r])
    c_form = max(int(np.ceil(end * period / cs.cycle_s - 1e-9)), 0)
    c0, off = int(cs.it_c0[i]), int(cs.it_off[i])
    a = max(c_form - c0, 0)
    feas = cs.it_time[off + a : off + nc][:, ws] >= 0.0
    has = feas.any(axis=0)
    if not has.any():
        return -1
    c_last = c0 + a + int(np.argmax(feas, axis=0)[has].max())
    return int(np.floor(c_last * cs.cycle_s / period + 1e-9))


def _engine_formation_scans(cs: CompiledScenario, form: I64) -> I64:
    """The scan at which the engine's M-of-N rule, on the rewritten detection table of
    :func:`replication_scenario`, forms each (r, i): the tracker's confirmation scan, or
    the M-th visible scan if the tracker confirmed before M scans of the threat; -1: never."""
    n_r, n_t = cs.n_radars, cs.n_threats
    s0 = cs.det_s0.ravel()
    n = cs.det_n.ravel()
    end = np.minimum(np.maximum(form, s0 + int(cs.track_m) - 1), s0 + n - 1)
    return np.asarray(np.where(form >= 0, end, -1), dtype=np.int64).reshape(n_r * n_t)


def _launch_sigmas(
    cs: CompiledScenario,
    tables: MeasuredTables,
    aim: AimError,
    form: I64,
    sig: list[F64],
) -> F64:
    """Per (aim weapon k, threat i) the track σ at the weapon's first possible launch
    (see :func:`aim_sigmas`); NaN where it can never launch at i."""
    n_r, n_t = cs.n_radars, cs.n_threats
    cycle = cs.cycle_s
    eng = _engine_formation_scans(cs, form).reshape(n_r, n_t)
    # Decision cycle at which each (r, i) track exists for the kernel (as _ceil_cycle).
    form_t = eng * cs.radar_scan_s[:, None]
    form_c = np.where(eng >= 0, np.maximum(np.ceil(form_t / cycle - 1e-9), 0), -1).astype(np.int64)
    radar_node = np.zeros(n_r, dtype=np.int64) if cs.centralised else cs.radar_battery
    weapon_node = (
        np.zeros(aim.weapons.size, dtype=np.int64)
        if cs.centralised
        else cs.weapon_battery[aim.weapons]
    )
    big = np.iinfo(np.int64).max
    out = np.full((aim.weapons.size, n_t), np.nan)
    for i in range(n_t):
        nc = int(cs.it_nc[i])
        if nc == 0 or not (form_c[:, i] >= 0).any():
            continue
        c0, off = int(cs.it_c0[i]), int(cs.it_off[i])
        # The node's first track on i: the kernel may fire from that cycle on.
        fc = np.where(form_c[:, i] >= 0, form_c[:, i], big)
        node_first = np.full(int(max(radar_node.max(), weapon_node.max())) + 1, big)
        np.minimum.at(node_first, radar_node, fc)
        first = node_first[weapon_node]
        for k in range(aim.weapons.size):
            if first[k] == big:
                continue
            a = max(int(first[k]) - c0, 0)
            feas = np.flatnonzero(cs.it_time[off + a : off + nc, int(aim.weapons[k])] >= 0.0)
            if feas.size == 0:
                continue
            c_launch = c0 + a + int(feas[0])
            t_launch = c_launch * cycle
            best = np.nan
            for r in np.flatnonzero((radar_node == weapon_node[k]) & (fc <= c_launch)):
                rt = tables.radars[r]
                q = int(np.floor(t_launch / cs.radar_scan_s[r] + 1e-9)) - rt.first_scan
                q = min(q, rt.times_s.size - 1)
                if q >= 0:
                    best = float(np.fmin(best, sig[r][q, i]))
            out[k, i] = best
    return out


def aim_sigmas(cs: CompiledScenario, tables: MeasuredTables, *, seed: int, replication: int) -> F64:
    """Per-axis position σ (m) of the track fire control aims with, per (weapon, threat).

    Shape (W, T); NaN for weapons whose kill probability ignores track error, and where
    the weapon can never launch at the threat. For weapon w and threat i: the first
    decision cycle at or after w's C2 node first holds a track on i (the kernel's
    formation time in this replication) at which w has an intercept solution -- the
    earliest launch the engine can make -- and there the smallest σ = √(trace(P_pos)/3)
    among the node's radars' confirmed tracks on i, P the tracker's covariance after the
    radar's last scan at or before that time. Depends only on (scenario, seed, replication).
    """
    out = np.full((cs.n_weapons, cs.n_threats), np.nan)
    aim = tables.aim
    if aim is None:
        return out
    form, sig = _run_trackers(cs, tables, seed=seed, replication=replication, sigmas=True)
    out[aim.weapons] = _launch_sigmas(cs, tables, aim, form, sig)
    return out


def _aim_pk(cs: CompiledScenario, aim: AimError, sigma: F64) -> F64:
    """The pk table (W, T) with the aim weapons' rows degraded by track σ (k, T)."""
    pk = cs.pk.copy()
    rows = pk[aim.weapons]
    ok = np.isfinite(sigma)
    degraded = sspk_with_track_error(
        rows, sigma, aim.lethal_radius_m[:, None], aim.guidance_sigma_m[:, None]
    )
    pk[aim.weapons] = np.where(ok, degraded, rows)
    return pk


def replication_scenario(
    cs: CompiledScenario, tables: MeasuredTables, *, seed: int, replication: int
) -> CompiledScenario:
    """The compiled scenario of one measured replication.

    Its detection table is rewritten so that the engine's own M-of-N rule forms the track
    on (r, i) exactly at the tracker's confirmation scan: Pd = 1 on the M scans ending
    there, 0 elsewhere (never formed: 0 throughout). With aim error (``tables.aim``) its
    kill-probability table is rewritten too: ``pk[w, i]`` degraded by the track error at
    w's first possible launch at i (:func:`aim_sigmas`); otherwise ``pk`` is the compiled
    table itself. The kernel and the oracle then run unchanged -- and stay identical to
    each other.
    """
    aim = tables.aim
    form, sig = _run_trackers(
        cs, tables, seed=seed, replication=replication, sigmas=aim is not None
    )
    # The M hits end at the confirmation scan (or, if the tracker confirmed a track on
    # this threat before M scans of it, at the M-th visible scan).
    ends = _engine_formation_scans(cs, form)
    pd = np.zeros_like(cs.det_pd)
    n_t, m = cs.n_threats, int(cs.track_m)
    for r in range(len(tables.radars)):
        for i in range(n_t):
            end = int(ends[r * n_t + i])
            if end < 0:
                continue
            s0, off = int(cs.det_s0[r, i]), int(cs.det_off[r, i])
            start = max(end - m + 1, s0)
            pd[off + (start - s0) : off + (end - s0) + 1] = 1.0
    if aim is None:
        return replace(cs, det_pd=pd)
    # Kill probabilities from the track fire control aims with (the kernel reads pk[w, i]
    # for every salvo of w at i, so it is fixed at w's first possible launch).
    return replace(cs, det_pd=pd, pk=_aim_pk(cs, aim, _launch_sigmas(cs, tables, aim, form, sig)))


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

"""Compile a validated :class:`~shieldlab.scenario.model.Scenario` into plain arrays.

Everything that does not depend on random draws is computed here once per run, with
whole-array numpy: threat trajectories (``core.kinematics``), the single-scan detection
probability of every radar on every threat at every scan (``core.sensing``), and for every
weapon (battery x launcher group x interceptor type), threat and C2 decision cycle the
earliest feasible intercept time. The replication kernel and the Python oracle then only
read these tables and draw random numbers.

Feasibility (issue 16, item 1): per (threat, weapon) the feasibility window is every
launch time whose intercept point -- the trajectory point an interceptor flying at its
average speed reaches just as the threat does -- lies inside the weapon's envelope for the
threat's class (slant range >= min_range_m, ground range <= the class's max_range_m,
altitude in the class's band, threat speed <= max_target_speed_mps), strictly before
impact. A decision at cycle c times the launch inside the window within the cycle's span
[t_c, t_c + cycle) at the earliest intercept (``engine.windows``); ``it_time`` holds that
intercept time and ``it_launch`` the launch time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from shieldlab.core.ballistic import EARTH_RADIUS_M
from shieldlab.core.kinematics import (
    LocalFrame,
    Track,
    central_angle_rad,
)
from shieldlab.core.sensing import (
    apparent_elevation_rad,
    detection_probability,
    pd_table,
    visible,
)
from shieldlab.engine.doctrine import engagement_plan
from shieldlab.engine.jamming import scan_jnr_db
from shieldlab.engine.memory import check as check_memory
from shieldlab.engine.routing import wave_route
from shieldlab.engine.terrain import terrain_masked
from shieldlab.engine.tracks import wave_threat_track
from shieldlab.engine.windows import cycle_intercepts
from shieldlab.scenario.model import (
    THREAT_CLASSES,
    Radar,
    Scenario,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B8 = npt.NDArray[np.bool_]

PRIORITY_TIME_TO_IMPACT = 0
PRIORITY_ASSET_VALUE = 1
PRIORITY_LAYERED = 2
#: ``doctrine.engagement_priority`` names and their kernel codes.
PRIORITY_CODES = {
    "time_to_impact": PRIORITY_TIME_TO_IMPACT,
    "asset_value": PRIORITY_ASSET_VALUE,
    "layered": PRIORITY_LAYERED,
}
_GOLDEN_ANGLE_RAD = math.pi * (3.0 - math.sqrt(5.0))
# Single-scan Pd below this is treated as zero: it saves draws on scans where a detection
# is essentially impossible (with M-of-N, below 1e-4 per scan a track almost never forms).
PD_FLOOR = 1e-4
# Threat ids for random keys: wave index in the high bits, index in the wave below, so a
# threat keeps its draws when other waves grow or shrink (common random numbers).
WAVE_ID_SHIFT = 20


@dataclass(frozen=True, kw_only=True)
class CompiledScenario:
    """A scenario as plain arrays (SI units, absolute times from scenario start)."""

    name: str
    # --- threats (T) ------------------------------------------------------------------
    threat_rng_id: I64
    threat_type: I64
    threat_class: I64  # index into THREAT_CLASSES
    threat_lethal: B8
    threat_cost_usd: F64
    threat_launch_s: F64
    threat_impact_s: F64
    threat_asset: I64
    threat_value: F64
    threat_speed_mps: F64  # mean ground speed over the flight (for track-noise timing)
    # --- detection (R radars x T threats, ragged over scans) ---------------------------
    radar_battery: I64
    radar_scan_s: F64
    radar_capacity: I64
    det_off: I64  # (R, T) offset into det_pd
    det_s0: I64  # (R, T) index of the first scan with Pd > 0
    det_n: I64  # (R, T) number of scans from det_s0 through the last with Pd > 0
    det_pd: F64
    track_m: int
    track_n: int
    track_pos_noise_m: float
    track_vel_noise_mps: float
    # --- weapons (W) ------------------------------------------------------------------
    weapon_battery: I64
    weapon_type: I64
    weapon_ready: I64
    weapon_reserve: I64
    weapon_load: I64  # rounds per launcher (one reload)
    weapon_launchers: I64
    weapon_reload_s: F64
    pk: F64  # (W, T) SSPK x reliability
    # --- batteries (B) ----------------------------------------------------------------
    battery_max_targets: I64
    battery_max_guided: I64
    # --- intercept table over decision cycles -------------------------------------------
    cycle_s: float
    n_cycles: int
    it_c0: I64  # (T,) first decision cycle with an entry
    it_nc: I64  # (T,) number of cycles with entries
    it_off: I64  # (T,) offset into rows of it_time
    # (sum nc, W): earliest intercept time for a decision at that cycle, -1 if none (float32:
    # half the memory of the largest table; ~1 ms resolution at 10^4 s)
    it_time: npt.NDArray[np.float32]
    # (sum nc, W): the timed launch of that intercept (engine.windows), -1 if none
    it_launch: npt.NDArray[np.float32]
    it_any: B8  # (sum nc,) some weapon can intercept after a decision at that cycle
    # ``layered`` doctrine (engine.doctrine.engagement_plan): (sum nc, W) bit L-1 set when
    # weapon w is worth firing at that cycle with L engagements left; (T, W) last row of
    # it_time at which w can intercept threat i (-1: never).
    it_plan: npt.NDArray[np.uint16]
    it_last: I64
    wake_ptr: I64  # (n_cycles + 1,) CSR over cycles of threats with a newly feasible weapon
    wake_threat: I64
    loss_c: I64  # (R*T,) cycle at which a track on (r, i) is lost (threat left coverage)
    loss_ptr: I64  # (n_cycles + 2,) CSR over cycles of (r * T + i) track losses
    loss_list: I64
    impact_order: I64  # threats by impact time (stable)
    # --- doctrine ---------------------------------------------------------------------
    salvo_size: int
    shoot_look_shoot: bool
    max_engagements: int
    priority: int
    centralised: bool
    # --- names for reporting ------------------------------------------------------------
    asset_names: tuple[str, ...]
    interceptor_names: tuple[str, ...]
    interceptor_layers: tuple[str, ...]
    interceptor_cost_usd: F64
    threat_type_names: tuple[str, ...]
    battery_names: tuple[str, ...]
    assigner: str = "greedy"
    trajectories: dict[str, npt.NDArray[np.generic]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # Geodetic positions of the batteries and assets (degrees, metres) for replay and maps.
    sites: dict[str, F64] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_threats(self) -> int:
        return int(self.threat_launch_s.shape[0])

    @property
    def n_weapons(self) -> int:
        return int(self.weapon_battery.shape[0])

    @property
    def n_radars(self) -> int:
        return int(self.radar_battery.shape[0])

    @property
    def n_batteries(self) -> int:
        return int(self.battery_max_targets.shape[0])

    @property
    def raid_cost_usd(self) -> float:
        return float(np.sum(self.threat_cost_usd))

    @property
    def n_lethal(self) -> int:
        return int(np.sum(self.threat_lethal))


def launch_point_offsets(
    count: int, radius_m: float, pattern_count: int | None = None
) -> tuple[F64, F64]:
    """East/north offsets (m) of ``count`` launch points spread evenly over a disc.

    Vogel's sunflower pattern laid out for m = ``pattern_count`` (default ``count``)
    points, r_k = radius sqrt(((k mod m) + 1/2)/m), θ_k = k · golden angle (Vogel 1979,
    Math. Biosci. 44:179): deterministic, so trajectories need no random draws. Point k
    depends on k and m only, so a wave resized with m fixed keeps its first points
    (points past m reuse the radii at new angles, still inside the disc).
    """
    m = max(count if pattern_count is None else int(pattern_count), 1)
    k = np.arange(count, dtype=np.float64)
    r = radius_m * np.sqrt((np.mod(k, m) + 0.5) / m)
    theta = k * _GOLDEN_ANGLE_RAD
    return r * np.cos(theta), r * np.sin(theta)


def _offset_lat_lon(lat_rad: float, lon_rad: float, east_m: F64, north_m: F64) -> tuple[F64, F64]:
    """Points at small east/north offsets from a centre (local spherical approximation)."""
    lat = lat_rad + north_m / EARTH_RADIUS_M
    lon = lon_rad + east_m / (EARTH_RADIUS_M * max(math.cos(lat_rad), 1e-9))
    return lat, lon


@dataclass(frozen=True)
class _ScanSamples:
    """Every threat's positions at the scans of one period, concatenated over threats.

    Threat i's scans are ``s_first[i] ..`` (absolute scan indices, from the first at or
    after launch to the last at or before impact) and occupy ``off[i] : off[i + 1]``.
    """

    s_first: I64
    off: I64
    pos: F64  # (M, 3) local position, interpolated on the trajectory samples
    alt: F64  # (M,)

    def rcs(self, rcs_by_threat: F64) -> F64:
        """Each sample's threat RCS."""
        return np.repeat(rcs_by_threat, np.diff(self.off))


def _scan_samples(
    period: float,
    launch: F64,
    impact: F64,
    t_abs: F64,
    pos_all: F64,
    alt_all: F64,
    tr_off: I64,
    tr_n: I64,
) -> _ScanSamples:
    n_t = launch.shape[0]
    s_first = np.zeros(n_t, dtype=np.int64)
    counts = np.zeros(n_t, dtype=np.int64)
    pos_parts: list[F64] = []
    alt_parts: list[F64] = []
    for i in range(n_t):
        s0 = math.ceil(launch[i] / period - 1e-12)
        s1 = math.floor(impact[i] / period + 1e-12)
        s_first[i] = s0
        if s1 < s0:
            continue
        counts[i] = s1 - s0 + 1
        ts = np.arange(s0, s1 + 1, dtype=np.int64) * period
        sl = slice(tr_off[i], tr_off[i] + tr_n[i])
        tt_i = t_abs[sl]
        pos_parts.append(np.stack([np.interp(ts, tt_i, pos_all[sl, c]) for c in range(3)], axis=-1))
        alt_parts.append(np.interp(ts, tt_i, alt_all[sl]))
    off = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    pos = np.concatenate(pos_parts) if pos_parts else np.zeros((0, 3))
    alt = np.concatenate(alt_parts) if alt_parts else np.zeros(0)
    return _ScanSamples(s_first=s_first, off=off, pos=pos, alt=alt)


def _scan_jnr(
    sc: Scenario,
    frame: LocalFrame,
    radar: Radar,
    r_pos: F64,
    r_height: float,
    period: float,
    samples: _ScanSamples,
    threat_type: I64,
) -> F64 | None:
    """Jammer-to-noise ratio (dB) at each scan sample of one radar (``engine.jamming``)."""
    return scan_jnr_db(
        sc,
        frame,
        radar,
        r_pos,
        r_height,
        period_s=period,
        s_first=samples.s_first,
        off=samples.off,
        pos=samples.pos,
        alt=samples.alt,
        threat_type=threat_type,
    )


def _empty_row(off: list[int], s0: list[int], n: list[int], offset: int) -> None:
    off.append(offset)
    s0.append(0)
    n.append(0)


def compile_scenario(scenario: Scenario, *, dt_traj_s: float = 1.0) -> CompiledScenario:
    """Turn a validated scenario into the arrays the kernel and the oracle read.

    A scenario whose tables would not fit in memory is refused first, with the figures
    (:mod:`shieldlab.engine.memory`).
    """
    check_memory(scenario, dt_traj_s=dt_traj_s)
    sc = scenario
    frame = LocalFrame(
        lat0_rad=math.radians(sc.origin.lat_deg),
        lon0_rad=math.radians(sc.origin.lon_deg),
        alt0_m=sc.origin.alt_m,
    )
    d = sc.doctrine
    cycle_s = float(d.decision_cycle_s)

    # ---- threats ------------------------------------------------------------------------
    tracks: list[Track] = []
    rng_id: list[int] = []
    ttype: list[int] = []
    launch: list[float] = []
    asset: list[int] = []
    for w, wave in enumerate(sc.raid.waves):
        k_type = sc.threat_type_index(wave.threat)
        tt = sc.threat_types[k_type]
        de, dn = launch_point_offsets(wave.count, wave.launch_area.radius_m, wave.pattern_count)
        lats, lons = _offset_lat_lon(
            math.radians(wave.launch_area.lat_deg), math.radians(wave.launch_area.lon_deg), de, dn
        )
        times = wave.launch_times_s()
        routes: dict[int, tuple[list[float], list[float]]] = {}
        for k in range(wave.count):
            a = sc.asset_index(wave.aimpoints[k % len(wave.aimpoints)])
            ap = sc.assets[a].position
            if a not in routes:
                routes[a] = wave_route(sc, wave, ap)
            route_lat, route_lon = routes[a]
            tr = wave_threat_track(
                tt, float(lats[k]), float(lons[k]), route_lat, route_lon, ap, dt_traj_s, wave
            )
            tracks.append(tr)
            rng_id.append((w << WAVE_ID_SHIFT) | k)
            ttype.append(k_type)
            launch.append(float(times[k]))
            asset.append(a)
    n_t = len(tracks)
    threat_type = np.asarray(ttype, dtype=np.int64)
    threat_class = np.asarray(
        [THREAT_CLASSES.index(sc.threat_types[k].threat_class) for k in ttype], dtype=np.int64
    )
    threat_launch = np.asarray(launch, dtype=np.float64)
    threat_impact = threat_launch + np.asarray([tr.flight_time_s for tr in tracks])
    threat_asset = np.asarray(asset, dtype=np.int64)
    asset_value = np.asarray([a.value for a in sc.assets], dtype=np.float64)

    # Flat trajectory arrays: absolute time, local position, altitude, lat/lon.
    tr_n = np.asarray([tr.t_s.size for tr in tracks], dtype=np.int64)
    tr_off = np.concatenate([[0], np.cumsum(tr_n)[:-1]]).astype(np.int64)
    t_abs = np.concatenate([tr.t_s + threat_launch[i] for i, tr in enumerate(tracks)])
    lat_all = np.concatenate([tr.lat_rad for tr in tracks])
    lon_all = np.concatenate([tr.lon_rad for tr in tracks])
    alt_all = np.concatenate([tr.alt_m for tr in tracks])
    pos_all = frame.to_local(lat_all, lon_all, alt_all)

    # ---- radars and detection ------------------------------------------------------------
    radar_battery: list[int] = []
    radar_scan: list[float] = []
    radar_cap: list[int] = []
    det_off = []
    det_s0 = []
    det_n = []
    pd_chunks: list[F64] = []
    offset = 0
    rcs_by_threat = np.asarray([sc.threat_types[k].rcs_m2 for k in ttype], dtype=np.float64)
    tables: dict[tuple[float, int], object] = {}
    # Scan times and the interpolated threat positions depend on the scan period only, so
    # they are computed once per period and shared by every radar scanning at it; each
    # radar then evaluates its geometry and Pd over all threats' scans in one array
    # operation (element-wise, so the values are the ones a per-threat loop gives).
    by_period: dict[float, _ScanSamples] = {}
    hidden_by_period: dict[float, B8 | None] = {}
    threat_wave = np.asarray(rng_id, dtype=np.int64) >> WAVE_ID_SHIFT
    aim_local = np.asarray(
        [
            frame.to_local(
                math.radians(a.position.lat_deg), math.radians(a.position.lon_deg), a.position.alt_m
            )
            for a in sc.assets
        ]
    )[threat_asset]
    for b, bat in enumerate(sc.batteries):
        for radar in bat.radars:
            pos = radar.position if radar.position is not None else bat.position
            rlat, rlon = math.radians(pos.lat_deg), math.radians(pos.lon_deg)
            r_height = pos.alt_m + radar.antenna_height_m
            r_pos = frame.to_local(rlat, rlon, r_height)
            key = (radar.pfa, radar.swerling)
            if key not in tables:
                tables[key] = pd_table(pfa=radar.pfa, swerling=radar.swerling)
            table = tables[key]
            period = float(radar.scan_period_s)
            samples = by_period.get(period)
            if samples is None:
                samples = _scan_samples(
                    period, threat_launch, threat_impact, t_abs, pos_all, alt_all, tr_off, tr_n
                )
                by_period[period] = samples
            if period not in hidden_by_period:
                hidden_by_period[period] = terrain_masked(
                    sc,
                    off=samples.off,
                    pos=samples.pos,
                    alt=samples.alt,
                    threat_wave=threat_wave,
                    aim_pos=aim_local,
                )
            hidden = hidden_by_period[period]
            rng = np.linalg.norm(samples.pos - r_pos, axis=-1)
            mask = visible(
                range_m=rng,
                elevation_rad=apparent_elevation_rad(
                    range_m=rng, radar_height_m=r_height, target_alt_m=samples.alt
                ),
                radar_height_m=r_height,
                target_alt_m=samples.alt,
                instrumented_range_m=radar.instrumented_range_m,
                min_elevation_rad=radar.min_elevation_rad,
            )
            if hidden is not None:
                mask = mask & ~hidden
            pd = detection_probability(
                table=table,  # type: ignore[arg-type]
                range_m=rng,
                rcs_m2=samples.rcs(rcs_by_threat),
                ref_snr_db=radar.snr_ref_db,
                ref_range_m=radar.ref_range_m,
                ref_rcs_m2=radar.ref_rcs_m2,
                mask=mask,
                jnr_db=_scan_jnr(sc, frame, radar, r_pos, r_height, period, samples, threat_type),
            )
            pd = np.where(pd >= PD_FLOOR, pd, 0.0)
            row_off: list[int] = []
            row_s0: list[int] = []
            row_n: list[int] = []
            seg = samples.off
            for i in range(n_t):
                nz = np.flatnonzero(pd[seg[i] : seg[i + 1]] > 0.0)
                if nz.size == 0:
                    _empty_row(row_off, row_s0, row_n, offset)
                    continue
                chunk = pd[seg[i] + nz[0] : seg[i] + nz[-1] + 1]
                row_off.append(offset)
                row_s0.append(int(samples.s_first[i] + nz[0]))
                row_n.append(int(chunk.size))
                pd_chunks.append(chunk)
                offset += chunk.size
            radar_battery.append(b)
            radar_scan.append(period)
            radar_cap.append(radar.track_capacity)
            det_off.append(row_off)
            det_s0.append(row_s0)
            det_n.append(row_n)

    # ---- weapons ----------------------------------------------------------------------
    w_bat, w_type, w_ready, w_res, w_load, w_cnt, w_rel = [], [], [], [], [], [], []
    for b, bat in enumerate(sc.batteries):
        for launcher in bat.launchers:
            for item in launcher.loadout:
                w_bat.append(b)
                w_type.append(sc.interceptor_type_index(item.interceptor))
                w_ready.append(launcher.count * item.rounds)
                w_res.append(launcher.count * launcher.reloads * item.rounds)
                w_load.append(item.rounds)
                w_cnt.append(launcher.count)
                w_rel.append(float(launcher.reload_time_s))
    n_w = len(w_bat)
    # SSPK x reliability per (interceptor type, threat class), then one row per weapon.
    pk_by_class = np.asarray(
        [[it.sspk_for(c) * it.reliability for c in THREAT_CLASSES] for it in sc.interceptor_types],
        dtype=np.float64,
    ).reshape(len(sc.interceptor_types), len(THREAT_CLASSES))
    pk = np.ascontiguousarray(pk_by_class[np.asarray(w_type, dtype=np.int64)][:, threat_class])
    pk = pk.reshape(n_w, n_t)

    # ---- intercept table ----------------------------------------------------------------
    it_c0 = np.zeros(n_t, dtype=np.int64)
    it_nc = np.zeros(n_t, dtype=np.int64)
    for i in range(n_t):
        c0 = math.ceil(threat_launch[i] / cycle_s - 1e-12)
        c1 = math.ceil(threat_impact[i] / cycle_s - 1e-12) - 1  # last cycle before impact
        it_c0[i] = c0
        it_nc[i] = max(0, c1 - c0 + 1)
    it_off = np.concatenate([[0], np.cumsum(it_nc)[:-1]]).astype(np.int64)
    it_time, it_launch = _intercept_table(
        sc, frame, w_bat, w_type, threat_class, pk, it_c0, it_nc, it_off, cycle_s,
        t_abs, pos_all, alt_all, lat_all, lon_all, tr_off, tr_n,
    )  # fmt: skip

    n_cycles = int(np.max(it_c0 + it_nc)) if n_t else 0
    # A threat wakes its C2 nodes at every cycle where some weapon's window opens (not
    # only the first weapon's): a better layer coming into reach is news for a doctrine
    # that held fire for it.
    wake_lists: list[list[int]] = [[] for _ in range(n_cycles + 1)]
    for i in range(n_t):
        if it_nc[i] == 0:
            continue
        feas = np.asarray(it_time[it_off[i] : it_off[i] + it_nc[i]] >= 0.0)
        if feas.ndim == 1 or feas.shape[1] == 0:
            continue
        opens = feas & ~np.vstack([np.zeros((1, feas.shape[1]), dtype=bool), feas[:-1]])
        for c in np.flatnonzero(opens.any(axis=1)):
            wake_lists[it_c0[i] + c].append(i)
    wake_ptr = np.concatenate([[0], np.cumsum([len(x) for x in wake_lists])]).astype(np.int64)
    wake_threat = np.asarray([i for x in wake_lists for i in x], dtype=np.int64)

    centralised = d.c2_mode == "centralised"
    it_plan, it_last = engagement_plan(
        it_time,
        it_c0,
        it_nc,
        it_off,
        pk,
        np.zeros(n_w, dtype=np.int64) if centralised else np.asarray(w_bat, dtype=np.int64),
        1 if centralised else len(sc.batteries),
        cycle_s,
        int(d.salvo_size),
        int(d.max_engagements_per_threat),
        bool(d.shoot_look_shoot),
    )

    n_r = len(radar_battery)
    d_s0 = np.asarray(det_s0, dtype=np.int64).reshape(n_r, n_t)
    d_n = np.asarray(det_n, dtype=np.int64).reshape(n_r, n_t)
    loss_t = (d_s0 + d_n) * np.asarray(radar_scan, dtype=np.float64)[:, None]
    loss_c = np.maximum(np.ceil(loss_t / cycle_s - 1e-9), 0).astype(np.int64).ravel()
    loss_c = np.where(d_n.ravel() > 0, loss_c, 0)
    loss_c_clip = np.minimum(loss_c, n_cycles + 1)
    order = np.argsort(loss_c_clip, kind="stable")
    loss_list = order[loss_c_clip[order] <= n_cycles].astype(np.int64)
    loss_ptr = np.searchsorted(loss_c_clip[loss_list], np.arange(n_cycles + 2), side="left")

    return CompiledScenario(
        name=sc.name,
        threat_rng_id=np.asarray(rng_id, dtype=np.int64),
        threat_type=threat_type,
        threat_class=threat_class,
        threat_lethal=np.asarray([sc.threat_types[k].lethal for k in ttype], dtype=np.bool_),
        threat_cost_usd=np.asarray([sc.threat_types[k].unit_cost_usd for k in ttype]),
        threat_launch_s=threat_launch,
        threat_impact_s=threat_impact,
        threat_asset=threat_asset,
        threat_value=asset_value[threat_asset],
        threat_speed_mps=np.asarray(
            [
                float(
                    central_angle_rad(tr.lat_rad[0], tr.lon_rad[0], tr.lat_rad[-1], tr.lon_rad[-1])
                )
                * EARTH_RADIUS_M
                / max(tr.flight_time_s, 1e-9)
                for tr in tracks
            ],
            dtype=np.float64,
        ),
        radar_battery=np.asarray(radar_battery, dtype=np.int64),
        radar_scan_s=np.asarray(radar_scan, dtype=np.float64),
        radar_capacity=np.asarray(radar_cap, dtype=np.int64),
        det_off=np.asarray(det_off, dtype=np.int64).reshape(n_r, n_t),
        det_s0=d_s0,
        det_n=d_n,
        det_pd=np.concatenate(pd_chunks) if pd_chunks else np.zeros(0),
        track_m=int(d.track_initiation.m),
        track_n=int(d.track_initiation.n),
        track_pos_noise_m=float(d.track_position_noise_m),
        track_vel_noise_mps=float(d.track_velocity_noise_mps),
        weapon_battery=np.asarray(w_bat, dtype=np.int64),
        weapon_type=np.asarray(w_type, dtype=np.int64),
        weapon_ready=np.asarray(w_ready, dtype=np.int64),
        weapon_reserve=np.asarray(w_res, dtype=np.int64),
        weapon_load=np.asarray(w_load, dtype=np.int64),
        weapon_launchers=np.asarray(w_cnt, dtype=np.int64),
        weapon_reload_s=np.asarray(w_rel, dtype=np.float64),
        pk=pk,
        battery_max_targets=np.asarray(
            [b.command_post.max_targets_engaged for b in sc.batteries], dtype=np.int64
        ),
        battery_max_guided=np.asarray(
            [b.command_post.max_interceptors_guided for b in sc.batteries], dtype=np.int64
        ),
        cycle_s=cycle_s,
        n_cycles=n_cycles,
        it_c0=it_c0,
        it_nc=it_nc,
        it_off=it_off,
        it_time=it_time,
        it_launch=it_launch,
        wake_ptr=wake_ptr,
        it_any=np.asarray((it_time >= 0.0).any(axis=1), dtype=np.bool_),
        it_plan=it_plan,
        it_last=it_last,
        wake_threat=wake_threat,
        loss_c=loss_c,
        loss_ptr=loss_ptr.astype(np.int64),
        loss_list=loss_list,
        impact_order=np.argsort(threat_impact, kind="stable").astype(np.int64),
        salvo_size=int(d.salvo_size),
        shoot_look_shoot=bool(d.shoot_look_shoot),
        max_engagements=int(d.max_engagements_per_threat),
        priority=PRIORITY_CODES[d.engagement_priority],
        centralised=d.c2_mode == "centralised",
        asset_names=tuple(a.name for a in sc.assets),
        interceptor_names=tuple(t.name for t in sc.interceptor_types),
        interceptor_layers=tuple(t.layer for t in sc.interceptor_types),
        interceptor_cost_usd=np.asarray([t.unit_cost_usd for t in sc.interceptor_types]),
        threat_type_names=tuple(t.name for t in sc.threat_types),
        battery_names=tuple(b.name for b in sc.batteries),
        assigner=d.assigner,
        trajectories={
            "t_s": t_abs,
            "pos_m": pos_all,
            "alt_m": alt_all,
            "lat_rad": lat_all,
            "lon_rad": lon_all,
            "off": tr_off,
            "n": tr_n,
        },
        sites={
            "battery_lat_deg": np.asarray([b.position.lat_deg for b in sc.batteries]),
            "battery_lon_deg": np.asarray([b.position.lon_deg for b in sc.batteries]),
            "battery_alt_m": np.asarray([b.position.alt_m for b in sc.batteries]),
            "asset_lat_deg": np.asarray([a.position.lat_deg for a in sc.assets]),
            "asset_lon_deg": np.asarray([a.position.lon_deg for a in sc.assets]),
            "asset_alt_m": np.asarray([a.position.alt_m for a in sc.assets]),
        },
    )


def _sample_speeds(t_abs: F64, pos_all: F64, tr_off: I64, tr_n: I64) -> F64:
    """Each trajectory sample's speed (m/s): central differences of the local position."""
    out = np.zeros(t_abs.shape[0])
    for i in range(tr_off.shape[0]):
        sl = slice(tr_off[i], tr_off[i] + tr_n[i])
        if tr_n[i] < 2:
            continue
        vel = np.gradient(pos_all[sl], t_abs[sl], axis=0)
        out[sl] = np.linalg.norm(vel, axis=-1)
    return out


def _intercept_table(
    sc: Scenario,
    frame: LocalFrame,
    w_bat: list[int],
    w_type: list[int],
    threat_class: I64,
    pk: F64,
    it_c0: I64,
    it_nc: I64,
    it_off: I64,
    cycle_s: float,
    t_abs: F64,
    pos_all: F64,
    alt_all: F64,
    lat_all: F64,
    lon_all: F64,
    tr_off: I64,
    tr_n: I64,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Per (threat, weapon, decision cycle) the earliest intercept of a timed launch in the
    feasibility window, and that launch time (``engine.windows``); -1 where none.

    A trajectory sample is inside weapon w's envelope for threat i's class when its slant
    range from the battery is at least min_range_m, its ground range at most the class's
    max_range_m, its altitude within the class's [min_altitude_m, max_altitude_m] and the
    threat's speed there at most max_target_speed_mps. Masks and latest-launch times are
    whole-array operations over all samples per (battery, interceptor type, class).
    """
    n_w, n_t = len(w_bat), threat_class.shape[0]
    rows = int(np.sum(it_nc))
    it_time = np.full((rows, n_w), -1.0, dtype=np.float32)
    it_launch = np.full((rows, n_w), -1.0, dtype=np.float32)
    speed_all: F64 | None = None
    geometry: dict[int, tuple[F64, F64]] = {}
    latest: dict[tuple[int, int], F64] = {}
    masks: dict[tuple[int, int, int], npt.NDArray[np.bool_]] = {}
    for w in range(n_w):
        it = sc.interceptor_types[w_type[w]]
        b = w_bat[w]
        if b not in geometry:
            bp = sc.batteries[b].position
            blat, blon = math.radians(bp.lat_deg), math.radians(bp.lon_deg)
            bpos = frame.to_local(blat, blon, bp.alt_m)
            geometry[b] = (
                central_angle_rad(blat, blon, lat_all, lon_all) * EARTH_RADIUS_M,
                np.linalg.norm(pos_all - bpos, axis=-1),
            )
        ground_all, dist_all = geometry[b]
        if (b, w_type[w]) not in latest:
            latest[b, w_type[w]] = t_abs - dist_all / it.avg_speed_mps
        latest_all = latest[b, w_type[w]]
        for i in range(n_t):
            if it_nc[i] == 0 or pk[w, i] <= 0.0:
                continue
            cls = int(threat_class[i])
            key = (b, w_type[w], cls)
            if key not in masks:
                min_r, max_r, min_a, max_a = it.envelope_for(THREAT_CLASSES[cls])
                m = (
                    (dist_all >= min_r)
                    & (ground_all <= max_r)
                    & (alt_all >= min_a)
                    & (alt_all <= max_a)
                )
                if it.max_target_speed_mps is not None:
                    if speed_all is None:
                        speed_all = _sample_speeds(t_abs, pos_all, tr_off, tr_n)
                    m &= speed_all <= it.max_target_speed_mps
                masks[key] = np.asarray(m)
            sl = slice(tr_off[i], tr_off[i] + tr_n[i] - 1)  # drop the impact sample
            inside = masks[key][sl]
            if not inside.any():
                continue
            t_hit, t_launch = cycle_intercepts(
                t_abs[sl], latest_all[sl], inside, int(it_c0[i]), int(it_nc[i]), cycle_s
            )
            it_time[it_off[i] : it_off[i] + it_nc[i], w] = t_hit
            it_launch[it_off[i] : it_off[i] + it_nc[i], w] = t_launch
    return it_time, it_launch

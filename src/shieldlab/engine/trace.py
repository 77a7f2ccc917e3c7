"""Record the events of one replication of the compiled engine, for maps, timelines, replay.

:func:`record_replication` reruns replication ``k`` of a run with seed ``s`` through the
same compiled ``simulate_one`` as a normal run, specialised (at compile time) to append
each event to a buffer. Random draws are keyed by (seed, replication, threat, kind, index)
(``core.rng``), so the traced replication makes the same draws and decisions as
replication ``k`` of ``shieldlab run --seed s``: its outcome row is the same, bit for bit
(``tests/engine/test_trace.py``). Normal runs call the ``None`` specialisation, which holds
no trace code (``benchmarks/bench_trace.py`` measures both). docs/viz.md says what each
event means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shieldlab.engine.batch import kernel_tables
from shieldlab.engine.compiled import CompiledScenario, compile_scenario
from shieldlab.engine.kernel import (
    EV_DETECT,
    EV_IMPACT,
    EV_KILL,
    EV_LAUNCH,
    EV_LEAK,
    EV_MISS,
    EV_NO_TARGET,
    EV_RELOAD,
    EV_TRACK,
    EV_TRACK_INIT,
    EV_TRACK_LOST,
    run_traced,
)
from shieldlab.engine.outcomes import layout_of
from shieldlab.errors import InputError
from shieldlab.scenario.model import Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Event kind names, indexed by the kind code (``EventTrace.kind``).
EVENT_KINDS: tuple[str, ...] = (
    "detection",
    "track_initiated",
    "track",
    "track_lost",
    "launch",
    "kill",
    "miss",
    "no_target",
    "leak",
    "impact",
    "reload",
)
assert EVENT_KINDS.index("detection") == EV_DETECT
assert EVENT_KINDS.index("track_initiated") == EV_TRACK_INIT
assert EVENT_KINDS.index("track") == EV_TRACK
assert EVENT_KINDS.index("track_lost") == EV_TRACK_LOST
assert EVENT_KINDS.index("launch") == EV_LAUNCH
assert EVENT_KINDS.index("kill") == EV_KILL
assert EVENT_KINDS.index("miss") == EV_MISS
assert EVENT_KINDS.index("no_target") == EV_NO_TARGET
assert EVENT_KINDS.index("leak") == EV_LEAK
assert EVENT_KINDS.index("impact") == EV_IMPACT
assert EVENT_KINDS.index("reload") == EV_RELOAD

#: How each threat's flight ended (``EventTrace.threat_fate``).
FATES: tuple[str, ...] = ("killed", "leaked", "impacted", "in_flight")


@dataclass(frozen=True, kw_only=True)
class EventTrace:
    """The events of one replication, in time order, and the threats' trajectories.

    Per event (length E): ``kind`` (index into :data:`EVENT_KINDS`), ``time_s`` (from
    scenario start), ``threat`` (-1 for a reload), ``radar``, ``weapon``, ``battery``,
    ``interceptor`` (type index), ``asset``, ``node`` (C2 node of a ``track``) -- each -1
    where it does not apply -- ``rounds`` (salvo size of a launch or its resolution, rounds
    loaded by a reload), ``intercept_s`` (planned intercept time of a launch, else NaN), and
    the event's position ``lat_deg``, ``lon_deg``, ``alt_m``: the battery for a launch or a
    reload, otherwise the threat where it was at ``time_s`` (for kill / miss / no_target,
    the intercept point).

    Per threat (length T): type, lethality, aimpoint asset, launch and impact times,
    ``threat_end_s`` (the time it was destroyed, else its impact time) and ``threat_fate``
    (index into :data:`FATES`). Trajectories are flat arrays (``traj_*``) with each threat's
    samples at ``traj_off[i] : traj_off[i] + traj_n[i]``, over its whole flight (use
    :meth:`ground_track` for the part flown before the threat's end).
    """

    scenario: str
    seed: int
    replication: int
    outcome: F64
    outcome_columns: dict[str, int]
    # events
    kind: I64
    time_s: F64
    threat: I64
    radar: I64
    weapon: I64
    battery: I64
    interceptor: I64
    asset: I64
    node: I64
    rounds: I64
    intercept_s: F64
    lat_deg: F64
    lon_deg: F64
    alt_m: F64
    # threats
    threat_type: I64
    threat_lethal: npt.NDArray[np.bool_]
    threat_asset: I64
    threat_launch_s: F64
    threat_impact_s: F64
    threat_end_s: F64
    threat_fate: I64
    traj_off: I64
    traj_n: I64
    traj_t_s: F64
    traj_lat_deg: F64
    traj_lon_deg: F64
    traj_alt_m: F64
    # names and sites
    threat_type_names: tuple[str, ...]
    interceptor_names: tuple[str, ...]
    battery_names: tuple[str, ...]
    asset_names: tuple[str, ...]
    radar_battery: I64
    battery_lat_deg: F64
    battery_lon_deg: F64
    asset_lat_deg: F64
    asset_lon_deg: F64

    @property
    def n_events(self) -> int:
        return int(self.kind.shape[0])

    @property
    def n_threats(self) -> int:
        return int(self.threat_launch_s.shape[0])

    def mask(self, *kinds: str) -> npt.NDArray[np.bool_]:
        """Events of the named kinds (names from :data:`EVENT_KINDS`)."""
        codes = [EVENT_KINDS.index(k) for k in kinds]
        return np.isin(self.kind, codes)

    def ground_track(
        self, i: int, *, until_end: bool = True, step_s: float | None = None
    ) -> tuple[F64, F64, F64, F64]:
        """(t_s, lat_deg, lon_deg, alt_m) of threat i, cut at its end (kill or impact).

        The last point is the threat's position at ``threat_end_s`` (interpolated), so a
        killed threat's track ends at its intercept point. ``step_s`` keeps only every
        sample about that far apart (the first and the last always), for lighter files.
        """
        sl = slice(int(self.traj_off[i]), int(self.traj_off[i] + self.traj_n[i]))
        t, lat, lon, alt = (
            self.traj_t_s[sl],
            self.traj_lat_deg[sl],
            self.traj_lon_deg[sl],
            self.traj_alt_m[sl],
        )
        keep = np.ones(t.shape[0], dtype=np.bool_)
        if step_s is not None and t.shape[0] > 2:
            dt = float(np.median(np.diff(t)))
            k = max(1, round(step_s / dt)) if dt > 0.0 else 1
            keep[:] = False
            keep[::k] = True
            keep[-1] = True
        if not until_end:
            return t[keep], lat[keep], lon[keep], alt[keep]
        end = float(self.threat_end_s[i])
        keep &= t < end
        te = np.array([end])
        return (
            np.concatenate([t[keep], te]),
            np.concatenate([lat[keep], np.interp(te, t, lat)]),
            np.concatenate([lon[keep], np.interp(te, t, lon)]),
            np.concatenate([alt[keep], np.interp(te, t, alt)]),
        )

    def summary(self) -> dict[str, int]:
        """Event counts by kind name."""
        counts = np.bincount(self.kind, minlength=len(EVENT_KINDS))
        return {name: int(counts[k]) for k, name in enumerate(EVENT_KINDS)}


def event_capacity(cs: CompiledScenario) -> int:
    """An upper bound on the events of one replication (sizes the kernel's buffer).

    Detections: at most one per scan with Pd > 0; each (radar, threat) pair initiates,
    takes a slot and loses a track at most once; each salvo is launched and resolved once
    (at most one salvo per round held); each threat ends once; each launcher-load of the
    reserve is reloaded at most once.
    """
    n_r, n_t = cs.n_radars, cs.n_threats
    max_e = int(np.sum(cs.weapon_ready) + np.sum(cs.weapon_reserve)) + 1
    max_rl = int(np.sum(cs.weapon_reserve // np.maximum(cs.weapon_load, 1))) + 1
    return int(np.sum(cs.det_n)) + 3 * n_r * n_t + 2 * max_e + n_t + max_rl + 1


def check_replayable(scenario: Scenario | CompiledScenario, cs: CompiledScenario) -> None:
    """Raise :class:`InputError` (file, line, field) unless the compiled engine runs it."""
    _check_path(scenario, cs)


def _check_path(scenario: Scenario | CompiledScenario, cs: CompiledScenario) -> None:
    file = line = None
    if isinstance(scenario, Scenario):
        if scenario.fidelity != "ideal":
            file, line = scenario.source_of("fidelity")
            raise InputError(
                f"replay records the compiled engine (fidelity 'ideal'); this scenario's "
                f"fidelity is '{scenario.fidelity}'",
                file=file,
                line=line,
                field="fidelity",
            )
        file, line = scenario.source_of("doctrine", "assigner")
    if cs.assigner != "greedy":
        raise InputError(
            f"replay records the compiled engine (assigner 'greedy'); this scenario's "
            f"assigner '{cs.assigner}' runs on the Python event loop",
            file=file,
            line=line,
            field="doctrine.assigner",
        )


def record_replication(
    scenario_or_compiled: Scenario | CompiledScenario, *, seed: int, replication: int
) -> EventTrace:
    """Events of replication ``replication`` of a run with ``seed`` (see module docstring).

    Raises :class:`~shieldlab.errors.InputError` for a seed or replication out of range, and
    for a scenario that does not run on the compiled engine (a non-greedy assigner, or
    fidelity 'measured').
    """
    if not 0 <= seed < 2**63:
        raise InputError(f"must be between 0 and 2**63 - 1, got {seed}", field="--seed")
    if not 0 <= replication < 2**31:
        raise InputError(
            f"must be between 0 and 2**31 - 1, got {replication}", field="--replication"
        )
    sc = scenario_or_compiled
    cs = sc if isinstance(sc, CompiledScenario) else compile_scenario(sc)
    _check_path(sc, cs)
    traj = cs.trajectories
    if "lat_rad" not in traj or int(np.asarray(traj["n"]).shape[0]) != cs.n_threats:
        raise ValueError("the compiled scenario has no trajectories for its threats")
    if "battery_lat_deg" not in cs.sites:
        raise ValueError("the compiled scenario has no battery positions (sites)")

    cap = event_capacity(cs)
    ev_i = np.zeros((cap, 4), dtype=np.int64)
    ev_t = np.zeros((cap, 2), dtype=np.float64)
    ev_n = np.zeros(1, dtype=np.int64)
    lay = layout_of(cs)
    out = np.asarray(
        run_traced(seed, replication, lay.n_columns, ev_i, ev_t, ev_n, *kernel_tables(cs)),
        dtype=np.float64,
    )
    n_ev = int(ev_n[0])
    ints = ev_i[:n_ev]
    times = ev_t[:n_ev]
    # The kernel draws each radar's scans up to its track initiation before the event
    # loop, whatever happens to the threat meanwhile; scans after the threat's end
    # (killed, or down) did not happen.
    fate_end = cs.threat_impact_s.copy()
    killed = ints[:, 0] == EV_KILL
    fate_end[ints[killed, 1]] = times[killed, 0]
    scan = np.isin(ints[:, 0], (EV_DETECT, EV_TRACK_INIT))
    real = ~scan | (times[:, 0] <= fate_end[np.where(scan, ints[:, 1], 0)])
    ints, times = ints[real], times[real]
    n_ev = int(ints.shape[0])
    order = np.argsort(times[:, 0], kind="stable")
    ints = ints[order]
    times = times[order]
    kind, threat, unit, aux = (ints[:, j].copy() for j in range(4))
    time_s = times[:, 0].copy()

    def where(*kinds: int) -> npt.NDArray[np.bool_]:
        return np.isin(kind, kinds)

    radar_ev = where(EV_DETECT, EV_TRACK_INIT, EV_TRACK, EV_TRACK_LOST)
    weapon_ev = where(EV_LAUNCH, EV_KILL, EV_MISS, EV_NO_TARGET, EV_RELOAD)
    asset_ev = where(EV_LEAK, EV_IMPACT)
    radar = np.where(radar_ev, unit, -1)
    weapon = np.where(weapon_ev, unit, -1)
    asset = np.where(asset_ev, unit, -1)
    battery = np.full(n_ev, -1, dtype=np.int64)
    battery[radar_ev] = cs.radar_battery[unit[radar_ev]]
    battery[weapon_ev] = cs.weapon_battery[unit[weapon_ev]]
    interceptor = np.full(n_ev, -1, dtype=np.int64)
    interceptor[weapon_ev] = cs.weapon_type[unit[weapon_ev]]
    node = np.where(kind == EV_TRACK, aux, -1)
    rounds = np.where(weapon_ev, aux, 0)
    intercept_s = np.where(kind == EV_LAUNCH, times[:, 1], np.nan)

    # Trajectories in degrees; threat fates and end times.
    t_abs = np.asarray(traj["t_s"], dtype=np.float64)
    lat = np.degrees(np.asarray(traj["lat_rad"], dtype=np.float64))
    lon = np.degrees(np.asarray(traj["lon_rad"], dtype=np.float64))
    alt = np.asarray(traj["alt_m"], dtype=np.float64)
    off = np.asarray(traj["off"], dtype=np.int64)
    cnt = np.asarray(traj["n"], dtype=np.int64)
    n_t = cs.n_threats
    fate = np.full(n_t, FATES.index("in_flight"), dtype=np.int64)
    end_s = cs.threat_impact_s.astype(np.float64).copy()
    for code, name in ((EV_KILL, "killed"), (EV_LEAK, "leaked"), (EV_IMPACT, "impacted")):
        sel = kind == code
        fate[threat[sel]] = FATES.index(name)
        end_s[threat[sel]] = time_s[sel]

    # Event positions: the threat where it was (linear between 1 s samples), the battery
    # for launches and reloads.
    ev_lat = np.full(n_ev, np.nan)
    ev_lon = np.full(n_ev, np.nan)
    ev_alt = np.full(n_ev, np.nan)
    on_threat = (threat >= 0) & ~where(EV_LAUNCH, EV_RELOAD)
    for i in np.unique(threat[on_threat]):
        sel = on_threat & (threat == i)
        sl = slice(int(off[i]), int(off[i] + cnt[i]))
        ev_lat[sel] = np.interp(time_s[sel], t_abs[sl], lat[sl])
        ev_lon[sel] = np.interp(time_s[sel], t_abs[sl], lon[sl])
        ev_alt[sel] = np.interp(time_s[sel], t_abs[sl], alt[sl])
    at_bat = where(EV_LAUNCH, EV_RELOAD)
    ev_lat[at_bat] = cs.sites["battery_lat_deg"][battery[at_bat]]
    ev_lon[at_bat] = cs.sites["battery_lon_deg"][battery[at_bat]]
    ev_alt[at_bat] = cs.sites["battery_alt_m"][battery[at_bat]]

    return EventTrace(
        scenario=cs.name,
        seed=int(seed),
        replication=int(replication),
        outcome=out,
        outcome_columns=lay.columns(),
        kind=kind,
        time_s=time_s,
        threat=threat,
        radar=radar,
        weapon=weapon,
        battery=battery,
        interceptor=interceptor,
        asset=asset,
        node=node,
        rounds=rounds,
        intercept_s=intercept_s,
        lat_deg=ev_lat,
        lon_deg=ev_lon,
        alt_m=ev_alt,
        threat_type=cs.threat_type.copy(),
        threat_lethal=cs.threat_lethal.copy(),
        threat_asset=cs.threat_asset.copy(),
        threat_launch_s=cs.threat_launch_s.copy(),
        threat_impact_s=cs.threat_impact_s.copy(),
        threat_end_s=end_s,
        threat_fate=fate,
        traj_off=off.copy(),
        traj_n=cnt.copy(),
        traj_t_s=t_abs.copy(),
        traj_lat_deg=lat,
        traj_lon_deg=lon,
        traj_alt_m=alt.copy(),
        threat_type_names=cs.threat_type_names,
        interceptor_names=cs.interceptor_names,
        battery_names=cs.battery_names,
        asset_names=cs.asset_names,
        radar_battery=cs.radar_battery.copy(),
        battery_lat_deg=np.asarray(cs.sites["battery_lat_deg"], dtype=np.float64).copy(),
        battery_lon_deg=np.asarray(cs.sites["battery_lon_deg"], dtype=np.float64).copy(),
        asset_lat_deg=np.asarray(cs.sites["asset_lat_deg"], dtype=np.float64).copy(),
        asset_lon_deg=np.asarray(cs.sites["asset_lon_deg"], dtype=np.float64).copy(),
    )

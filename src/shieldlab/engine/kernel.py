"""The compiled replication kernel: one numba-compiled event loop per replication.

``run_batch`` runs replications ``rep0 .. rep0 + n - 1`` in a plain loop (parallelism comes
from worker processes, docs/engine.md) and writes one row of outcomes per replication
(columns: :mod:`shieldlab.engine.outcomes`).
It reads only the plain arrays of a :class:`~shieldlab.engine.compiled.CompiledScenario`;
every random draw is keyed by (seed, replication, threat, event kind, event index)
(``core.rng``), so a replication's result does not depend on which batch or process ran it.

Doctrine (docs/engine.md gives the full statement; ``engine.oracle`` is the same doctrine
written as a plain Python loop and must give identical outcomes):

1. Detection: each radar scans every ``scan_period_s``; a scan detects a threat with the
   pre-computed single-scan Pd; a track forms after M detections in the last N scans and
   is held while the threat stays in the radar's coverage (up to ``track_capacity``
   tracks per radar; a track that finds the radar full waits for a free slot).
2. Every decision cycle (``decision_cycle_s``) with news -- a new track, an engagement
   resolved, a reload, a threat entering some weapon's envelope -- each C2 node
   (one for all batteries when centralised, one per battery when autonomous) assigns
   salvos greedily over threats it tracks and weapons it commands, under channel
   (targets engaged, interceptors guided) and inventory limits: ``asset_value`` takes
   the feasible pair with the largest marginal return first; ``time_to_impact`` takes
   the most urgent threat first and gives it the weapon that intercepts earliest;
   ``layered`` (the default) orders like ``time_to_impact`` but first drops the salvos
   the engagement plan (``engine.doctrine``), run with the rounds and channels at hand,
   holds fire on: a weapon waits while waiting (or another weapon) does better.
3. A salvo of min(salvo_size, ready rounds, free guidance channels) interceptors flies to
   the pre-computed earliest intercept; each interceptor kills with SSPK x reliability.
   With shoot-look-shoot a surviving threat is re-engaged after the salvo is assessed
   (perfect kill assessment at intercept time), up to ``max_engagements_per_threat``.
4. A lethal threat alive at its impact time is a leaker.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from shieldlab.core.rng import (
    KIND_DETECT,
    KIND_KILL,
    KIND_TRACK_NOISE,
    normal,
    rep_key,
    stream_key,
    uniform_at,
)
from shieldlab.engine.doctrine import ceil_cycle, salvo_pk, threat_values, worth_bits

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

# Outcome columns (fixed part); per-type/asset/layer columns follow, see engine.outcomes.
COL_LEAKERS = 0
COL_LETHAL_KILLED = 1
COL_DECOYS_KILLED = 2
COL_THREATS_KILLED = 3
COL_FIRED = 4
COL_COST = 5
COL_FIRST_LEAK = 6
COL_ENGAGED = 7
N_FIXED = 8

# Event kinds of a traced replication (``engine.trace``; docs/viz.md says what each means).
# A record is (kind, threat, unit, aux) in integers and (t, t2) in seconds; ``unit`` is a
# radar, weapon or asset index depending on the kind.
EV_DETECT = 0  # a scan detects the threat: unit radar, aux scan index
EV_TRACK_INIT = 1  # M-of-N satisfied on a radar: unit radar
EV_TRACK = 2  # the track takes a radar slot and reaches its C2 node: unit radar, aux node
EV_TRACK_LOST = 3  # the threat left the radar's coverage: unit radar
EV_LAUNCH = 4  # a salvo is fired: unit weapon, aux rounds, t2 planned intercept time
EV_KILL = 5  # the salvo destroys the threat: unit weapon, aux rounds
EV_MISS = 6  # every round of the salvo misses: unit weapon, aux rounds
EV_NO_TARGET = 7  # the salvo arrives after the threat was destroyed: unit weapon, aux rounds
EV_LEAK = 8  # a lethal threat reaches its aimpoint: unit asset
EV_IMPACT = 9  # a non-lethal threat (decoy) comes down: unit asset
EV_RELOAD = 10  # a launcher is reloaded: unit weapon, aux rounds
N_EVENT_KINDS = 11


_ceil_cycle = ceil_cycle
_salvo_pk = salvo_pk


@njit(cache=True)
def _estimated_impact(
    key: np.uint64,
    rng_id: int,
    node: int,
    impact_s: float,
    t_s: float,
    speed_mps: float,
    pos_noise_m: float,
    vel_noise_mps: float,
) -> float:
    """A node's estimate of a threat's impact time from its ideal track (truth + noise).

    The track's position error (σ_p per axis) and velocity error (σ_v) at time t give a
    time-to-go error σ_t = sqrt(σ_p² + (σ_v · τ)²) / v along the track, τ = impact - t
    (constant-velocity prediction); the estimate is impact + σ_t z, z ~ N(0, 1) keyed by
    (threat, KIND_TRACK_NOISE, node).
    """
    if pos_noise_m <= 0.0 and vel_noise_mps <= 0.0:
        return impact_s
    tau = max(impact_s - t_s, 0.0)
    sigma = np.sqrt(pos_noise_m**2 + (vel_noise_mps * tau) ** 2) / max(speed_mps, 1.0)
    return impact_s + sigma * normal(key, rng_id, KIND_TRACK_NOISE, node)


@njit(cache=True)
def _act_add(act_list: I64, act_n: I64, act_pos: I64, g: int, i: int) -> None:
    if act_pos[g, i] < 0:
        act_pos[g, i] = act_n[g]
        act_list[g, act_n[g]] = i
        act_n[g] += 1


@njit(cache=True)
def _act_remove(act_list: I64, act_n: I64, act_pos: I64, g: int, i: int) -> None:
    k = act_pos[g, i]
    if k >= 0:
        last = act_list[g, act_n[g] - 1]
        act_list[g, k] = last
        act_pos[g, last] = k
        act_n[g] -= 1
        act_pos[g, i] = -1


@njit(cache=True)
def _retire(
    i: int,
    n_t: int,
    act_list: I64,
    act_n: I64,
    act_pos: I64,
    track_on: npt.NDArray[np.bool_],
    active: I64,
) -> None:
    """Threat i is gone (killed or impacted): off every node's list, its radar slots freed."""
    for g in range(act_n.shape[0]):
        _act_remove(act_list, act_n, act_pos, g, i)
    for r in range(active.shape[0]):
        ri = r * n_t + i
        if track_on[ri]:
            track_on[ri] = False
            active[r] -= 1


@njit(cache=True)
def _better(
    k1: float,
    k2: float,
    k3: float,
    i: int,
    w: int,
    b1: float,
    b2: float,
    b3: float,
    bi: int,
    bw: int,
) -> bool:
    """Lexicographic order of candidates: larger keys first, then lower threat, weapon."""
    if k1 != b1:
        return k1 > b1
    if k2 != b2:
        return k2 > b2
    if k3 != b3:
        return k3 > b3
    if i != bi:
        return i < bi
    return w < bw


@njit(cache=True)
def _keys(
    priority: int, est_impact: float, survive: float, value: float, p_salvo: float, t_int: float
) -> tuple[float, float, float]:
    """Priority keys of a candidate salvo (larger first; see c2.greedy)."""
    if priority != 1:
        # time_to_impact and layered: most urgent threat first; for it the weapon that
        # intercepts earliest (outer layers first, leaving time to look and shoot again),
        # then the best salvo. (layered has already dropped the salvos it holds fire on.)
        return -est_impact, -t_int, survive * p_salvo
    # Largest marginal return (expected value destroyed) first.
    return value * survive * p_salvo, -est_impact, -t_int


@njit(cache=True)
def _worth_now(
    i: int,
    row: int,
    g: int,
    centralised: bool,
    salvo_size: int,
    pk: F64,
    weapon_battery: I64,
    ready: I64,
    free_guided: I64,
    target_free: npt.NDArray[np.bool_],
    it_time: npt.NDArray[np.float32],
    off: int,
    c0: int,
    nc: int,
    it_plan: npt.NDArray[np.uint16],
    it_last: I64,
    cycle_s: float,
    max_eng: int,
    sls: bool,
    scratch: Any,
    worth: npt.NDArray[np.uint16],
) -> None:
    """The ``layered`` doctrine's plan bits for threat i at table row ``row``, node g.

    ``worth[w]`` (bit L - 1: weapon w is worth firing now with L engagements left) from
    the engagement programme (``engine.doctrine``) over the node's weapons *as they
    could fire now*, projected over the threat's remaining window: a weapon whose battery
    has no free target channel for the threat (``target_free[b]``) or that has no ready
    round is no option; one whose salvo is cut short by its ready rounds or its battery's
    free guidance channels (``free_guided[b]``) counts with the rounds it can fire. While
    every node weapon that can still reach the threat could fire a full salvo this is the
    pre-computed plan (``it_plan``); otherwise the programme is rerun from this row on.
    """
    q, use, v, f, n_fire = scratch
    degraded = False
    for w in range(weapon_battery.shape[0]):
        use[w] = centralised or weapon_battery[w] == g
        b = weapon_battery[w]
        n_fire[w] = min(salvo_size, ready[w], free_guided[b]) if target_free[b] else 0
        if use[w] and it_last[i, w] >= row and n_fire[w] < salvo_size:
            degraded = True
    if not degraded:
        for w in range(weapon_battery.shape[0]):
            worth[w] = it_plan[row, w]
        return
    for w in range(weapon_battery.shape[0]):
        if use[w] and n_fire[w] > 0:
            q[w] = _salvo_pk(pk[w, i], n_fire[w])
        else:
            use[w] = False
            q[w] = 0.0
    k = row - off
    threat_values(it_time, off, c0, nc, k, q, use, cycle_s, max_eng, sls, v, f)
    for w in range(weapon_battery.shape[0]):
        worth[w] = worth_bits(v, f, k, w, max_eng) if use[w] else 0


@njit(cache=True)
def _sift_down(
    heap: I64, n: int, a: int, h1: F64, h2: F64, h3: F64, cand_i: I64, cand_w: I64
) -> None:
    """Restore the max-heap property below position a (order: ``_better``)."""
    while True:
        left = 2 * a + 1
        if left >= n:
            return
        top = left
        right = left + 1
        if right < n:
            x, y = heap[right], heap[left]
            if _better(
                h1[x], h2[x], h3[x], cand_i[x], cand_w[x], h1[y], h2[y], h3[y], cand_i[y], cand_w[y]
            ):
                top = right
        x, y = heap[top], heap[a]
        if not _better(
            h1[x], h2[x], h3[x], cand_i[x], cand_w[x], h1[y], h2[y], h3[y], cand_i[y], cand_w[y]
        ):
            return
        heap[top], heap[a] = heap[a], heap[top]
        a = top


@njit(cache=True)
def _rec(ev: Any, kind: int, t: float, t2: float, i: int, unit: int, aux: int) -> None:
    """Append one event to a trace buffer ``(ints (E, 4), times (E, 2), count (1,))``."""
    ev_i, ev_t, ev_n = ev
    k = ev_n[0]
    ev_i[k, 0] = kind
    ev_i[k, 1] = i
    ev_i[k, 2] = unit
    ev_i[k, 3] = aux
    ev_t[k, 0] = t
    ev_t[k, 1] = t2
    ev_n[0] = k + 1


@njit(cache=True)
def simulate_one(
    key: np.uint64,
    out: F64,
    ev: Any,
    # threats
    threat_rng_id: I64,
    threat_type: I64,
    threat_class: I64,
    threat_lethal: npt.NDArray[np.bool_],
    threat_launch_s: F64,
    threat_impact_s: F64,
    threat_asset: I64,
    threat_value: F64,
    threat_speed_mps: F64,
    track_pos_noise_m: float,
    track_vel_noise_mps: float,
    # radars
    radar_battery: I64,
    radar_scan_s: F64,
    radar_capacity: I64,
    det_off: I64,
    det_s0: I64,
    det_n: I64,
    det_pd: F64,
    track_m: int,
    track_n: int,
    # weapons
    weapon_battery: I64,
    weapon_type: I64,
    weapon_ready: I64,
    weapon_reserve: I64,
    weapon_load: I64,
    weapon_reload_s: F64,
    pk: F64,
    interceptor_cost: F64,
    # batteries
    battery_max_targets: I64,
    battery_max_guided: I64,
    # intercept table
    cycle_s: float,
    n_cycles: int,
    it_c0: I64,
    it_nc: I64,
    it_off: I64,
    it_time: npt.NDArray[np.float32],
    it_any: npt.NDArray[np.bool_],
    it_plan: npt.NDArray[np.uint16],
    it_last: I64,
    wake_ptr: I64,
    wake_threat: I64,
    loss_c: I64,
    loss_ptr: I64,
    loss_list: I64,
    impact_order: I64,
    # doctrine
    salvo_size: int,
    sls: bool,
    max_eng: int,
    priority: int,
    centralised: bool,
    # reporting maps
    n_assets: int,
    n_types: int,
    type_layer: I64,
    n_layers: int,
) -> None:
    """Run one replication and write its outcomes into ``out`` (zeroed by the caller).

    ``ev`` is ``None`` in normal runs, or a trace buffer (:func:`_rec`) that receives the
    replication's events. Every use sits under ``if ev is not None``, a test on an
    argument's *type* that numba resolves at compile time (dead-branch pruning): the
    ``None`` specialisation that ``run_batch`` calls holds no trace code at all, and the
    traced one makes exactly the same draws and decisions (``engine.trace``).
    """
    n_t = threat_launch_s.shape[0]
    n_r = radar_battery.shape[0]
    n_w = weapon_battery.shape[0]
    n_b = battery_max_targets.shape[0]
    n_g = 1 if centralised else n_b
    n_c = n_cycles + 1
    col_fired = N_FIXED
    col_kills = N_FIXED + n_types
    col_hits = N_FIXED + 2 * n_types
    col_layer = N_FIXED + 2 * n_types + n_assets

    # ---- 1. track formation times (M of N), bucketed by decision cycle ----------------
    form_c = np.full(n_r * n_t, -1, dtype=np.int64)
    count_c = np.zeros(n_c + 1, dtype=np.int64)
    for r in range(n_r):
        period = radar_scan_s[r]
        for i in range(n_t):
            nscan = det_n[r, i]
            if nscan == 0:
                continue
            off = det_off[r, i]
            s0 = det_s0[r, i]
            stream = stream_key(key, threat_rng_id[i], KIND_DETECT)
            r_hi = np.int64(r) << 32
            window = np.int64(0)
            hits = 0
            for q in range(nscan):
                p = det_pd[off + q]
                hit = 0
                if p >= 1.0:
                    hit = 1
                elif p > 0.0:
                    hit = int(uniform_at(stream, r_hi | (s0 + q)) < p)
                if (window >> (track_n - 1)) & 1:
                    hits -= 1
                window = ((window << 1) | hit) & ((np.int64(1) << track_n) - 1)
                hits += hit
                if ev is not None:  # noqa: SIM102 (a bare test on ev: pruned when None)
                    if hit:
                        _rec(ev, EV_DETECT, (s0 + q) * period, 0.0, i, r, s0 + q)
                if hits >= track_m:
                    if ev is not None:
                        _rec(ev, EV_TRACK_INIT, (s0 + q) * period, 0.0, i, r, 0)
                    c = _ceil_cycle((s0 + q) * period, cycle_s)
                    if c <= n_cycles:
                        form_c[r * n_t + i] = c
                        count_c[c + 1] += 1
                    break
    for c in range(n_c):
        count_c[c + 1] += count_c[c]
    form_list = np.empty(count_c[n_c], dtype=np.int64)
    fill = count_c[:n_c].copy()
    for ri in range(n_r * n_t):
        c = form_c[ri]
        if c >= 0:
            form_list[fill[c]] = ri
            fill[c] += 1

    impact_c = np.empty(n_t, dtype=np.int64)
    for i in range(n_t):
        impact_c[i] = _ceil_cycle(threat_impact_s[i], cycle_s)

    # ---- state -------------------------------------------------------------------------
    alive = np.ones(n_t, dtype=np.bool_)  # not killed, not yet impacted
    done = 0
    track_on = np.zeros(n_r * n_t, dtype=np.bool_)
    active = np.zeros(n_r, dtype=np.int64)
    tracked = np.zeros((n_g, n_t), dtype=np.int64)
    # Each node's estimate of each threat's impact time, fixed when it first tracks it.
    est_imp = np.full((n_g, n_t), np.nan)
    # Per C2 node, the live threats it tracks (unordered set: ties are broken by index).
    act_list = np.empty((n_g, n_t), dtype=np.int64)
    act_n = np.zeros(n_g, dtype=np.int64)
    act_pos = np.full((n_g, n_t), -1, dtype=np.int64)
    waiting = np.empty(n_r * n_t, dtype=np.int64)
    n_wait = 0
    ready = weapon_ready.copy()
    reserve = weapon_reserve.copy()
    fired_w = np.zeros(n_w, dtype=np.int64)
    tgt_busy = np.zeros(n_b, dtype=np.int64)
    msl_busy = np.zeros(n_b, dtype=np.int64)
    inflight_bt = np.zeros((n_b, n_t), dtype=np.int64)
    eng_count = np.zeros((n_g, n_t), dtype=np.int64)
    look_wait = np.zeros((n_g, n_t), dtype=np.int64)  # SLS: salvos awaiting assessment
    survive = np.ones((n_g, n_t), dtype=np.float64)
    shots_at = np.zeros(n_t, dtype=np.int64)
    engaged = np.zeros(n_t, dtype=np.bool_)
    # Engagements in flight, bucketed by the cycle they resolve in (linked lists).
    max_e = int(np.sum(weapon_ready) + np.sum(weapon_reserve)) + 1
    e_threat = np.empty(max_e, dtype=np.int64)
    e_weapon = np.empty(max_e, dtype=np.int64)
    e_group = np.empty(max_e, dtype=np.int64)
    e_n = np.empty(max_e, dtype=np.int64)
    e_shot0 = np.empty(max_e, dtype=np.int64)
    e_time = np.empty(max_e, dtype=np.float64)
    e_next = np.empty(max_e, dtype=np.int64)
    n_e = 0
    e_head = np.full(n_c, -1, dtype=np.int64)
    # Reloads, bucketed the same way.
    max_rl = int(np.sum(weapon_reserve // np.maximum(weapon_load, 1))) + 1
    rl_weapon = np.empty(max_rl, dtype=np.int64)
    rl_next = np.empty(max_rl, dtype=np.int64)
    n_rl = 0
    rl_head = np.full(n_c, -1, dtype=np.int64)
    # Candidate scratch.
    cand_i = np.empty(n_t * n_w, dtype=np.int64)
    cand_w = np.empty(n_t * n_w, dtype=np.int64)
    cand_t = np.empty(n_t * n_w, dtype=np.float64)
    bucket = np.empty(max_e, dtype=np.int64)
    heap = np.empty(n_t * n_w, dtype=np.int64)
    h1 = np.empty(n_t * n_w, dtype=np.float64)
    h2 = np.empty(n_t * n_w, dtype=np.float64)
    h3 = np.empty(n_t * n_w, dtype=np.float64)

    # ``layered``: the engagement programme's scratch (engine.doctrine.threat_values).
    nc_max = 1
    if priority == 2:
        for i in range(n_t):
            nc_max = max(nc_max, it_nc[i])
    scratch = (
        np.zeros(n_w),
        np.zeros(n_w, dtype=np.bool_),
        np.zeros((nc_max + 1, max_eng + 1)),
        np.zeros((nc_max, n_w, max_eng + 1)),
        np.zeros(n_w, dtype=np.int64),
    )
    worth = np.zeros(n_w, dtype=np.uint16)
    free_guided = np.zeros(n_b, dtype=np.int64)
    target_free = np.zeros(n_b, dtype=np.bool_)

    leakers = 0
    first_leak = np.inf
    imp_ptr = 0
    # ``layered``: some salvo was held at the last assignment, so the next cycle is news
    # (a window closing or a better weapon running out can release it).
    held = False

    for c in range(n_c):
        if done == n_t:
            break
        t = c * cycle_s
        dirty = False

        # -- engagements resolving by t, in order of intercept time ------------------------
        nb = 0
        e = e_head[c]
        while e >= 0:
            bucket[nb] = e
            nb += 1
            e = e_next[e]
        for a in range(1, nb):  # insertion sort by (time, id): buckets are tiny
            x = bucket[a]
            j = a - 1
            while j >= 0 and (
                e_time[bucket[j]] > e_time[x] or (e_time[bucket[j]] == e_time[x] and bucket[j] > x)
            ):
                bucket[j + 1] = bucket[j]
                j -= 1
            bucket[j + 1] = x
        for a in range(nb):
            e = bucket[a]
            i = e_threat[e]
            w = e_weapon[e]
            b = weapon_battery[w]
            g = e_group[e]
            n = e_n[e]
            msl_busy[b] -= n
            inflight_bt[b, i] -= n
            if inflight_bt[b, i] == 0:
                tgt_busy[b] -= 1
            dirty = True
            if not alive[i]:
                if ev is not None:
                    _rec(ev, EV_NO_TARGET, e_time[e], 0.0, i, w, n)
                continue
            killed = False
            stream = stream_key(key, threat_rng_id[i], KIND_KILL)
            for s in range(n):
                if uniform_at(stream, e_shot0[e] + s) < pk[w, i]:
                    killed = True
            if ev is not None:
                _rec(ev, EV_KILL if killed else EV_MISS, e_time[e], 0.0, i, w, n)
            if killed:
                alive[i] = False
                done += 1
                out[COL_THREATS_KILLED] += 1
                if threat_lethal[i]:
                    out[COL_LETHAL_KILLED] += 1
                else:
                    out[COL_DECOYS_KILLED] += 1
                out[col_kills + weapon_type[w]] += 1
                out[col_layer + type_layer[weapon_type[w]]] += 1
                _retire(i, n_t, act_list, act_n, act_pos, track_on, active)
            elif sls:
                look_wait[g, i] -= 1
                if look_wait[g, i] == 0:
                    survive[g, i] = 1.0

        # -- impacts by t --------------------------------------------------------------------
        while imp_ptr < n_t and impact_c[impact_order[imp_ptr]] <= c:
            i = impact_order[imp_ptr]
            imp_ptr += 1
            if not alive[i]:
                continue
            alive[i] = False
            done += 1
            if ev is not None:
                kind = EV_LEAK if threat_lethal[i] else EV_IMPACT
                _rec(ev, kind, threat_impact_s[i], 0.0, i, threat_asset[i], 0)
            if threat_lethal[i]:
                leakers += 1
                out[col_hits + threat_asset[i]] += 1
                if threat_impact_s[i] < first_leak:
                    first_leak = threat_impact_s[i]
            _retire(i, n_t, act_list, act_n, act_pos, track_on, active)
            # (An impact frees no fire channel -- salvos at it resolved earlier -- and a
            # freed radar slot is taken below, where a new track marks the cycle.)

        # -- reloads done by t ----------------------------------------------------------------
        q = rl_head[c]
        while q >= 0:
            w = rl_weapon[q]
            ready[w] += weapon_load[w]
            dirty = True
            if ev is not None:
                _rec(ev, EV_RELOAD, t, 0.0, -1, w, weapon_load[w])
            q = rl_next[q]

        # -- tracks: losses (threat left coverage), then formations and waiting tracks -------
        for k in range(loss_ptr[c], loss_ptr[c + 1]):
            ri = loss_list[k]
            if track_on[ri]:
                r = ri // n_t
                i = ri - r * n_t
                track_on[ri] = False
                active[r] -= 1
                if ev is not None:
                    _rec(ev, EV_TRACK_LOST, t, 0.0, i, r, 0)
                g = 0 if centralised else radar_battery[r]
                tracked[g, i] -= 1
                if tracked[g, i] == 0:
                    _act_remove(act_list, act_n, act_pos, g, i)
        # (Track losses only remove options, so they need no new assignment.)
        n_wait_old = n_wait
        n_wait = 0
        for k in range(n_wait_old + (count_c[c + 1] - count_c[c])):
            ri = waiting[k] if k < n_wait_old else form_list[count_c[c] + k - n_wait_old]
            r = ri // n_t
            i = ri - r * n_t
            if not alive[i] or loss_c[ri] <= c:
                continue  # gone, or left coverage while waiting for a slot
            if active[r] < radar_capacity[r]:
                track_on[ri] = True
                active[r] += 1
                g = 0 if centralised else radar_battery[r]
                if ev is not None:
                    _rec(ev, EV_TRACK, t, 0.0, i, r, g)
                tracked[g, i] += 1
                if tracked[g, i] == 1:
                    _act_add(act_list, act_n, act_pos, g, i)
                    # News only if some weapon can engage it now; otherwise the cycle
                    # where it enters an envelope wakes the node (wake lists below).
                    ci = c - it_c0[i]
                    if 0 <= ci < it_nc[i] and it_any[it_off[i] + ci]:
                        dirty = True
                    if est_imp[g, i] != est_imp[g, i]:  # NaN: first track of this node
                        est_imp[g, i] = _estimated_impact(
                            key,
                            threat_rng_id[i],
                            g,
                            threat_impact_s[i],
                            t,
                            threat_speed_mps[i],
                            track_pos_noise_m,
                            track_vel_noise_mps,
                        )
            else:
                waiting[n_wait] = ri
                n_wait += 1

        if held:
            dirty = True
            held = False
        # -- threats entering a weapon's envelope ---------------------------------------------
        if not dirty:
            for k in range(wake_ptr[c], wake_ptr[c + 1]):
                i = wake_threat[k]
                if alive[i]:
                    for g in range(n_g):
                        if tracked[g, i] > 0:
                            dirty = True
        if not dirty:
            continue

        # -- assignment, one C2 node at a time ----------------------------------------------
        for g in range(n_g):
            n_cand = 0
            for ka in range(act_n[g]):
                i = act_list[g, ka]
                if eng_count[g, i] >= max_eng or (sls and look_wait[g, i] > 0):
                    continue
                ci = c - it_c0[i]
                if ci < 0 or ci >= it_nc[i]:
                    continue
                col = it_off[i] + ci
                if not it_any[col]:
                    continue
                left = max_eng - eng_count[g, i]
                planned = False
                for w in range(n_w):
                    if not centralised and weapon_battery[w] != g:
                        continue
                    b = weapon_battery[w]
                    if ready[w] <= 0 or msl_busy[b] >= battery_max_guided[b]:
                        continue
                    if inflight_bt[b, i] == 0 and tgt_busy[b] >= battery_max_targets[b]:
                        continue
                    tint = np.float64(it_time[col, w])
                    if tint < 0.0:
                        continue
                    if priority == 2:
                        if not planned:  # once per threat and node: nothing fired meanwhile
                            for b2 in range(n_b):
                                free_guided[b2] = battery_max_guided[b2] - msl_busy[b2]
                                target_free[b2] = (
                                    inflight_bt[b2, i] > 0 or tgt_busy[b2] < battery_max_targets[b2]
                                )
                            _worth_now(
                                i,
                                col,
                                g,
                                centralised,
                                salvo_size,
                                pk,
                                weapon_battery,
                                ready,
                                free_guided,
                                target_free,
                                it_time,
                                it_off[i],
                                it_c0[i],
                                it_nc[i],
                                it_plan,
                                it_last,
                                cycle_s,
                                max_eng,
                                sls,
                                scratch,
                                worth,
                            )
                            planned = True
                        if not (np.int64(worth[w]) >> (left - 1)) & 1:
                            held = True
                            continue
                    cand_i[n_cand] = i
                    cand_w[n_cand] = w
                    cand_t[n_cand] = tint
                    n_cand += 1
            # Lazy greedy: a max-heap of candidates on keys cached when last computed.
            # Keys only fall within a cycle (rounds and channels get used up, survival
            # beliefs drop), so a top whose recomputed key is unchanged is the true best:
            # the same choice as rescanning all candidates, at O(log P) per salvo.
            # Every candidate passed the limits just above, so only its keys are needed.
            for k in range(n_cand):
                i = cand_i[k]
                w = cand_w[k]
                b = weapon_battery[w]
                n = min(salvo_size, ready[w], battery_max_guided[b] - msl_busy[b])
                k1, k2, k3 = _keys(
                    priority,
                    est_imp[g, i],
                    survive[g, i],
                    threat_value[i],
                    _salvo_pk(pk[w, i], n),
                    cand_t[k],
                )
                h1[k] = k1
                h2[k] = k2
                h3[k] = k3
                heap[k] = k
            n_heap = n_cand
            if priority == 1:  # a zero expected return is not worth a salvo
                n_heap = 0
                for k in range(n_cand):
                    if h1[k] > 0.0:
                        heap[n_heap] = k
                        n_heap += 1
            for a in range(n_heap // 2 - 1, -1, -1):
                _sift_down(heap, n_heap, a, h1, h2, h3, cand_i, cand_w)
            while n_heap > 0:
                best = heap[0]
                i = cand_i[best]
                w = cand_w[best]
                b = weapon_battery[w]
                ok = not (
                    eng_count[g, i] >= max_eng
                    or (sls and look_wait[g, i] > 0)
                    or ready[w] <= 0
                    or msl_busy[b] >= battery_max_guided[b]
                    or (inflight_bt[b, i] == 0 and tgt_busy[b] >= battery_max_targets[b])
                )
                n = 0
                k1 = k2 = k3 = 0.0
                if ok:
                    n = min(salvo_size, ready[w], battery_max_guided[b] - msl_busy[b])
                    k1, k2, k3 = _keys(
                        priority,
                        est_imp[g, i],
                        survive[g, i],
                        threat_value[i],
                        _salvo_pk(pk[w, i], n),
                        cand_t[best],
                    )
                    ok = priority != 1 or k1 > 0.0
                if not ok:
                    n_heap -= 1
                    heap[0] = heap[n_heap]
                    _sift_down(heap, n_heap, 0, h1, h2, h3, cand_i, cand_w)
                    continue
                if k1 != h1[best] or k2 != h2[best] or k3 != h3[best]:
                    h1[best] = k1
                    h2[best] = k2
                    h3[best] = k3
                    _sift_down(heap, n_heap, 0, h1, h2, h3, cand_i, cand_w)
                    continue
                i = cand_i[best]
                w = cand_w[best]
                b = weapon_battery[w]
                # Fire.
                e = n_e
                n_e += 1
                e_threat[e] = i
                e_weapon[e] = w
                e_group[e] = g
                e_n[e] = n
                e_shot0[e] = shots_at[i]
                e_time[e] = cand_t[best]
                rc = max(c + 1, _ceil_cycle(cand_t[best], cycle_s))
                if rc > n_cycles:
                    rc = n_cycles
                e_next[e] = e_head[rc]
                e_head[rc] = e
                if ev is not None:
                    _rec(ev, EV_LAUNCH, t, cand_t[best], i, w, n)
                shots_at[i] += n
                before = fired_w[w]
                fired_w[w] += n
                ready[w] -= n
                out[COL_FIRED] += n
                out[col_fired + weapon_type[w]] += n
                out[COL_COST] += n * interceptor_cost[weapon_type[w]]
                msl_busy[b] += n
                if inflight_bt[b, i] == 0:
                    tgt_busy[b] += 1
                inflight_bt[b, i] += n
                eng_count[g, i] += 1
                survive[g, i] *= 1.0 - _salvo_pk(pk[w, i], n)
                if sls:
                    look_wait[g, i] += 1
                if not engaged[i]:
                    engaged[i] = True
                    out[COL_ENGAGED] += 1
                # Each launcher-load fired empties a launcher: reload it if rounds remain.
                load = weapon_load[w]
                emptied = fired_w[w] // load - before // load
                for _ in range(emptied):
                    if reserve[w] >= load:
                        reserve[w] -= load
                        rcy = _ceil_cycle(t + weapon_reload_s[w], cycle_s)
                        if rcy <= n_cycles:
                            rl_weapon[n_rl] = w
                            rl_next[n_rl] = rl_head[rcy]
                            rl_head[rcy] = n_rl
                            n_rl += 1

    out[COL_LEAKERS] = leakers
    out[COL_FIRST_LEAK] = first_leak if leakers > 0 else np.nan


@njit(cache=True)
def run_batch(seed: int, rep0: int, n_rep: int, n_cols: int, *tables: Any) -> F64:
    """Outcomes (n_rep, n_cols) of replications rep0 .. rep0 + n_rep - 1.

    ``tables`` are ``simulate_one``'s arguments after ``out`` and ``ev``, in its order
    (numba passes them on as one heterogeneous tuple, specialised at compile time: no cost
    per call).
    """
    out = np.zeros((n_rep, n_cols), dtype=np.float64)
    for k in range(n_rep):
        simulate_one(rep_key(seed, rep0 + k), out[k], None, *tables)
    return out


@njit(cache=True)
def run_traced(
    seed: int, rep: int, n_cols: int, ev_i: I64, ev_t: F64, ev_n: I64, *tables: Any
) -> F64:
    """Outcome row of replication ``rep``, its events appended to ``(ev_i, ev_t, ev_n)``.

    The same ``simulate_one`` as :func:`run_batch`, specialised for a trace buffer: the
    same random key, draws and decisions, so the row equals ``run_batch``'s row ``rep``.
    The buffer must hold every event (``engine.trace.event_capacity``).
    """
    out = np.zeros(n_cols, dtype=np.float64)
    simulate_one(rep_key(seed, rep), out, (ev_i, ev_t, ev_n), *tables)
    return out

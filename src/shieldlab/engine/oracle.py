"""The same doctrine as the compiled kernel, as a plain-Python per-replication event loop.

This is the test oracle (tests check that kernel and oracle give the same outcomes) and
the Python path for assigners that cannot be compiled (``doctrine.assigner`` other than
``greedy``: the :class:`~shieldlab.c2.base.WeaponAssigner` is called every decision
cycle). It is written for clarity, not speed: it steps through every decision cycle,
processes every radar scan as it happens (sliding M-of-N window per radar and threat)
and asks the assigner every cycle, where the kernel pre-computes track formation and
skips cycles without news. Random draws use the plain-Python twin of the keyed generator
(``core.rng.uniform_py``), so both see identical draws.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shieldlab.c2.base import AssignmentProblem, WeaponAssigner, check_salvos, salvo_pk
from shieldlab.c2.greedy import GreedyAssigner
from shieldlab.core.rng import KIND_DETECT, KIND_KILL, KIND_TRACK_NOISE, rep_key_py, uniform_py
from shieldlab.engine.compiled import PRIORITY_LAYERED, CompiledScenario
from shieldlab.engine.doctrine import PLAN_TOL
from shieldlab.engine.outcomes import layout_of

F64 = npt.NDArray[np.float64]


@dataclass
class _Engagement:
    ident: int
    threat: int
    weapon: int
    group: int
    rounds: int
    shot0: int
    time_s: float
    cycle: int  # decision cycle at which the salvo is resolved


def _cycle_of(t_s: float, cycle_s: float) -> int:
    """First decision cycle at or after time t (same rounding as the kernel)."""
    return max(0, math.ceil(t_s / cycle_s - 1e-9))


def estimated_impact_py(cs: CompiledScenario, key: int, i: int, node: int, t_s: float) -> float:
    """A node's estimate of threat i's impact time from its ideal track (see the kernel)."""
    impact = float(cs.threat_impact_s[i])
    if cs.track_pos_noise_m <= 0.0 and cs.track_vel_noise_mps <= 0.0:
        return impact
    tau = max(impact - t_s, 0.0)
    sigma = math.sqrt(cs.track_pos_noise_m**2 + (cs.track_vel_noise_mps * tau) ** 2) / max(
        float(cs.threat_speed_mps[i]), 1.0
    )
    ent = int(cs.threat_rng_id[i])
    u1 = uniform_py(key, ent, KIND_TRACK_NOISE, 2 * node)
    u2 = uniform_py(key, ent, KIND_TRACK_NOISE, 2 * node + 1)
    z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
    return impact + sigma * z


def look_chances(cs: CompiledScenario) -> npt.NDArray[np.int64]:
    """Shoot-look-shoot engagements left, per C2 node and row of the intercept table.

    ``out[g, it_off[i] + k]``: the most salvos node g can fire at threat i one after
    another from decision cycle ``it_c0[i] + k`` on, each at the cycle the previous one
    is assessed (its intercept time, rounded up to a cycle, at least one cycle later:
    the engine's timing), while one of the node's weapons can still intercept. A
    backward recursion over the cycles of each threat; deterministic, so computed once
    per scenario. Used for ``AssignmentProblem.looks_left``.
    """
    n_g = 1 if cs.centralised else cs.n_batteries
    out = np.zeros((n_g, cs.it_time.shape[0]), dtype=np.int64)
    cyc = cs.cycle_s
    for g in range(n_g):
        cols = np.flatnonzero(
            np.ones(cs.n_weapons, dtype=bool) if cs.centralised else cs.weapon_battery == g
        )
        for i in range(cs.n_threats):
            c0, nc, off = int(cs.it_c0[i]), int(cs.it_nc[i]), int(cs.it_off[i])
            if nc == 0 or cols.size == 0:
                continue
            tint = cs.it_time[off : off + nc][:, cols].astype(np.float64)
            # cycle (relative to c0) at which a salvo launched at cycle c0 + k is assessed
            nxt = np.maximum(
                np.arange(1, nc + 1)[:, None], np.ceil(tint / cyc - 1e-9).astype(np.int64) - c0
            )
            chance = out[g, off : off + nc]
            for k in range(nc - 1, -1, -1):
                best = 0
                for col in np.flatnonzero(tint[k] >= 0.0).tolist():
                    later = int(nxt[k, col])
                    best = max(best, 1 + (int(chance[later]) if later < nc else 0))
                chance[k] = best
    return out


def plan_values_py(
    cs: CompiledScenario, i: int, k_from: int, q: dict[int, float]
) -> tuple[list[list[float]], dict[tuple[int, int, int], float]]:
    """The engagement programme (``engine.doctrine``) of threat i from its row k_from on.

    ``q[w]``: salvo kill probability of each weapon that is an option. Returns ``V[k][L]``
    (k relative to the threat's first row, k_from .. nc) and ``F[(k, w, L)]`` where w can
    fire at k.
    """
    c0, nc, off = int(cs.it_c0[i]), int(cs.it_nc[i]), int(cs.it_off[i])
    m = cs.max_engagements
    v = [[0.0] * (m + 1) for _ in range(nc + 1)]
    f: dict[tuple[int, int, int], float] = {}
    for k in range(nc - 1, k_from - 1, -1):
        for ell in range(1, m + 1):
            best = v[k + 1][ell]
            for w, qw in q.items():
                tint = float(cs.it_time[off + k, w])
                if tint < 0.0 or qw <= 0.0:
                    continue
                nxt = k
                if cs.shoot_look_shoot:
                    nxt = min(nc, max(k + 1, _cycle_of(tint, cs.cycle_s) - c0))
                val = 1.0 - (1.0 - qw) * (1.0 - v[nxt][ell - 1])
                f[(k, w, ell)] = val
                best = max(best, val)
            v[k][ell] = best
    return v, f


def hold_mask(
    cs: CompiledScenario,
    *,
    cycle: int,
    rows: list[int],
    cols: list[int],
    intercept_s: F64,
    left: list[int],
    ready: npt.NDArray[np.int64],
    free_guided: list[int],
    target_free: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """The ``layered`` doctrine's held pairs (rows x cols) at one decision cycle.

    Pair (threat i, weapon w), feasible now, is held when the engagement programme
    (``engine.doctrine``) over the node's weapons (``cols``) *as they could fire now*
    says w is not worth firing now with ``left[a]`` engagements left: a weapon whose
    battery has no free target channel for i (``target_free[b, a]``) or no ready round is
    no option; one whose salvo is cut short by its ready rounds or its battery's free
    guidance channels (``free_guided[b]``) counts with the rounds it can fire. With a full
    salvo possible on every weapon that can still reach i, that is the pre-computed plan
    ``it_plan``. docs/engine.md, "Doctrine".
    """
    hold = np.zeros((len(rows), len(cols)), dtype=bool)
    tol = 1.0 - PLAN_TOL
    for a, i in enumerate(rows):
        off = int(cs.it_off[i])
        row = off + cycle - int(cs.it_c0[i])
        n_fire = {}
        for w in cols:
            b = int(cs.weapon_battery[w])
            n_fire[w] = (
                min(cs.salvo_size, int(ready[w]), free_guided[b]) if target_free[b, a] else 0
            )
        full = all(n_fire[w] >= cs.salvo_size for w in cols if int(cs.it_last[i, w]) >= row)
        if not full:
            q = {w: salvo_pk(float(cs.pk[w, i]), n) for w, n in n_fire.items() if n > 0}
            v, f = plan_values_py(cs, i, row - off, q)
        for b, w in enumerate(cols):
            if intercept_s[a, b] < 0.0 or left[a] < 1:
                continue
            if full:
                hold[a, b] = not (int(cs.it_plan[row, w]) >> (left[a] - 1)) & 1
            else:
                val = f.get((row - off, w, left[a]), -1.0)
                hold[a, b] = not (val >= 0.0 and val >= v[row - off][left[a]] * tol)
    return hold


def simulate_replication(
    cs: CompiledScenario,
    *,
    seed: int,
    replication: int,
    assigner: WeaponAssigner | None = None,
    chances: npt.NDArray[np.int64] | None = None,
) -> F64:
    """Outcome row of one replication (same columns as the kernel).

    ``chances``: :func:`look_chances` of ``cs`` if already computed (with
    shoot-look-shoot; computed here otherwise).
    """
    assigner = assigner or GreedyAssigner()
    if cs.shoot_look_shoot and chances is None:
        chances = look_chances(cs)
    lay = layout_of(cs)
    out = np.zeros(lay.n_columns)
    # Outcomes are written by column name (engine.outcomes), independently of the
    # kernel's column constants, so a mix-up of columns in either shows as a mismatch.
    col = lay.columns()
    type_names, asset_names, layers = lay.interceptor_names, lay.asset_names, lay.layers
    key = rep_key_py(seed, replication)
    n_t, n_r, n_w, n_b = cs.n_threats, cs.n_radars, cs.n_weapons, cs.n_batteries
    n_g = 1 if cs.centralised else n_b
    cyc = cs.cycle_s

    def group_of_radar(r: int) -> int:
        return 0 if cs.centralised else int(cs.radar_battery[r])

    # Detection state per (radar, threat): recent scan results, whether a track ever formed.
    window: list[list[deque[int]]] = [
        [deque(maxlen=cs.track_n) for _ in range(n_t)] for _ in range(n_r)
    ]
    formed = np.zeros((n_r, n_t), dtype=bool)
    next_scan = [0] * n_r
    track_on = np.zeros((n_r, n_t), dtype=bool)
    active = [0] * n_r
    tracked = np.zeros((n_g, n_t), dtype=int)
    est_imp = np.full((n_g, n_t), math.nan)
    waiting: list[tuple[int, int]] = []
    alive = np.ones(n_t, dtype=bool)
    ready = cs.weapon_ready.copy()
    reserve = cs.weapon_reserve.copy()
    fired_w = np.zeros(n_w, dtype=int)
    tgt_busy = [0] * n_b
    msl_busy = [0] * n_b
    inflight = np.zeros((n_b, n_t), dtype=int)
    eng_count = np.zeros((n_g, n_t), dtype=int)
    look_wait = np.zeros((n_g, n_t), dtype=int)
    survive = np.ones((n_g, n_t))
    shots_at = [0] * n_t
    engaged = [False] * n_t
    in_flight: list[_Engagement] = []
    reloads: list[tuple[int, int]] = []  # (cycle, weapon)
    n_eng = 0
    leakers = 0
    first_leak = math.inf

    def loss_cycle(r: int, i: int) -> int:
        return int(cs.loss_c[r * n_t + i])

    def drop_tracks(i: int) -> None:
        for r in range(n_r):
            if track_on[r, i]:
                track_on[r, i] = False
                active[r] -= 1

    for c in range(cs.n_cycles + 1):
        t = c * cyc
        # 1. Radar scans up to t: sliding M-of-N windows.
        new_tracks: list[tuple[int, int]] = []
        for r in range(n_r):
            period = float(cs.radar_scan_s[r])
            while _cycle_of(next_scan[r] * period, cyc) <= c:
                s = next_scan[r]
                next_scan[r] += 1
                for i in range(n_t):
                    if formed[r, i]:
                        continue
                    k = s - int(cs.det_s0[r, i])
                    if not 0 <= k < int(cs.det_n[r, i]):
                        if k >= 0:
                            window[r][i].append(0)
                        continue
                    pd = float(cs.det_pd[int(cs.det_off[r, i]) + k])
                    if pd >= 1.0:
                        hit = 1
                    elif pd > 0.0:
                        u = uniform_py(key, int(cs.threat_rng_id[i]), KIND_DETECT, (r << 32) | s)
                        hit = int(u < pd)
                    else:
                        hit = 0
                    window[r][i].append(hit)
                    if sum(window[r][i]) >= cs.track_m:
                        formed[r, i] = True
                        new_tracks.append((r, i))
        # 2. Salvos arriving by t, in order of intercept time: kill draws, assessment.
        due = sorted((e for e in in_flight if e.cycle == c), key=lambda e: (e.time_s, e.ident))
        for e in due:
            in_flight.remove(e)
            i, w, g = e.threat, e.weapon, e.group
            b = int(cs.weapon_battery[w])
            msl_busy[b] -= e.rounds
            inflight[b, i] -= e.rounds
            if inflight[b, i] == 0:
                tgt_busy[b] -= 1
            if not alive[i]:
                continue
            killed = any(
                uniform_py(key, int(cs.threat_rng_id[i]), KIND_KILL, e.shot0 + s) < cs.pk[w, i]
                for s in range(e.rounds)
            )
            if killed:
                alive[i] = False
                out[col["threats_killed"]] += 1
                out[col["lethal_threats_killed" if cs.threat_lethal[i] else "decoys_killed"]] += 1
                jt = int(cs.weapon_type[w])
                out[col[f"kills.{type_names[jt]}"]] += 1
                out[col[f"kills_by_layer.{layers[lay.type_layer[jt]]}"]] += 1
                drop_tracks(i)
            elif cs.shoot_look_shoot:
                look_wait[g, i] -= 1
                if look_wait[g, i] == 0:
                    survive[g, i] = 1.0
        # 3. Threats reaching their aimpoint.
        for i in (int(x) for x in cs.impact_order):
            if alive[i] and _cycle_of(float(cs.threat_impact_s[i]), cyc) <= c:
                alive[i] = False
                if cs.threat_lethal[i]:
                    leakers += 1
                    out[col[f"hits.{asset_names[int(cs.threat_asset[i])]}"]] += 1
                    first_leak = min(first_leak, float(cs.threat_impact_s[i]))
                drop_tracks(i)
        # 4. Reloads.
        for _rc, w in [x for x in reloads if x[0] == c]:
            ready[w] += cs.weapon_load[w]
        reloads = [x for x in reloads if x[0] != c]
        # 5. Tracks: lose those whose threat left coverage, admit new ones (waiting first).
        for r in range(n_r):
            for i in range(n_t):
                if track_on[r, i] and loss_cycle(r, i) <= c:
                    track_on[r, i] = False
                    active[r] -= 1
                    tracked[group_of_radar(r), i] -= 1
        still: list[tuple[int, int]] = []
        for r, i in waiting + sorted(new_tracks):
            if not alive[i] or loss_cycle(r, i) <= c:
                continue
            if active[r] < cs.radar_capacity[r]:
                track_on[r, i] = True
                active[r] += 1
                g = group_of_radar(r)
                tracked[g, i] += 1
                if tracked[g, i] == 1 and math.isnan(est_imp[g, i]):
                    est_imp[g, i] = estimated_impact_py(cs, key, i, g, t)
            else:
                still.append((r, i))
        waiting = still
        # 6. Assignment at every cycle, one C2 node at a time.
        for g in range(n_g):
            rows = [
                i
                for i in range(n_t)
                if alive[i] and tracked[g, i] > 0 and 0 <= c - cs.it_c0[i] < cs.it_nc[i]
            ]
            cols = [w for w in range(n_w) if cs.centralised or cs.weapon_battery[w] == g]
            if not rows or not cols:
                continue
            it = np.array(
                [[cs.it_time[cs.it_off[i] + c - cs.it_c0[i], w] for w in cols] for i in rows],
                dtype=np.float64,
            ).reshape(len(rows), len(cols))
            left = np.array(
                [
                    0
                    if cs.shoot_look_shoot and look_wait[g, i] > 0
                    else max(0, cs.max_engagements - eng_count[g, i])
                    for i in rows
                ],
                dtype=np.int64,
            )
            hold = None
            if cs.priority == PRIORITY_LAYERED:
                hold = hold_mask(
                    cs,
                    cycle=c,
                    rows=rows,
                    cols=cols,
                    intercept_s=it,
                    left=[cs.max_engagements - int(eng_count[g, i]) for i in rows],
                    ready=ready,
                    free_guided=[int(cs.battery_max_guided[b]) - msl_busy[b] for b in range(n_b)],
                    target_free=(inflight[:, rows] > 0)
                    | (np.array(tgt_busy) < cs.battery_max_targets)[:, None],
                )
            looks: npt.NDArray[np.int64] | None = None
            if cs.shoot_look_shoot:
                left = np.minimum(left, 1)
                assert chances is not None
                looks = np.array(
                    [
                        min(
                            int(chances[g, cs.it_off[i] + c - cs.it_c0[i]]),
                            max(0, cs.max_engagements - int(eng_count[g, i])),
                        )
                        for i in rows
                    ],
                    dtype=np.int64,
                )
            problem = AssignmentProblem(
                time_s=t,
                threat=np.array(rows, dtype=np.int64),
                threat_value=cs.threat_value[rows],
                impact_s=est_imp[g, rows].copy(),
                survive=survive[g, rows].copy(),
                salvos_left=left,
                weapon=np.array(cols, dtype=np.int64),
                weapon_battery=cs.weapon_battery[cols],
                ready=ready[cols].copy(),
                pk=cs.pk[np.ix_(cols, rows)].T.copy(),
                intercept_s=it,
                battery_free_targets=np.array(
                    [int(cs.battery_max_targets[b]) - tgt_busy[b] for b in range(n_b)]
                ),
                battery_free_guided=np.array(
                    [int(cs.battery_max_guided[b]) - msl_busy[b] for b in range(n_b)]
                ),
                battery_engaging=inflight[:, rows] > 0,
                salvo_size=cs.salvo_size,
                priority=cs.priority,
                looks_left=looks,
                battery_max_targets=cs.battery_max_targets.astype(np.int64),
                battery_max_guided=cs.battery_max_guided.astype(np.int64),
                hold=hold,
            )
            salvos = assigner.assign(problem)
            check_salvos(problem, salvos)
            for sv in salvos:
                i, w, n = rows[sv.threat], cols[sv.weapon], sv.rounds
                b = int(cs.weapon_battery[w])
                tint = float(it[sv.threat, sv.weapon])
                in_flight.append(
                    _Engagement(
                        ident=n_eng,
                        threat=i,
                        weapon=w,
                        group=g,
                        rounds=n,
                        shot0=shots_at[i],
                        time_s=tint,
                        cycle=min(cs.n_cycles, max(c + 1, _cycle_of(tint, cyc))),
                    )
                )
                n_eng += 1
                shots_at[i] += n
                before = int(fired_w[w])
                fired_w[w] += n
                ready[w] -= n
                jt = int(cs.weapon_type[w])
                out[col["interceptors_fired"]] += n
                out[col[f"fired.{type_names[jt]}"]] += n
                out[col["interceptor_cost_usd"]] += n * float(cs.interceptor_cost_usd[jt])
                msl_busy[b] += n
                if inflight[b, i] == 0:
                    tgt_busy[b] += 1
                inflight[b, i] += n
                eng_count[g, i] += 1
                survive[g, i] *= 1.0 - salvo_pk(float(cs.pk[w, i]), n)
                if cs.shoot_look_shoot:
                    look_wait[g, i] += 1
                if not engaged[i]:
                    engaged[i] = True
                    out[col["threats_engaged"]] += 1
                load = int(cs.weapon_load[w])
                for _ in range(int(fired_w[w]) // load - before // load):
                    if reserve[w] >= load:
                        reserve[w] -= load
                        rcy = _cycle_of(t + float(cs.weapon_reload_s[w]), cyc)
                        if rcy <= cs.n_cycles:
                            reloads.append((rcy, w))
        if not alive.any():
            break
    out[col["leakers"]] = leakers
    out[col["time_of_first_leak_s"]] = first_leak if leakers > 0 else math.nan
    return out


def run_replications_py(
    cs: CompiledScenario,
    *,
    seed: int,
    first: int,
    count: int,
    assigner: WeaponAssigner | None = None,
) -> F64:
    """Outcome rows of replications first .. first + count - 1 through the Python loop."""
    lay = layout_of(cs)
    rows = np.zeros((count, lay.n_columns))
    chances = look_chances(cs) if cs.shoot_look_shoot else None
    for k in range(count):
        rows[k] = simulate_replication(
            cs, seed=seed, replication=first + k, assigner=assigner, chances=chances
        )
    return rows

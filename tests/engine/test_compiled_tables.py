"""compile_scenario's detection and intercept tables against a per-threat reference.

compile_scenario evaluates radar geometry and Pd over all threats' scans at once (one
interpolation per scan period, shared by every radar at that period) and the weapon
envelopes over all trajectory samples per battery. The reference below is the direct
reading of the model, one (radar, threat) and one (weapon, threat) at a time, written
independently of the compiled module's layout. The tables must agree bit for bit: the
kernel's random draws are compared with these Pd values, so a last-bit difference could
move a replication's outcome.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenarios import small_scenario

from shieldlab.core.ballistic import EARTH_RADIUS_M
from shieldlab.core.kinematics import LocalFrame, central_angle_rad
from shieldlab.core.sensing import (
    apparent_elevation_rad,
    detection_probability,
    pd_table,
    visible,
)
from shieldlab.engine.compiled import PD_FLOOR, CompiledScenario, compile_scenario
from shieldlab.scenario import Scenario
from shieldlab.scenario.loader import builtin_scenario
from shieldlab.scenario.model import THREAT_CLASSES

Row = tuple[int, np.ndarray] | None  # (first scan with Pd > 0, Pd through the last), or none


def _reference_detection(sc: Scenario, cs: CompiledScenario) -> list[list[Row]]:
    """Pd per (radar, threat) over scans s0 .. s0 + n - 1, computed threat by threat."""
    tr = cs.trajectories
    frame = LocalFrame(
        lat0_rad=math.radians(sc.origin.lat_deg),
        lon0_rad=math.radians(sc.origin.lon_deg),
        alt0_m=sc.origin.alt_m,
    )
    rows: list[list[np.ndarray]] = []
    for bat in sc.batteries:
        for radar in bat.radars:
            pos = radar.position if radar.position is not None else bat.position
            height = pos.alt_m + radar.antenna_height_m
            r_pos = frame.to_local(math.radians(pos.lat_deg), math.radians(pos.lon_deg), height)
            table = pd_table(pfa=radar.pfa, swerling=radar.swerling)
            period = float(radar.scan_period_s)
            row: list[Row] = []
            for i in range(cs.n_threats):
                first = math.ceil(cs.threat_launch_s[i] / period - 1e-12)
                last = math.floor(cs.threat_impact_s[i] / period + 1e-12)
                scans = np.arange(first, last + 1, dtype=np.int64)
                sl = slice(tr["off"][i], tr["off"][i] + tr["n"][i])
                ts = scans * period
                p = np.stack(
                    [np.interp(ts, tr["t_s"][sl], tr["pos_m"][sl, c]) for c in range(3)], axis=-1
                )
                alt = np.interp(ts, tr["t_s"][sl], tr["alt_m"][sl])
                rng = np.linalg.norm(p - r_pos, axis=-1)
                el = apparent_elevation_rad(range_m=rng, radar_height_m=height, target_alt_m=alt)
                mask = visible(
                    range_m=rng,
                    elevation_rad=el,
                    radar_height_m=height,
                    target_alt_m=alt,
                    instrumented_range_m=radar.instrumented_range_m,
                    min_elevation_rad=radar.min_elevation_rad,
                )
                rcs = sc.threat_types[int(cs.threat_type[i])].rcs_m2
                pd = detection_probability(
                    table=table,
                    range_m=rng,
                    rcs_m2=rcs,
                    ref_snr_db=radar.snr_ref_db,
                    ref_range_m=radar.ref_range_m,
                    ref_rcs_m2=radar.ref_rcs_m2,
                    mask=mask,
                )
                pd = np.where(pd >= PD_FLOOR, pd, 0.0)
                nz = np.flatnonzero(pd > 0.0)
                row.append((int(scans[nz[0]]), pd[nz[0] : nz[-1] + 1]) if nz.size else None)
            rows.append(row)
    return rows


def _reference_intercept(
    sc: Scenario, cs: CompiledScenario, w: int, i: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per cycle of threat i: the earliest intercept of a launch timed in the cycle's span
    [t_c, t_c + cycle) inside the feasibility window, and that launch time; -1 where none.

    Written from the model, cycle by cycle and stretch by stretch: sample k is inside when
    its slant range is >= min_range_m, ground range <= the class's max_range_m, altitude in
    the class's band and speed (central differences) <= max_target_speed_mps; a stretch
    between two inside samples offers every launch time between their L = t - d / v, with
    the intercept time linear in the launch time.
    """
    tr = cs.trajectories
    it = sc.interceptor_types[int(cs.weapon_type[w])]
    bat = sc.batteries[int(cs.weapon_battery[w])]
    frame = LocalFrame(
        lat0_rad=math.radians(sc.origin.lat_deg),
        lon0_rad=math.radians(sc.origin.lon_deg),
        alt0_m=sc.origin.alt_m,
    )
    blat, blon = math.radians(bat.position.lat_deg), math.radians(bat.position.lon_deg)
    bpos = frame.to_local(blat, blon, bat.position.alt_m)
    out = np.full(int(cs.it_nc[i]), -1.0)
    out_l = np.full(int(cs.it_nc[i]), -1.0)
    if cs.it_nc[i] == 0 or cs.pk[w, i] <= 0.0:
        return out, out_l
    full = slice(tr["off"][i], tr["off"][i] + tr["n"][i])
    speed = np.linalg.norm(np.gradient(tr["pos_m"][full], tr["t_s"][full], axis=0), axis=-1)
    sl = slice(tr["off"][i], tr["off"][i] + tr["n"][i] - 1)  # not the impact sample
    ground = central_angle_rad(blat, blon, tr["lat_rad"][sl], tr["lon_rad"][sl]) * EARTH_RADIUS_M
    alt = tr["alt_m"][sl]
    dist = np.linalg.norm(tr["pos_m"][sl] - bpos, axis=-1)
    min_r, max_r, min_a, max_a = it.envelope_for(THREAT_CLASSES[int(cs.threat_class[i])])
    inside = (dist >= min_r) & (ground <= max_r) & (alt >= min_a) & (alt <= max_a)
    if it.max_target_speed_mps is not None:
        inside &= speed[:-1] <= it.max_target_speed_mps
    t_k = tr["t_s"][sl]
    big_l = t_k - dist / it.avg_speed_mps
    # Stretches in time order: the point k, then the segment (k, k + 1).
    stretches = []
    for k in range(t_k.size):
        if inside[k]:
            stretches.append((t_k[k], t_k[k], big_l[k], big_l[k]))
            if k + 1 < t_k.size and inside[k + 1]:
                stretches.append((t_k[k], t_k[k + 1], big_l[k], big_l[k + 1]))
    # The first stretch (in time order) whose launch times meet the cycle's span; the
    # scan over stretches is one whole-array comparison per cycle (was a Python loop).
    lo_all = np.array([min(la, lb) for _, _, la, lb in stretches])
    hi_all = np.array([max(la, lb) for _, _, la, lb in stretches])
    for c in range(out.size):
        tc = (cs.it_c0[i] + c) * cs.cycle_s
        meets = np.flatnonzero(~(hi_all < tc) & ~(lo_all >= tc + cs.cycle_s))
        if meets.size == 0:
            continue
        ta, tb, la, lb = stretches[int(meets[0])]
        if lb > la:
            launch = max(tc, la)
            ti = ta + (launch - la) / (lb - la) * (tb - ta)
        elif lb < la:
            launch = min(tc + cs.cycle_s, la)
            ti = ta + (la - launch) / (la - lb) * (tb - ta)
        else:
            launch, ti = la, ta
        out[c], out_l[c] = ti, launch
    return out, out_l


def _check_tables(sc: Scenario, cs: CompiledScenario, ref: list[list[Row]]) -> None:
    for r, row in enumerate(ref):
        for i, want in enumerate(row):
            n = int(cs.det_n[r, i])
            got = cs.det_pd[cs.det_off[r, i] : cs.det_off[r, i] + n]
            if want is None:
                assert n == 0, (r, i)
            else:
                assert (int(cs.det_s0[r, i]), got.tobytes()) == (want[0], want[1].tobytes()), (r, i)
    for w in range(cs.n_weapons):
        it = sc.interceptor_types[int(cs.weapon_type[w])]
        for i in range(cs.n_threats):
            cls = THREAT_CLASSES[int(cs.threat_class[i])]
            assert cs.pk[w, i] == it.sspk_for(cls) * it.reliability, (w, i)
            want, want_l = _reference_intercept(sc, cs, w, i)
            rows = slice(cs.it_off[i], cs.it_off[i] + cs.it_nc[i])
            assert cs.it_time[rows, w].tobytes() == want.astype(np.float32).tobytes(), (w, i)
            assert cs.it_launch[rows, w].tobytes() == want_l.astype(np.float32).tobytes(), (w, i)


def _check(sc: Scenario) -> None:
    cs = compile_scenario(sc)
    _check_tables(sc, cs, _reference_detection(sc, cs))


@pytest.mark.parametrize("name", ["four-batteries", "single-battery"])
def test_builtin_tables_match_the_per_threat_reference(name: str) -> None:
    sc = builtin_scenario(name)
    if name == "four-batteries":  # radars at two scan periods: two shared sample sets
        assert len({r.scan_period_s for b in sc.batteries for r in b.radars}) == 2
    _check(sc)


@settings(max_examples=12, deadline=None)
@given(
    threats=st.integers(1, 12),
    batteries=st.integers(1, 3),
    ballistic=st.booleans(),
    interval=st.sampled_from([0.5, 2.0, 7.0]),
    snr=st.sampled_from([60.0, 100.0]),
)
def test_small_scenario_tables_match_the_per_threat_reference(
    threats: int, batteries: int, ballistic: bool, interval: float, snr: float
) -> None:
    _check(
        small_scenario(
            threats=threats,
            batteries=batteries,
            ballistic=ballistic,
            interval_s=interval,
            snr_ref_db=snr,
        )
    )


def test_reference_sees_a_changed_table() -> None:
    """The comparison can fail: one Pd nudged by one ulp is caught."""
    sc = builtin_scenario("single-battery")
    cs = compile_scenario(sc)
    ref = _reference_detection(sc, cs)
    r, i = next((r, i) for r, row in enumerate(ref) for i, x in enumerate(row) if x is not None)
    _check_tables(sc, cs, ref)  # passes as compiled
    cs.det_pd[cs.det_off[r, i]] = np.nextafter(cs.det_pd[cs.det_off[r, i]], 2.0)
    with pytest.raises(AssertionError):
        _check_tables(sc, cs, ref)

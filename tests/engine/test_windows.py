"""Feasibility windows, timed launches, per-class envelopes (issue 16, item 1).

Hand-derived cases on ``engine.windows.cycle_intercepts`` and on compiled tables of the
built-in single-battery scenario and small notional scenarios.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scenarios import small_scenario

from shieldlab.core.ballistic import EARTH_RADIUS_M
from shieldlab.core.kinematics import LocalFrame, central_angle_rad
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.windows import cycle_intercepts, window_intervals
from shieldlab.errors import InputError
from shieldlab.scenario import Scenario, scenario_from_data
from shieldlab.scenario.loader import builtin_scenario


def _old_first_reachable(t_k, latest, inside, c0, n, cycle):  # type: ignore[no-untyped-def]
    """The rule before issue 16: meet at the first sample whose latest launch is >= t_c."""
    run_max = np.maximum.accumulate(latest)
    out = np.full(n, -1.0)
    for c in range(n):
        k = int(np.searchsorted(run_max, (c0 + c) * cycle, side="left"))
        if k < run_max.size and inside[k]:
            out[c] = t_k[k]
    return out


# A fast-closing threat: sample k at t = 100 + k s, latest launch L_k = 90 + 3k s (L rises
# by 3 s per sample), inside the envelope at sample 6 only (the samples before it are
# above the ceiling). Decisions every 5 s at t = 90, 95, 100, 105.
T_K = 100.0 + np.arange(10.0)
L_K = 90.0 + 3.0 * np.arange(10.0)


def test_timed_launch_meets_a_window_the_first_reachable_rule_misses() -> None:
    inside = np.arange(10) == 6
    got_t, got_l = cycle_intercepts(T_K, L_K, inside, 18, 4, 5.0)
    # The first reachable samples of the four decisions are 0, 2, 4, 5: never sample 6.
    assert (_old_first_reachable(T_K, L_K, inside, 18, 4, 5.0) < 0).all()
    # Timed: the decision at t = 105 launches at L_6 = 108 (in [105, 110)) and meets the
    # threat at sample 6, t = 106; no earlier decision's span [t_c, t_c + 5) holds 108.
    assert got_t.tolist() == [-1.0, -1.0, -1.0, 106.0]
    assert got_l.tolist() == [-1.0, -1.0, -1.0, 108.0]
    assert window_intervals(T_K, L_K, inside) == [(108.0, 108.0)]


def test_window_between_samples_is_interpolated() -> None:
    inside = (np.arange(10) >= 6) & (np.arange(10) <= 7)
    got_t, got_l = cycle_intercepts(T_K, L_K, inside, 18, 5, 5.0)
    # Window: launches in [108, 111], intercept t = 106 + (launch - 108) / 3.
    # t_c = 105: launch 108 -> 106; t_c = 110: launch 110 -> 106 + 2/3.
    assert got_t[:3].tolist() == [-1.0, -1.0, -1.0]
    assert got_t[3] == 106.0 and got_l[3] == 108.0
    assert got_l[4] == 110.0
    assert got_t[4] == pytest.approx(106.0 + 2.0 / 3.0, abs=1e-12)
    assert window_intervals(T_K, L_K, inside) == [(108.0, 111.0)]


def test_every_launch_lies_in_its_decision_span_and_window() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = 40
        t_k = 50.0 + np.arange(n, dtype=float)
        latest = t_k - rng.uniform(5.0, 60.0, n)  # any non-monotone L <= t
        inside = rng.random(n) < 0.5
        t, launch = cycle_intercepts(t_k, latest, inside, 0, 30, 3.0)
        spans = window_intervals(t_k, latest, inside)
        for c in np.flatnonzero(t >= 0.0):
            assert 3.0 * c <= launch[c] <= 3.0 * c + 3.0
            assert any(lo - 1e-9 <= launch[c] <= hi + 1e-9 for lo, hi in spans)
        # A decision whose span holds a window launch time is never left without one.
        for c in np.flatnonzero(t < 0.0):
            assert not any(lo < 3.0 * c + 3.0 and hi >= 3.0 * c for lo, hi in spans), c


def _first_intercepts(cs, i: int) -> list[float]:  # type: ignore[no-untyped-def]
    rows = slice(cs.it_off[i], cs.it_off[i] + cs.it_nc[i])
    out = []
    for w in range(cs.n_weapons):
        t = cs.it_time[rows, w]
        out.append(float(t[t >= 0.0].min()))
    return out


def test_single_battery_layers_meet_the_srbm_outer_first() -> None:
    """Per-class ceilings against ballistic targets (long 30 km, medium 25 km, short
    20 km): the first intercept of each layer is the first trajectory sample below its
    ceiling (all within the 40-60 km ballistic ranges there), so the long-range layer
    meets the SRBM first, the short-range layer last."""
    sc = builtin_scenario("single-battery")
    cs = compile_scenario(sc)
    tr = cs.trajectories
    for i in range(cs.n_threats):
        sl = slice(tr["off"][i], tr["off"][i] + tr["n"][i] - 1)
        t, alt = tr["t_s"][sl], tr["alt_m"][sl]
        descending = t > t[np.argmax(alt)]
        firsts = _first_intercepts(cs, i)
        for w, got in enumerate(firsts):
            it = sc.interceptor_types[int(cs.weapon_type[w])]
            ceiling = it.envelope_for("ballistic")[3]
            want = t[descending & (alt <= ceiling)][0]
            assert got == pytest.approx(want, abs=1e-3), (i, w)
        long_, medium, short = firsts
        assert long_ < medium < short


def _one_round(**interceptor: object) -> Scenario:
    sc = small_scenario(threats=2, ballistic=True)
    it = sc.interceptor_types[0].model_dump()
    it.update(interceptor)
    data = sc.model_dump(mode="json")
    data["interceptor_types"] = [it]
    data["schema_version"] = 1
    return scenario_from_data(data)


def test_a_card_without_class_values_uses_one_envelope_for_every_class() -> None:
    plain = _one_round()
    same = _one_round(
        envelopes={"ballistic": {"max_range_m": 60_000, "max_altitude_m": 30_000}},
        max_target_speed_mps=1.0e5,
    )
    a, b = compile_scenario(plain), compile_scenario(same)
    assert a.it_time.tobytes() == b.it_time.tobytes()
    assert (a.it_time >= 0).any()
    assert plain.interceptor_types[0].envelope_for("cruise") == (1000.0, 60_000.0, 0.0, 30_000.0)


def test_class_envelope_and_target_speed_narrow_the_window() -> None:
    base = compile_scenario(_one_round())
    low = compile_scenario(_one_round(envelopes={"ballistic": {"max_altitude_m": 10_000}}))
    other = compile_scenario(_one_round(envelopes={"aircraft": {"max_altitude_m": 10_000}}))
    slow = compile_scenario(_one_round(max_target_speed_mps=100.0))
    assert other.it_time.tobytes() == base.it_time.tobytes()  # another class: unchanged
    assert (low.it_time >= 0).sum() < (base.it_time >= 0).sum()
    assert (slow.it_time < 0).all()  # every point of the arc is faster than 100 m/s


def test_minimum_range_is_slant_range() -> None:
    """A level threat at 5 km altitude flying to the battery's own site: the slant range
    never drops below 5 km, so a 4 km minimum range leaves it engageable to arrival,
    while 6 km closes the window where the ground range is sqrt(6^2 - 5^2) = 3.3 km."""

    def scen(min_range: float) -> Scenario:
        sc = small_scenario(threats=1)
        data = sc.model_dump(mode="json")
        data["schema_version"] = 1
        data["threat_types"][0]["cruise_altitude_m"] = 5000.0
        data["interceptor_types"][0]["min_range_m"] = min_range
        data["raid"]["waves"][0]["aimpoints"] = ["site-a"]
        return scenario_from_data(data)

    for min_range, closes in ((4000.0, False), (6000.0, True)):
        sc = scen(min_range)
        cs = compile_scenario(sc)
        rows = slice(cs.it_off[0], cs.it_off[0] + cs.it_nc[0])
        feasible = np.flatnonzero(cs.it_time[rows, 0] >= 0.0)
        last_cycle_s = float((cs.it_c0[0] + feasible[-1]) * cs.cycle_s)
        tr = cs.trajectories
        sl = slice(tr["off"][0], tr["off"][0] + tr["n"][0])
        bp = sc.batteries[0].position
        frame = LocalFrame(lat0_rad=math.radians(-20.0), lon0_rad=math.radians(-15.0))
        bpos = frame.to_local(math.radians(bp.lat_deg), math.radians(bp.lon_deg), bp.alt_m)
        slant = np.linalg.norm(tr["pos_m"][sl] - bpos, axis=-1)
        ground = (
            central_angle_rad(
                math.radians(bp.lat_deg),
                math.radians(bp.lon_deg),
                tr["lat_rad"][sl],
                tr["lon_rad"][sl],
            )
            * EARTH_RADIUS_M
        )
        t = tr["t_s"][sl]
        assert slant.min() >= 4999.0 and ground[-2] < 1000.0  # overhead at the end
        inside = slant[:-1] >= min_range
        k_last = int(np.flatnonzero(inside)[-1])
        assert (k_last < t.size - 2) == closes  # 4 km: the last sample before arrival
        # L rises along the approach, so the window ends at the last inside sample's
        # latest launch L = t - slant / v; the last decision able to use it is the cycle
        # whose span holds that launch time.
        l_last = t[k_last] - slant[k_last] / 1000.0
        assert last_cycle_s == math.floor(l_last / cs.cycle_s) * cs.cycle_s


def test_bad_class_envelope_is_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"envelopes\.ballistic"):
        _one_round(envelopes={"ballistic": {"min_altitude_m": 40_000}})
    with pytest.raises(InputError, match="ballistic_coeff_kg_m2"):
        sc = small_scenario(threats=1)
        data = sc.model_dump(mode="json")
        data["schema_version"] = 1
        data["threat_types"][0]["ballistic_coeff_kg_m2"] = 5000.0
        scenario_from_data(data)

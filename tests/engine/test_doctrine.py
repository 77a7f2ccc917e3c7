"""Targeted checks of single doctrine rules (issue 2, item 6) on small notional scenarios.

Each test isolates one limit -- inventory, guidance channels, reload, sensing masks,
M-of-N initiation, salvo size -- where the outcome follows by hand from the rule, and
checks kernel and oracle alike (``run_replications`` / ``run_replications_py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from scenarios import small_scenario

from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import CompiledScenario, compile_scenario
from shieldlab.engine.oracle import run_replications_py
from shieldlab.engine.outcomes import layout_of
from shieldlab.scenario import Scenario, scenario_from_data

Rows = npt.NDArray[np.float64]
RUNNERS: list[Callable[..., Rows]] = [run_replications, run_replications_py]


def _rows(sc: Scenario, run: Callable[..., Rows], count: int = 20) -> tuple[Rows, dict[str, int]]:
    cs = compile_scenario(sc)
    return run(cs, seed=3, first=0, count=count), layout_of(cs).columns()


@pytest.mark.parametrize("run", RUNNERS)
def test_inventory_caps_rounds_fired(run: Callable[..., Rows]) -> None:
    # 8 threats, 3 rounds, no reload: exactly 3 rounds fired, 3 threats engaged.
    rows, col = _rows(small_scenario(threats=8, salvo=1, rounds=3, sspk=0.5), run)
    assert np.all(rows[:, col["interceptors_fired"]] == 3)
    assert np.all(rows[:, col["threats_engaged"]] == 3)


@pytest.mark.parametrize("run", RUNNERS)
def test_one_guidance_channel_cuts_every_salvo_to_one_round(run: Callable[..., Rows]) -> None:
    # Salvo of 2 wanted, but only one interceptor can be guided at a time: every salvo is
    # min(salvo, ready, free guidance channels) = 1 round, one engagement per threat.
    rows, col = _rows(small_scenario(threats=6, salvo=2, guided=1, sspk=0.5), run)
    fired = rows[:, col["interceptors_fired"]]
    assert np.all(fired == rows[:, col["threats_engaged"]])
    assert np.all(fired >= 1)


@pytest.mark.parametrize("run", RUNNERS)
@pytest.mark.parametrize(("reload_s", "expected"), [(4.0, 4), (1.0e6, 2)])
def test_reload_adds_one_load_after_reload_time(
    run: Callable[..., Rows], reload_s: float, expected: int
) -> None:
    # One launcher of 2 rounds and one reload: 12 threats arriving over ~5 min use the
    # reloaded rounds when the reload is quick, never when it outlasts the raid.
    sc = small_scenario(threats=12, salvo=1, rounds=2, reloads=1, reload_s=reload_s, sspk=0.5)
    rows, col = _rows(sc, run)
    assert np.all(rows[:, col["interceptors_fired"]] == expected)


def _with_radar(sc: Scenario, **fields: Any) -> Scenario:
    data = sc.model_dump(mode="json", exclude_none=True)
    for bat in data["batteries"]:
        for r in bat["radars"]:
            r.update(fields)
    return scenario_from_data(data)


@pytest.mark.parametrize(
    "fields",
    [
        {"min_elevation_deg": 60.0},  # threats fly at 2 km, 10-60 km out: below 60 deg
        {"instrumented_range_m": 500.0},  # nothing comes within 500 m before impact
        {"snr_ref_db": -200.0},  # far too weak a radar even at 300 m
    ],
)
def test_no_detection_means_no_engagement_and_every_threat_leaks(fields: dict[str, float]) -> None:
    sc = _with_radar(small_scenario(threats=5), **fields)
    cs: CompiledScenario = compile_scenario(sc)
    rows, col = _rows(sc, run_replications)
    assert np.all(rows[:, col["threats_engaged"]] == 0)
    assert np.all(rows[:, col["leakers"]] == cs.n_lethal)


def test_min_elevation_mask_keeps_a_low_threat_out_but_not_a_high_one() -> None:
    # A 2 km-altitude threat at ~60 km range is seen at ~1.8 deg; a 5 deg floor hides it
    # there, a 1 deg floor does not (apparent elevation on the 4/3 Earth, core.sensing).
    base = small_scenario(threats=1)
    low = compile_scenario(_with_radar(base, min_elevation_deg=5.0))
    high = compile_scenario(_with_radar(base, min_elevation_deg=1.0))
    # First scan with Pd > 0 comes later with the higher floor (threat must come closer).
    assert low.det_s0[0, 0] > high.det_s0[0, 0]


def test_waypoint_route_flies_through_its_turning_point() -> None:
    # A dog-leg through a waypoint 0.3 deg east of the straight path: the flight lasts
    # (leg 1 + leg 2) / speed (haversine legs, Snyder 1987 eq. 5-3a) and passes over the
    # waypoint; without it the threat flies straight in, sooner.
    from shieldlab.core.geodesy import great_circle_distance_m

    direct = small_scenario(threats=1)
    data = direct.model_dump(mode="json", exclude_none=True)
    wp = {"lat_deg": -19.7, "lon_deg": -14.7}
    data["raid"]["waves"][0]["launch_area"]["radius_m"] = 0.0
    direct = scenario_from_data(data)
    data["raid"]["waves"][0]["waypoints"] = [wp]
    routed = scenario_from_data(data)
    cs_d, cs_r = compile_scenario(direct), compile_scenario(routed)
    area = data["raid"]["waves"][0]["launch_area"]
    aim = data["assets"][0]["position"]
    legs_m = float(
        great_circle_distance_m(area["lat_deg"], area["lon_deg"], wp["lat_deg"], wp["lon_deg"])
        + great_circle_distance_m(wp["lat_deg"], wp["lon_deg"], aim["lat_deg"], aim["lon_deg"])
    )
    assert cs_r.threat_impact_s[0] == pytest.approx(legs_m / 300.0, rel=1e-9)
    assert cs_r.threat_impact_s[0] > cs_d.threat_impact_s[0] + 60.0
    # Closest trajectory sample to the waypoint: within one 1-s step at 300 m/s.
    wp_local = _local_of(cs_r, wp["lat_deg"], wp["lon_deg"], 2000.0)
    gap = np.min(np.linalg.norm(cs_r.trajectories["pos_m"] - wp_local, axis=-1))
    assert gap <= 300.0


def _local_of(cs: CompiledScenario, lat_deg: float, lon_deg: float, alt_m: float) -> Rows:
    import math

    from shieldlab.core.kinematics import LocalFrame

    frame = LocalFrame(lat0_rad=math.radians(-20.0), lon0_rad=math.radians(-15.0))
    return frame.to_local(math.radians(lat_deg), math.radians(lon_deg), alt_m)


@pytest.mark.parametrize("n", [1, 3, 62, 63])
def test_m_of_n_window_up_to_its_limit_matches_the_oracle(n: int) -> None:
    # The kernel holds the last n scans in the bits of an int64; at n = 65 it once formed no
    # track at all while the oracle (a deque of n results) did. The model caps n at 63.
    sc = small_scenario(threats=3, snr_ref_db=3.0, m=min(2, n), n=n)
    cs = compile_scenario(sc)
    kernel = run_replications(cs, seed=1, first=0, count=20)
    oracle = run_replications_py(cs, seed=1, first=0, count=20)
    np.testing.assert_array_equal(kernel, oracle)


def test_m_of_n_window_over_63_is_bad_input() -> None:
    from shieldlab.errors import InputError

    with pytest.raises(InputError, match="must be <= 63") as exc:
        small_scenario(m=2, n=64)
    assert exc.value.location.field == "doctrine.track_initiation.n"

"""Low fliers: notional terrain masking and routing around batteries (issue 17 item 5).

Terrain: a threat below ``below_altitude_m`` at distance d from its aimpoint is hidden from
every radar when (d mod L) < f L, so on those scans Pd = 0 and elsewhere Pd is unchanged.
Routing: with one battery of clearance r midway between start and aimpoint, both at
distance D from it, the shortest route around the circle is two tangents and an arc,
2 sqrt(D^2 - r^2) + r (pi - 2 acos(r / D)); the planner's polygon route lies between that
length for radius r (1 + m/2) (every leg keeps that clearance) and for the polygon's
circumscribed radius r (1 + m) / cos(pi / n) (a route around that circle avoids the
polygon, and the visibility graph holds the shortest route around convex polygons).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenarios import small_scenario

from shieldlab.core.ballistic import EARTH_RADIUS_M
from shieldlab.core.kinematics import central_angle_rad, waypoint_track
from shieldlab.engine.batch import run_replications
from shieldlab.engine.checks import _wave_tracks
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.oracle import run_replications_py
from shieldlab.engine.outcomes import COL_LEAKERS
from shieldlab.engine.routing import ROUTE_MARGIN, _from_plane, _to_plane, plan_route
from shieldlab.engine.terrain import masked_by_cells
from shieldlab.errors import InputError
from shieldlab.scenario import Scenario, scenario_from_data


def test_masked_by_cells_by_hand() -> None:
    # f = 0.25, L = 4 km: hidden 0-1 km, 4-5 km, ...; visible 1-4 km; never above 300 m.
    d = np.array([500.0, 1500.0, 3999.0, 4500.0, 500.0])
    alt = np.array([50.0, 50.0, 50.0, 50.0, 400.0])
    got = masked_by_cells(d, alt, fraction=0.25, cell_m=4000.0, below_m=300.0)
    np.testing.assert_array_equal(got, [True, False, False, True, False])


def _low(terrain: dict[str, Any] | None, **kw: Any) -> Scenario:
    data = small_scenario(snr_ref_db=30.0, **kw).model_dump()
    data["threat_types"][0].update(threat_class="cruise", cruise_altitude_m=50.0)
    data["batteries"][0]["radars"][0]["antenna_height_m"] = 40.0
    if terrain is not None:
        data["raid"]["waves"][0]["terrain_masking"] = terrain
    return scenario_from_data(data)


def _pd_by_scan(cs: Any, i: int) -> np.ndarray:
    out = np.zeros(5000)
    s0, n, off = int(cs.det_s0[0, i]), int(cs.det_n[0, i]), int(cs.det_off[0, i])
    out[s0 : s0 + n] = cs.det_pd[off : off + n]
    return out


def test_terrain_zeroes_exactly_the_masked_scans() -> None:
    terrain = {"fraction": 0.3, "cell_length_m": 5000.0, "below_altitude_m": 300.0}
    clear = compile_scenario(_low(None, threats=2))
    cs = compile_scenario(_low(terrain, threats=2))
    tr = cs.trajectories
    for i in range(2):
        a, b = _pd_by_scan(clear, i), _pd_by_scan(cs, i)
        sl = slice(int(tr["off"][i]), int(tr["off"][i] + tr["n"][i]))
        scans = np.arange(5000, dtype=np.float64)  # scan s at t = s (1 s period)
        t_i = tr["t_s"][sl]
        ok = (scans >= t_i[0]) & (scans <= t_i[-1])
        pos = np.stack([np.interp(scans[ok], t_i, tr["pos_m"][sl, c]) for c in range(3)], -1)
        aim = tr["pos_m"][sl][-1]
        d = np.linalg.norm(pos - aim, axis=-1)
        hidden = np.zeros(5000, dtype=bool)
        hidden[ok] = np.mod(d, 5000.0) < 1500.0
        np.testing.assert_array_equal(b[hidden], 0.0)
        np.testing.assert_array_equal(b[~hidden], a[~hidden])
        seen = a > 0
        # Over ~12 cells of approach in coverage, the hidden share is f to within one cell
        # (a partial cell at each end): |share - 0.3| <= 2 * (5 km / approach).
        approach = float(np.ptp(d[seen[ok]]))
        share = hidden[seen].mean()
        assert abs(share - 0.3) <= 2 * 5000.0 / approach


@settings(max_examples=15, deadline=None)
@given(
    fraction=st.floats(0.0, 1.0),
    cell=st.floats(500.0, 50_000.0),
    below=st.floats(10.0, 3000.0),
)
def test_terrain_never_raises_pd(fraction: float, cell: float, below: float) -> None:
    clear = compile_scenario(_low(None, threats=1))
    cs = compile_scenario(
        _low({"fraction": fraction, "cell_length_m": cell, "below_altitude_m": below}, threats=1)
    )
    assert np.all(_pd_by_scan(cs, 0) <= _pd_by_scan(clear, 0))


def test_terrain_raises_leakers_paired_and_kernel_equals_oracle() -> None:
    kw: dict[str, Any] = {"threats": 8, "m": 3, "n": 3, "sspk": 0.7, "max_engagements": 2}
    terrain = {"fraction": 0.85, "cell_length_m": 15000.0}  # 0.075 -> 4.0 leakers of 8
    clear = compile_scenario(_low(None, **kw))
    cs = compile_scenario(_low(terrain, **kw))
    diff = (
        run_replications(cs, seed=2, first=0, count=200)[:, COL_LEAKERS]
        - run_replications(clear, seed=2, first=0, count=200)[:, COL_LEAKERS]
    )
    assert diff.mean() - 1.96 * diff.std(ddof=1) / math.sqrt(diff.size) > 0.0
    np.testing.assert_array_equal(
        run_replications(cs, seed=2, first=5, count=20),
        run_replications_py(cs, seed=2, first=5, count=20),
    )


def _exact_around(d: float, r: float) -> float:
    return 2 * math.sqrt(d * d - r * r) + r * (math.pi - 2 * math.acos(r / d))


def test_route_around_one_battery_between_the_textbook_bounds() -> None:
    lat0, lon0 = math.radians(-20.0), math.radians(-15.0)
    xy = np.array([[0.0, 200_000.0], [0.0, 100_000.0]])  # start 200 km north, battery 100 km
    lat, lon = _from_plane(lat0, lon0, xy)
    r, n = 30_000.0, 32
    w_lat, w_lon = plan_route(
        (float(lat[0]), float(lon[0])),
        (lat0, lon0),
        [(float(lat[1]), float(lon[1]))],
        clearance_m=r,
        points_per_circle=n,
    )
    assert w_lat
    pts = np.vstack(
        [xy[:1], _to_plane(lat0, lon0, np.array(w_lat), np.array(w_lon)), np.zeros((1, 2))]
    )
    length = float(np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=-1)))
    lo = _exact_around(100_000.0, r * (1 + ROUTE_MARGIN / 2))
    hi = _exact_around(100_000.0, r * (1 + ROUTE_MARGIN) / math.cos(math.pi / n))
    assert lo <= length <= hi
    # By hand for r = 30 km, D = 100 km: 2 * 95.39 + 30 * (pi - 2 * 1.2661) = 209.07 km.
    assert _exact_around(100_000.0, r) == pytest.approx(209_070.0, abs=10.0)


@settings(max_examples=40, deadline=None)
@given(
    bats=st.lists(
        st.tuples(st.floats(-150e3, 150e3), st.floats(20e3, 250e3)), min_size=1, max_size=4
    ),
    clearance=st.floats(5e3, 60e3),
    start_x=st.floats(-200e3, 200e3),
)
def test_flown_route_keeps_the_clearance(
    bats: list[tuple[float, float]], clearance: float, start_x: float
) -> None:
    lat0, lon0 = math.radians(-20.0), math.radians(-15.0)
    xy = np.array([[start_x, 320e3], *bats])
    lat, lon = _from_plane(lat0, lon0, xy)
    b_ll = [(float(a), float(b)) for a, b in zip(lat[1:], lon[1:], strict=True)]
    w_lat, w_lon = plan_route(
        (float(lat[0]), float(lon[0])), (lat0, lon0), b_ll, clearance_m=clearance
    )
    track = waypoint_track(
        lat_rad=np.array([lat[0], *w_lat, lat0]),
        lon_rad=np.array([lon[0], *w_lon, lon0]),
        alt_m=50.0,
        speed_mps=250.0,
        dt_s=0.5,
    )
    r_poly = clearance * (1 + ROUTE_MARGIN) / math.cos(math.pi / 32)
    for b_lat, b_lon in b_ll:
        d_start = float(central_angle_rad(lat[0], lon[0], b_lat, b_lon)) * EARTH_RADIUS_M
        d_aim = float(central_angle_rad(lat0, lon0, b_lat, b_lon)) * EARTH_RADIUS_M
        if min(d_start, d_aim) <= r_poly * 1.001:
            continue  # exempt: the route starts or ends near it
        boxed = any(
            float(central_angle_rad(b_lat, b_lon, o_lat, o_lon)) * EARTH_RADIUS_M < 2 * r_poly
            for o_lat, o_lon in b_ll
            if (o_lat, o_lon) != (b_lat, b_lon)
        )
        if not w_lat and boxed:
            continue  # overlapping circles may leave no route: straight in (logged)
        dist = central_angle_rad(track.lat_rad, track.lon_rad, b_lat, b_lon) * EARTH_RADIUS_M
        assert float(np.min(dist)) >= clearance


def _routed(extra: dict[str, Any]) -> dict[str, Any]:
    data = small_scenario(threats=3).model_dump()
    bat = dict(data["batteries"][0])
    # a second battery 30 km north, on the straight approach from -19.4
    data["batteries"].append(
        {**bat, "name": "forward", "position": {"lat_deg": -19.73, "lon_deg": -15.0}}
    )
    data["raid"]["waves"][0].update(extra)
    return data


def test_compiled_and_validate_fly_the_same_planned_route() -> None:
    sc = scenario_from_data(_routed({"avoid_batteries": {"clearance_m": 15_000.0}}))
    straight = compile_scenario(scenario_from_data(_routed({})))
    cs = compile_scenario(sc)
    tr = cs.trajectories
    checks = _wave_tracks(sc, sc.raid.waves[0]).tracks
    fwd = sc.batteries[1].position
    for i in range(3):
        sl = slice(int(tr["off"][i]), int(tr["off"][i] + tr["n"][i]))
        d = central_angle_rad(
            tr["lat_rad"][sl],
            tr["lon_rad"][sl],
            math.radians(fwd.lat_deg),
            math.radians(fwd.lon_deg),
        )
        assert float(np.min(d)) * EARTH_RADIUS_M >= 15_000.0 * 0.99  # launch disc: 5 km off centre
        np.testing.assert_allclose(checks[i].t_s[-1], tr["t_s"][sl][-1] - tr["t_s"][sl][0])
    assert np.all(cs.threat_impact_s > straight.threat_impact_s)  # the detour takes longer


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        (
            {
                "avoid_batteries": {"clearance_m": 1e4},
                "waypoints": [{"lat_deg": -19.5, "lon_deg": -15.2}],
            },
            "avoid_batteries",
            "not both",
        ),
        ({"terrain_masking": {"fraction": 1.5}}, "fraction", "must be <= 1"),
    ],
)
def test_bad_low_flier_fields_name_the_field(extra: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        scenario_from_data(_routed(extra))
    assert field in str(err.value.location.field) and words in str(err.value)

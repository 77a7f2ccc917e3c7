"""Theatre map and engagement timeline: what is drawn is what the scenario and trace say."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shieldlab.core.ballistic import EARTH_RADIUS_M
from shieldlab.core.geodesy import great_circle_distance_m
from shieldlab.engine.trace import EventTrace
from shieldlab.scenario import Scenario
from shieldlab.viz import theatre

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def traces_named(fig: Any, name: str) -> list[Any]:
    return [t for t in fig.data if t.name == name]


@given(
    lat=st.floats(-70.0, 70.0),
    lon=st.floats(-179.0, 179.0),
    radius_m=st.floats(100.0, 1_500_000.0),  # theatre scale: the circle misses the poles
)
def test_circle_points_are_at_the_radius(lat: float, lon: float, radius_m: float) -> None:
    la, lo = theatre.circle(lat, lon, radius_m, n=37)
    d = great_circle_distance_m(lat, lon, la, lo, radius_m=EARTH_RADIUS_M)
    np.testing.assert_allclose(d, radius_m, rtol=1e-6, atol=1e-3)
    # It goes all the way round: first and last points coincide, north point first.
    assert la[0] == pytest.approx(la[-1], abs=1e-9) and lo[0] == pytest.approx(lo[-1], abs=1e-9)
    assert la[0] > lat


def expected_rings(sc: Scenario) -> dict[str, int]:
    out: dict[str, int] = {"radar instrumented range": 0, "Red launch areas": len(sc.raid.waves)}
    types = {t.name: t for t in sc.interceptor_types}
    for b in sc.batteries:
        out["radar instrumented range"] += len(b.radars)
        for name in {item.interceptor for lc in b.launchers for item in lc.loadout}:
            t = types[name]
            n = 1 + (t.min_range_m > 0)
            out[f"envelope: {name}"] = out.get(f"envelope: {name}", 0) + n
    return out


def test_rings_one_per_radar_envelope_and_launch_area(four_batteries: Scenario) -> None:
    got: dict[str, int] = {}
    for ring in theatre.rings(four_batteries):
        got[ring.group] = got.get(ring.group, 0) + 1
    assert got == expected_rings(four_batteries)


def test_map_without_trace_shows_sites_and_rings(four_batteries: Scenario) -> None:
    fig = theatre.map_figure(four_batteries)
    (bats,) = traces_named(fig, "Blue batteries")
    assert list(bats.x) == [b.position.lon_deg for b in four_batteries.batteries]
    assert list(bats.y) == [b.position.lat_deg for b in four_batteries.batteries]
    assert list(bats.text) == [b.name for b in four_batteries.batteries]
    (assets,) = traces_named(fig, "Blue defended assets")
    assert list(assets.text) == [a.name for a in four_batteries.assets]
    rings = expected_rings(four_batteries)
    for group, n in rings.items():
        assert len(traces_named(fig, group)) == n, group
    assert not [t for t in fig.data if (t.name or "").startswith("threat tracks")]
    lay = fig.layout
    assert lay.xaxis.title.text and lay.yaxis.title.text
    lat0 = np.mean(
        [a.position.lat_deg for a in four_batteries.assets]
        + [b.position.lat_deg for b in four_batteries.batteries]
    )
    assert lay.yaxis.scaleanchor == "x"
    assert lay.yaxis.scaleratio == pytest.approx(1.0 / math.cos(math.radians(lat0)))


def test_map_with_trace_marks_every_intercept_and_leak(
    four_batteries: Scenario, four_trace: EventTrace
) -> None:
    fig = theatre.map_figure(four_batteries, four_trace)
    tr = four_trace
    for kind, name in (
        ("kill", "intercepts (kill)"),
        ("miss", "intercepts (miss)"),
        ("leak", "leak"),
    ):
        sel = tr.mask(kind)
        assert sel.any(), kind
        (marks,) = traces_named(fig, name)
        np.testing.assert_array_equal(np.asarray(marks.x), tr.lon_deg[sel])
        np.testing.assert_array_equal(np.asarray(marks.y), tr.lat_deg[sel])
    # One ground track per threat, split by fate; each ends where the threat ended.
    n_tracks = 0
    for fate in ("killed", "leaked", "impacted"):
        (lines,) = traces_named(fig, f"threat tracks: {fate}")
        x = np.asarray(lines.x, dtype=float)
        breaks = np.flatnonzero(np.isnan(x))
        n_tracks += breaks.size
        ends = x[breaks - 1]
        fate_lon = [
            tr.ground_track(i)[2][-1]
            for i in range(tr.n_threats)
            if theatre.FATES[tr.threat_fate[i]] == fate
        ]
        np.testing.assert_allclose(ends, fate_lon)
    assert n_tracks == tr.n_threats
    assert str(tr.replication) in fig.layout.title.text


def test_timeline_rows_and_marks(four_trace: EventTrace) -> None:
    tr = four_trace
    fig = theatre.timeline_figure(tr)
    rows = theatre._timeline_rows(tr)
    # Rows by launch time.
    assert np.all(np.diff(tr.threat_launch_s[np.argsort(rows)]) >= 0)
    assert len(fig.layout.yaxis.tickvals) == tr.n_threats
    for kind in ("launch", "kill", "miss", "leak", "impact"):
        name = theatre.TIMELINE_MARKS[kind][0]
        (marks,) = traces_named(fig, name)
        sel = tr.mask(kind)
        np.testing.assert_array_equal(np.asarray(marks.x), tr.time_s[sel])
        np.testing.assert_array_equal(np.asarray(marks.y), rows[tr.threat[sel]])
    # Track formation: the first track of each threat at each C2 node.
    (tracks,) = traces_named(fig, theatre.TIMELINE_MARKS["track"][0])
    firsts = {}
    for e in np.flatnonzero(tr.mask("track")):
        firsts.setdefault((int(tr.threat[e]), int(tr.node[e])), float(tr.time_s[e]))
    assert sorted(np.asarray(tracks.x).tolist()) == sorted(firsts.values())
    # Flights span launch to end.
    total = 0
    for fate in ("killed", "leaked", "impacted"):
        (fl,) = traces_named(fig, f"flight: {fate}")
        x = np.asarray(fl.x, dtype=float).reshape(-1, 3)
        total += x.shape[0]
        assert np.all(x[:, 1] >= x[:, 0])
    assert total == tr.n_threats
    assert fig.layout.xaxis.title.text


def test_pngs_are_written(tmp_path: Path, lossy: Scenario, lossy_trace: EventTrace) -> None:
    m = theatre.map_png(lossy, tmp_path / "map.png", lossy_trace)
    t = theatre.timeline_png(lossy_trace, tmp_path / "t.png")
    for p in (m, t):
        data = p.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    theatre.map_png(lossy, tmp_path / "bare.png")
    assert (tmp_path / "bare.png").read_bytes().startswith(PNG_MAGIC)


def test_write_figures_shares_one_plotlyjs(
    tmp_path: Path, lossy: Scenario, lossy_trace: EventTrace
) -> None:
    files = theatre.write_figures(tmp_path / "figs", lossy, lossy_trace)
    assert set(files) == {"plotly.min.js", "map.html", "map.png", "timeline.html", "timeline.png"}
    js = (tmp_path / "figs" / "plotly.min.js").stat().st_size
    assert js > 1_000_000
    for name in ("map.html", "timeline.html"):
        html = files[name].read_text()
        assert 'src="plotly.min.js"' in html
        assert len(html) < js / 4  # plotly.js not embedded
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == sorted(files)


def test_missing_plot_package_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch, lossy: Scenario
) -> None:
    import sys

    from shieldlab.errors import InputError

    monkeypatch.setitem(sys.modules, "plotly", None)
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    with pytest.raises(InputError, match=r"pip install 'shieldlab\[plot\]'"):
        theatre.map_figure(lossy)


def test_defended_area_holds_sites_and_intercepts(
    four_batteries: Scenario, four_trace: EventTrace
) -> None:
    x0, x1, y0, y1 = theatre.defended_area(four_batteries, four_trace)
    sel = four_trace.mask("kill", "miss", "leak")
    lon = np.concatenate(
        [four_trace.lon_deg[sel], [b.position.lon_deg for b in four_batteries.batteries]]
    )
    lat = np.concatenate(
        [four_trace.lat_deg[sel], [a.position.lat_deg for a in four_batteries.assets]]
    )
    assert np.all((x0 < lon) & (lon < x1)) and np.all((y0 < lat) & (lat < y1))


def test_a_trace_of_another_scenario_is_refused(
    tmp_path: Path, four_batteries: Scenario, lossy_trace: EventTrace
) -> None:
    from shieldlab.viz import replay

    with pytest.raises(ValueError, match="recorded on scenario 'test-small'"):
        theatre.map_figure(four_batteries, lossy_trace)
    with pytest.raises(ValueError, match="recorded on scenario"):
        theatre.map_png(four_batteries, tmp_path / "m.png", lossy_trace)
    with pytest.raises(ValueError, match="recorded on scenario"):
        replay.write_czml(lossy_trace, four_batteries, tmp_path / "r.czml")
    with pytest.raises(ValueError, match="recorded on scenario"):
        replay.write_kml(lossy_trace, four_batteries, tmp_path / "r.kml")
    assert not list(tmp_path.iterdir())

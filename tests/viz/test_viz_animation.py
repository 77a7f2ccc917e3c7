"""The animated replay: every frame shows what the trace says at its time (threats where
their trajectories put them, salvos on their battery-to-intercept line, events so far), and
the page is one offline file that opens paused; the replication picker (``--worst``,
``--where``) chooses what the run's rows say."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.engine import pick as pick_mod
from shieldlab.engine.batch import run_replications
from shieldlab.engine.compiled import compile_scenario
from shieldlab.engine.outcomes import layout_of
from shieldlab.engine.pick import parse_where, pick_replication
from shieldlab.engine.trace import EventTrace, record_replication
from shieldlab.errors import InputError
from shieldlab.scenario import Scenario
from shieldlab.viz import animation
from shieldlab.viz.animation import DYNAMIC, animation_figure, frame_state, frame_times, salvos

pytest.importorskip("plotly", reason="the animation needs the plot extra")


def _in_flight(trace: EventTrace, t: float) -> np.ndarray:
    return np.flatnonzero((trace.threat_launch_s <= t) & (t < trace.threat_end_s))


def test_frame_state_follows_the_trajectories(lossy_trace: EventTrace) -> None:
    tr = lossy_trace
    for t in frame_times(tr, 37):
        st = frame_state(tr, float(t))
        np.testing.assert_array_equal(st.threats, _in_flight(tr, float(t)))
        for i, la, lo in zip(st.threats, st.threat_lat_deg, st.threat_lon_deg, strict=True):
            sl = slice(int(tr.traj_off[i]), int(tr.traj_off[i] + tr.traj_n[i]))
            assert la == pytest.approx(np.interp(t, tr.traj_t_s[sl], tr.traj_lat_deg[sl]))
            assert lo == pytest.approx(np.interp(t, tr.traj_t_s[sl], tr.traj_lon_deg[sl]))
        for k in ("kill", "miss", "leak"):
            assert st.events[k].size == int(np.sum(tr.mask(k) & (tr.time_s <= t)))
    end = frame_state(tr, float(frame_times(tr)[-1]))
    cols = tr.outcome_columns
    assert end.killed == tr.outcome[cols["threats_killed"]]
    assert end.leaked == tr.outcome[cols["leakers"]] > 0  # the lossy scenario leaks
    assert end.threats.size == 0  # the last frame is the last end: nothing flies on


def test_salvos_fly_from_the_battery_to_the_intercept_point(lossy_trace: EventTrace) -> None:
    tr = lossy_trace
    sv = salvos(tr)
    launches = np.flatnonzero(tr.mask("launch"))
    assert sv.t_launch.size == launches.size > 0
    resolved = np.flatnonzero(tr.mask("kill", "miss", "no_target"))
    for k, e in enumerate(launches):
        # at launch: the battery; the resolving event (same threat, at the intercept time)
        # is where the salvo ends
        b = int(tr.battery[e])
        assert (sv.lat0[k], sv.lon0[k]) == (tr.battery_lat_deg[b], tr.battery_lon_deg[b])
        hit = [r for r in resolved if tr.threat[r] == tr.threat[e] and tr.time_s[r] == sv.t_hit[k]]
        assert hit, "every salvo is resolved at its intercept time"
        r = hit[0]
        assert sv.lat1[k] == pytest.approx(tr.lat_deg[r], abs=1e-9)
        assert sv.lon1[k] == pytest.approx(tr.lon_deg[r], abs=1e-9)
        if sv.t_end[k] <= sv.t_launch[k]:
            continue
        mid = 0.5 * (sv.t_launch[k] + sv.t_end[k])
        st = frame_state(tr, float(mid))
        assert k in st.salvos
        j = int(np.flatnonzero(st.salvos == k)[0])
        f = (mid - sv.t_launch[k]) / (sv.t_hit[k] - sv.t_launch[k])
        assert st.salvo_lat_deg[j] == pytest.approx(sv.lat0[k] + f * (sv.lat1[k] - sv.lat0[k]))
        assert k not in frame_state(tr, float(sv.t_end[k]) + 1e-6).salvos


def test_frames_hold_the_frame_states(lossy: Scenario, lossy_trace: EventTrace) -> None:
    tr = lossy_trace
    fig = animation_figure(lossy, tr, max_frames=25)
    times = frame_times(tr, 25)
    assert len(fig.frames) == 25
    n_static = len(fig.data) - len(DYNAMIC)
    assert [t.name for t in fig.data[n_static:]][1:4] == [
        "lethal threats in flight",
        "decoys in flight",
        "interceptors in flight",
    ]
    lethal = tr.threat_lethal.astype(bool)

    def n(xs: Any) -> int:  # an empty trace holds one blank point (None)
        return sum(x is not None for x in xs)

    for fr, t in zip(fig.frames, times, strict=True):
        assert all(len(d.x) > 0 for d in fr.data)  # never empty: that would not clear
        assert list(fr.traces) == list(range(n_static, n_static + len(DYNAMIC)))
        st = frame_state(tr, float(t))
        n_lethal = int(lethal[st.threats].sum())
        assert n(fr.data[1].x) == n_lethal
        assert n(fr.data[2].x) == st.threats.size - n_lethal
        np.testing.assert_allclose(
            sorted(x for x in fr.data[1].x if x is not None),
            sorted(np.round(st.threat_lon_deg[lethal[st.threats]], 5)),
        )
        assert n(fr.data[3].x) == st.salvos.size
        assert [n(fr.data[4 + j].x) for j in range(3)] == [
            st.events[k].size for k in ("kill", "miss", "leak")
        ]
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 25 and [list(s.args[0]) for s in steps] == [[str(k)] for k in range(25)]
    last = frame_state(tr, float(times[-1]))
    assert steps[-1].label.endswith(f"{last.leaked} leaked, {last.killed} killed, 0 in flight")
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["▶ Play", "❚❚ Pause"]
    # the axes are fixed and hold every trajectory point
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    assert x0 < tr.traj_lon_deg.min() and tr.traj_lon_deg.max() < x1
    assert y0 < tr.traj_lat_deg.min() and tr.traj_lat_deg.max() < y1


def test_page_is_offline_paused_and_plain_json(
    lossy: Scenario, lossy_trace: EventTrace, tmp_path: Path
) -> None:
    p = animation.write_animation(lossy, lossy_trace, tmp_path / "a.html", max_frames=12)
    page = p.read_text(encoding="utf-8")
    head = page[: page.index("</head>")]
    assert "<title>" in head and "animated replay" in head
    assert not re.search(r"<script[^>]+src=", page)
    assert "Plotly.animate" not in page  # auto_play off: opens on the first frame
    frames = re.search(r"Plotly\.addFrames\([^,]+,\s*(\[.*?\])\);", page, re.S)
    assert frames is not None
    assert "bdata" not in frames.group(1)  # plain lists: plotly.js decodes no typed arrays
    assert len(json.loads(frames.group(1))) == 12


def test_a_foreign_trace_is_refused(four_batteries: Scenario, lossy_trace: EventTrace) -> None:
    with pytest.raises(ValueError, match="recorded on scenario"):
        animation_figure(four_batteries, lossy_trace)


# ---- the replication picker ------------------------------------------------------------


@pytest.fixture(scope="module")
def rows(lossy: Scenario) -> tuple[np.ndarray, dict[str, int]]:
    cs = compile_scenario(lossy)
    return run_replications(cs, seed=5, first=0, count=200), layout_of(cs).columns()


def test_worst_is_the_most_leakers_earliest_first_leak(
    lossy: Scenario, rows: tuple[np.ndarray, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    r, cols = rows
    leak = r[:, cols["leakers"]]
    first = np.where(np.isnan(r[:, cols["time_of_first_leak_s"]]), np.inf,
                     r[:, cols["time_of_first_leak_s"]])  # fmt: skip
    best = [k for k in range(200) if leak[k] == leak.max()]
    want = min(best, key=lambda k: (first[k], k))
    got = pick_replication(lossy, seed=5, search=200, worst=True)
    assert got.replication == want and got.searched == 200
    assert got.outcome["leakers"] == leak.max()
    assert "most leakers" in got.reason
    monkeypatch.setattr(pick_mod, "CHUNK", 7)  # chunk boundaries change nothing
    assert pick_replication(lossy, seed=5, search=200, worst=True).replication == want
    tr = record_replication(lossy, seed=5, replication=want)
    assert tr.outcome[tr.outcome_columns["leakers"]] == leak.max()


WHERE = ["leakers>=2", "leakers >= 1 and threats_killed < 10", "threats_killed=12",
         "leakers>0, interceptors_fired<=30"]  # fmt: skip


@pytest.mark.parametrize("expr", WHERE)
def test_where_is_the_first_match(
    lossy: Scenario,
    rows: tuple[np.ndarray, dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    expr: str,
) -> None:
    r, cols = rows
    ok = np.ones(200, dtype=bool)
    for c in parse_where(expr, cols):
        v = r[:, cols[c.name]]
        ok &= {">=": v >= c.value, "<": v < c.value, "=": v == c.value, ">": v > c.value,
               "<=": v <= c.value}[c.op]  # fmt: skip
    if not ok.any():
        with pytest.raises(InputError, match="no replication of the first 200"):
            pick_replication(lossy, seed=5, search=200, where=expr)
        return
    want = int(np.flatnonzero(ok)[0])
    assert pick_replication(lossy, seed=5, search=200, where=expr).replication == want
    monkeypatch.setattr(pick_mod, "CHUNK", 3)
    assert pick_replication(lossy, seed=5, search=200, where=expr).replication == want


@pytest.mark.parametrize(("expr", "message"), [
    ("", "empty expression"),
    ("leakrs>=3", "no outcome 'leakrs'"),
    ("leakers>>3", "cannot read 'leakers>>3'"),
    ("leakers>=three", "cannot read"),
    ("leakers>=3 and", "cannot read|empty"),
    ("3<=leakers", "cannot read"),
])  # fmt: skip
def test_bad_expressions_name_the_option(
    rows: tuple[np.ndarray, dict[str, int]], expr: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_where(expr, rows[1])
    assert info.value.location.field == "--where"


@settings(max_examples=40, deadline=None)
@given(t=st.floats(-50.0, 2000.0), dt=st.floats(0.0, 500.0))
def test_frame_counts_add_up_and_never_go_back(
    lossy_trace: EventTrace, t: float, dt: float
) -> None:
    tr = lossy_trace
    a, b = frame_state(tr, t), frame_state(tr, t + dt)
    launched = int(np.sum(tr.threat_launch_s <= t))
    ended = int(np.sum(tr.threat_end_s <= t))
    assert a.threats.size == launched - ended  # in flight = launched - ended
    for k in ("kill", "miss", "leak"):
        assert set(a.events[k]) <= set(b.events[k])  # marks stay once made
    assert a.leaked <= b.leaked and a.killed <= b.killed

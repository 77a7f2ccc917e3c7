"""An animated replay of one replication: one self-contained, offline HTML page.

A plotly figure with animation frames over the theatre map of :mod:`shieldlab.viz.theatre`
(rings, batteries, defended assets stay still): at each frame time t

* every threat in flight (launch <= t < its end: kill or impact) is a marker at its
  position at t (linear between its 1 s trajectory samples), lethal threats red, decoys
  grey, with a short trail over the last few frames;
* every salvo in flight (launched, before its intercept time and before its target's end)
  is a blue marker on the straight line from its battery at launch to the intercept point
  at the intercept time (as in the CZML replay);
* every kill, miss and leak up to t stays on the map (✕, ○, ★).

A time slider and Play/Pause buttons drive the frames; the title says the time and the
count so far (leaked, killed, in flight). plotly.js is embedded, so the page needs no
network and no Cesium. :func:`frame_state` gives the same positions as arrays (tests, or
another renderer).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shieldlab._io import atomic_write_text
from shieldlab._optional import require
from shieldlab.engine.trace import EventTrace
from shieldlab.scenario.model import Scenario
from shieldlab.viz.theatre import COLOURS, check_trace, map_figure, rings

__all__ = ["FrameState", "animation_figure", "frame_state", "frame_times", "write_animation"]

F64 = npt.NDArray[np.float64]
#: Frames of an animation unless asked otherwise (the slider's resolution).
MAX_FRAMES = 240
#: A threat's trail covers this many frames before the current one.
TRAIL_FRAMES = 6
RED_T = "rgba(198,40,40,0.45)"  # trails: the leaked colour, translucent
#: Milliseconds per frame when playing.
FRAME_MS = 80
#: The dynamic traces, in the order they follow the map's static traces.
DYNAMIC = ("trails", "lethal", "decoys", "salvos", "kill", "miss", "leak")


def frame_times(trace: EventTrace, max_frames: int = MAX_FRAMES) -> F64:
    """Evenly spaced frame times from the first launch (or 0) to the last end or event."""
    if max_frames < 2:
        raise ValueError(f"max_frames must be at least 2, got {max_frames}")
    t0 = min(float(np.min(trace.threat_launch_s)), 0.0) if trace.n_threats else 0.0
    t1 = float(np.max(trace.threat_end_s)) if trace.n_threats else 0.0
    if trace.n_events:
        t1 = max(t1, float(np.max(trace.time_s)))
    t1 = max(t1, t0 + 1.0)
    return np.linspace(t0, t1, int(max_frames))


def _threat_positions(trace: EventTrace, times: F64) -> tuple[F64, F64, npt.NDArray[np.bool_]]:
    """lat, lon (threats, frames) at each time, and whether each threat is in flight."""
    n = trace.n_threats
    lat = np.full((n, times.size), np.nan)
    lon = np.full((n, times.size), np.nan)
    for i in range(n):
        sl = slice(int(trace.traj_off[i]), int(trace.traj_off[i] + trace.traj_n[i]))
        t = trace.traj_t_s[sl]
        lat[i] = np.interp(times, t, trace.traj_lat_deg[sl])
        lon[i] = np.interp(times, t, trace.traj_lon_deg[sl])
    # In flight from launch until its end (kill or impact), the end itself excluded: at
    # that time the kill or leak mark takes its place.
    alive = (times[None, :] >= trace.threat_launch_s[:, None]) & (
        times[None, :] < trace.threat_end_s[:, None]
    )
    return lat, lon, alive


@dataclass(frozen=True)
class Salvos:
    """Every launch: start point and time, intercept point and time, end of its flight."""

    t_launch: F64
    t_hit: F64
    t_end: F64
    lat0: F64
    lon0: F64
    lat1: F64
    lon1: F64
    label: list[str]


def salvos(trace: EventTrace) -> Salvos:
    """The salvos of the replication (see the module docstring)."""
    e = np.flatnonzero(trace.mask("launch"))
    thr = trace.threat[e]
    t_launch, t_hit = trace.time_s[e], trace.intercept_s[e]
    lat1, lon1 = np.empty(e.size), np.empty(e.size)
    for k, (i, th) in enumerate(zip(thr, t_hit, strict=True)):
        sl = slice(int(trace.traj_off[i]), int(trace.traj_off[i] + trace.traj_n[i]))
        lat1[k] = np.interp(th, trace.traj_t_s[sl], trace.traj_lat_deg[sl])
        lon1[k] = np.interp(th, trace.traj_t_s[sl], trace.traj_lon_deg[sl])
    # The salvo flies until its intercept time, or until its target is gone first.
    t_end = np.where(t_hit > t_launch, np.minimum(t_hit, trace.threat_end_s[thr]), t_hit)
    label = [
        f"salvo: {trace.battery_names[int(trace.battery[x])]} "
        f"{trace.interceptor_names[int(trace.interceptor[x])]} x{int(trace.rounds[x])} "
        f"at threat {int(trace.threat[x])}"
        for x in e
    ]
    return Salvos(
        t_launch=t_launch,
        t_hit=t_hit,
        t_end=t_end,
        lat0=trace.lat_deg[e],
        lon0=trace.lon_deg[e],
        lat1=lat1,
        lon1=lon1,
        label=label,
    )


@dataclass(frozen=True)
class FrameState:
    """What is on the map at one time: indices, positions and counts."""

    t_s: float
    threats: npt.NDArray[np.int64]  # in flight
    threat_lat_deg: F64
    threat_lon_deg: F64
    salvos: npt.NDArray[np.int64]  # in flight (index among the launches)
    salvo_lat_deg: F64
    salvo_lon_deg: F64
    events: dict[str, npt.NDArray[np.int64]]  # kind -> event indices up to t

    @property
    def leaked(self) -> int:
        return int(self.events["leak"].size)

    @property
    def killed(self) -> int:
        return int(self.events["kill"].size)


def _salvo_at(s: Salvos, t: float) -> tuple[npt.NDArray[np.int64], F64, F64]:
    on = np.flatnonzero((s.t_launch <= t) & (t < s.t_end))
    span = np.where(s.t_hit[on] > s.t_launch[on], s.t_hit[on] - s.t_launch[on], 1.0)
    f = np.clip((t - s.t_launch[on]) / span, 0.0, 1.0)
    lat = s.lat0[on] + f * (s.lat1[on] - s.lat0[on])
    lon = s.lon0[on] + f * (s.lon1[on] - s.lon0[on])
    return on, lat, lon


def frame_state(trace: EventTrace, t_s: float) -> FrameState:
    """The state of the replication at time ``t_s`` (what the frame at ``t_s`` shows)."""
    times = np.array([float(t_s)])
    lat, lon, alive = _threat_positions(trace, times)
    on = np.flatnonzero(alive[:, 0])
    s_on, s_lat, s_lon = _salvo_at(salvos(trace), float(t_s))
    events = {
        k: np.flatnonzero(trace.mask(k) & (trace.time_s <= t_s)) for k in ("kill", "miss", "leak")
    }
    return FrameState(
        t_s=float(t_s),
        threats=on,
        threat_lat_deg=lat[on, 0],
        threat_lon_deg=lon[on, 0],
        salvos=s_on,
        salvo_lat_deg=s_lat,
        salvo_lon_deg=s_lon,
        events=events,
    )


def _bounds(scenario: Scenario, trace: EventTrace) -> tuple[list[float], list[float]]:
    """Fixed axis ranges (lon, lat): rings, sites and every trajectory, padded."""
    lats = [trace.traj_lat_deg, trace.battery_lat_deg, trace.asset_lat_deg]
    lons = [trace.traj_lon_deg, trace.battery_lon_deg, trace.asset_lon_deg]
    for r in rings(scenario):
        lats.append(r.lat_deg)
        lons.append(r.lon_deg)
    la, lo = np.concatenate(lats), np.concatenate(lons)
    pad_la = 0.03 * float(np.ptp(la)) + 0.05
    pad_lo = 0.03 * float(np.ptp(lo)) + 0.05
    return [float(lo.min()) - pad_lo, float(lo.max()) + pad_lo], [
        float(la.min()) - pad_la,
        float(la.max()) + pad_la,
    ]


def _coords(a: F64) -> list[float]:
    """Degrees as a plain list, rounded to 1e-5° (about 1 m): the page stays small."""
    return np.round(np.asarray(a, dtype=np.float64), 5).tolist()


def _label(trace: EventTrace, i: int) -> str:
    return f"threat {i} ({trace.threat_type_names[int(trace.threat_type[i])]})"


def animation_figure(
    scenario: Scenario,
    trace: EventTrace,
    *,
    max_frames: int = MAX_FRAMES,
    trail_frames: int = TRAIL_FRAMES,
) -> Any:
    """The animated replay as a plotly ``Figure`` with frames, a time slider and Play/Pause."""
    check_trace(scenario, trace)
    go = require("plotly.graph_objects", feature="the animated replay")
    fig = map_figure(scenario, None)  # rings, assets, batteries: the still background
    n_static = len(fig.data)
    times = frame_times(trace, max_frames)
    lat, lon, alive = _threat_positions(trace, times)
    sv = salvos(trace)
    lethal = trace.threat_lethal.astype(bool)
    ev_kind = {k: np.flatnonzero(trace.mask(k)) for k in ("kill", "miss", "leak")}
    ev_text = {
        k: [
            f"{k}: {_label(trace, int(trace.threat[e]))} at t = {trace.time_s[e]:,.1f} s"
            for e in idx
        ]
        for k, idx in ev_kind.items()
    }
    threat_text = np.array([_label(trace, i) for i in range(trace.n_threats)], dtype=object)

    def dynamic(f: int) -> list[Any]:
        # Plain lists, not numpy arrays: plotly.py would write arrays as base64 typed
        # arrays, which plotly.js does not decode inside animation frames.
        t = float(times[f])
        on = alive[:, f]
        # trails: the last trail_frames positions of each threat in flight, gaps between
        f0 = max(0, f - trail_frames)
        tx: list[float | None] = []
        ty: list[float | None] = []
        for i in np.flatnonzero(on):
            keep = alive[i, f0 : f + 1]
            tx += [*_coords(lon[i, f0 : f + 1][keep]), None]
            ty += [*_coords(lat[i, f0 : f + 1][keep]), None]
        s_on, s_lat, s_lon = _salvo_at(sv, t)
        out = [go.Scatter(x=tx, y=ty)]
        for sel in (on & lethal, on & ~lethal):
            out.append(
                go.Scatter(
                    x=_coords(lon[sel, f]), y=_coords(lat[sel, f]), text=threat_text[sel].tolist()
                )
            )
        out.append(go.Scatter(x=_coords(s_lon), y=_coords(s_lat), text=[sv.label[k] for k in s_on]))
        for k in ("kill", "miss", "leak"):
            idx = ev_kind[k]
            done = trace.time_s[idx] <= t
            out.append(
                go.Scatter(
                    x=_coords(trace.lon_deg[idx][done]),
                    y=_coords(trace.lat_deg[idx][done]),
                    text=[ev_text[k][j] for j in np.flatnonzero(done)],
                )
            )
        for tr in out:
            if len(tr.x) == 0:
                # An empty array does not clear a trace's old points when plotly.js
                # animates without redraw (they stay on screen): one blank point does.
                tr.update(x=[None], y=[None], text=[""])
        return out

    def status(f: int) -> str:
        t = float(times[f])
        leaked = int(np.sum(trace.time_s[ev_kind["leak"]] <= t))
        killed = int(np.sum(trace.time_s[ev_kind["kill"]] <= t))
        return f"{t:,.0f} s: {leaked} leaked, {killed} killed, {int(alive[:, f].sum())} in flight"

    styles: list[dict[str, Any]] = [
        {"mode": "lines", "name": "threat trails", "line": {"color": RED_T, "width": 1},
         "hoverinfo": "skip"},
        {"mode": "markers", "name": "lethal threats in flight",
         "marker": {"color": COLOURS["leaked"], "size": 7}, "hoverinfo": "text"},
        {"mode": "markers", "name": "decoys in flight",
         "marker": {"color": COLOURS["impacted"], "size": 6}, "hoverinfo": "text"},
        {"mode": "markers", "name": "interceptors in flight",
         "marker": {"color": COLOURS["launch"], "size": 5, "symbol": "diamond"},
         "hoverinfo": "text"},
        {"mode": "markers", "name": "kills",
         "marker": {"color": COLOURS["kill"], "size": 9, "symbol": "x"}, "hoverinfo": "text"},
        {"mode": "markers", "name": "misses",
         "marker": {"color": COLOURS["miss"], "size": 8, "symbol": "circle-open"},
         "hoverinfo": "text"},
        {"mode": "markers", "name": "leaks",
         "marker": {"color": COLOURS["leak"], "size": 14, "symbol": "star"},
         "hoverinfo": "text"},
    ]  # fmt: skip
    for tr, style in zip(dynamic(0), styles, strict=True):
        tr.update(**style)  # (a blank point also keeps an empty trace in the legend)
        fig.add_trace(tr)
    idx = list(range(n_static, n_static + len(DYNAMIC)))
    fig.frames = [go.Frame(name=str(f), data=dynamic(f), traces=idx) for f in range(times.size)]
    play = {"frame": {"duration": FRAME_MS, "redraw": False}, "fromcurrent": True,
            "transition": {"duration": 0}, "mode": "immediate"}  # fmt: skip
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
             "transition": {"duration": 0}}  # fmt: skip
    xr, yr = _bounds(scenario, trace)
    fig.update_layout(
        title={
            "text": f"{scenario.name}: animated replay, replication {trace.replication} "
            f"(seed {trace.seed})"
        },
        xaxis={"range": xr, "autorange": False},
        yaxis={"range": yr, "autorange": False},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -0.08,
                "xanchor": "left",
                "yanchor": "top",
                "showactive": False,
                "buttons": [
                    {"label": "▶ Play", "method": "animate", "args": [None, play]},
                    {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
                ],
            }
        ],
        sliders=[
            {
                "active": 0,
                "x": 0.16,
                "len": 0.84,
                "y": -0.05,
                "yanchor": "top",
                "currentvalue": {"prefix": "t = ", "font": {"size": 14, "color": "#222222"}},
                # 240 step labels would overlap: the current one is shown above instead
                "font": {"color": "rgba(0,0,0,0)", "size": 1},
                "ticklen": 2,
                "steps": [
                    {
                        "label": status(f),
                        "method": "animate",
                        "args": [[str(f)], pause],
                    }
                    for f in range(times.size)
                ],
            }
        ],
        height=760,
        margin={"l": 60, "r": 20, "t": 60, "b": 110},
    )
    return fig


#: plotly.js rejects the promise of an animation that another one interrupts (Pause during
#: Play, the slider during Play) with no reason; unhandled, the browser logs that as an
#: error. Only those reasonless rejections are marked handled; every other error shows.
_QUIET_INTERRUPT = (
    "window.addEventListener('unhandledrejection', function (e) {"
    " if (e.reason === undefined) { e.preventDefault(); } });"
)


def write_animation(
    scenario: Scenario, trace: EventTrace, path: str | Path, *, max_frames: int = MAX_FRAMES
) -> Path:
    """The animated replay as one self-contained HTML file (plotly.js embedded), atomically.

    It opens at the first frame, paused (``auto_play=False``): Play or the slider move it.
    """
    from shieldlab._html import figure_title, with_title

    fig = animation_figure(scenario, trace, max_frames=max_frames)
    page = fig.to_html(
        include_plotlyjs=True, full_html=True, auto_play=False, post_script=_QUIET_INTERRUPT
    )
    title = (
        f"{trace.scenario}: animated replay, replication {trace.replication} (seed {trace.seed})"
    )
    out = Path(path)
    atomic_write_text(out, with_title(page, figure_title(None, title)))
    return out

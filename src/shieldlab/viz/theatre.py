"""Map of the notional theatre and engagement timeline of one replication.

Interactive (plotly) and static (matplotlib PNG) versions of two pictures:

* :func:`map_figure` / :func:`map_png` -- batteries, radar coverage and interceptor
  envelope rings, defended assets, launch areas; with a trace also the threats' ground
  tracks (cut where each was destroyed) and the intercept, miss and leak points.
* :func:`timeline_figure` / :func:`timeline_png` -- one row per threat: its flight,
  detections, track formation, launches at it, kills, misses and leaks.

:func:`write_figures` writes all four into a directory (HTML with plotly.js written once
beside them, so the files work offline). plotly and matplotlib come from the ``plot``
extra and are imported on use (:func:`shieldlab._optional.require`). The map is drawn in
longitude and latitude with the aspect fixed at the theatre's centre (1° of latitude is
1/cos φ as long as 1° of longitude): right for a notional theatre a few hundred km across,
and no base map to download. docs/viz.md explains every mark.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shieldlab._io import atomic_write_bytes, atomic_write_text
from shieldlab._optional import require
from shieldlab.core.ballistic import EARTH_RADIUS_M
from shieldlab.engine.trace import FATES, EventTrace
from shieldlab.scenario.model import Scenario

F64 = npt.NDArray[np.float64]

#: Colours used in every figure: the two sides and the outcomes.
BLUE = "#1f5fbf"
RED = "#c62828"
COLOURS = {
    "asset": BLUE,
    "battery": BLUE,
    "radar": "#5c8fd6",
    "envelope": "#2e7d32",
    "launch_area": RED,
    "killed": "#7b5ea7",
    "leaked": RED,
    "impacted": "#9e9e9e",
    "in_flight": "#ff8f00",
    "detection": "#9e9e9e",
    "track": "#00838f",
    "launch": BLUE,
    "kill": "#000000",
    "miss": "#ff8f00",
    "no_target": "#9e9e9e",
    "leak": RED,
    "impact": "#616161",
}
#: Ground tracks on the map keep one sample about every this many seconds (and the end).
MAP_STEP_S = 10.0
_ENVELOPE_DASH = ("solid", "dash", "dot", "dashdot")
_MPL_DASH = ("-", "--", ":", "-.")


def circle(lat_deg: float, lon_deg: float, radius_m: float, n: int = 181) -> tuple[F64, F64]:
    """Latitudes and longitudes (degrees) of the points at ``radius_m`` from a centre.

    The direct problem on the sphere (radius ``core.ballistic.EARTH_RADIUS_M``):
    sin φ₂ = sin φ₁ cos δ + cos φ₁ sin δ cos θ,
    λ₂ = λ₁ + atan2(sin θ sin δ cos φ₁, cos δ − sin φ₁ sin φ₂), δ = r / R
    (Snyder 1987, Map Projections -- A Working Manual, USGS PP 1395, eqs. 5-5 and 5-6).
    """
    theta = np.linspace(0.0, 2.0 * math.pi, n)
    phi1, lam1 = math.radians(lat_deg), math.radians(lon_deg)
    delta = radius_m / EARTH_RADIUS_M
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * np.cos(theta)
    phi2 = np.arcsin(np.clip(sin_phi2, -1.0, 1.0))
    lam2 = lam1 + np.arctan2(
        np.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * sin_phi2,
    )
    return np.degrees(phi2), np.degrees(lam2)


@dataclass(frozen=True)
class Ring:
    """One ring of the map: a radar's coverage or an interceptor type's envelope."""

    group: str  # legend entry
    label: str  # hover text
    lat_deg: F64
    lon_deg: F64
    kind: str  # "radar", "envelope" or "launch_area"
    style: int  # dash index


def rings(scenario: Scenario) -> list[Ring]:
    """The map's rings: each radar's instrumented range, each battery's envelope per
    interceptor type (maximum range; minimum range when not zero), each launch area."""
    out: list[Ring] = []
    type_index = {t.name: k for k, t in enumerate(scenario.interceptor_types)}
    for bat in scenario.batteries:
        for radar in bat.radars:
            pos = radar.position if radar.position is not None else bat.position
            la, lo = circle(pos.lat_deg, pos.lon_deg, radar.instrumented_range_m)
            out.append(
                Ring(
                    "radar instrumented range",
                    f"{bat.name} / {radar.name}: {radar.instrumented_range_m / 1e3:,.0f} km",
                    la,
                    lo,
                    "radar",
                    1,
                )
            )
        kinds = sorted(
            {item.interceptor for launcher in bat.launchers for item in launcher.loadout},
            key=lambda name: type_index[name],
        )
        for name in kinds:
            it = scenario.interceptor_types[type_index[name]]
            for r_m, what in ((it.max_range_m, "max"), (it.min_range_m, "min")):
                if r_m <= 0.0:
                    continue
                la, lo = circle(bat.position.lat_deg, bat.position.lon_deg, r_m)
                out.append(
                    Ring(
                        f"envelope: {name}",
                        f"{bat.name}: {name} {what} range {r_m / 1e3:,.0f} km",
                        la,
                        lo,
                        "envelope",
                        type_index[name] % len(_ENVELOPE_DASH),
                    )
                )
    for w, wave in enumerate(scenario.raid.waves):
        a = wave.launch_area
        la, lo = circle(a.lat_deg, a.lon_deg, max(a.radius_m, 1_000.0))
        name = wave.name or f"wave {w + 1}"
        out.append(
            Ring(
                "Red launch areas",
                f"{name}: {wave.count} x {wave.threat}",
                la,
                lo,
                "launch_area",
                0,
            )
        )
    return out


def check_trace(scenario: Scenario, trace: EventTrace | None) -> None:
    """Raise ``ValueError`` when the trace was recorded on another scenario."""
    if trace is None:
        return
    same = (
        trace.scenario == scenario.name
        and trace.battery_names == tuple(b.name for b in scenario.batteries)
        and trace.asset_names == tuple(a.name for a in scenario.assets)
    )
    if not same:
        raise ValueError(
            f"the trace was recorded on scenario '{trace.scenario}', whose batteries and "
            f"assets differ from those of '{scenario.name}'"
        )


def _aspect(scenario: Scenario) -> float:
    """Plot units of latitude per unit of longitude that keep distances true at the centre."""
    lats = [a.position.lat_deg for a in scenario.assets] + [
        b.position.lat_deg for b in scenario.batteries
    ]
    return 1.0 / max(math.cos(math.radians(float(np.mean(lats)))), 1e-3)


def _fate_name(trace: EventTrace, i: int) -> str:
    return FATES[int(trace.threat_fate[i])]


def _threat_label(trace: EventTrace, i: int) -> str:
    return f"threat {i} ({trace.threat_type_names[int(trace.threat_type[i])]})"


def _gapped_tracks(trace: EventTrace, fate: str) -> tuple[F64, F64]:
    """Ground tracks of the threats with one fate, joined with NaN gaps (one trace each)."""
    lats: list[F64] = []
    lons: list[F64] = []
    for i in range(trace.n_threats):
        if _fate_name(trace, i) != fate:
            continue
        _, la, lo, _ = trace.ground_track(i, step_s=MAP_STEP_S)
        lats += [la, np.array([np.nan])]
        lons += [lo, np.array([np.nan])]
    if not lats:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(lats), np.concatenate(lons)


def _event_points(trace: EventTrace, kind: str) -> tuple[F64, F64, list[str]]:
    sel = np.flatnonzero(trace.mask(kind))
    text = []
    for e in sel:
        i = int(trace.threat[e])
        who = ""
        if trace.weapon[e] >= 0:
            who = (
                f" by {trace.battery_names[int(trace.battery[e])]}"
                f" {trace.interceptor_names[int(trace.interceptor[e])]} x{int(trace.rounds[e])}"
            )
        if trace.asset[e] >= 0:
            who = f" on {trace.asset_names[int(trace.asset[e])]}"
        text.append(
            f"{kind}: {_threat_label(trace, i)}{who} at t = {trace.time_s[e]:,.1f} s, "
            f"alt {trace.alt_m[e] / 1e3:,.1f} km"
        )
    return trace.lat_deg[sel], trace.lon_deg[sel], text


def _title(scenario: Scenario, trace: EventTrace | None) -> str:
    if trace is None:
        return f"{scenario.name}: notional theatre"
    return f"{scenario.name}: notional theatre, replication {trace.replication} (seed {trace.seed})"


# ------------------------------------------------------------------------------- plotly
#: Label placement of the HTML map: the plot area assumed for the opening view (px; the
#: figure is 750 px high, the width follows the page, taken at its narrowest usual value)
#: and the size of a label character (12 px font).
_PLOT_PX = (820.0, 600.0)
_CHAR_PX, _LINE_PX, _MARKER_PX = 7.2, 16.0, 7.0
#: Plotly text positions tried in turn for each label, with the label box's offset from
#: its point as (dx of the box centre in label widths, dy of the box centre in px, dx px).
_TEXT_POSITIONS = (
    ("top center", 0.0, 1.0, 0.0),
    ("bottom center", 0.0, -1.0, 0.0),
    ("middle right", 0.5, 0.0, 1.0),
    ("middle left", -0.5, 0.0, -1.0),
    ("top right", 0.5, 1.0, 0.5),
    ("top left", -0.5, 1.0, -0.5),
    ("bottom right", 0.5, -1.0, 0.5),
    ("bottom left", -0.5, -1.0, -0.5),
)


def label_positions(
    points: list[tuple[float, float, str]],
    view: tuple[float, float, float, float],
    aspect: float,
) -> list[str]:
    """A plotly ``textposition`` for each (lon, lat, label) so that no two labels, and no
    label and another point's marker, overlap in the opening ``view`` (lon0, lon1, lat0,
    lat1) drawn with ``aspect`` plot units of latitude per unit of longitude.

    Greedy over the points, most crowded first: the first position free of every box
    placed so far and of every marker, else the one overlapping least. Boxes are estimated
    from the label's length (``_CHAR_PX`` a character) at the view's pixel scale (the
    smaller of the two axes', as plotly's fixed aspect draws it); the browser test checks
    the boxes plotly really draws.
    """
    x0, x1, y0, y1 = view
    scale = min(_PLOT_PX[0] / max(x1 - x0, 1e-9), _PLOT_PX[1] / max((y1 - y0) * aspect, 1e-9))
    px = [(lon * scale, lat * aspect * scale) for lon, lat, _ in points]
    widths = [len(name) * _CHAR_PX for _, _, name in points]

    def box(i: int, k: int) -> tuple[float, float, float, float]:
        _, fx, fy, gx = _TEXT_POSITIONS[k]
        cx = px[i][0] + fx * widths[i] + gx * _MARKER_PX
        cy = px[i][1] + fy * (_LINE_PX / 2 + _MARKER_PX)
        return (cx - widths[i] / 2, cx + widths[i] / 2, cy - _LINE_PX / 2, cy + _LINE_PX / 2)

    def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
        w = min(a[1], b[1]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[2], b[2])
        return w * h if w > 0 and h > 0 else 0.0

    markers = [(x - _MARKER_PX, x + _MARKER_PX, y - _MARKER_PX, y + _MARKER_PX) for x, y in px]
    n = len(points)
    crowd = [sum(math.dist(px[i], px[j]) for j in range(n) if j != i) for i in range(n)]
    placed: dict[int, tuple[float, float, float, float]] = {}
    choice = ["top center"] * n
    for i in sorted(range(n), key=lambda i: crowd[i]):
        best_k, best_cost = 0, math.inf
        for k in range(len(_TEXT_POSITIONS)):
            b = box(i, k)
            cost = sum(overlap(b, q) for q in placed.values()) + sum(
                overlap(b, markers[j]) for j in range(n) if j != i
            )
            if cost < best_cost:
                best_k, best_cost = k, cost
            if cost == 0.0:
                break
        placed[i] = box(i, best_k)
        choice[i] = _TEXT_POSITIONS[best_k][0]
    return choice


def _extent(fig: Any) -> tuple[float, float, float, float]:
    """(lon0, lon1, lat0, lat1) of everything drawn, with a small margin."""
    xs = [np.asarray(t.x, dtype=float) for t in fig.data if t.x is not None]
    ys = [np.asarray(t.y, dtype=float) for t in fig.data if t.y is not None]
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    lo_x, hi_x = float(np.nanmin(x)), float(np.nanmax(x))
    lo_y, hi_y = float(np.nanmin(y)), float(np.nanmax(y))
    px, py = 0.03 * (hi_x - lo_x) + 0.05, 0.03 * (hi_y - lo_y) + 0.05
    return lo_x - px, hi_x + px, lo_y - py, hi_y + py


def map_figure(scenario: Scenario, trace: EventTrace | None = None) -> Any:
    """The theatre map as a plotly ``Figure`` (see the module docstring).

    It opens on the defended area (:func:`defended_area`: sites, intercepts, leaks) with
    every site and battery named, labels placed apart (:func:`label_positions`); the
    buttons above the map switch to the whole theatre (names then on hover only: at that
    scale they would pile up) and back.
    """
    check_trace(scenario, trace)
    go = require("plotly.graph_objects", feature="the theatre map")
    fig = go.Figure()
    seen: set[str] = set()
    for ring in rings(scenario):
        colour = COLOURS[ring.kind]
        fig.add_trace(
            go.Scatter(
                x=ring.lon_deg,
                y=ring.lat_deg,
                mode="lines",
                name=ring.group,
                legendgroup=ring.group,
                showlegend=ring.group not in seen,
                line={"color": colour, "width": 1, "dash": _ENVELOPE_DASH[ring.style]},
                hoverinfo="text",
                text=ring.label,
            )
        )
        seen.add(ring.group)
    if trace is not None:
        for fate in FATES:
            la, lo = _gapped_tracks(trace, fate)
            if la.size:
                fig.add_trace(
                    go.Scatter(
                        x=lo,
                        y=la,
                        mode="lines",
                        name=f"threat tracks: {fate.replace('_', ' ')}",
                        line={"color": COLOURS[fate], "width": 1},
                        opacity=0.7,
                        hoverinfo="skip",
                    )
                )
        for kind, symbol, size in (
            ("kill", "x", 9),
            ("miss", "circle-open", 8),
            ("no_target", "x-thin-open", 7),
            ("leak", "star", 13),
            ("impact", "triangle-down-open", 9),
        ):
            la, lo, text = _event_points(trace, kind)
            if la.size:
                fig.add_trace(
                    go.Scatter(
                        x=lo,
                        y=la,
                        mode="markers",
                        name={"kill": "intercepts (kill)", "miss": "intercepts (miss)"}.get(
                            kind, kind.replace("_", " ")
                        ),
                        marker={
                            "symbol": symbol,
                            "size": size,
                            "color": COLOURS[kind],
                        },
                        hoverinfo="text",
                        text=text,
                    )
                )
    assets = scenario.assets
    bats = scenario.batteries
    view = defended_area(scenario, trace)
    aspect = _aspect(scenario)
    where = label_positions(
        [(a.position.lon_deg, a.position.lat_deg, a.name) for a in assets]
        + [(b.position.lon_deg, b.position.lat_deg, b.name) for b in bats],
        view,
        aspect,
    )
    fig.add_trace(
        go.Scatter(
            x=[a.position.lon_deg for a in assets],
            y=[a.position.lat_deg for a in assets],
            mode="markers+text",
            name="Blue defended assets",
            marker={"symbol": "square", "size": 10, "color": COLOURS["asset"]},
            text=[a.name for a in assets],
            textposition=where[: len(assets)],
            hovertext=[f"{a.name} (value {a.value:g})" for a in assets],
            hoverinfo="text",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[b.position.lon_deg for b in bats],
            y=[b.position.lat_deg for b in bats],
            mode="markers+text",
            name="Blue batteries",
            marker={"symbol": "triangle-up", "size": 12, "color": COLOURS["battery"]},
            text=[b.name for b in bats],
            textposition=where[len(assets) :],
            hoverinfo="text",
            hovertext=[
                f"{b.name}: {len(b.radars)} radar(s), "
                f"{sum(lc.count for lc in b.launchers)} launcher(s)"
                for b in bats
            ],
        )
    )
    whole = _extent(fig)
    labelled = [len(fig.data) - 2, len(fig.data) - 1]  # the sites and the batteries

    def _view(label: str, box: tuple[float, float, float, float], mode: str) -> dict[str, Any]:
        return {
            "label": label,
            "method": "update",
            "args": [
                {"mode": [mode, mode]},
                {"xaxis.range": [box[0], box[1]], "yaxis.range": [box[2], box[3]]},
                labelled,
            ],
        }

    fig.update_layout(
        title={"text": _title(scenario, trace), "y": 0.985, "yanchor": "top"},
        xaxis={"title": {"text": "longitude (°)"}, "range": [view[0], view[1]]},
        yaxis={
            "title": {"text": "latitude (°)"},
            "scaleanchor": "x",
            "scaleratio": aspect,
            "range": [view[2], view[3]],
        },
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "showactive": True,
                "active": 0,
                "x": 0.0,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "bottom",
                "pad": {"b": 4},
                "buttons": [
                    _view("defended area", view, "markers+text"),
                    _view("whole theatre", whole, "markers"),
                ],
            }
        ],
        legend={"title": {"text": "Blue: defence; Red: raid"}},
        template="plotly_white",
        height=750,
        margin={"l": 60, "r": 20, "t": 100, "b": 50},
    )
    return fig


def _timeline_rows(trace: EventTrace) -> npt.NDArray[np.int64]:
    """Row of each threat on the timeline: by launch time, then index."""
    order = np.lexsort((np.arange(trace.n_threats), trace.threat_launch_s))
    row = np.empty(trace.n_threats, dtype=np.int64)
    row[order] = np.arange(trace.n_threats)
    return row


#: Marks of the timeline: event kind -> (legend name, plotly symbol, matplotlib marker, size).
TIMELINE_MARKS: dict[str, tuple[str, str, str, int]] = {
    "detection": ("detection", "line-ns-open", "|", 5),
    "track": ("track formed (C2 node)", "diamond", "D", 8),
    "launch": ("salvo launched at it", "triangle-right", ">", 9),
    "kill": ("kill", "x", "X", 10),
    "miss": ("miss", "circle-open", "o", 9),
    "no_target": ("salvo arrived, target already gone", "x-thin-open", "x", 7),
    "leak": ("leak (lethal impact)", "star", "*", 13),
    "impact": ("decoy came down", "triangle-down-open", "v", 9),
}


def _timeline_events(trace: EventTrace, kind: str) -> tuple[F64, F64, list[str]]:
    row = _timeline_rows(trace)
    sel = np.flatnonzero(trace.mask(kind))
    if kind == "track":  # the first track of each threat (per node) is the news
        seen: set[tuple[int, int]] = set()
        keep = []
        for e in sel:
            key = (int(trace.threat[e]), int(trace.node[e]))
            if key not in seen:
                seen.add(key)
                keep.append(e)
        sel = np.asarray(keep, dtype=np.int64)
    text = []
    for e in sel:
        i = int(trace.threat[e])
        extra = ""
        if trace.radar[e] >= 0:
            extra = f", radar {int(trace.radar[e])} ({trace.battery_names[int(trace.battery[e])]})"
        if trace.weapon[e] >= 0:
            extra = (
                f", {trace.battery_names[int(trace.battery[e])]} "
                f"{trace.interceptor_names[int(trace.interceptor[e])]} x{int(trace.rounds[e])}"
            )
            if kind == "launch":
                extra += f", intercept planned at {trace.intercept_s[e]:,.1f} s"
        if trace.asset[e] >= 0:
            extra = f", on {trace.asset_names[int(trace.asset[e])]}"
        text.append(f"{kind} {_threat_label(trace, i)} t = {trace.time_s[e]:,.1f} s{extra}")
    return trace.time_s[sel], row[trace.threat[sel]].astype(np.float64), text


def timeline_figure(trace: EventTrace) -> Any:
    """The engagement timeline of one replication as a plotly ``Figure``."""
    go = require("plotly.graph_objects", feature="the engagement timeline")
    fig = go.Figure()
    row = _timeline_rows(trace)
    for fate in FATES:
        xs: list[float] = []
        ys: list[float] = []
        for i in range(trace.n_threats):
            if _fate_name(trace, i) == fate:
                xs += [float(trace.threat_launch_s[i]), float(trace.threat_end_s[i]), math.nan]
                ys += [float(row[i])] * 2 + [math.nan]
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=f"flight: {fate.replace('_', ' ')}",
                    line={"color": COLOURS[fate], "width": 2},
                    opacity=0.5,
                    hoverinfo="skip",
                )
            )
    for kind, (name, symbol, _, size) in TIMELINE_MARKS.items():
        x, y, text = _timeline_events(trace, kind)
        if x.size:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="markers",
                    name=name,
                    marker={"symbol": symbol, "size": size, "color": COLOURS[kind]},
                    hoverinfo="text",
                    text=text,
                    visible="legendonly" if kind == "detection" else True,
                )
            )
    order = np.argsort(row)
    fig.update_layout(
        title={
            "text": f"{trace.scenario}: engagement timeline, replication {trace.replication} "
            f"(seed {trace.seed})"
        },
        xaxis={"title": {"text": "time from raid start (s)"}},
        yaxis={
            "title": {"text": "threat (by launch time)"},
            "tickmode": "array",
            "tickvals": row[order].tolist(),
            "ticktext": [_threat_label(trace, int(i)) for i in order],
            "autorange": "reversed",
        },
        template="plotly_white",
        height=max(400, 16 * trace.n_threats + 150),
        margin={"l": 180, "r": 20, "t": 60, "b": 50},
    )
    return fig


# ---------------------------------------------------------------------------- matplotlib
def _pyplot() -> Any:
    mpl = require("matplotlib", feature="PNG figures")
    mpl.use("Agg")  # no display: files only
    return require("matplotlib.pyplot", feature="PNG figures")


def _png_bytes(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    return buf.getvalue()


def _draw_map(ax: Any, scenario: Scenario, trace: EventTrace | None, *, legend: bool) -> None:
    """Everything of the map onto one matplotlib axes (labels only when ``legend``)."""
    seen: set[str] = set()

    def label(name: str) -> str | None:
        if not legend or name in seen:
            return None
        seen.add(name)
        return name

    for ring in rings(scenario):
        ax.plot(
            ring.lon_deg,
            ring.lat_deg,
            color=COLOURS[ring.kind],
            lw=0.8,
            ls=_MPL_DASH[ring.style],
            label=label(ring.group),
        )
    if trace is not None:
        for fate in FATES:
            la, lo = _gapped_tracks(trace, fate)
            if la.size:
                ax.plot(
                    lo,
                    la,
                    color=COLOURS[fate],
                    lw=0.7,
                    alpha=0.7,
                    label=label(f"threat tracks: {fate.replace('_', ' ')}"),
                )
        for kind, marker, size in (("kill", "x", 40), ("miss", "o", 30), ("leak", "*", 120)):
            la, lo, _ = _event_points(trace, kind)
            if la.size:
                ax.scatter(
                    lo,
                    la,
                    marker=marker,
                    s=size,
                    c="none" if kind == "miss" else COLOURS[kind],
                    edgecolors=COLOURS[kind] if kind == "miss" else None,
                    label=label(
                        {"kill": "intercepts (kill)", "miss": "intercepts (miss)"}.get(kind, kind)
                    ),
                    zorder=4,
                )
    ax.scatter(
        [a.position.lon_deg for a in scenario.assets],
        [a.position.lat_deg for a in scenario.assets],
        marker="s",
        color=COLOURS["asset"],
        label=label("Blue defended assets"),
        zorder=5,
    )
    ax.scatter(
        [b.position.lon_deg for b in scenario.batteries],
        [b.position.lat_deg for b in scenario.batteries],
        marker="^",
        s=60,
        color=COLOURS["battery"],
        label=label("Blue batteries"),
        zorder=5,
    )
    ax.set_aspect(_aspect(scenario))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.grid(alpha=0.3)


def defended_area(
    scenario: Scenario, trace: EventTrace | None = None
) -> tuple[float, float, float, float]:
    """(lon_min, lon_max, lat_min, lat_max) around the sites and the intercepts and leaks."""
    lon = [a.position.lon_deg for a in scenario.assets] + [
        b.position.lon_deg for b in scenario.batteries
    ]
    lat = [a.position.lat_deg for a in scenario.assets] + [
        b.position.lat_deg for b in scenario.batteries
    ]
    if trace is not None:
        sel = trace.mask("kill", "miss", "leak")
        lon += trace.lon_deg[sel].tolist()
        lat += trace.lat_deg[sel].tolist()
    pad_lon = 0.1 * (max(lon) - min(lon)) + 0.05
    pad_lat = 0.1 * (max(lat) - min(lat)) + 0.05
    return min(lon) - pad_lon, max(lon) + pad_lon, min(lat) - pad_lat, max(lat) + pad_lat


def map_png(scenario: Scenario, path: str | Path, trace: EventTrace | None = None) -> Path:
    """The theatre map as a PNG (matplotlib), written atomically to ``path``.

    Two panels: the whole theatre, and the defended area (sites, intercepts, leaks) with
    the sites named.
    """
    check_trace(scenario, trace)
    plt = _pyplot()
    fig, (ax, az) = plt.subplots(1, 2, figsize=(17, 8.5))
    try:
        _draw_map(ax, scenario, trace, legend=True)
        _draw_map(az, scenario, trace, legend=False)
        x0, x1, y0, y1 = defended_area(scenario, trace)
        az.set_xlim(x0, x1)
        az.set_ylim(y0, y1)
        az.set_title("defended area")
        for a in scenario.assets:
            az.annotate(
                a.name,
                (a.position.lon_deg, a.position.lat_deg),
                fontsize=8,
                xytext=(4, 4),
                textcoords="offset points",
                color=COLOURS["asset"],
            )
        for b in scenario.batteries:
            az.annotate(
                b.name,
                (b.position.lon_deg, b.position.lat_deg),
                fontsize=8,
                xytext=(4, -10),
                textcoords="offset points",
                color=COLOURS["battery"],
            )
        ax.add_patch(
            _rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ls="--", lw=0.8, color="#424242")
        )
        ax.set_title("whole theatre (dashed box: right panel)")
        fig.suptitle(_title(scenario, trace))
        fig.legend(fontsize=8, loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.02))
        out = Path(path)
        atomic_write_bytes(out, _png_bytes(fig))
    finally:
        plt.close(fig)
    return out


def _rectangle(*args: Any, **kwargs: Any) -> Any:
    patches = require("matplotlib.patches", feature="PNG figures")
    return patches.Rectangle(*args, **kwargs)


def timeline_png(trace: EventTrace, path: str | Path) -> Path:
    """The engagement timeline as a PNG (matplotlib), written atomically to ``path``."""
    plt = _pyplot()
    row = _timeline_rows(trace)
    fig, ax = plt.subplots(figsize=(11, min(max(4.0, 0.18 * trace.n_threats + 1.5), 60.0)))
    try:
        for fate in FATES:
            sel = [i for i in range(trace.n_threats) if _fate_name(trace, i) == fate]
            if sel:
                ax.hlines(
                    row[sel],
                    trace.threat_launch_s[sel],
                    trace.threat_end_s[sel],
                    color=COLOURS[fate],
                    lw=2,
                    alpha=0.5,
                    label=f"flight: {fate.replace('_', ' ')}",
                )
        for kind, (name, _, marker, size) in TIMELINE_MARKS.items():
            x, y, _ = _timeline_events(trace, kind)
            if x.size:
                ax.scatter(
                    x,
                    y,
                    marker=marker,
                    s=size * 3,
                    **(
                        {"facecolors": "none", "edgecolors": COLOURS[kind]}
                        if kind in ("miss", "impact")
                        else {"c": COLOURS[kind]}
                    ),
                    label=name,
                    zorder=3,
                    linewidths=0.8,
                )
        order = np.argsort(row)
        # At most ~300 labels (a large raid's PNG stays readable; the HTML has them all).
        step = max(1, -(-trace.n_threats // 300))
        ax.set_yticks(row[order][::step])
        ax.set_yticklabels([_threat_label(trace, int(i)) for i in order[::step]], fontsize=6)
        ax.invert_yaxis()
        ax.set_xlabel("time from raid start (s)")
        ax.set_ylabel("threat (by launch time)")
        ax.set_title(
            f"{trace.scenario}: engagement timeline, replication {trace.replication} "
            f"(seed {trace.seed})"
        )
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.grid(axis="x", alpha=0.3)
        out = Path(path)
        atomic_write_bytes(out, _png_bytes(fig))
    finally:
        plt.close(fig)
    return out


def write_html(fig: Any, path: str | Path, *, include_plotlyjs: bool | str = True) -> Path:
    """A plotly figure as an HTML file, written atomically; its ``<title>`` is the figure's.

    ``include_plotlyjs=True`` embeds plotly.js (~4.8 MB; the file works alone, offline);
    ``"directory"`` references ``plotly.min.js`` beside the file, which the caller writes
    once (:func:`write_plotlyjs`).
    """
    from shieldlab._html import figure_page

    out = Path(path)
    atomic_write_text(out, figure_page(fig, include_plotlyjs=include_plotlyjs))
    return out


def write_plotlyjs(directory: str | Path) -> Path:
    """plotly.min.js (the bundled copy of the installed plotly) into ``directory``."""
    offline = require("plotly.offline", feature="HTML figures")
    out = Path(directory) / "plotly.min.js"
    atomic_write_text(out, offline.get_plotlyjs())
    return out


def write_figures(
    directory: str | Path, scenario: Scenario, trace: EventTrace | None = None
) -> dict[str, Path]:
    """Map (and, with a trace, timeline) as HTML and PNG files in ``directory``.

    Files: ``map.html``, ``map.png``, ``timeline.html``, ``timeline.png`` and one
    ``plotly.min.js`` that the HTML files share (they work offline). Returns name -> path.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    out = {"plotly.min.js": write_plotlyjs(d)}
    out["map.html"] = write_html(
        map_figure(scenario, trace), d / "map.html", include_plotlyjs="directory"
    )
    out["map.png"] = map_png(scenario, d / "map.png", trace)
    if trace is not None:
        out["timeline.html"] = write_html(
            timeline_figure(trace), d / "timeline.html", include_plotlyjs="directory"
        )
        out["timeline.png"] = timeline_png(trace, d / "timeline.png")
    return out

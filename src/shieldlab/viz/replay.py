"""Replay files of one replication: CZML for Cesium (czml3) and KML with gx:Track (simplekml).

Both read only an :class:`~shieldlab.engine.trace.EventTrace` and the scenario (for
the sites' names and the radar/envelope rings); times are seconds from the raid's start
put on a notional clock that starts at ``epoch`` (default 2000-01-01T00:00:00Z).

* CZML (:func:`write_czml`): a document packet whose clock spans the replication; one
  packet per threat, with time-tagged ``cartographicDegrees`` samples (longitude,
  latitude, height) from launch to the end of its flight (kill or impact) and a trailing
  path; one per salvo, flying straight from the battery at launch to the intercept point
  at the intercept time; one per kill, miss and leak (a point shown from the event on);
  static batteries, radar coverage and envelope circles and assets.
* KML (:func:`write_kml`): a folder of threat gx:Tracks (one ``when`` and one ``gx:coord``
  per sample), a folder of events (time-stamped points: kills, misses, leaks) and the
  sites. Google Earth plays them with its time slider.

czml3 and simplekml are in the ``plot`` extra, imported on use.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from shieldlab._io import atomic_write_text
from shieldlab._optional import require
from shieldlab.engine.trace import EVENT_KINDS, EventTrace
from shieldlab.scenario.model import Scenario
from shieldlab.viz.theatre import check_trace, rings

#: The notional clock's start: scenario time 0.
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

_RGBA = {
    "threat": [198, 40, 40, 255],
    "interceptor": [31, 95, 191, 255],
    "kill": [0, 0, 0, 255],
    "miss": [255, 143, 0, 255],
    "leak": [198, 40, 40, 255],
    "battery": [31, 95, 191, 255],
    "asset": [31, 95, 191, 255],
    "radar": [92, 143, 214, 160],
    "envelope": [46, 125, 50, 160],
    "launch_area": [198, 40, 40, 160],
}
#: Threat tracks keep one trajectory sample about every this many seconds (and the end);
#: viewers interpolate linearly between them. ``None`` keeps every (1 s) sample.
REPLAY_STEP_S = 5.0
#: How long an event's marker stays on screen after the event (s).
EVENT_SHOW_S = 60.0


def iso(epoch: dt.datetime, t_s: float) -> str:
    """ISO 8601 UTC time ``t_s`` seconds after ``epoch`` (microseconds)."""
    return (epoch + dt.timedelta(seconds=float(t_s))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _span(trace: EventTrace) -> tuple[float, float]:
    t0 = float(np.min(trace.threat_launch_s)) if trace.n_threats else 0.0
    t1 = float(np.max(trace.threat_end_s)) if trace.n_threats else 0.0
    if trace.n_events:
        t1 = max(t1, float(np.max(trace.time_s)))
    return min(t0, 0.0), t1


def _event_label(trace: EventTrace, e: int) -> str:
    kind = _kind_name(trace, e)
    i = int(trace.threat[e])
    what = f"{kind}: threat {i} ({trace.threat_type_names[int(trace.threat_type[i])]})"
    if trace.weapon[e] >= 0:
        what += (
            f" by {trace.battery_names[int(trace.battery[e])]} "
            f"{trace.interceptor_names[int(trace.interceptor[e])]} x{int(trace.rounds[e])}"
        )
    if trace.asset[e] >= 0:
        what += f" on {trace.asset_names[int(trace.asset[e])]}"
    return what


def _kind_name(trace: EventTrace, e: int) -> str:
    return EVENT_KINDS[int(trace.kind[e])]


def write_czml(
    trace: EventTrace,
    scenario: Scenario,
    path: str | Path,
    *,
    epoch: dt.datetime = EPOCH,
    step_s: float | None = REPLAY_STEP_S,
) -> Path:
    """The replication as a CZML document (Cesium), written atomically to ``path``."""
    check_trace(scenario, trace)
    czml3 = require("czml3", feature="CZML replay")
    props = require("czml3.properties", feature="CZML replay")
    types = require("czml3.types", feature="CZML replay")
    Packet, Position, Point, Color, Path_, Label = (
        czml3.Packet,
        props.Position,
        props.Point,
        props.Color,
        props.Path,
        props.Label,
    )
    TimeInterval = types.TimeInterval

    def interval(a: float, b: float) -> object:
        return TimeInterval(start=iso(epoch, a), end=iso(epoch, b))

    t0, t1 = _span(trace)
    packets = [
        Packet(
            id="document",
            name=f"{trace.scenario} replication {trace.replication} seed {trace.seed}",
            version=czml3.CZML_VERSION,
            clock=props.Clock(
                interval=interval(t0, t1), currentTime=iso(epoch, t0), multiplier=10.0
            ),
        )
    ]
    for b, name in enumerate(trace.battery_names):
        packets.append(
            Packet(
                id=f"battery/{b}",
                name=name,
                position=Position(
                    cartographicDegrees=[
                        float(trace.battery_lon_deg[b]),
                        float(trace.battery_lat_deg[b]),
                        0.0,
                    ]
                ),
                point=Point(pixelSize=10, color=Color(rgba=_RGBA["battery"])),
                label=Label(text=name, font="11pt sans-serif"),
            )
        )
    for a, name in enumerate(trace.asset_names):
        packets.append(
            Packet(
                id=f"asset/{a}",
                name=name,
                position=Position(
                    cartographicDegrees=[
                        float(trace.asset_lon_deg[a]),
                        float(trace.asset_lat_deg[a]),
                        0.0,
                    ]
                ),
                point=Point(pixelSize=8, color=Color(rgba=_RGBA["asset"])),
                label=Label(text=name, font="10pt sans-serif"),
            )
        )
    for k, ring in enumerate(rings(scenario)):
        coords: list[float] = []
        for la, lo in zip(ring.lat_deg, ring.lon_deg, strict=True):
            coords += [float(lo), float(la), 0.0]
        packets.append(
            Packet(
                id=f"ring/{k}",
                name=ring.label,
                polyline=props.Polyline(
                    positions=props.PositionList(cartographicDegrees=coords),
                    width=1.0,
                    material=props.PolylineMaterial(
                        solidColor=props.SolidColorMaterial(color=Color(rgba=_RGBA[ring.kind]))
                    ),
                ),
            )
        )
    for i in range(trace.n_threats):
        t, la, lo, al = trace.ground_track(i, step_s=step_s)
        samples: list[float] = []
        for tk, a, b, c in zip(t, lo, la, al, strict=True):
            samples += [float(tk - t0), float(a), float(b), float(c)]
        packets.append(
            Packet(
                id=f"threat/{i}",
                name=f"threat {i} ({trace.threat_type_names[int(trace.threat_type[i])]})",
                availability=interval(float(t[0]), float(t[-1])),
                position=Position(epoch=iso(epoch, t0), cartographicDegrees=samples),
                point=Point(pixelSize=6, color=Color(rgba=_RGBA["threat"])),
                path=Path_(
                    width=1.5,
                    trailTime=600.0,
                    leadTime=0.0,
                    material=props.PolylineMaterial(
                        solidColor=props.SolidColorMaterial(color=Color(rgba=_RGBA["threat"]))
                    ),
                ),
            )
        )
    launches = np.flatnonzero(trace.mask("launch"))
    for n, e in enumerate(launches):
        i = int(trace.threat[e])
        t_launch, t_hit = float(trace.time_s[e]), float(trace.intercept_s[e])
        sl = slice(int(trace.traj_off[i]), int(trace.traj_off[i] + trace.traj_n[i]))
        hit = [
            float(np.interp(t_hit, trace.traj_t_s[sl], v[sl]))
            for v in (trace.traj_lon_deg, trace.traj_lat_deg, trace.traj_alt_m)
        ]
        # The salvo flies until its intercept time, or until its target is gone first.
        t_end = min(t_hit, float(trace.threat_end_s[i])) if t_hit > t_launch else t_hit
        start = [float(trace.lon_deg[e]), float(trace.lat_deg[e]), float(trace.alt_m[e])]
        packets.append(
            Packet(
                id=f"salvo/{n}",
                name=(
                    f"salvo {n}: {trace.battery_names[int(trace.battery[e])]} "
                    f"{trace.interceptor_names[int(trace.interceptor[e])]} "
                    f"x{int(trace.rounds[e])} at threat {i}"
                ),
                availability=interval(t_launch, max(t_end, t_launch)),
                position=Position(
                    epoch=iso(epoch, t0),
                    cartographicDegrees=[t_launch - t0, *start, t_hit - t0, *hit],
                ),
                point=Point(pixelSize=4, color=Color(rgba=_RGBA["interceptor"])),
            )
        )
    for e in np.flatnonzero(trace.mask("kill", "miss", "leak")):
        kind = _kind_name(trace, int(e))
        te = float(trace.time_s[e])
        packets.append(
            Packet(
                id=f"event/{int(e)}",
                name=_event_label(trace, int(e)),
                availability=interval(te, te + EVENT_SHOW_S),
                position=Position(
                    cartographicDegrees=[
                        float(trace.lon_deg[e]),
                        float(trace.lat_deg[e]),
                        float(trace.alt_m[e]),
                    ]
                ),
                point=Point(pixelSize=9, color=Color(rgba=_RGBA[kind])),
            )
        )
    doc = czml3.Document(packets=packets)
    out = Path(path)
    atomic_write_text(out, doc.dumps())
    return out


def write_kml(
    trace: EventTrace,
    scenario: Scenario,
    path: str | Path,
    *,
    epoch: dt.datetime = EPOCH,
    step_s: float | None = REPLAY_STEP_S,
) -> Path:
    """The replication as KML (gx:Track per threat, time-stamped events), written atomically."""
    check_trace(scenario, trace)
    simplekml = require("simplekml", feature="KML replay")
    kml = simplekml.Kml(name=f"{trace.scenario} replication {trace.replication} seed {trace.seed}")
    absolute = simplekml.AltitudeMode.absolute
    red = simplekml.Style()
    red.linestyle.color = simplekml.Color.rgb(*_RGBA["threat"][:3])
    red.linestyle.width = 2
    red.iconstyle.color = red.linestyle.color
    sites = kml.newfolder(name="Blue sites")
    for b, name in enumerate(trace.battery_names):
        p = sites.newpoint(
            name=name, coords=[(float(trace.battery_lon_deg[b]), float(trace.battery_lat_deg[b]))]
        )
        p.description = "battery"
    for a, name in enumerate(trace.asset_names):
        p = sites.newpoint(
            name=name, coords=[(float(trace.asset_lon_deg[a]), float(trace.asset_lat_deg[a]))]
        )
        p.description = "defended asset"
    ring_folder = kml.newfolder(name="rings")
    for ring in rings(scenario):
        ls = ring_folder.newlinestring(
            name=ring.label,
            coords=[
                (float(lo), float(la)) for la, lo in zip(ring.lat_deg, ring.lon_deg, strict=True)
            ],
        )
        ls.style.linestyle.color = simplekml.Color.rgb(*_RGBA[ring.kind][:3])
    threats = kml.newfolder(name="threats")
    for i in range(trace.n_threats):
        t, la, lo, al = trace.ground_track(i, step_s=step_s)
        trk = threats.newgxtrack(
            name=f"threat {i} ({trace.threat_type_names[int(trace.threat_type[i])]})",
            altitudemode=absolute,
        )
        trk.newwhen([iso(epoch, tk) for tk in t])
        trk.newgxcoord([(float(a), float(b), float(c)) for a, b, c in zip(lo, la, al, strict=True)])
        trk.style = red
    events = kml.newfolder(name="events")
    for e in np.flatnonzero(trace.mask("kill", "miss", "leak")):
        p = events.newpoint(
            name=_event_label(trace, int(e)),
            coords=[(float(trace.lon_deg[e]), float(trace.lat_deg[e]), float(trace.alt_m[e]))],
            altitudemode=absolute,
        )
        p.timestamp.when = iso(epoch, float(trace.time_s[e]))
        p.description = _kind_name(trace, int(e))
    out = Path(path)
    atomic_write_text(out, kml.kml())
    return out

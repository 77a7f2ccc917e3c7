"""Waypoint routing of level threats around the Blue batteries' positions (issue 17 item 5).

A wave with ``avoid_batteries`` (``scenario.model.AvoidBatteries``, clearance r) flies,
from its launch-area centre to each aimpoint, the shortest route that keeps r from every
battery -- except batteries within the polygon radius r (1 + margin) / cos(pi / n) of the
launch centre or the aimpoint, which it must start or end near. The planner works in the
azimuthal-equidistant plane centred on the aimpoint: each battery's circle is replaced by
a regular polygon of n vertices circumscribing the circle of radius r (1 + margin), the
vertices plus start and goal are joined wherever the straight segment stays at least
r (1 + margin / 2) from every battery, and Dijkstra's algorithm gives the shortest path
(the visibility graph of the polygons; de Berg et al., *Computational Geometry*, 3rd ed.,
Springer 2008, ch. 15). Its length lies between the shortest route around circles of
radius r (1 + margin / 2) and of radius r (1 + margin) / cos(pi / n) (the polygon's
circumscribed circle: 0.5 % more than r (1 + margin) at n = 32).

The threats then fly great-circle legs through the route's vertices
(``core.kinematics.waypoint_track``), shared by every threat of the wave aiming at that
asset; the margin (1 %) covers the difference between the plane's straight segments and
the great circles over the few hundred kilometres of a raid.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import shortest_path

from shieldlab.core.ballistic import EARTH_RADIUS_M
from shieldlab.scenario.model import GeoPoint, Scenario, Wave

F64 = npt.NDArray[np.float64]

__all__ = ["ROUTE_MARGIN", "plan_route", "wave_route"]

log = logging.getLogger(__name__)

#: Extra clearance of the polygon around each battery, as a fraction of the clearance.
ROUTE_MARGIN = 0.01


def _to_plane(lat0: float, lon0: float, lat: F64, lon: F64) -> F64:
    """Azimuthal-equidistant (x east, y north) coordinates (m) about (lat0, lon0)."""
    dlon = lon - lon0
    cos_c = np.sin(lat0) * np.sin(lat) + np.cos(lat0) * np.cos(lat) * np.cos(dlon)
    c = np.arccos(np.clip(cos_c, -1.0, 1.0))
    az = np.arctan2(
        np.sin(dlon) * np.cos(lat),
        np.cos(lat0) * np.sin(lat) - np.sin(lat0) * np.cos(lat) * np.cos(dlon),
    )
    d = c * EARTH_RADIUS_M
    return np.stack([d * np.sin(az), d * np.cos(az)], axis=-1)


def _from_plane(lat0: float, lon0: float, xy: F64) -> tuple[F64, F64]:
    """Inverse of :func:`_to_plane` (the spherical direct problem)."""
    c = np.hypot(xy[:, 0], xy[:, 1]) / EARTH_RADIUS_M
    az = np.arctan2(xy[:, 0], xy[:, 1])
    lat = np.arcsin(np.sin(lat0) * np.cos(c) + np.cos(lat0) * np.sin(c) * np.cos(az))
    lon = lon0 + np.arctan2(
        np.sin(az) * np.sin(c) * np.cos(lat0), np.cos(c) - np.sin(lat0) * np.sin(lat)
    )
    return lat, lon


def _segment_clear(p: F64, q: F64, centres: F64, radius: float) -> npt.NDArray[np.bool_]:
    """(P, Q) matrix: segment p_a -> q_b keeps at least ``radius`` from every centre."""
    ok = np.ones((p.shape[0], q.shape[0]), dtype=np.bool_)
    d = q[None, :, :] - p[:, None, :]
    dd = np.maximum(np.einsum("abk,abk->ab", d, d), 1e-12)
    for c in centres:
        w = c - p  # (P, 2)
        t = np.clip(np.einsum("abk,ak->ab", d, w) / dd, 0.0, 1.0)
        closest = p[:, None, :] + t[..., None] * d
        ok &= np.linalg.norm(closest - c, axis=-1) >= radius
    return ok


def plan_route(
    start: tuple[float, float],
    aim: tuple[float, float],
    batteries: list[tuple[float, float]],
    *,
    clearance_m: float,
    points_per_circle: int = 32,
) -> tuple[list[float], list[float]]:
    """Waypoints (lat, lon in radians, start and aim excluded) of the shortest route from
    ``start`` to ``aim`` (radians) keeping ``clearance_m`` from each battery (module
    docstring). Batteries within the clearance of the start or the aim do not count. No
    route (the start boxed in): straight in, logged."""
    lat0, lon0 = aim
    n = int(points_per_circle)
    r_poly = clearance_m * (1.0 + ROUTE_MARGIN) / math.cos(math.pi / n)
    r_test = clearance_m * (1.0 + ROUTE_MARGIN / 2.0)
    s_xy = _to_plane(lat0, lon0, np.array([start[0]]), np.array([start[1]]))[0]
    g_xy = np.zeros(2)
    if batteries:
        b_xy = _to_plane(
            lat0, lon0, np.array([b[0] for b in batteries]), np.array([b[1] for b in batteries])
        )
    else:
        b_xy = np.zeros((0, 2))
    keep = (np.linalg.norm(b_xy - s_xy, axis=-1) > r_poly) & (
        np.linalg.norm(b_xy, axis=-1) > r_poly
    )
    centres = b_xy[keep]
    if centres.shape[0] == 0:
        return [], []
    ang = 2.0 * math.pi * (np.arange(n) + 0.5) / n
    ring = r_poly * np.stack([np.cos(ang), np.sin(ang)], axis=-1)
    verts = (centres[:, None, :] + ring[None, :, :]).reshape(-1, 2)
    inside = np.zeros(verts.shape[0], dtype=np.bool_)
    for c in centres:
        inside |= np.linalg.norm(verts - c, axis=-1) < r_test
    nodes = np.vstack([s_xy, g_xy, verts[~inside]])
    clear = _segment_clear(nodes, nodes, centres, r_test)
    length = np.linalg.norm(nodes[:, None, :] - nodes[None, :, :], axis=-1)
    graph = np.where(clear, length, 0.0)
    np.fill_diagonal(graph, 0.0)
    dist, pred = shortest_path(
        graph, method="D", directed=False, indices=0, return_predecessors=True
    )
    if not np.isfinite(dist[1]):
        log.warning("no route keeps %.0f m from every battery; flying straight in", clearance_m)
        return [], []
    path: list[int] = []
    k = int(pred[1])
    while k != 0:
        path.append(k)
        k = int(pred[k])
    path.reverse()
    if not path:
        return [], []
    lat, lon = _from_plane(lat0, lon0, nodes[path])
    return [float(x) for x in lat], [float(x) for x in lon]


def wave_route(sc: Scenario, wave: Wave, aim: GeoPoint) -> tuple[list[float], list[float]]:
    """The turning points (radians) a level wave's threats fly through to ``aim``: its
    ``waypoints``, or with ``avoid_batteries`` the route planned from its launch-area
    centre around the scenario's batteries (:func:`plan_route`)."""
    if wave.avoid_batteries is None:
        return (
            [math.radians(p.lat_deg) for p in wave.waypoints],
            [math.radians(p.lon_deg) for p in wave.waypoints],
        )
    ab = wave.avoid_batteries
    return plan_route(
        (math.radians(wave.launch_area.lat_deg), math.radians(wave.launch_area.lon_deg)),
        (math.radians(aim.lat_deg), math.radians(aim.lon_deg)),
        [
            (math.radians(b.position.lat_deg), math.radians(b.position.lon_deg))
            for b in sc.batteries
        ],
        clearance_m=ab.clearance_m,
        points_per_circle=ab.points_per_circle,
    )

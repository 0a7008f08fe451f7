"""Drive-time areas (isochrones) around a place: 10, 20, 30 minutes by default.

With a road network: Dijkstra on the reversed graph (time to *reach* the place, which is what matters to a
patient), cut off at the largest threshold, then a concave hull of the reached junctions, slightly
buffered. Without one: circles whose radius follows the approximate model (speed / circuity), flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from maps.approx import DEFAULT_CIRCUITY, DEFAULT_SPEED_KPH
from planner.core.geo import Location, haversine_m

DEFAULT_MINUTES = (10, 20, 30)
HULL_RATIO = 0.25  # shapely concave_hull ratio: 0 = tightest, 1 = convex
BUFFER_DEG = 0.004  # ~400 m around reached junctions, so a hull covers the roads' edges


@dataclass(frozen=True, slots=True)
class Isochrone:
    """Area reachable within `minutes`: outer rings as [(lat, lon)] lists."""

    minutes: int
    rings: tuple[tuple[tuple[float, float], ...], ...]
    approximate: bool


def reach_times(net, origin: Location, cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon, seconds) of every junction from which `origin` is reached within cutoff_s.

    Works on maps.network.RoadNetwork (numpy arrays: u, v, time_s, lat, lon) with scipy's Dijkstra on the
    reversed graph; a networkx graph with x/y nodes and travel_time edges is accepted too.
    """
    if hasattr(net, "u") and hasattr(net, "lat"):
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        n = int(net.n_nodes)
        src = int(np.argmin(haversine_m(origin.lat, origin.lon, net.lat, net.lon)))
        rows, cols = np.asarray(net.v, dtype=np.int64), np.asarray(net.u, dtype=np.int64)  # reversed edges
        w = np.maximum(np.asarray(net.time_s, dtype=float), 1e-3)
        order = np.lexsort((w, cols, rows))  # keep the fastest of parallel edges (csr would add them)
        rows, cols, w = rows[order], cols[order], w[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        graph = csr_matrix((w[first], (rows[first], cols[first])), shape=(n, n))
        dist = dijkstra(graph, directed=True, indices=src, limit=cutoff_s)
        ok = np.isfinite(dist)
        return np.asarray(net.lat)[ok], np.asarray(net.lon)[ok], dist[ok]
    import networkx as nx

    g = net
    nodes = list(g.nodes)
    ys = np.array([g.nodes[k]["y"] for k in nodes], dtype=float)
    xs = np.array([g.nodes[k]["x"] for k in nodes], dtype=float)
    src = nodes[int(np.argmin(haversine_m(origin.lat, origin.lon, ys, xs)))]
    rev = g.reverse(copy=False) if g.is_directed() else g
    times = nx.single_source_dijkstra_path_length(rev, src, cutoff=cutoff_s, weight=_edge_seconds)
    keys = list(times)
    return (np.array([g.nodes[k]["y"] for k in keys]), np.array([g.nodes[k]["x"] for k in keys]),
            np.array([times[k] for k in keys], dtype=float))


def _edge_seconds(u, v, data) -> float:
    """networkx edge weight: travel_time (s), else length at 50 km/h; min over a multigraph bundle."""
    if data and "travel_time" not in data and "length" not in data and all(isinstance(x, dict)
                                                                           for x in data.values()):
        return min(_edge_seconds(u, v, d) for d in data.values())
    if "travel_time" in data:
        return float(data["travel_time"])
    return float(data.get("length", 0.0)) / (DEFAULT_SPEED_KPH / 3.6)


def network_isochrones(net, origin: Location, minutes: Sequence[int] = DEFAULT_MINUTES) -> list[Isochrone]:
    """Isochrones by road: time from every junction to `origin`, then one concave hull per threshold."""
    import shapely

    lat, lon, secs = reach_times(net, origin, max(minutes) * 60.0)
    out = []
    for m in sorted(minutes):
        ok = secs <= m * 60
        if int(ok.sum()) < 3:
            out.append(Isochrone(m, _circle_rings(origin, 500.0), approximate=False))
            continue
        pts = shapely.MultiPoint(np.column_stack([lon[ok], lat[ok]]))
        hull = shapely.concave_hull(pts, ratio=HULL_RATIO).buffer(BUFFER_DEG).simplify(0.0005)
        out.append(Isochrone(m, _rings(hull), approximate=False))
    return out


def approximate_isochrones(origin: Location, minutes: Sequence[int] = DEFAULT_MINUTES, *,
                           speed_kph: float = DEFAULT_SPEED_KPH, circuity: float = DEFAULT_CIRCUITY
                           ) -> list[Isochrone]:
    """Circles matching the approximate model: radius = time x speed / circuity."""
    return [Isochrone(m, _circle_rings(origin, m * 60 * speed_kph / 3.6 / circuity), approximate=True)
            for m in sorted(minutes)]


def isochrones(net, origin: Location, minutes: Sequence[int] = DEFAULT_MINUTES) -> list[Isochrone]:
    """By road when a network is given, else approximate circles."""
    if net is None:
        return approximate_isochrones(origin, minutes)
    return network_isochrones(net, origin, minutes)


def _circle_rings(c: Location, radius_m: float, n: int = 48) -> tuple:
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * math.cos(math.radians(c.lat)))
    ring = tuple((round(c.lat + dlat * math.sin(a), 6), round(c.lon + dlon * math.cos(a), 6))
                 for a in (2 * math.pi * i / n for i in range(n + 1)))
    return (ring,)


def _rings(geom) -> tuple:
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    return tuple(tuple((round(y, 6), round(x, 6)) for x, y in p.exterior.coords) for p in polys
                 if not p.is_empty)

"""The road geometry of a leg: coordinates along the roads and the streets driven, for maps and directions.

Stable interface (used by the map and turn-by-turn outputs):
- `leg_geometry(net, origin, destination) -> Leg` and `legs_geometry(net, pairs) -> list[Leg]`;
- `Leg(origin, destination, seconds, metres, coords, steps, snap_origin_m, snap_destination_m)` where
  `coords` is a list of (lat, lon) tuples from the origin point to the destination point (access legs
  included) and `steps` a list of `Step`;
- `Step(name, ref, highway, length_m, duration_s, bearing_start, bearing_end, turn, start_index)`: one
  stretch of consecutive road pieces with the same street name and ref; `highway` is the OSM class of
  its first piece, or "access" for the straight access legs between a point and the road; bearings are
  degrees clockwise from north; `turn` is how one enters the step from the previous one: "depart",
  "straight", "slight_right", "right", "sharp_right", "uturn", "sharp_left", "left", "slight_left";
  `start_index` is the index in `Leg.coords` where the step starts.
Times and lengths follow the same model as maps.matrix (access legs at ACCESS_SPEED_KPH), so a leg's
`seconds` matches the travel matrix to within a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from planner.core.geo import Location, haversine_m

from maps.matrix import ACCESS_SPEED_KPH, RoutingGraph, routing_graph, unpack
from maps.network import RoadNetwork
from maps.snap import DEFAULT_MAX_SNAP_M, snap_points

ACCESS_STEP_MIN_M = 5.0  # shorter access legs are folded into the road, not shown as a step
_TURNS = ((-180, -150, "uturn"), (-150, -100, "sharp_left"), (-100, -45, "left"), (-45, -15, "slight_left"),
          (-15, 15, "straight"), (15, 45, "slight_right"), (45, 100, "right"), (100, 150, "sharp_right"),
          (150, 181, "uturn"))


@dataclass(frozen=True)
class Step:
    """One stretch of road with the same name and ref (or an access leg), see the module docstring."""

    name: str
    ref: str
    highway: str
    length_m: float
    duration_s: float
    bearing_start: float
    bearing_end: float
    turn: str
    start_index: int


@dataclass(frozen=True)
class Leg:
    """A drive from origin to destination along the roads: totals, coordinates, steps."""

    origin: Location
    destination: Location
    seconds: float
    metres: float
    coords: list[tuple[float, float]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    snap_origin_m: float = 0.0
    snap_destination_m: float = 0.0


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north (0..360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360.0) % 360.0


def turn_name(bearing_before: float, bearing_after: float) -> str:
    """Turn class from the heading before and after (e.g. 0 then 90 is "right")."""
    delta = (bearing_after - bearing_before + 180.0) % 360.0 - 180.0
    for lo, hi, name in _TURNS:
        if lo <= delta < hi:
            return name
    return "straight"


def leg_geometry(net: RoadNetwork, origin: Location, destination: Location, *,
                 max_snap_m: float = DEFAULT_MAX_SNAP_M) -> Leg:
    """The fastest drive from origin to destination, with its road coordinates and steps."""
    return legs_geometry(net, [(origin, destination)], max_snap_m=max_snap_m)[0]


def legs_geometry(net: RoadNetwork, pairs: Sequence[tuple[Location, Location]], *,
                  max_snap_m: float = DEFAULT_MAX_SNAP_M) -> list[Leg]:
    """Legs for many (origin, destination) pairs: one snapping and one Dijkstra per distinct origin."""
    from scipy.sparse.csgraph import dijkstra

    if not pairs:
        return []
    points: dict[tuple[float, float], int] = {}
    for a, b in pairs:
        for p in (a, b):
            points.setdefault((p.lat, p.lon), len(points))
    locs = [Location(*k) for k in points]
    ids = [f"lat={p.lat:.6f} lon={p.lon:.6f}" for p in locs]
    snap = snap_points(net, ids, locs, max_snap_m=max_snap_m)
    graph = routing_graph(net, snap)
    origin_nodes = sorted({int(graph.point_node[points[(a.lat, a.lon)]]) for a, _ in pairs})
    row = {o: k for k, o in enumerate(origin_nodes)}
    legs: list[Leg | None] = [None] * len(pairs)
    step_rows = max(1, 4_000_000 // graph.csr.shape[0])
    for s in range(0, len(origin_nodes), step_rows):
        chunk = origin_nodes[s:s + step_rows]
        _, pred = dijkstra(graph.csr, directed=True, indices=chunk, return_predecessors=True)
        for k, (a, b) in enumerate(pairs):
            ia, ib = points[(a.lat, a.lon)], points[(b.lat, b.lon)]
            o = int(graph.point_node[ia])
            if not s <= row[o] < s + step_rows:
                continue
            legs[k] = _leg(net, graph, snap, pred[row[o] - s], a, b, ia, ib)
    return legs  # type: ignore[return-value]


def _leg(net: RoadNetwork, graph: RoutingGraph, snap, pred: np.ndarray, a: Location, b: Location,
         ia: int, ib: int) -> Leg:
    if (a.lat, a.lon) == (b.lat, b.lon):
        return Leg(a, b, 0.0, 0.0, [(a.lat, a.lon)], [], float(snap.distance_m[ia]), float(snap.distance_m[ib]))
    o, d = int(graph.point_node[ia]), int(graph.point_node[ib])
    nodes = [d]
    while nodes[-1] != o:
        p = int(pred[nodes[-1]])
        if p < 0:
            raise RuntimeError("no route between two points of the largest component")  # cannot happen
        nodes.append(p)
    nodes.reverse()
    csr = graph.csr
    coords: list[tuple[float, float]] = [(a.lat, a.lon)]
    raw_steps: list[dict] = []
    total_w = 0.0

    def add_access(dist_m: float, frm: tuple[float, float], to: tuple[float, float]) -> None:
        if dist_m < ACCESS_STEP_MIN_M:
            return
        bearing = bearing_deg(*frm, *to)
        raw_steps.append({"name": "", "ref": "", "highway": "access", "length_m": dist_m,
                          "duration_s": dist_m / (ACCESS_SPEED_KPH / 3.6), "b0": bearing, "b1": bearing,
                          "start": len(coords) - 1})

    snapped_a = (float(snap.lat[ia]), float(snap.lon[ia]))
    add_access(float(snap.distance_m[ia]), coords[0], snapped_a)
    if snap.distance_m[ia] > 0:
        coords.append(snapped_a)
    for x, y in zip(nodes[:-1], nodes[1:]):
        lo, hi = csr.indptr[x], csr.indptr[x + 1]
        k = lo + int(np.flatnonzero(csr.indices[lo:hi] == y)[0])
        total_w += float(csr.data[k])
        e = int(graph.piece_edge[k])
        f0, f1 = float(graph.piece_f0[k]), float(graph.piece_f1[k])
        pts = _cut(net.edge_coords(e), f0, f1)
        start = len(coords) - 1
        coords.extend(pts[1:])
        span = f1 - f0
        seg = pts if len(pts) >= 2 else [pts[0], pts[0]]
        raw_steps.append({"name": net.names[net.name_code[e]], "ref": net.refs[net.ref_code[e]],
                          "highway": net.highways[net.highway_code[e]], "length_m": span * float(net.length_m[e]),
                          "duration_s": span * float(net.time_ms[e]) / 1000.0,
                          "b0": bearing_deg(*seg[0], *seg[1]), "b1": bearing_deg(*seg[-2], *seg[-1]), "start": start})
    if snap.distance_m[ib] > 0:
        snapped_b = (float(snap.lat[ib]), float(snap.lon[ib]))
        if coords[-1] != snapped_b:
            coords.append(snapped_b)
        add_access(float(snap.distance_m[ib]), coords[-1], (b.lat, b.lon))
        coords.append((b.lat, b.lon))
    elif coords[-1] != (b.lat, b.lon):
        coords.append((b.lat, b.lon))
    ms, road_m = unpack(total_w)
    access_m = float(snap.distance_m[ia] + snap.distance_m[ib])
    seconds = float(ms) / 1000.0 + access_m / (ACCESS_SPEED_KPH / 3.6)
    return Leg(a, b, seconds, float(road_m) + access_m, coords, _merge(raw_steps),
               float(snap.distance_m[ia]), float(snap.distance_m[ib]))


def _cut(pts: np.ndarray, f0: float, f1: float) -> list[tuple[float, float]]:
    """The part of a polyline between fractions f0 and f1 of its length, as (lat, lon) tuples."""
    if f0 <= 0.0 and f1 >= 1.0:
        return [(float(p[0]), float(p[1])) for p in pts]
    seg = haversine_m(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    total = cum[-1]
    d0, d1 = f0 * total, f1 * total

    def at(dist: float) -> tuple[float, float]:
        i = int(np.clip(np.searchsorted(cum, dist, side="right") - 1, 0, len(seg) - 1))
        t = 0.0 if seg[i] <= 0 else (dist - cum[i]) / seg[i]
        p = pts[i] + (pts[i + 1] - pts[i]) * min(max(t, 0.0), 1.0)
        return float(p[0]), float(p[1])

    inner = [(float(p[0]), float(p[1])) for p, c in zip(pts, cum) if d0 < c < d1]
    return [at(d0)] + inner + [at(d1)]


def _merge(raw: list[dict]) -> list[Step]:
    """Steps from road pieces: consecutive pieces with the same name and ref become one step."""
    merged: list[dict] = []
    for piece in raw:
        last = merged[-1] if merged else None
        if (last is not None and last["highway"] != "access" and piece["highway"] != "access"
                and (last["name"], last["ref"]) == (piece["name"], piece["ref"])):
            last["length_m"] += piece["length_m"]
            last["duration_s"] += piece["duration_s"]
            last["b1"] = piece["b1"]
        else:
            merged.append(dict(piece))
    steps = []
    for k, m in enumerate(merged):
        turn = "depart" if k == 0 else turn_name(merged[k - 1]["b1"], m["b0"])
        steps.append(Step(m["name"], m["ref"], m["highway"], round(m["length_m"], 1), round(m["duration_s"], 1),
                          round(m["b0"], 1), round(m["b1"], 1), turn, m["start"]))
    return steps

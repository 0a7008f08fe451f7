"""Snap points to the nearest road of a network, vectorised, and refuse points that are too far away.

A point snaps to the nearest position on any road (not only to junctions: rural roads run kilometres
between junctions). The result says which edge, how far along it, and the snap distance. A point
farther than `max_snap_m` from every road is almost always a wrong coordinate, so it is refused with
an error naming it (and suggesting swapped lat/lon when swapping lands on the network).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from planner.core.errors import InputError
from planner.core.geo import EARTH_RADIUS_M, haversine_m

from maps.network import RoadNetwork

DEFAULT_MAX_SNAP_M = 1000.0
SAMPLE_SPACING_M = 40.0  # extra points along long straight segments, so the nearest-sample search is tight
CANDIDATES = 16  # segments examined per point


@dataclass(frozen=True)
class Snap:
    """Where each point joins the network (parallel arrays, one entry per point).

    `edge` is an edge index (for a two-way road, the direction stored first); `fraction` how far along
    it from u[edge] (0..1, by length); `lat`/`lon` the snapped position; `distance_m` the straight
    line from the point to it; `node` the nearer end of that edge.
    """

    edge: np.ndarray
    fraction: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    distance_m: np.ndarray
    node: np.ndarray


@dataclass(eq=False)
class _SnapIndex:
    tree: object
    seg_edge: np.ndarray  # per segment: canonical edge index
    seg_a: np.ndarray  # per segment: projected start (x, y)
    seg_b: np.ndarray
    seg_from: np.ndarray  # per segment: metres from the start of the edge's vertex run to segment start
    seg_len: np.ndarray
    edge_len: np.ndarray  # per edge: polyline length (in vertex order)
    sample_seg: np.ndarray  # per KD-tree sample: its segment
    lat0: float


def _project(lat, lon, lat0: float) -> np.ndarray:
    k = math.pi / 180.0 * EARTH_RADIUS_M
    return np.column_stack([np.asarray(lon, float) * k * math.cos(math.radians(lat0)), np.asarray(lat, float) * k])


def _index(net: RoadNetwork) -> _SnapIndex:
    """KD-tree over road samples, built once per network object (a fraction of a second)."""
    cached = getattr(net, "_snap_index", None)
    if cached is not None:
        return cached
    from scipy.spatial import cKDTree

    lat0 = float(np.mean(net.lat))
    canon = np.flatnonzero((net.twin < 0) | ~net.geom_reversed)
    starts, ends = net.geom_start[canon].astype(np.int64), net.geom_end[canon].astype(np.int64)
    nseg = ends - starts
    seg_edge = np.repeat(canon, nseg)
    first = np.repeat(starts - np.concatenate([[0], np.cumsum(nseg)[:-1]]), nseg)
    ia = np.arange(int(nseg.sum())) + first
    ib = ia + 1
    xy = _project(net.vertex_lat, net.vertex_lon, lat0)
    seg_a, seg_b = xy[ia], xy[ib]
    seg_len = np.hypot(*(seg_b - seg_a).T)
    cum = np.cumsum(seg_len)
    group_start = np.concatenate([[0], np.cumsum(nseg)[:-1]])
    before = np.concatenate([[0.0], cum])[np.repeat(group_start, nseg)]
    seg_from = np.concatenate([[0.0], cum[:-1]]) - before
    edge_len = np.zeros(net.n_edges)
    np.add.at(edge_len, seg_edge, seg_len)
    # Samples: each segment's start plus evenly spaced points along it.
    per = np.maximum(1, np.ceil(seg_len / SAMPLE_SPACING_M).astype(np.int64))
    sample_seg = np.repeat(np.arange(len(seg_len)), per)
    offs = np.arange(len(sample_seg)) - np.repeat(np.concatenate([[0], np.cumsum(per)[:-1]]), per)
    t = offs / per[sample_seg]
    pts = seg_a[sample_seg] + (seg_b - seg_a)[sample_seg] * t[:, None]
    tree = cKDTree(pts, balanced_tree=False, compact_nodes=False)  # twice as fast to build, queries alike
    idx = _SnapIndex(tree, seg_edge, seg_a, seg_b, seg_from, seg_len, edge_len, sample_seg, lat0)
    net._snap_index = idx  # type: ignore[attr-defined]
    return idx


def _nearest(net: RoadNetwork, lat: np.ndarray, lon: np.ndarray):
    """(edge, fraction along the edge direction, snapped lat, lon, distance m) for arrays of points."""
    idx = _index(net)
    q = _project(lat, lon, idx.lat0)
    k = min(CANDIDATES, idx.tree.n)
    _, samp = idx.tree.query(q, k=k)
    samp = np.asarray(samp).reshape(len(q), -1)
    seg = idx.sample_seg[samp]  # (n, k)
    a, b = idx.seg_a[seg], idx.seg_b[seg]
    ab = b - a
    denom = np.maximum((ab ** 2).sum(-1), 1e-12)
    t = np.clip(((q[:, None, :] - a) * ab).sum(-1) / denom, 0.0, 1.0)
    proj = a + ab * t[..., None]
    d = np.hypot(*(proj - q[:, None, :]).transpose(2, 0, 1))
    best = d.argmin(axis=1)
    rows = np.arange(len(q))
    s = seg[rows, best]
    tb = t[rows, best]
    edge = idx.seg_edge[s]
    along = (idx.seg_from[s] + tb * idx.seg_len[s]) / np.maximum(idx.edge_len[edge], 1e-9)
    along = np.clip(along, 0.0, 1.0)
    fraction = np.where(net.geom_reversed[edge], 1.0 - along, along)
    p = proj[rows, best]
    k_m = math.pi / 180.0 * EARTH_RADIUS_M
    slat = p[:, 1] / k_m
    slon = p[:, 0] / (k_m * math.cos(math.radians(idx.lat0)))
    dist = haversine_m(lat, lon, slat, slon)
    return edge, fraction, slat, slon, dist


def point_coords(ids: Sequence[str], locations, source: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """lat and lon arrays from Locations or (lat, lon) pairs; InputError naming a non-numeric point."""
    lat = np.empty(len(locations))
    lon = np.empty(len(locations))
    for k, (pid, loc) in enumerate(zip(ids, locations)):
        try:
            a, b = (loc.lat, loc.lon) if hasattr(loc, "lat") else loc
            lat[k], lon[k] = float(a), float(b)
        except (TypeError, ValueError):
            raise InputError(f"point '{pid}' has non-numeric coordinates ({loc!r})", source=source,
                             field="lat/lon") from None
        if not (math.isfinite(lat[k]) and math.isfinite(lon[k]) and -90 <= lat[k] <= 90 and -180 <= lon[k] <= 180):
            raise InputError(f"point '{pid}' has invalid coordinates (lat={lat[k]}, lon={lon[k]})", source=source,
                             field="lat/lon")
    return lat, lon


def snap_points(net: RoadNetwork, ids: Sequence[str], locations, *, max_snap_m: float = DEFAULT_MAX_SNAP_M,
                source: str | None = None) -> Snap:
    """Snap every point (Location or (lat, lon)) to the nearest road; InputError naming far points."""
    if len(ids) != len(locations):
        raise ValueError("ids and locations must have the same length")
    lat, lon = point_coords(ids, locations, source)
    if len(lat) == 0:
        empty = np.zeros(0)
        return Snap(empty.astype(np.int64), empty, empty, empty, empty, empty.astype(np.int64))
    edge, frac, slat, slon, dist = _nearest(net, lat, lon)
    far = np.flatnonzero(dist > max_snap_m)
    if len(far):
        swapped_ok = np.zeros(len(far), bool)
        plausible = (np.abs(lon[far]) <= 90)
        if plausible.any():
            *_, d2 = _nearest(net, lon[far][plausible], lat[far][plausible])
            swapped_ok[plausible] = d2 <= max_snap_m
        parts = []
        for j, k in enumerate(far[:5]):
            hint = " (coordinates swapped? lat and lon exchanged would be on the network)" if swapped_ok[j] else ""
            parts.append(f"point '{ids[k]}' at lat={lat[k]:.6f}, lon={lon[k]:.6f} is {dist[k]:,.0f} m from the "
                         f"nearest road{hint}")
        more = f" (and {len(far) - 5} more)" if len(far) > 5 else ""
        err = InputError("; ".join(parts) + more + f"; the limit is {max_snap_m:,.0f} m from a road of the network",
                         source=source, field="lat/lon")
        err.point_ids = [ids[k] for k in far]  # lets a caller add the row of the first one
        raise err
    node = np.where(frac < 0.5, net.u[edge], net.v[edge]).astype(np.int64)
    return Snap(edge.astype(np.int64), frac, slat, slon, dist, node)

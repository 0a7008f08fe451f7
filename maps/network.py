"""A drivable road network as flat numpy arrays, loaded from OSM files or GraphML and cached on disk.

The graph is "simplified": nodes are junctions and road ends only; each edge keeps the OSM vertices it
runs through as its geometry. Edge arrays are ready for a CSR graph (scipy.sparse.csgraph). Only the
largest strongly connected component is kept, so every pair of nodes is routable both ways.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from planner.core.errors import InputError, NetworkError
from planner.core.geo import Location, haversine_m

from maps.osm_xml import RawOsm, RawWay, osm_format, raw_osm, read_osm_pbf, read_osm_xml
from maps.speeds import SpeedModel

CACHE_FORMAT = 2  # bump when the arrays or their meaning change, to invalidate old caches
APP_CACHE_NAME = "medical-desert-planner"

_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}
_NO_ACCESS = {"no", "private"}
_CAR_ALLOWED = {"yes", "designated", "destination", "permissive"}

_EDGE_ARRAYS = ("u", "v", "length_m", "time_ms", "tagged_speed", "twin", "way_id", "geom_start", "geom_end",
                "geom_reversed", "name_code", "ref_code", "highway_code", "built_up_share", "density_km_per_km2")

# Built-up land (see maps.speeds and docs/network.md). Road density: metres of road (each two-way road
# once, service roads and motorways left out) in the 3 x 3 cells of DENSITY_CELL_M around a point, per km².
DENSITY_CELL_M = 250.0
BUILT_UP_DENSITY_KM_PER_KM2 = 9.0  # at or above: built-up (a village core, a town); open country is 1-4
TOWN_DENSITY_KM_PER_KM2 = 18.0  # at or above: a town centre (door times, maps.matrix)
PLACE_RADIUS_M = {"city": 2500.0, "town": 1200.0, "suburb": 800.0, "village": 400.0, "quarter": 400.0,
                  "neighbourhood": 250.0, "hamlet": 150.0, "isolated_dwelling": 60.0}
_DENSITY_EXCLUDED = {"service", "motorway", "motorway_link", "trunk_link"}


def default_cache_dir() -> Path:
    """$PLANNER_CACHE if set, else ~/.cache/medical-desert-planner."""
    env = os.environ.get("PLANNER_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / APP_CACHE_NAME


@dataclass(eq=False)
class RoadNetwork:
    """Directed road graph: nodes (junctions) and edges (road pieces), all as parallel numpy arrays.

    Edge e goes from node u[e] to node v[e]; `length_m` in metres (0.1 m precision), `time_ms` in whole
    milliseconds (the routing weight), `time_s` the same in seconds. A two-way road gives two edges that
    are each other's `twin` (-1 for one-way roads). Edge geometry: vertices `geom_start[e]..geom_end[e]`
    (inclusive) of `vertex_lat`/`vertex_lon`, walked backwards when `geom_reversed[e]`.
    """

    source: str
    fingerprint: str
    speed_key: str
    node_id: np.ndarray  # OSM (or GraphML) node ids, int64
    lat: np.ndarray
    lon: np.ndarray
    u: np.ndarray  # int32
    v: np.ndarray
    length_m: np.ndarray  # float64
    time_ms: np.ndarray  # int64
    tagged_speed: np.ndarray  # bool: speed from a maxspeed tag (else the class default)
    twin: np.ndarray  # int32, -1 when one-way
    way_id: np.ndarray  # int64
    geom_start: np.ndarray  # int32
    geom_end: np.ndarray
    geom_reversed: np.ndarray  # bool
    name_code: np.ndarray  # int32 indices into `names` ("" = unnamed)
    ref_code: np.ndarray
    highway_code: np.ndarray
    vertex_lat: np.ndarray
    vertex_lon: np.ndarray
    built_up_share: np.ndarray  # float32: share of the edge's length in built-up land
    density_km_per_km2: np.ndarray  # float32: road density around the edge's middle (km of road per km²)
    names: list[str]
    refs: list[str]
    highways: list[str]
    stats: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return len(self.lat)

    @property
    def n_edges(self) -> int:
        return len(self.u)

    @property
    def time_s(self) -> np.ndarray:
        return self.time_ms / 1000.0

    @property
    def name(self) -> np.ndarray:
        return np.asarray(self.names, dtype=object)[self.name_code]

    @property
    def ref(self) -> np.ndarray:
        return np.asarray(self.refs, dtype=object)[self.ref_code]

    @property
    def highway(self) -> np.ndarray:
        return np.asarray(self.highways, dtype=object)[self.highway_code]

    def edge_coords(self, e: int) -> np.ndarray:
        """(k, 2) array of (lat, lon) along edge e, from u[e] to v[e]."""
        s, t = int(self.geom_start[e]), int(self.geom_end[e])
        pts = np.column_stack([self.vertex_lat[s:t + 1], self.vertex_lon[s:t + 1]])
        return pts[::-1] if self.geom_reversed[e] else pts

    def to_networkx(self, weight: str = "time_ms"):
        """A networkx MultiDiGraph of the same edges (for checks against the naive way)."""
        import networkx as nx

        g = nx.MultiDiGraph()
        g.add_nodes_from(range(self.n_nodes))
        w = getattr(self, weight)
        for e, (a, b) in enumerate(zip(self.u.tolist(), self.v.tolist())):
            g.add_edge(a, b, key=e, **{weight: w[e].item()})
        return g


# --------------------------------------------------------------------------------------------------------
# loading


def load_network(path: str | Path, *, speeds: Mapping[str, float | None] | None = None, driving_factor: float = 1.0,
                 cache_dir: str | Path | None = None, use_cache: bool = True,
                 model: SpeedModel | None = None) -> RoadNetwork:
    """Load a drivable network from .osm / .osm.gz / .osm.bz2 / .osm.pbf / .graphml, via the disk cache.

    `speeds` overrides the default km/h per highway class (see maps.speeds); `driving_factor` scales
    every speed; `model` replaces the whole travel-time model (e.g. `SpeedModel.legal_limits()` for
    comparisons). The cache is keyed by the file (path, size, mtime) and the model's settings.
    """
    path = Path(path).expanduser()
    model = model if model is not None else SpeedModel.build(speeds, driving_factor)
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(f"cannot read road network file ({exc.strerror or exc})", source=str(path)) from None
    if not path.is_file():
        raise InputError("road network path is not a file", source=str(path))
    if st.st_size == 0:
        raise InputError("empty road network file", source=str(path))
    key_text = f"{CACHE_FORMAT}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{model.key()}"
    fingerprint = hashlib.sha1(key_text.encode()).hexdigest()[:20]
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    stem = cache / "networks" / fingerprint
    if use_cache:
        net = _read_cache(stem)
        if net is not None:
            return net
    t0 = time.perf_counter()
    fmt = osm_format(path)
    if fmt == "graphml":
        net = _from_graphml(path, model, fingerprint)
    else:
        raw = read_osm_pbf(path) if fmt == "pbf" else read_osm_xml(path)
        net = build_network(raw, model, source=str(path), fingerprint=fingerprint)
    net.stats["load_seconds"] = round(time.perf_counter() - t0, 3)
    if use_cache:
        _write_cache(stem, net)
    return net


def build_network(raw: RawOsm, model: SpeedModel, *, source: str, fingerprint: str) -> RoadNetwork:
    """Simplified directed graph of the drivable ways, reduced to its largest strongly connected component."""
    ways = [w for w in raw.ways if _drivable(w.tags, model)]
    if not ways:
        raise InputError("no drivable road in this file (no way with a car-accessible highway tag)", source=source)
    # All way vertices in one array R (indices into raw nodes), ways back to back.
    lens, flat, keep = [], [], []
    n_raw = len(raw.node_ids)
    for w in ways:
        refs = np.asarray(w.refs, dtype=np.int64)
        pos = np.searchsorted(raw.node_ids, refs)
        pos = np.minimum(pos, max(n_raw - 1, 0))
        ok = raw.node_ids[pos] == refs if n_raw else np.zeros(len(refs), bool)
        pos = pos[ok]
        if len(pos) >= 2:
            flat.append(pos)
            lens.append(len(pos))
            keep.append(w)
    if not keep:
        raise InputError("no drivable road whose nodes are in the file", source=source)
    ways = keep
    R = np.concatenate(flat)
    lens = np.asarray(lens)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    ends = starts + lens - 1
    way_of_pos = np.repeat(np.arange(len(ways)), lens)
    vlat, vlon = raw.lat[R], raw.lon[R]
    seg = haversine_m(vlat[:-1], vlon[:-1], vlat[1:], vlon[1:])
    seg[way_of_pos[:-1] != way_of_pos[1:]] = 0.0
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    # Junctions: nodes used twice or more (by different ways, or twice by one way), and way ends.
    count = np.bincount(R, minlength=n_raw)
    is_end = count[R] >= 2
    is_end[starts] = True
    is_end[ends] = True
    P = np.flatnonzero(is_end)
    same = way_of_pos[P[:-1]] == way_of_pos[P[1:]]
    a, b = P[:-1][same], P[1:][same]  # one piece per pair of consecutive junctions in a way
    piece_way = way_of_pos[a]
    piece_len = np.round(cum[b] - cum[a], 1)
    # Per-way attributes.
    names, refs_v, highways = [""], [""], []
    name_ix, ref_ix, hw_ix = {"": 0}, {"": 0}, {}
    w_dir = np.zeros(len(ways), np.int8)  # 0 both, 1 forward only, -1 backward only
    w_kph = np.zeros(len(ways))
    w_tagged = np.zeros(len(ways), bool)
    w_name = np.zeros(len(ways), np.int32)
    w_ref = np.zeros(len(ways), np.int32)
    w_hw = np.zeros(len(ways), np.int32)
    w_id = np.zeros(len(ways), np.int64)
    for k, w in enumerate(ways):
        t = w.tags
        w_dir[k] = _direction(t)
        w_kph[k], w_tagged[k] = model.speed_kph(t["highway"], t.get("maxspeed"))
        w_name[k] = _code(t.get("name", ""), names, name_ix)
        w_ref[k] = _code(t.get("ref", ""), refs_v, ref_ix)
        w_hw[k] = _code(t["highway"], highways, hw_ix)
        w_id[k] = w.id
    # Travel-time model: built-up land per way segment, driven speeds, delays at nodes (maps.speeds).
    seg_mid_lat = (vlat[:-1] + vlat[1:]) / 2
    seg_mid_lon = (vlon[:-1] + vlon[1:]) / 2
    hw_of_way = [w.tags["highway"] for w in ways]
    counted = np.array([h not in _DENSITY_EXCLUDED for h in hw_of_way])[way_of_pos[:-1]]
    grid = _DensityGrid(seg_mid_lat, seg_mid_lon, np.where(counted, seg, 0.0))
    built_src = "road density"
    if raw.places or raw.areas:
        grid.mark_osm(raw)
        built_src = "OSM place/landuse and road density"
    seg_density = grid.density_at(seg_mid_lat, seg_mid_lon)
    seg_built = grid.built_at(seg_mid_lat, seg_mid_lon)
    w_kph_built = np.zeros(len(ways))
    for k, w in enumerate(ways):
        w_kph_built[k] = model.speed_kph(w.tags["highway"], w.tags.get("maxspeed"), built_up=True)[0]
    seg_kph = np.where(seg_built, w_kph_built[way_of_pos[:-1]], w_kph[way_of_pos[:-1]])
    seg_s = seg / (seg_kph / 3.6)
    cum_s = np.concatenate([[0.0], np.cumsum(seg_s)])
    cum_built = np.concatenate([[0.0], np.cumsum(np.where(seg_built, seg, 0.0))])
    piece_s = cum_s[b] - cum_s[a]
    piece_built = np.where(piece_len > 0, (cum_built[b] - cum_built[a]) / np.maximum(cum[b] - cum[a], 1e-9), 0.0)
    mid = (a + b) // 2
    piece_density = seg_density[np.minimum(mid, len(seg) - 1)]
    # Traffic-control nodes passed: the nodes after the start of a piece, in the direction driven.
    ctrl = np.zeros(len(R))
    if raw.node_controls:
        c_ids = np.fromiter(raw.node_controls.keys(), np.int64, len(raw.node_controls))
        c_delay = np.array([float(model.node_delay_s.get(v, 0.0)) for v in raw.node_controls.values()])
        pos = np.searchsorted(raw.node_ids, c_ids)
        ok_c = (pos < n_raw) & (raw.node_ids[np.minimum(pos, n_raw - 1)] == c_ids)
        per_raw = np.zeros(n_raw)
        per_raw[pos[ok_c]] = c_delay[ok_c]
        ctrl = per_raw[R]
    cum_d = np.concatenate([[0.0], np.cumsum(ctrl)])
    delay_fwd = (cum_d[b + 1] - cum_d[a + 1]) / model.driving_factor  # the factor scales waits too
    delay_bwd = (cum_d[b] - cum_d[a]) / model.driving_factor
    d = w_dir[piece_way]
    fwd = np.flatnonzero(d >= 0)
    bwd = np.flatnonzero(d <= 0)
    both = d == 0
    # Forward edges first, then backward ones; twins link the two directions of two-way pieces.
    pu = np.concatenate([R[a[fwd]], R[b[bwd]]])
    pv = np.concatenate([R[b[fwd]], R[a[bwd]]])
    piece = np.concatenate([fwd, bwd])
    rev = np.concatenate([np.zeros(len(fwd), bool), np.ones(len(bwd), bool)])
    twin = np.full(len(piece), -1, np.int64)
    f_both = np.flatnonzero(both[fwd])
    b_both = len(fwd) + np.flatnonzero(both[bwd])
    twin[f_both] = b_both
    twin[b_both] = f_both
    wk = piece_way[piece]
    length = piece_len[piece]
    drive_s = piece_s[piece] + np.where(rev, delay_bwd[piece], delay_fwd[piece])
    time_ms = np.round(drive_s * 1000.0).astype(np.int64)
    n_edges_all = len(piece)
    # Drop self-loops (never on a shortest path), then keep the largest strongly connected component.
    ok = pu != pv
    used = np.unique(np.concatenate([pu[ok], pv[ok]]))
    n_all = len(used)
    uu = np.searchsorted(used, pu[ok])
    vv = np.searchsorted(used, pv[ok])
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    adj = coo_matrix((np.ones(len(uu)), (uu, vv)), shape=(n_all, n_all)).tocsr()
    _, labels = connected_components(adj, directed=True, connection="strong")
    big = np.bincount(labels).argmax()
    in_big = labels == big
    keep_e = np.flatnonzero(ok)[in_big[uu] & in_big[vv]]
    new_of_old = np.full(n_all, -1, np.int64)
    new_of_old[in_big] = np.arange(int(in_big.sum()))
    node_raw = used[in_big]
    remap = np.full(n_edges_all, -1, np.int64)
    remap[keep_e] = np.arange(len(keep_e))
    tw = twin[keep_e]
    tw = np.where(tw >= 0, remap[np.maximum(tw, 0)], -1)
    u_new = new_of_old[np.searchsorted(used, pu[keep_e])]
    v_new = new_of_old[np.searchsorted(used, pv[keep_e])]
    kept_piece = piece[keep_e]
    hw_codes = w_hw[wk[keep_e]]
    time_kept = time_ms[keep_e] + _junction_delays_ms(u_new, v_new, hw_codes, highways, model,
                                                      int(in_big.sum()))
    net = RoadNetwork(
        source=source, fingerprint=fingerprint, speed_key=model.key(),
        node_id=raw.node_ids[node_raw].astype(np.int64), lat=raw.lat[node_raw].copy(), lon=raw.lon[node_raw].copy(),
        u=u_new.astype(np.int32), v=v_new.astype(np.int32), length_m=length[keep_e].astype(float),
        time_ms=time_kept, tagged_speed=w_tagged[wk[keep_e]], twin=tw.astype(np.int32),
        way_id=w_id[wk[keep_e]], geom_start=a[kept_piece].astype(np.int32), geom_end=b[kept_piece].astype(np.int32),
        geom_reversed=rev[keep_e], name_code=w_name[wk[keep_e]], ref_code=w_ref[wk[keep_e]],
        highway_code=hw_codes, vertex_lat=vlat, vertex_lon=vlon,
        built_up_share=piece_built[kept_piece].astype(np.float32),
        density_km_per_km2=piece_density[kept_piece].astype(np.float32), names=names, refs=refs_v,
        highways=highways)
    net.stats.update({"nodes_before_component": int(n_all), "edges_before_component": int(ok.sum()),
                      "share_nodes_in_largest_component": round(float(in_big.sum()) / max(n_all, 1), 4),
                      "share_edges_in_largest_component": round(len(keep_e) / max(int(ok.sum()), 1), 4),
                      "built_up_source": built_src, "traffic_control_nodes": len(raw.node_controls),
                      "built_up_share_of_road": round(float(np.sum(np.where(seg_built, seg, 0.0)))
                                                      / max(float(seg.sum()), 1e-9), 4)})
    if net.n_edges == 0:
        raise InputError("the road network has no two nodes connected both ways", source=source)
    return net


class _DensityGrid:
    """Road metres per cell of DENSITY_CELL_M, summed over the 3 x 3 cells around, as km per km²; plus
    the cells marked built-up by OSM place nodes and landuse/place areas."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, metres: np.ndarray) -> None:
        self.lat0, self.lon0 = float(lat.min()) - 0.01, float(lon.min()) - 0.01
        self.kx = 111_320.0 * np.cos(np.radians(float(lat.mean())))
        self.ky = 110_540.0
        ix, iy = self._cells(lat, lon)
        self.nx, self.ny = int(ix.max()) + 3, int(iy.max()) + 3
        per_cell = np.bincount(iy * self.nx + ix, weights=metres, minlength=self.nx * self.ny)
        padded = np.pad(per_cell.reshape(self.ny, self.nx), 1)
        window = sum(padded[1 + dy:1 + dy + self.ny, 1 + dx:1 + dx + self.nx]  # the 3 x 3 cells around
                     for dy in (-1, 0, 1) for dx in (-1, 0, 1))
        self.density = window / 1000.0 / (3 * DENSITY_CELL_M / 1000.0) ** 2
        self.marked = np.zeros((self.ny, self.nx), bool)

    def _cells(self, lat, lon):
        ix = np.floor((np.asarray(lon) - self.lon0) * self.kx / DENSITY_CELL_M).astype(np.int64)
        iy = np.floor((np.asarray(lat) - self.lat0) * self.ky / DENSITY_CELL_M).astype(np.int64)
        return ix, iy

    def _clip(self, ix, iy):
        return np.clip(ix, 0, self.nx - 1), np.clip(iy, 0, self.ny - 1)

    def density_at(self, lat, lon) -> np.ndarray:
        ix, iy = self._clip(*self._cells(lat, lon))
        return self.density[iy, ix]

    def built_at(self, lat, lon) -> np.ndarray:
        ix, iy = self._clip(*self._cells(lat, lon))
        return (self.density[iy, ix] >= BUILT_UP_DENSITY_KM_PER_KM2) | self.marked[iy, ix]

    def mark_osm(self, raw: RawOsm) -> None:
        """Cells within a place node's radius, and cells whose centre lies in a landuse/place area."""
        n = len(raw.node_ids)
        yy, xx = np.mgrid[0:self.ny, 0:self.nx]
        cx = (xx + 0.5) * DENSITY_CELL_M
        cy = (yy + 0.5) * DENSITY_CELL_M

        def where(ids):
            ids = np.asarray(ids, np.int64)
            pos = np.minimum(np.searchsorted(raw.node_ids, ids), max(n - 1, 0))
            ok = raw.node_ids[pos] == ids
            return ((raw.lon[pos[ok]] - self.lon0) * self.kx, (raw.lat[pos[ok]] - self.lat0) * self.ky)

        for node, kind in raw.places:
            x, y = where([node])
            if len(x):
                r = PLACE_RADIUS_M.get(kind, 200.0)
                self.marked |= (cx - x[0]) ** 2 + (cy - y[0]) ** 2 <= r * r
        if raw.areas:
            import shapely

            for _, refs in raw.areas:
                x, y = where(refs)
                if len(x) < 3:
                    continue
                i0, i1 = max(int(x.min() // DENSITY_CELL_M), 0), min(int(x.max() // DENSITY_CELL_M) + 1, self.nx)
                j0, j1 = max(int(y.min() // DENSITY_CELL_M), 0), min(int(y.max() // DENSITY_CELL_M) + 1, self.ny)
                if i0 >= i1 or j0 >= j1:
                    continue
                poly = shapely.Polygon(np.column_stack([x, y]))
                if not poly.is_valid:
                    poly = poly.buffer(0)
                self.marked[j0:j1, i0:i1] |= shapely.contains_xy(poly, cx[j0:j1, i0:i1], cy[j0:j1, i0:i1])


def _junction_delays_ms(u: np.ndarray, v: np.ndarray, hw_code: np.ndarray, highways: list[str],
                        model: SpeedModel, n_nodes: int) -> np.ndarray:
    """Delay for entering the junction at the end of each edge (a node with 3 or more neighbours):
    "through" when the edge is of the best class there, "from_minor" otherwise (maps.speeds)."""
    from maps.speeds import CLASS_RANK

    if len(u) == 0:
        return np.zeros(0, np.int64)
    rank_of_code = np.array([CLASS_RANK.get(h, 3) for h in highways])
    rank = rank_of_code[hw_code]
    a, b = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
    pairs = np.unique(a * n_nodes + b)
    deg = np.bincount(pairs // n_nodes, minlength=n_nodes) + np.bincount(pairs % n_nodes, minlength=n_nodes)
    best = np.zeros(n_nodes, np.int64)
    np.maximum.at(best, u, rank)
    np.maximum.at(best, v, rank)
    through = float(model.junction_delay_s.get("through", 0.0))
    minor = float(model.junction_delay_s.get("from_minor", 0.0))
    delay_s = np.where(deg[v] >= 3, np.where(rank >= best[v], through, minor), 0.0) / model.driving_factor
    return np.round(delay_s * 1000.0).astype(np.int64)


def _drivable(tags: dict[str, str], model: SpeedModel) -> bool:
    if not model.drivable(tags.get("highway")) or tags.get("area") == "yes":
        return False
    car = tags.get("motor_vehicle", tags.get("motorcar"))
    if car in _NO_ACCESS:
        return False
    return not (tags.get("access") in _NO_ACCESS and car not in _CAR_ALLOWED)


def _direction(tags: dict[str, str]) -> int:
    """1 one-way along the way, -1 one-way against it, 0 both ways (OSM `oneway`, roundabouts, motorways)."""
    oneway = tags.get("oneway", "").strip().lower()
    if oneway in _ONEWAY_FORWARD:
        return 1
    if oneway in _ONEWAY_BACKWARD:
        return -1
    if oneway in {"no", "false", "0", "reversible", "alternating"}:
        return 0
    if tags.get("junction") in {"roundabout", "circular"} or tags.get("highway") == "motorway":
        return 1
    return 0


def _code(value: str, vocab: list[str], index: dict[str, int]) -> int:
    code = index.get(value)
    if code is None:
        code = index[value] = len(vocab)
        vocab.append(value)
    return code


# --------------------------------------------------------------------------------------------------------
# GraphML (what `download_network` saves)


def _from_graphml(path: Path, model: SpeedModel, fingerprint: str) -> RoadNetwork:
    """Rebuild raw ways from an osmnx GraphML file so it goes through the same speeds and checks."""
    try:
        import osmnx as ox

        g = ox.load_graphml(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad file for the user
        raise InputError(f"not a readable GraphML road network ({type(exc).__name__}: {exc})",
                         source=str(path)) from None

    nodes = list(g.nodes)
    node_ids = [int(n) for n in nodes]
    lats = [float(g.nodes[n]["y"]) for n in nodes]
    lons = [float(g.nodes[n]["x"]) for n in nodes]
    next_id = max(node_ids, default=0) + 1
    ways: list[RawWay] = []
    seen: set = set()
    for k, (a, b, data) in enumerate(g.edges(data=True)):
        hw = data.get("highway")
        hw = hw[0] if isinstance(hw, list) else hw
        osmid = data.get("osmid")
        osmid = osmid[0] if isinstance(osmid, list) else osmid
        geom = data.get("geometry")
        coords = list(geom.coords) if geom is not None else []
        # Two-way roads appear as (a, b) and (b, a): keep one way without `oneway`, both when one-way.
        oneway = bool(data.get("oneway", False))
        pair = (min(a, b), max(a, b), str(osmid), round(float(data.get("length", 0)), 1))
        if not oneway:
            if pair in seen:
                continue
            seen.add(pair)
        refs = [int(a)]
        for x, y in coords[1:-1]:
            node_ids.append(next_id)
            lats.append(float(y))
            lons.append(float(x))
            refs.append(next_id)
            next_id += 1
        refs.append(int(b))
        tags = {"highway": str(hw) if hw else "road", "oneway": "yes" if oneway else "no"}
        for key in ("name", "ref", "maxspeed"):
            val = data.get(key)
            if val is not None:
                tags[key] = str(val[0] if isinstance(val, list) else val)
        ways.append(RawWay(int(osmid) if str(osmid).lstrip("-").isdigit() else k, refs, tags))

    return build_network(raw_osm(node_ids, lats, lons, ways), model, source=str(path), fingerprint=fingerprint)


# --------------------------------------------------------------------------------------------------------
# cache


def _write_cache(stem: Path, net: RoadNetwork) -> None:
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
        arrays = {k: getattr(net, k) for k in _EDGE_ARRAYS + ("node_id", "lat", "lon", "vertex_lat", "vertex_lon")}
        tmp = stem.with_name(stem.name + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        meta = {"format": CACHE_FORMAT, "source": net.source, "fingerprint": net.fingerprint,
                "speed_key": net.speed_key, "names": net.names, "refs": net.refs, "highways": net.highways,
                "stats": net.stats}
        tmp_meta = stem.with_name(stem.name + f".{os.getpid()}.tmp.json")
        tmp_meta.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, stem.with_suffix(".npz"))
        os.replace(tmp_meta, stem.with_suffix(".json"))
    except OSError:
        pass  # a cache that cannot be written only costs time


def _read_cache(stem: Path) -> RoadNetwork | None:
    npz, meta_path = stem.with_suffix(".npz"), stem.with_suffix(".json")
    if not (npz.exists() and meta_path.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != CACHE_FORMAT:
            return None
        with np.load(npz) as data:
            arrays = {k: data[k] for k in data.files}
        net = RoadNetwork(source=meta["source"], fingerprint=meta["fingerprint"], speed_key=meta["speed_key"],
                          names=meta["names"], refs=meta["refs"], highways=meta["highways"], stats=meta["stats"],
                          **arrays)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    net.stats["from_cache"] = True
    return net


# --------------------------------------------------------------------------------------------------------
# summaries and downloads


def road_points(net: RoadNetwork) -> list[Location]:
    """Positions of the network's nodes (junctions and road ends), e.g. to place synthetic people on roads."""
    return [Location(float(a), float(b)) for a, b in zip(net.lat, net.lon)]


def network_info(net: RoadNetwork) -> dict:
    """Size and quality figures for `planner network info`."""
    canonical = (net.twin < 0) | ~net.geom_reversed  # count each two-way road once
    return {
        "source": net.source,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "road_km": round(float(net.length_m[canonical].sum()) / 1000.0, 1),
        "bbox": {"min_lat": float(net.lat.min()), "min_lon": float(net.lon.min()),
                 "max_lat": float(net.lat.max()), "max_lon": float(net.lon.max())},
        "share_nodes_in_largest_component": net.stats.get("share_nodes_in_largest_component"),
        "share_edges_with_tagged_speed": round(float(net.tagged_speed.mean()), 4),
        "one_way_edges": int((net.twin < 0).sum()),
        "speeds": net.speed_key,
        "built_up_from": net.stats.get("built_up_source", ""),
        "share_road_built_up": net.stats.get("built_up_share_of_road"),
        "traffic_control_nodes": net.stats.get("traffic_control_nodes", 0),
    }


def download_path(place: str | None = None, bbox: tuple[float, float, float, float] | None = None, *,
                  cache_dir: str | Path | None = None) -> Path:
    """Where `download_network` saves a place or bbox by default (check `.exists()` to work offline)."""
    label = place or (",".join(f"{x:.4f}" for x in bbox) if bbox else "polygon")
    slug = "".join(c if c.isalnum() else "_" for c in label.lower()).strip("_")[:60] or "network"
    return (Path(cache_dir).expanduser() if cache_dir else default_cache_dir()) / "downloads" / f"{slug}.graphml"


def download_network(place: str | None = None, bbox: tuple[float, float, float, float] | None = None,
                     polygon=None, out: str | Path | None = None, *, cache_dir: str | Path | None = None) -> Path:
    """Download the drivable network of a place, bbox (west, south, east, north) or polygon with osmnx.

    Saves GraphML to `out` (default: the cache's downloads folder) so later runs work offline; returns
    the path. Raises NetworkError when offline or when the place is unknown.
    """
    if sum(x is not None for x in (place, bbox, polygon)) != 1:
        raise InputError("give exactly one of a place name, a bounding box or a polygon", field="place")
    import osmnx as ox

    out = Path(out) if out is not None else download_path(place=place, bbox=bbox, cache_dir=cache_dir)
    try:
        if place is not None:
            g = ox.graph_from_place(place, network_type="drive", simplify=True)
        elif bbox is not None:
            g = ox.graph_from_bbox(tuple(bbox), network_type="drive", simplify=True)
        else:
            g = ox.graph_from_polygon(polygon, network_type="drive", simplify=True)
    except Exception as exc:  # noqa: BLE001 - requests/osmnx raise many kinds; the user needs one message
        raise NetworkError(f"cannot download the road network ({type(exc).__name__}: {str(exc)[:160]}). Are you online? "
                           "Offline, use an OSM file: planner network info FILE.osm") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(g, out)
    return out


"""A tiny hand-written OSM file: a one-way street, maxspeed tags, a track, a shape vertex, a disconnected piece.

    E ----------------- D          A-B-C  "Rue Haute" residential, two-way, no maxspeed (40 km/h default)
    |               /   ^          C->D   "Rue du Sens Unique" primary, oneway=yes, maxspeed=50
    |  "Route de   /    |          D-E-A  "Route de l'Est" tertiary, two-way (80), E is only a shape point
    |    l'Est"   /     |          B-D    "Chemin Vert" unclassified, maxspeed="30 mph"
    A ---------- B ---- C          A-T    track (not drivable);  F-G far away: disconnected piece
"""

from __future__ import annotations

import pytest

NODES = {
    1: (48.500, 3.000),  # A
    2: (48.500, 3.010),  # B
    3: (48.500, 3.020),  # C
    4: (48.510, 3.020),  # D
    5: (48.510, 3.000),  # E (shape vertex)
    6: (48.600, 3.100),  # F (disconnected)
    7: (48.600, 3.110),  # G
    8: (48.495, 2.995),  # T (end of a track)
}
WAYS = [
    (100, [1, 2, 3], {"highway": "residential", "name": "Rue Haute"}),
    (101, [3, 4], {"highway": "primary", "name": "Rue du Sens Unique", "oneway": "yes", "maxspeed": "50"}),
    (102, [4, 5, 1], {"highway": "tertiary", "name": "Route de l'Est", "ref": "D 1"}),
    (103, [2, 4], {"highway": "unclassified", "name": "Chemin Vert", "maxspeed": "30 mph"}),
    (104, [1, 8], {"highway": "track"}),
    (200, [6, 7], {"highway": "residential", "name": "Rue Isolée"}),
]
A, B, C, D = (48.500, 3.000), (48.500, 3.010), (48.500, 3.020), (48.510, 3.020)


def osm_xml(nodes=NODES, ways=WAYS) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lat, lon, *tags) in nodes.items():
        if tags and tags[0]:
            lines.append(f'  <node id="{nid}" lat="{lat}" lon="{lon}">')
            lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags[0].items()]
            lines.append("  </node>")
        else:
            lines.append(f'  <node id="{nid}" lat="{lat}" lon="{lon}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>'.replace("'", "&apos;") for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


@pytest.fixture
def small_osm(tmp_path):
    path = tmp_path / "small.osm"
    path.write_text(osm_xml(), encoding="utf-8")
    return path


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def small_net(small_osm, cache):
    from maps.network import load_network

    return load_network(small_osm, cache_dir=cache)


@pytest.fixture
def legal_net(small_osm, cache):
    """The small network at the legal limits, no delay (maps.speeds.SpeedModel.legal_limits): for tests of
    the routing mechanics, whose expected times are then plain length / limit."""
    from maps.network import load_network
    from maps.speeds import SpeedModel

    return load_network(small_osm, cache_dir=cache, model=SpeedModel.legal_limits())


@pytest.fixture
def corners():
    """Named junctions of the small network as Locations (A, B, C, D) plus the shape point E."""
    from planner.core.geo import Location

    return {name: Location(*NODES[k]) for name, k in (("A", 1), ("B", 2), ("C", 3), ("D", 4), ("E", 5))}


@pytest.fixture
def write_osm(tmp_path):
    """write_osm(name, nodes=..., ways=...) -> Path of a variant OSM file."""
    def _write(name, nodes=NODES, ways=WAYS):
        path = tmp_path / name
        path.write_text(osm_xml(nodes, ways), encoding="utf-8")
        return path
    return _write

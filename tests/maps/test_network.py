"""Loading a network: junction graph, one-ways, speeds, largest component, cache, formats, bad files."""

import bz2
import gzip

import numpy as np
import pytest

from maps.speeds import OPEN_ROAD_FACTOR, SpeedModel
from maps.network import load_network, network_info, road_points
from planner.core.errors import InputError
from planner.core.geo import haversine_m


def _edge(net, a, b):
    """Index of the edge from the node at location a to the node at location b, or None."""
    ia = int(np.flatnonzero((net.lat == a.lat) & (net.lon == a.lon))[0])
    ib = int(np.flatnonzero((net.lat == b.lat) & (net.lon == b.lon))[0])
    hits = np.flatnonzero((net.u == ia) & (net.v == ib))
    return int(hits[0]) if len(hits) else None


def test_junction_graph_keeps_largest_component_and_drops_tracks(small_net, corners):
    net = small_net
    assert net.n_nodes == 4  # A, B, C, D: E is a shape point, F-G is disconnected, the track is not drivable
    assert {(round(a, 3), round(b, 3)) for a, b in zip(net.lat, net.lon)} == {
        (c.lat, c.lon) for k, c in corners.items() if k != "E"}
    assert net.n_edges == 9  # A-B, B-C, D-A, B-D both ways; C->D one way
    assert net.stats["share_nodes_in_largest_component"] == pytest.approx(4 / 6, abs=1e-3)
    assert "Rue Isolée" not in set(net.name)
    assert len(road_points(net)) == 4


def test_one_way_respected(small_net, corners):
    c, d = corners["C"], corners["D"]
    cd = _edge(small_net, c, d)
    assert cd is not None and _edge(small_net, d, c) is None
    assert small_net.twin[cd] == -1
    ab = _edge(small_net, corners["A"], corners["B"])
    assert small_net.twin[ab] == _edge(small_net, corners["B"], corners["A"])


def test_speeds_tagged_and_default(small_osm, cache, corners):
    """Limit x the class's driven share (maps.speeds.OPEN_ROAD_FACTOR; open country here), junction delays
    left out to read the speeds alone."""
    A, B, C, D, E = (corners[k] for k in "ABCDE")
    net = load_network(small_osm, cache_dir=cache, model=SpeedModel(junction_delay_s={}))
    f = OPEN_ROAD_FACTOR
    assert float(net.built_up_share.max()) == 0.0
    ab = _edge(net, A, B)
    length = float(haversine_m(A.lat, A.lon, B.lat, B.lon))
    assert net.length_m[ab] == pytest.approx(length, abs=0.1)
    # (times come from unrounded segment lengths: a few ms from length_m / speed)
    assert net.time_ms[ab] == pytest.approx(length / (40 * f["residential"] / 3.6) * 1000, abs=5)  # default
    assert not net.tagged_speed[ab]
    cd = _edge(net, C, D)
    assert net.tagged_speed[cd] and net.time_ms[cd] == pytest.approx(
        net.length_m[cd] / (50 * f["primary"] / 3.6) * 1000, abs=5)
    bd = _edge(net, B, D)
    assert net.tagged_speed[bd] and net.time_ms[bd] == pytest.approx(
        net.length_m[bd] / (30 * 1.609344 * f["unclassified"] / 3.6) * 1000, abs=5)
    da = _edge(net, D, A)  # through the shape point E: length is the sum of both segments
    via_e = float(haversine_m(D.lat, D.lon, E.lat, E.lon) + haversine_m(E.lat, E.lon, A.lat, A.lon))
    assert net.length_m[da] == pytest.approx(via_e, abs=0.1)
    assert net.time_ms[da] == pytest.approx(net.length_m[da] / (80 * f["tertiary"] / 3.6) * 1000, abs=5)
    assert net.edge_coords(da).tolist() == [[D.lat, D.lon], [E.lat, E.lon], [A.lat, A.lon]]
    assert net.name[da] == "Route de l'Est" and net.ref[da] == "D 1" and net.highway[da] == "tertiary"


def test_overrides_and_driving_factor_change_times(small_osm, cache, corners):
    base = load_network(small_osm, cache_dir=cache)
    slow = load_network(small_osm, cache_dir=cache, speeds={"residential": 20}, driving_factor=0.5)
    ab = _edge(base, corners["A"], corners["B"])
    length = float(base.length_m[ab])
    drive_ms = length / (40 * OPEN_ROAD_FACTOR["residential"] / 3.6) * 1000
    delay_ms = base.time_ms[ab] - drive_ms  # the junction at B; the factor scales it too
    assert slow.time_ms[ab] == pytest.approx(drive_ms * 4 + delay_ms * 2, abs=2)
    assert slow.fingerprint != base.fingerprint


def test_network_info(small_net):
    info = network_info(small_net)
    assert info["nodes"] == 4 and info["edges"] == 9
    assert info["share_nodes_in_largest_component"] == pytest.approx(0.6667, abs=1e-3)
    # B-D (both ways) and C->D carry maxspeed: 3 of 9 directed edges
    assert info["share_edges_with_tagged_speed"] == pytest.approx(3 / 9, abs=1e-3)
    assert info["road_km"] == pytest.approx(6.5, abs=0.05)  # AB .74 + BC .74 + CD 1.11 + DEA 2.59 + BD 1.33
    assert info["bbox"]["min_lat"] == pytest.approx(48.5) and info["bbox"]["max_lon"] == pytest.approx(3.02)


def test_cached_reload_identical(small_osm, cache):
    first = load_network(small_osm, cache_dir=cache)
    again = load_network(small_osm, cache_dir=cache)
    assert again.stats.get("from_cache") and not first.stats.get("from_cache")
    for name in ("u", "v", "length_m", "time_ms", "twin", "lat", "lon", "vertex_lat", "geom_start", "name_code"):
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    assert list(first.name) == list(again.name)


def test_compressed_files_give_the_same_network(small_osm, tmp_path, cache):
    plain = load_network(small_osm, cache_dir=cache)
    data = small_osm.read_bytes()
    (tmp_path / "n.osm.gz").write_bytes(gzip.compress(data))
    (tmp_path / "n.osm.bz2").write_bytes(bz2.compress(data))
    for name in ("n.osm.gz", "n.osm.bz2"):
        other = load_network(tmp_path / name, cache_dir=cache)
        assert np.array_equal(other.time_ms, plain.time_ms) and np.array_equal(other.u, plain.u)


def test_graphml_from_osmnx_loads(small_osm, tmp_path, cache):
    ox = pytest.importorskip("osmnx")
    g = ox.graph_from_xml(small_osm, retain_all=True)
    path = tmp_path / "small.graphml"
    ox.save_graphml(g, path)
    net = load_network(path, cache_dir=cache)
    assert net.n_nodes == 4 and net.n_edges == 9
    assert net.length_m.sum() == pytest.approx(load_network(small_osm, cache_dir=cache).length_m.sum(), rel=1e-3)


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"hello, this is not xml", "not an OpenStreetMap"),
    (b"<html><body>nope</body></html>", "not an OpenStreetMap"),
    (b'<osm version="0.6"><node id="1" lat="48" lon="3"/></osm>', "no drivable road"),
    (b'<osm version="0.6"><node id="1" lat="48" lon="3"', "malformed"),
])
def test_bad_files_raise_input_error_naming_the_file(tmp_path, cache, content, words):
    path = tmp_path / "bad.osm"
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        load_network(path, cache_dir=cache)
    assert str(path) in str(exc.value) and words in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="absent.osm"):
        load_network(tmp_path / "absent.osm", cache_dir=tmp_path)


def test_pbf_needs_or_uses_pyosmium(tmp_path, cache):
    path = tmp_path / "bad.osm.pbf"
    path.write_bytes(b"not a pbf at all")
    with pytest.raises(InputError) as exc:
        load_network(path, cache_dir=cache)
    assert str(path) in str(exc.value)


def test_pbf_and_xml_agree_on_real_extract(shared_file, tmp_path):
    pytest.importorskip("osmium", reason="pyosmium not installed (needed for .osm.pbf)")
    xml = load_network(shared_file("osm", "fr04_departement_drive.osm"), cache_dir=tmp_path)
    pbf = load_network(shared_file("osm", "fr04_departement_drive.osm.pbf"), cache_dir=tmp_path)
    assert np.array_equal(xml.time_ms, pbf.time_ms) and np.array_equal(xml.v, pbf.v)
    info = network_info(xml)
    assert info["nodes"] > 15000 and 0.95 < info["share_nodes_in_largest_component"] <= 1
    assert 0.1 < info["share_edges_with_tagged_speed"] < 0.4


def test_reverse_one_way_roundabout_and_private_roads(write_osm, cache, corners):
    from planner.core.geo import Location

    nodes = {1: (48.5, 3.0), 2: (48.5, 3.01), 3: (48.51, 3.01), 4: (48.51, 3.0), 5: (48.505, 3.02),
             6: (48.5, 3.02)}
    ways = [
        (1, [1, 2], {"highway": "residential", "oneway": "-1"}),  # drivable 2 -> 1 only
        (2, [2, 3], {"highway": "residential", "junction": "roundabout"}),  # implied one-way 2 -> 3
        (3, [3, 4, 1], {"highway": "residential"}),
        (4, [2, 5], {"highway": "residential", "access": "private"}),  # left out
        (5, [3, 5], {"highway": "residential", "access": "no", "motor_vehicle": "yes"}),  # cars allowed
        (6, [5, 6, 2], {"highway": "residential"}),  # the way back to 2 (6 is a shape point)
    ]
    net = load_network(write_osm("v.osm", nodes, ways), cache_dir=cache)
    at = {k: Location(*v) for k, v in nodes.items()}
    assert _edge(net, at[2], at[1]) is not None and _edge(net, at[1], at[2]) is None
    assert _edge(net, at[2], at[3]) is not None and _edge(net, at[3], at[2]) is None
    assert 4 not in set(net.way_id.tolist()) and 5 in set(net.way_id.tolist())  # private out, car exception in
    assert net.n_nodes == 4 and net.stats["share_nodes_in_largest_component"] == 1.0  # 1, 2, 3, 5

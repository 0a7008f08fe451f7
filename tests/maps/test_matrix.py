"""Snapping and travel matrices: refusals, one-way asymmetry, points along roads, equality with networkx, cache."""

import networkx as nx
import numpy as np
import pytest

from maps.matrix import ACCESS_SPEED_KPH, DOOR_SECONDS, travel_matrix
from maps.network import load_network, road_points
from maps.snap import snap_points
from planner.core.errors import InputError
from planner.core.geo import Location, haversine_m


def _along(a: Location, b: Location, f: float, off_lat: float = 0.0) -> Location:
    return Location(a.lat + (b.lat - a.lat) * f + off_lat, a.lon + (b.lon - a.lon) * f)


def _packed_graph(net) -> nx.DiGraph:
    """The naive way: a networkx graph whose integer weights order by time, then length (exact sums)."""
    g = nx.DiGraph()
    for a, b, ms, m in zip(net.u.tolist(), net.v.tolist(), net.time_ms.tolist(), net.length_m.tolist()):
        w = int(ms) * 2 ** 24 + int(round(m * 10))
        if not g.has_edge(a, b) or g[a][b]["w"] > w:
            g.add_edge(a, b, w=w)
    return g


def test_snap_to_the_middle_of_a_road(small_net, corners):
    A, B = corners["A"], corners["B"]
    p = _along(A, B, 0.5, off_lat=0.0003)  # 33 m north of the middle of A-B
    snap = snap_points(small_net, ["p"], [p])
    assert snap.distance_m[0] == pytest.approx(33.4, abs=0.5)
    e = int(snap.edge[0])
    assert {small_net.names[small_net.name_code[e]]} == {"Rue Haute"}
    assert snap.fraction[0] == pytest.approx(0.5, abs=0.01)


def test_far_point_refused_with_its_name(small_net, corners):
    far = Location(48.53, 3.05)
    with pytest.raises(InputError) as exc:
        snap_points(small_net, ["ok", "mairie-77405"], [corners["A"], far], source="points.csv")
    text = str(exc.value)
    assert "mairie-77405" in text and "points.csv" in text and "1,000 m" in text and "swapped" not in text
    assert snap_points(small_net, ["x"], [far], max_snap_m=5000).distance_m[0] > 1000


def test_swapped_coordinates_hinted(small_net):
    with pytest.raises(InputError, match=r"'P7'.*swapped"):
        snap_points(small_net, ["P7"], [(3.01, 48.5)])


@pytest.mark.parametrize("bad", [("abc", 3.0), (float("nan"), 3.0), (48.5, None), (95.0, 3.0)])
def test_non_numeric_coordinates_refused(small_net, bad):
    with pytest.raises(InputError, match="'P9'"):
        travel_matrix(small_net, ["P9"], [bad], use_cache=False)


def test_one_way_asymmetry(legal_net, corners, cache):
    m = travel_matrix(legal_net, ["C", "D"], [corners["C"], corners["D"]], cache_dir=cache, door_seconds=0)
    cd = float(haversine_m(48.5, 3.02, 48.51, 3.02))
    assert m.time_s("C", "D") == round(cd / (50 / 3.6))
    assert m.time_s("D", "C") > m.time_s("C", "D") + 30  # must drive around by B
    assert m.distance_m("C", "D") == round(cd)
    assert not m.approximate and "small.osm" in m.source


def test_points_along_roads_and_access_legs(legal_net, corners, cache):
    A, B, C, D = (corners[k] for k in "ABCD")
    ab_s = float(haversine_m(A.lat, A.lon, B.lat, B.lon)) / (40 / 3.6)
    cd_s = float(haversine_m(C.lat, C.lon, D.lat, D.lon)) / (50 / 3.6)
    pts = {"p1": _along(A, B, 0.25), "p2": _along(A, B, 0.75), "q1": _along(C, D, 0.25), "q2": _along(C, D, 0.75),
           "off": _along(A, B, 0.5, off_lat=0.0009), "B": B}
    m = travel_matrix(legal_net, list(pts), list(pts.values()), cache_dir=cache, door_seconds=0)
    assert m.time_s("p1", "p2") == pytest.approx(ab_s / 2, abs=1)  # along the road, not via B and back
    assert m.time_s("p2", "p1") == pytest.approx(ab_s / 2, abs=1)
    assert m.time_s("q1", "q2") == pytest.approx(cd_s / 2, abs=1)  # with the one-way
    assert m.time_s("q2", "q1") > cd_s * 2  # against it: around the block
    access = 0.0009 * 111_195 / (ACCESS_SPEED_KPH / 3.6)  # 100 m at the access speed
    assert m.time_s("off", "B") == pytest.approx(access + ab_s / 2, abs=2)
    assert m.distance_m("off", "B") == pytest.approx(100 + 368, abs=3)


def test_matrix_equals_networkx_on_small_net(small_net, corners, cache):
    ids = list("ABCD")
    m = travel_matrix(small_net, ids, [corners[k] for k in ids], cache_dir=cache, door_seconds=0)
    g = _packed_graph(small_net)
    node = {k: int(np.flatnonzero((small_net.lat == corners[k].lat) & (small_net.lon == corners[k].lon))[0])
            for k in ids}
    for a in ids:
        dist = nx.single_source_dijkstra_path_length(g, node[a], weight="w")
        for b in ids:
            ms, dm = divmod(dist[node[b]], 2 ** 24)
            assert m.time_s(a, b) == int(np.floor(ms / 1000 + 0.5)), (a, b)
            assert abs(m.distance_m(a, b) - dm / 10) <= 0.5, (a, b)


def test_duplicate_place_same_location_is_zero(small_net, corners, cache):
    m = travel_matrix(small_net, ["x", "y"], [corners["A"], corners["A"]], cache_dir=cache)
    assert m.time_s("x", "y") == 0 and m.time_s("y", "x") == 0


def test_matrix_cache_hit_identical(small_net, corners, cache):
    ids, locs = list("ABCD"), [corners[k] for k in "ABCD"]
    first = travel_matrix(small_net, ids, locs, cache_dir=cache)
    files = list((cache / "matrices").glob("*.npz"))
    assert len(files) == 1
    again = travel_matrix(small_net, ids, locs, cache_dir=cache)
    assert np.array_equal(first.seconds, again.seconds) and np.array_equal(first.metres, again.metres)
    travel_matrix(small_net, ids, locs[:3] + [_along(corners["A"], corners["B"], 0.5)], cache_dir=cache)
    assert len(list((cache / "matrices").glob("*.npz"))) == 2  # other points, other key


@pytest.mark.real_osm
def test_matrix_equals_networkx_on_real_extract(shared_file, tmp_path):
    net = load_network(shared_file("osm", "fr77_provins_montois_drive.osm"), cache_dir=tmp_path)
    rng = np.random.default_rng(77)
    nodes = rng.choice(net.n_nodes, 40, replace=False)
    pts = road_points(net)
    ids = [f"n{k}" for k in nodes]
    m = travel_matrix(net, ids, [pts[k] for k in nodes], cache_dir=tmp_path, door_seconds=0)
    g = _packed_graph(net)
    for i in range(0, 40, 4):  # 10 origins x 40 destinations, the naive way
        dist = nx.single_source_dijkstra_path_length(g, int(nodes[i]), weight="w")
        ms = np.array([dist[int(k)] // 2 ** 24 for k in nodes])
        dm = np.array([dist[int(k)] % 2 ** 24 for k in nodes])
        assert np.array_equal(m.seconds[i], np.floor(ms / 1000 + 0.5).astype(int))
        assert np.abs(m.metres[i] - dm / 10).max() <= 0.5
    assert m.seconds.max() < 3600  # the whole territory within an hour by car
    off = ((m.seconds > 0) & (m.seconds.T > 0))
    assert off.sum() == 40 * 39


@pytest.mark.real_osm
def test_real_point_outside_the_extract_is_refused(shared_file, tmp_path):
    net = load_network(shared_file("osm", "fr77_provins_montois_drive.osm"), cache_dir=tmp_path)
    # Saint-Cyr-sur-Morin's real town hall (about 48.91 N, 3.18 E) is 24 km north of this extract.
    with pytest.raises(InputError, match=r"mairie:77405.* m from the nearest road"):
        travel_matrix(net, ["mairie:77379", "mairie:77405"], [Location(48.559819, 3.299239), Location(48.91, 3.18)],
                      use_cache=False)


def test_door_time_applied_half_on_arrival_half_on_departure(small_net, corners, cache):
    ids, locs = list("ABCD"), [corners[k] for k in "ABCD"]
    drive = travel_matrix(small_net, ids, locs, cache_dir=cache, door_seconds=0)
    door = {"A": 300, "B": 0, "C": 60, "D": 0}
    m = travel_matrix(small_net, ids, locs, cache_dir=cache, door_seconds=door)
    for a in ids:
        for b in ids:
            extra = 0 if a == b else (door[a] + door[b]) / 2
            assert m.time_s(a, b) == pytest.approx(drive.time_s(a, b) + extra, abs=1), (a, b)
            assert m.distance_m(a, b) == drive.distance_m(a, b)
    # the default, by density: the small network is open country (DOOR_SECONDS["open"] per stop)
    default = travel_matrix(small_net, ids, locs, cache_dir=cache)
    assert default.time_s("A", "C") == pytest.approx(drive.time_s("A", "C") + DOOR_SECONDS["open"], abs=1)
    assert "door times" in default.source
    with pytest.raises(InputError):
        travel_matrix(small_net, ids, locs, cache_dir=cache, door_seconds=-5)


def test_door_time_by_density_town_longer_than_open_country(write_osm, cache):
    """A grid of streets 100 m apart (a town) and a lone road to a farm 3 km away."""
    from tests.maps.test_speeds import EAST_LON, MID_LAT, town_and_country_osm

    net = load_network(town_and_country_osm(write_osm), cache_dir=cache)
    town, farm = Location(MID_LAT - 0.0007, 3.0055), Location(MID_LAT, EAST_LON + 0.04)
    drive = travel_matrix(net, ["town", "farm"], [town, farm], cache_dir=cache, door_seconds=0)
    m = travel_matrix(net, ["town", "farm"], [town, farm], cache_dir=cache)
    extra = m.time_s("town", "farm") - drive.time_s("town", "farm")
    assert extra == pytest.approx((DOOR_SECONDS["town"] + DOOR_SECONDS["open"]) / 2, abs=1)


def test_patient_door_time_from_the_problem_reaches_the_matrix(small_net, corners, cache):
    from planner.home_visits.io import patient_from_record

    recs = [{"id": "P1", "lat": corners["A"].lat, "lon": corners["A"].lon, "door_seconds": "600"},
            {"id": "P2", "lat": corners["C"].lat, "lon": corners["C"].lon}]
    patients = [patient_from_record(r) for r in recs]
    door = {p.place_id: float(p.door_seconds) for p in patients if p.door_seconds is not None}
    ids = [p.place_id for p in patients]
    locs = [p.location for p in patients]
    drive = travel_matrix(small_net, ids, locs, cache_dir=cache, door_seconds=0)
    m = travel_matrix(small_net, ids, locs, cache_dir=cache, door_seconds=door)
    a, c = ids
    assert m.time_s(a, c) == pytest.approx(drive.time_s(a, c) + (600 + DOOR_SECONDS["open"]) / 2, abs=1)
    assert m.door_seconds() == {a: 600.0, c: DOOR_SECONDS["open"]}
    with pytest.raises(InputError, match="door_seconds|door time"):
        patient_from_record({"id": "P3", "lat": 48.5, "lon": 3.0, "door_seconds": "-1"})

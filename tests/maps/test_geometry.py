"""Leg geometry: coordinates along the roads, steps with street names, consistency with the matrix."""

import numpy as np
import pytest

from maps.geometry import Leg, Step, leg_geometry, legs_geometry, turn_name
from maps.matrix import travel_matrix
from maps.network import load_network, road_points
from planner.core.geo import Location, haversine_m


def test_leg_follows_the_roads(small_net, corners):
    A, C, D, E = corners["A"], corners["C"], corners["D"], corners["E"]
    leg = leg_geometry(small_net, C, A)  # C -> D is one-way, so C -> A goes by B (Rue Haute)
    assert isinstance(leg, Leg) and all(isinstance(s, Step) for s in leg.steps)
    assert leg.coords[0] == (C.lat, C.lon) and leg.coords[-1] == (A.lat, A.lon)
    assert [s.name for s in leg.steps] == ["Rue Haute"]  # B is on the same street: one merged step
    assert leg.steps[0].turn == "depart" and leg.steps[0].bearing_start == pytest.approx(270, abs=1)
    assert leg.steps[0].length_m == pytest.approx(leg.metres, abs=0.5)
    back = leg_geometry(small_net, D, C)  # against the one-way: D -> B -> C or D -> E -> A -> B -> C
    assert back.coords[0] == (D.lat, D.lon) and back.coords[-1] == (C.lat, C.lon)
    names = [s.name for s in back.steps]
    assert names[-1] == "Rue Haute" and "Rue du Sens Unique" not in names
    total = sum(float(haversine_m(*a, *b)) for a, b in zip(back.coords[:-1], back.coords[1:]))
    assert total == pytest.approx(back.metres, rel=1e-3)
    via_e = leg_geometry(small_net, D, Location(E.lat - 0.001, E.lon))  # partway down Route de l'Est
    assert (E.lat, E.lon) in via_e.coords and via_e.steps[0].ref == "D 1"


def test_leg_seconds_match_matrix_and_access_steps(small_net, corners, cache):
    A, B, D = corners["A"], corners["B"], corners["D"]
    off = Location((A.lat + B.lat) / 2 + 0.0009, (A.lon + B.lon) / 2)  # 100 m off Rue Haute
    m = travel_matrix(small_net, ["off", "D"], [off, D], cache_dir=cache, door_seconds=0)  # driving only
    leg = leg_geometry(small_net, off, D)
    assert leg.seconds == pytest.approx(m.time_s("off", "D"), abs=1)
    assert leg.metres == pytest.approx(m.distance_m("off", "D"), abs=1)
    assert leg.steps[0].highway == "access" and leg.steps[0].length_m == pytest.approx(100, abs=1)
    assert leg.snap_origin_m == pytest.approx(100, abs=1)
    assert leg.coords[0] == (off.lat, off.lon)
    assert leg.steps[1].turn in {"left", "right"}  # onto Rue Haute, square to the access leg
    same = leg_geometry(small_net, D, D)
    assert same.seconds == 0 and same.steps == []


def test_turn_names():
    assert turn_name(0, 90) == "right" and turn_name(0, 270) == "left" and turn_name(355, 5) == "straight"
    assert turn_name(0, 180) == "uturn" and turn_name(90, 60) == "slight_left" and turn_name(0, 130) == "sharp_right"


@pytest.mark.real_osm
def test_batched_legs_on_real_extract_match_matrix(shared_file, tmp_path):
    net = load_network(shared_file("osm", "fr77_provins_montois_drive.osm"), cache_dir=tmp_path)
    rng = np.random.default_rng(3)
    pts = [road_points(net)[k] for k in rng.choice(net.n_nodes, 6, replace=False)]
    pts.append(Location(48.559819, 3.299239))  # Provins town hall, off the road
    ids = [f"p{k}" for k in range(len(pts))]
    m = travel_matrix(net, ids, pts, cache_dir=tmp_path, door_seconds=0)  # driving only
    pairs = [(a, b) for a in pts for b in pts if a != b]
    legs = legs_geometry(net, pairs)
    for (a, b), leg in zip(pairs, legs):
        i, j = pts.index(a), pts.index(b)
        assert leg.seconds == pytest.approx(m.seconds[i, j], abs=1)
        assert leg.coords[0] == (a.lat, a.lon) and leg.coords[-1] == (b.lat, b.lon)
        assert sum(s.length_m for s in leg.steps) == pytest.approx(leg.metres, abs=2 + 0.001 * leg.metres)
    assert any(s.ref.startswith("D ") for leg in legs for s in leg.steps)  # départementale roads are named

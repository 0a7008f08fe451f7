"""Speeds: tagged maxspeed values, French defaults per class, overrides and the driving factor."""

import pytest

import numpy as np

from maps.matrix import travel_matrix
from maps.network import load_network
from maps.speeds import (BUILT_UP_FACTOR, BUILT_UP_LIMIT_KPH, DEFAULT_SPEEDS_KPH, JUNCTION_DELAY_S, NODE_DELAY_S,
                         OPEN_ROAD_FACTOR, THROUGH_CLASSES, SpeedModel, parse_maxspeed)
from planner.core.geo import Location


@pytest.mark.parametrize("raw, kph", [
    ("50", 50.0), ("50 km/h", 50.0), ("30 mph", 30 * 1.609344), ("FR:urban", 50.0), ("FR:rural", 80.0),
    ("FR:motorway", 130.0), ("fr:zone30", 30.0), ("50;70", 50.0), ("70;50", 50.0),
    ("none", None), ("signals", None), ("", None), (None, None), ("0", None), ("999", None), ("DE:urban", None),
])
def test_parse_maxspeed(raw, kph):
    got = parse_maxspeed(raw)
    assert got == pytest.approx(kph) if kph is not None else got is None


def test_french_defaults_documented_values():
    d = DEFAULT_SPEEDS_KPH
    assert (d["motorway"], d["trunk"], d["primary"], d["secondary"], d["tertiary"]) == (130, 110, 80, 80, 80)
    assert (d["unclassified"], d["residential"], d["living_street"], d["service"]) == (70, 40, 20, 20)  # limits
    assert all(k in d for k in ("motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link"))
    assert "track" not in d and "footway" not in d and "cycleway" not in d


def test_overrides_removal_and_driving_factor():
    model = SpeedModel.build({"residential": 30, "track": 15, "service": None}, driving_factor=0.9)
    f = OPEN_ROAD_FACTOR
    assert model.speed_kph("residential") == (pytest.approx(30 * f["residential"] * 0.9), False)
    assert model.speed_kph("primary", "50") == (pytest.approx(50 * f["primary"] * 0.9), True)
    assert model.speed_kph("primary", "none") == (pytest.approx(80 * f["primary"] * 0.9), False)
    assert model.drivable("track") and not model.drivable("service") and not model.drivable(None)
    assert model.key() != SpeedModel.build().key()
    with pytest.raises(ValueError):
        SpeedModel.build(driving_factor=0)
    with pytest.raises(ValueError):
        SpeedModel.build({"primary": -5})


# ---- the travel-time model (docs/network.md) -------------------------------------------------------------

def test_driven_below_the_limit_and_town_slower_than_open_road():
    m = SpeedModel.build()
    for hw, limit in DEFAULT_SPEEDS_KPH.items():
        open_kph, _ = m.speed_kph(hw)
        town_kph, _ = m.speed_kph(hw, built_up=True)
        assert 0 < town_kph <= open_kph < limit, hw
        if hw not in THROUGH_CLASSES and limit >= BUILT_UP_LIMIT_KPH:
            assert town_kph == pytest.approx(BUILT_UP_LIMIT_KPH * BUILT_UP_FACTOR) and town_kph < open_kph, hw
    assert m.speed_kph("primary") == (pytest.approx(80 * OPEN_ROAD_FACTOR["primary"]), False)
    assert m.speed_kph("motorway", built_up=True)[0] == m.speed_kph("motorway")[0]  # a bypass stays fast
    assert m.speed_kph("primary", "70", built_up=True)[0] == pytest.approx(70 * BUILT_UP_FACTOR)  # tag kept


GRID = 12  # streets 12 x 12, about 75 m apart: a town centre
LAT_STEP, LON_STEP = 0.0007, 0.001
MID_LAT = 48.5 + (GRID // 2) * LAT_STEP
EAST_LON = 3.0 + (GRID - 1) * LON_STEP  # where the country road leaves the town


def town_and_country_osm(write_osm, signal: bool = False, landuse: bool = False):
    """A town grid (residential streets) crossed by a tertiary road that goes on 4 km east into open country.

    The country road has shape vertices every 0.005° of longitude (370 m); `signal` puts traffic lights on
    one of them, `landuse` a landuse=residential area over the country road between 3.046 and 3.056."""
    nodes, ways = {}, []
    nid = 1
    grid = {}
    for i in range(GRID):
        for j in range(GRID):
            grid[i, j] = nid
            nodes[nid] = (48.5 + i * LAT_STEP, 3.0 + j * LON_STEP)
            nid += 1
    wid = 1
    mid = GRID // 2
    for i in range(GRID):
        hw = "tertiary" if i == mid else "residential"
        ways.append((wid, [grid[i, j] for j in range(GRID)], {"highway": hw}))
        wid += 1
    for j in range(GRID):
        ways.append((wid, [grid[i, j] for i in range(GRID)], {"highway": "residential"}))
        wid += 1
    country = [grid[mid, GRID - 1]]
    lat = MID_LAT
    for k in range(1, 12):
        nodes[nid] = (lat, EAST_LON + k * 0.005, {"highway": "traffic_signals"} if signal and k == 6 else {})
        country.append(nid)
        nid += 1
    ways.append((wid, country, {"highway": "tertiary"}))
    wid += 1
    nodes[nid] = (lat + 0.01, EAST_LON + 0.075)  # a side road at the far end, so the country road ends at a junction
    ways.append((wid, [country[-1], nid], {"highway": "unclassified"}))
    wid += 1
    nid += 1
    if landuse:
        ring = []
        for la, lo in ((lat - 0.003, 3.046), (lat - 0.003, 3.056), (lat + 0.003, 3.056), (lat + 0.003, 3.046)):
            nodes[nid] = (la, lo)
            ring.append(nid)
            nid += 1
        ways.append((wid, ring + ring[:1], {"landuse": "residential"}))
    return write_osm(f"town_{signal}_{landuse}.osm", nodes=nodes, ways=ways)


def _kph(net, mask):
    return float(net.length_m[mask].sum() / (net.time_ms[mask].sum() / 1000.0) * 3.6)


def test_network_town_streets_slower_than_the_same_road_in_open_country(write_osm, tmp_path):
    net = load_network(town_and_country_osm(write_osm), cache_dir=tmp_path)
    tertiary = net.highway == "tertiary"
    town = tertiary & (net.built_up_share > 0.99)
    country = tertiary & (net.built_up_share < 0.2)  # the 4 km country road, its first metres in town
    assert town.any() and country.any()
    assert _kph(net, town) < 0.6 * _kph(net, country)
    assert _kph(net, country) < DEFAULT_SPEEDS_KPH["tertiary"]
    assert net.stats["built_up_source"] == "road density" and "built_up_from" in __import__(
        "maps.network", fromlist=["network_info"]).network_info(net)


def test_a_longer_road_is_never_faster(write_osm, tmp_path):
    net = load_network(town_and_country_osm(write_osm), cache_dir=tmp_path)
    lat = MID_LAT
    start = Location(lat, EAST_LON)
    pts = [Location(lat, EAST_LON + 0.0023 * k) for k in range(1, 25)]  # every 170 m along the country road
    m = travel_matrix(net, ["s"] + [f"p{k}" for k in range(len(pts))], [start] + pts, cache_dir=tmp_path,
                      door_seconds=0)
    secs = m.seconds[0, 1:]
    metres = m.metres[0, 1:]
    assert np.all(np.diff(metres) > 0) and np.all(np.diff(secs) > 0)
    # and the model: for every class and context, time grows with length (speed does not depend on it)
    model = SpeedModel.build()
    for hw in DEFAULT_SPEEDS_KPH:
        for built in (False, True):
            kph = model.speed_kph(hw, built_up=built)[0]
            assert 100 / kph < 200 / kph


def test_traffic_signals_and_landuse_where_tagged(write_osm, tmp_path):
    plain = load_network(town_and_country_osm(write_osm), cache_dir=tmp_path)
    lights = load_network(town_and_country_osm(write_osm, signal=True), cache_dir=tmp_path)
    assert lights.stats["traffic_control_nodes"] == 1
    assert int(lights.time_ms.sum() - plain.time_ms.sum()) == pytest.approx(
        2 * 1000 * NODE_DELAY_S["traffic_signals"], abs=2)  # once in each direction
    area = load_network(town_and_country_osm(write_osm, landuse=True), cache_dir=tmp_path)
    assert area.stats["built_up_source"] == "OSM place/landuse and road density"
    assert area.time_ms.sum() > plain.time_ms.sum() + 30_000  # about 700 m at 30 instead of 62 km/h, both ways


def test_junction_delays_from_a_minor_road_larger_than_through(write_osm, tmp_path):
    no_delay = SpeedModel(junction_delay_s={})
    path = town_and_country_osm(write_osm)
    base = load_network(path, cache_dir=tmp_path, model=no_delay)
    net = load_network(path, cache_dir=tmp_path)
    added = (net.time_ms - base.time_ms) / 1000.0
    assert set(np.round(np.unique(added), 3)) <= {0.0, JUNCTION_DELAY_S["through"], JUNCTION_DELAY_S["from_minor"]}
    into_tertiary = (net.highway == "residential") & np.isin(net.v, net.v[net.highway == "tertiary"])
    assert into_tertiary.any() and np.all(added[into_tertiary] == JUNCTION_DELAY_S["from_minor"])

"""Offline place search: town halls by name, streets by name near the commune named, typos tolerated."""

from __future__ import annotations

import csv

import pytest

from maps.geocode import Commune, build_index, normalise, search
from tests.conftest import REPO

TOWNS = [Commune("77001", "Ville-Haute", 48.5005, 3.0105, "1 place de la Mairie"),
         Commune("77002", "Ailleurs-sur-Isolée", 48.6005, 3.1050)]


def test_normalise_drops_accents_numbers_and_post_codes():
    assert normalise("12 bis, Rue  de l'Église 77160 PROVINS") == "rue de l eglise provins"


def test_townhall_by_name_and_street_near_the_commune(small_net):
    index = build_index(small_net, TOWNS)
    (hall,) = search(index, "Ville-Haute")
    assert hall.kind == "mairie" and hall.insee == "77001" and "1 place de la Mairie" in hall.label
    best = search(index, "3 rue Haute, Ville-Haute")[0]
    assert best.kind == "rue" and "Rue Haute" in best.label and best.insee == "77001"
    assert 48.49 < best.lat < 48.51 and 2.99 < best.lon < 3.03  # on the street, not at the isolated one
    assert search(index, "rue haute")[0].label.startswith("Rue Haute")  # no commune named: any commune near
    assert search(index, "Chemin Vert, Ville-Haute")[0].label.startswith("Chemin Vert, Ville-Haute")
    assert search(index, "Rue Isolée, Ailleurs-sur-Isolée") == []  # not on the drivable network kept
    assert search(index, "rue Haut")  # a typo still finds it
    assert search(index, "x") == [] and search(index, "boulevard inexistant") == []


def test_without_a_network_only_townhalls(small_net):
    index = build_index(None, TOWNS)
    assert [p.kind for p in search(index, "Ville Haute")] == ["mairie"]
    assert search(index, "rue Haute, Ville-Haute") == []


@pytest.mark.real_osm
def test_real_extract_streets_of_the_demo_territory(shared_file):
    from maps.network import load_network

    net = load_network(shared_file("osm", "fr77_provins_montois_drive.osm"))
    towns = [Commune(r["insee"], r["name"], float(r["townhall_lat"]), float(r["townhall_lon"]), r["townhall_address"])
             for r in csv.DictReader(open(REPO / "data" / "provinois" / "communes.csv", encoding="utf-8"))]
    index = build_index(net, towns)
    best = search(index, "route de Provins, Chalautre-la-Petite")[0]
    assert best.label.startswith("Route de Provins, Chalautre-la-Petite")
    hall = search(index, "provins")[0]
    assert hall.kind == "mairie" and hall.commune == "Provins"

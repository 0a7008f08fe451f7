"""Small hand-checkable rotation problems on the approximate matrix (no road network needed)."""

from __future__ import annotations

import copy

import pytest

from maps.approx import approximate_matrix
from planner.core.geo import Location
from planner.rotations.io import problem_from_dict

WEEKDAYS = [["lundi", "vendredi", [["09:00", "12:00"], ["14:00", "17:00"]]]]
BASE = (48.56, 3.30)
# commune -> (lat, lon, population); 0.1 deg lat ~ 11 km ~ 17 min by the approximate model
COMMUNES = {
    "77001": (48.56, 3.33, 1200),
    "77002": (48.62, 3.30, 800),
    "77003": (48.50, 3.30, 600),
    "77004": (48.57, 3.36, 300),
    "77009": (49.40, 3.30, 500),  # ~93 km north: no premises within reach
}


def problem_dict() -> dict:
    """Two units (one doctor+nurse, one nurse+prevention), 5 days from Monday 2026-11-30."""
    return {
        "kind": "rotation", "name": "test", "reach_minutes": 20,
        "units": [
            {"id": "U1", "name": "Unité 1", "vehicle": "van", "base": {"id": "base:U1", "name": "Base", "lat": BASE[0],
                                                                      "lon": BASE[1]},
             "start": "2026-11-30", "days": 5, "max_driving_minutes": 120,
             "members": [{"id": "d1", "name": "Dr A", "role": "doctor"}, {"id": "n1", "name": "Inf B", "role": "nurse"}]},
            {"id": "U2", "name": "Unité 2", "base": {"id": "base:U2", "name": "Base 2", "lat": BASE[0], "lon": BASE[1]},
             "start": "2026-11-30", "days": 5, "max_driving_minutes": 120,
             "members": [{"id": "n2", "name": "Inf C", "role": "nurse"},
                         {"id": "p2", "name": "Prév D", "role": "prevention"}]},
        ],
        "premises": [
            {"id": "M77001", "name": "Mairie 1", "insee": "77001", "lat": 48.56, "lon": 3.33, "rooms": 1},
            {"id": "M77002", "name": "Mairie 2", "insee": "77002", "lat": 48.62, "lon": 3.30, "rooms": 1,
             "hours": [["mardi", "mardi", [["09:00", "12:00"]]]]},
            {"id": "S77003", "name": "Salle 3", "insee": "77003", "lat": 48.50, "lon": 3.30, "rooms": 2,
             "hours": WEEKDAYS, "status": "proposed"},
            {"id": "M77009", "name": "Mairie 9", "insee": "77009", "lat": 49.40, "lon": 3.30, "rooms": 1,
             "status": "withdrawn"},
        ],
        "communes": [
            {"insee": k, "name": f"Commune {k}", "population": pop, "lat": lat, "lon": lon,
             "townhall_hours": WEEKDAYS}
            for k, (lat, lon, pop) in COMMUNES.items()
        ],
    }


def matrix_for(data: dict, extra: dict | None = None):
    places = {}
    for u in data["units"]:
        places[u["base"]["id"]] = Location(u["base"]["lat"], u["base"]["lon"])
        for lg in u.get("lodging", []):
            places[lg["id"]] = Location(lg["lat"], lg["lon"])
    for p in data["premises"]:
        places[p["id"]] = Location(p["lat"], p["lon"])
    for c in data["communes"]:
        places[f"mairie:{c['insee']}"] = Location(c["lat"], c["lon"])
    places.update(extra or {})
    return approximate_matrix(list(places), list(places.values()))


@pytest.fixture
def small():
    data = problem_dict()
    return data, problem_from_dict(copy.deepcopy(data)), matrix_for(data)

"""Hand-built PlanViews shaped like the planners' output: home visits (patients) and a rotation (sessions)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from planner.core.geo import Location, distance_m
from planner.core.itinerary import DayItinerary, ItineraryStop, PlanView, Unscheduled

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
OSM = SHARED / "osm" / "fr77_provins_montois_drive.osm"
OUTLINES = REPO / "data" / "provinois" / "outlines.geojson"

# Real places of the demo territory (town halls), synthetic people.
PROVINS = Location(48.559819, 3.299239)
BRAY = Location(48.414887, 3.239597)
DONNEMARIE = Location(48.476753, 3.127893)
VILLIERS = Location(48.649345, 3.407669)
JOUY = Location(48.665818, 3.131869)
CHENOISE = Location(48.614876, 3.195372)
LONGUEVILLE = Location(48.513877, 3.249464)

PATIENTS = [  # id, name, address, phone, location, insee
    ("P0001", "Jeanne Dupuis", "12 rue des Lilas, 77160 Provins", "06 11 22 33 44", Location(48.5652, 3.2911), "77379"),
    ("P0002", "Marcel Girardot", "3 chemin du Moulin, 77650 Longueville", "", Location(48.5155, 3.2460), "77258"),
    ("P0003", "Odette Lemarchand", "8 place de l'Église, 77480 Bray-sur-Seine", "01 60 67 00 00",
     Location(48.4160, 3.2380), "77051"),
    ("P0004", "Henri Vasseur", "21 Grande Rue, 77520 Donnemarie-Dontilly", "06 98 76 54 32",
     Location(48.4781, 3.1302), "77159"),
    ("P0005", "Suzanne Perrot", "5 rue de la Gare, 77370 Chenoise", "", Location(48.6139, 3.1977), "77109"),
    ("P0006", "Lucien Fabre", "2 route de Provins, 77560 Villiers-Saint-Georges", "07 12 12 12 12",
     Location(48.6480, 3.4050), "77513"),
]


def _stops(base: tuple[str, str, Location], visits: list[tuple], day: date, *, kind: str, minutes: int,
           start_h: int = 8) -> tuple[ItineraryStop, ...]:
    """Depart from base, visit each place in order at 50 km/h x 1.3, return to base."""
    base_id, base_name, base_loc = base
    t = datetime(day.year, day.month, day.day, start_h, 0)
    stops = [ItineraryStop(0, "depart", base_id, base_name, base_loc, t, t, t, address="Cabinet")]
    prev = base_loc
    for i, v in enumerate(visits, start=1):
        place_id, name, loc, extra = v
        metres = int(distance_m(prev, loc) * 1.3)
        secs = int(metres / (50 / 3.6))
        arrival = t + timedelta(seconds=secs)
        start = arrival + timedelta(minutes=5) if i == 2 else arrival
        end = start + timedelta(minutes=minutes)
        stops.append(ItineraryStop(i, kind, place_id, name, loc, arrival, start, end, secs, metres, **extra))
        t, prev = end, loc
    metres = int(distance_m(prev, base_loc) * 1.3)
    secs = int(metres / (50 / 3.6))
    back = t + timedelta(seconds=secs)
    stops.append(ItineraryStop(len(visits) + 1, "return", base_id, base_name, base_loc, back, back, back,
                               secs, metres))
    return tuple(stops)


def patient_visit(pid: str, who: str) -> tuple:
    p = next(x for x in PATIENTS if x[0] == pid)
    return (p[0], p[1], p[4], {"address": p[2], "what": f"{who} chez {p[1]} (30 min)", "patient_id": p[0],
                               "patient_name": p[1], "phone": p[3], "commune_insee": p[5]})


def make_home_view(approximate: bool = False) -> PlanView:
    d1, d2 = date(2026, 3, 2), date(2026, 3, 3)
    nurse = ("base:S01", "Cabinet infirmier de Provins", PROVINS)
    doctor = ("base:S02", "Maison de santé de Bray", BRAY)
    its = (
        DayItinerary("S01", "Claire Martin", "nurse", d1,
                     _stops(nurse, [patient_visit(p, "Soins infirmiers") for p in ("P0001", "P0002", "P0005")],
                            d1, kind="visit", minutes=30)),
        DayItinerary("S01", "Claire Martin", "nurse", d2,
                     _stops(nurse, [patient_visit(p, "Soins infirmiers") for p in ("P0006", "P0001")],
                            d2, kind="visit", minutes=30)),
        DayItinerary("S02", "Dr Paul Bernard", "doctor", d1,
                     _stops(doctor, [patient_visit(p, "Visite médicale") for p in ("P0003", "P0004")],
                            d1, kind="visit", minutes=30, start_h=9)),
    )
    return PlanView("home_visits", "Tournées à domicile — semaine du 2 mars 2026", its,
                    indicators=(("Visites planifiées", "7"), ("Visites non planifiées", "1"),
                                ("Conduite totale", "3 h 10")),
                    unscheduled=(Unscheduled("P0099", "Visite de Germaine Trouvé (P0099)",
                                             "aucun créneau compatible avec ses disponibilités"),),
                    approximate=approximate)


def make_rotation_view(approximate: bool = False) -> PlanView:
    d1, d2 = date(2026, 3, 4), date(2026, 3, 5)
    unit = ("base:U01", "Centre hospitalier de Provins", PROVINS)
    sess = {
        "77513": ("M77513", "Salle polyvalente de Villiers-Saint-Georges", VILLIERS,
                  "2 route de Provins, 77560 Villiers-Saint-Georges"),
        "77109": ("mairie:77109", "Mairie de Chenoise-Cucharmoy", CHENOISE, "Place de la Mairie, 77160 Chenoise"),
        "77051": ("M77051", "Maison des associations de Bray-sur-Seine", BRAY, "1 place du Général-de-Gaulle, 77480"),
        "77159": ("mairie:77159", "Mairie de Donnemarie-Dontilly", DONNEMARIE, "Place du Marché, 77520"),
    }

    def session(insee: str) -> tuple:
        pid, name, loc, addr = sess[insee]
        return (pid, name, loc, {"address": addr, "what": "Consultations médecin + infirmière", "commune_insee": insee})

    its = (
        DayItinerary("U01", "Unité mobile Provinois", "unit", d1,
                     _stops(unit, [session("77513"), session("77109")], d1, kind="session", minutes=180)),
        DayItinerary("U01", "Unité mobile Provinois", "unit", d2,
                     _stops(unit, [session("77051"), session("77159")], d2, kind="session", minutes=180)),
    )
    coverage = {
        "77513": {"name": "Villiers-Saint-Georges", "population": 1226, "share_within_reach": 1.0, "sessions": 1,
                  "lat": VILLIERS.lat, "lon": VILLIERS.lon},
        "77109": {"name": "Chenoise-Cucharmoy", "population": 1545, "share_within_reach": 0.9, "sessions": 1},
        "77051": {"name": "Bray-sur-Seine", "population": 2243, "share_within_reach": 0.85, "sessions": 1},
        "77159": {"name": "Donnemarie-Dontilly", "population": 2874, "share_within_reach": 0.7, "sessions": 1},
        "77379": {"name": "Provins", "population": 11838, "share_within_reach": 0.3, "sessions": 0},
        "77238": {"name": "Jouy-le-Châtel", "population": 1542, "share_within_reach": 0.1, "sessions": 0,
                  "lat": JOUY.lat, "lon": JOUY.lon},
        "99999": {"name": "Commune sans contour", "population": 400, "share_within_reach": 0.5, "sessions": 0,
                  "lat": 48.60, "lon": 3.35},
    }
    premises = [{"id": sess[i][0], "name": sess[i][1], "lat": sess[i][2].lat, "lon": sess[i][2].lon,
                 "address": sess[i][3], "insee": i} for i in ("77513", "77051")]
    return PlanView("rotation", "Rotation de l'unité mobile — mars 2026", its,
                    indicators=(("Séances", "4"), ("Population à moins de 20 min", "62 %")),
                    unscheduled=(Unscheduled("77238", "Jouy-le-Châtel", "aucun local disponible le jour prévu"),),
                    approximate=approximate,
                    extras={"coverage": coverage, "reach_minutes": 20, "premises_used": premises})


@pytest.fixture
def home_view() -> PlanView:
    return make_home_view()


@pytest.fixture
def rotation_view() -> PlanView:
    return make_rotation_view()


@pytest.fixture
def outlines() -> dict:
    import json

    return json.loads(OUTLINES.read_text(encoding="utf-8"))

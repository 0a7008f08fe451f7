"""Shared maps reveal no home (lines stop on a coarse grid), breaks never name a patient, and text a person
typed stays text: in map popups and tooltips (folium's JavaScript template literals) and in CSV/XLSX."""

from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from api.outputs import mapfiles, tabular
from api.outputs.legs import RouteLeg
from api.outputs.pseudonym import blur, for_audience
from maps.render import text
from planner.core.geo import Location, distance_m
from planner.core.itinerary import DayItinerary, ItineraryStop, PlanView

HOSTILE = ("${window.__xss=1}", "`;window.__xss=1;`", "</script><script>window.__xss=1</script>",
           "<img src=x onerror=window.__xss=1>", "\\`${window.__xss=1}", "=HYPERLINK(\"http://x\",\"clic\")")


def _thirty_patient_view(name_of=lambda k: f"Patiente Numéro{k}") -> tuple[PlanView, dict]:
    """Three nurses, ten patients each, one day; every leg drawn 'by road' through the real doors."""
    rng = random.Random(7)
    base = Location(48.5598, 3.2992)
    day = date(2026, 3, 2)
    its, legs = [], {}
    for n in range(3):
        t = datetime(2026, 3, 2, 8)
        stops = [ItineraryStop(0, "depart", "base", "Cabinet", base, t, t, t)]
        for k in range(1, 11):
            pid = f"P{n}{k:02d}"
            loc = Location(base.lat + rng.uniform(-0.08, 0.08), base.lon + rng.uniform(-0.1, 0.1))
            t += timedelta(minutes=40)
            stops.append(ItineraryStop(k, "visit", f"home:{pid}", name_of(n * 10 + k), loc, t, t,
                                       t + timedelta(minutes=30), 600, 5000, f"{k} rue Privée", "Soins",
                                       pid, name_of(n * 10 + k), "06 00 00 00 00"))
            if k == 5:  # lunch at this patient's home, as the planner places it
                stops.append(ItineraryStop(len(stops), "break", f"home:{pid}", "Pause déjeuner", loc,
                                           t + timedelta(minutes=30), t + timedelta(minutes=30),
                                           t + timedelta(minutes=75), what="Pause déjeuner (45 min)"))
        t += timedelta(minutes=40)
        stops.append(ItineraryStop(len(stops), "return", "base", "Cabinet", base, t, t, t, 600, 5000))
        stops = [replace(s, sequence=i) for i, s in enumerate(stops)]
        its.append(DayItinerary(f"N{n}", f"Infirmière {n}", "nurse", day, tuple(stops)))
        road = []
        for a, b in zip(stops, stops[1:]):
            mid = ((a.location.lat + b.location.lat) / 2 + 0.001, (a.location.lon + b.location.lon) / 2)
            road.append(RouteLeg(((a.location.lat, a.location.lon), mid, (b.location.lat, b.location.lon)), (), True))
        legs[(f"N{n}", day)] = road
    return PlanView("home_visits", "Tournées", tuple(its)), legs


def _polylines(page: str) -> list[list[list[float]]]:
    return [json.loads(m) for m in re.findall(r"L\.polyline\(\s*(\[\[.*?\]\])", page, re.S)]


def test_shared_map_lines_stop_on_the_grid_not_at_doors():
    view, legs = _thirty_patient_view()
    doors = [s.location for d in view.itineraries for s in d.stops if s.patient_id]
    assert len(doors) == 30
    full = mapfiles.map_html(view, "planner", legs=legs)
    near = sum(any(distance_m(door, Location(*c)) < 1 for line in _polylines(full) for c in line) for door in doors)
    assert near == 30  # the planner's own map does reach each door (the test would catch a leak)
    shared = mapfiles.map_html(view, "shared", legs=legs)
    lines = _polylines(shared)
    assert lines and all(len(line) >= 2 for line in lines)
    for line in lines:
        for lat, lon in line:
            b = blur(Location(lat, lon))
            assert abs(b.lat - lat) < 1e-6 and abs(b.lon - lon) < 1e-6  # a grid centre, nothing finer
    for door in doors:
        closest = min(distance_m(door, Location(*c)) for line in lines for c in line)
        assert closest > 5, closest


def test_breaks_at_a_home_never_name_the_patient():
    view, legs = _thirty_patient_view()
    shared = for_audience(view, "shared")
    breaks = [s for d in shared.itineraries for s in d.stops if s.kind == "break"]
    assert len(breaks) == 3
    names = {s.patient_name for d in view.itineraries for s in d.stops if s.patient_id}
    for b in breaks:
        assert not any(n in b.place_name or n in b.what for n in names)
    page = mapfiles.map_html(view, "shared", legs=legs)
    assert not any(n in page for n in names)


def test_hostile_text_is_inert_in_map_scripts():
    for raw in HOSTILE:
        safe = text(raw)
        assert "`" not in safe and "${" not in safe and "<" not in safe and "\\" not in safe
    view, legs = _thirty_patient_view(name_of=lambda k: HOSTILE[k % len(HOSTILE)])
    for audience in ("planner", "shared", "staff:N1"):
        page = mapfiles.map_html(view, audience, legs=legs)
        for script in re.findall(r"<script[^>]*>(.*?)</script>", page, re.S):
            assert "${window" not in script and "`;window" not in script and "<img src=x" not in script


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def test_formulas_typed_in_names_stay_text_in_csv_and_xlsx(tmp_path):
    from openpyxl import load_workbook

    names = {k: raw for k, raw in enumerate(("=HYPERLINK(\"http://x\",\"clic\")", "+33 6 00", "-2+3",
                                              "@SUM(A1)", "=1+1"), start=1)}
    view, _ = _thirty_patient_view(name_of=lambda k: names.get(k, f"Patiente {k}"))
    rows = _rows(tabular.write_csv(view, tmp_path / "arrets.csv"))
    place = rows[0].index("lieu")
    cells = [r[place] for r in rows[1:]]
    for raw in names.values():
        assert "'" + raw in cells and raw not in cells
    wb = load_workbook(tabular.write_xlsx(view, tmp_path / "arrets.xlsx"))
    ws = wb.active
    col = [c.value for c in ws[1]].index("lieu") + 1
    values = {ws.cell(r, col).value: ws.cell(r, col).data_type for r in range(2, ws.max_row + 1)}
    for raw in names.values():
        assert values.get(raw) == "s"  # the text itself, stored as a string, never as a formula

"""CSV, XLSX, iCalendar and GPX exports parse back to what the view says."""

from __future__ import annotations

import csv
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import openpyxl

from api.outputs import calendar, gpx, tabular
from api.outputs.legs import RouteLeg, view_legs


def all_stops(view):
    return [(d, s) for d in sorted(view.itineraries, key=lambda d: (d.day, d.resource_name)) for s in d.stops]


def test_csv_has_one_row_per_stop_with_french_headers(home_view, tmp_path):
    p = tabular.write_csv(home_view, tmp_path / "arrets.csv")
    with p.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0][:12] == ["date", "intervenant", "rôle", "ordre", "type d'arrêt", "lieu", "adresse", "arrivée",
                            "début", "fin", "minutes de route", "km depuis l'arrêt précédent"]
    expected = all_stops(home_view)
    assert len(rows) - 1 == len(expected)
    for row, (d, s) in zip(rows[1:], expected):
        assert row[0] == d.day.isoformat() and row[1] == d.resource_name and int(row[3]) == s.sequence
        assert row[5] == s.place_name and row[6] == s.address
        assert row[7] == s.arrival.strftime("%H:%M") and row[9] == s.end.strftime("%H:%M")
        assert int(row[10]) == round(s.travel_s / 60)
        assert float(row[11].replace(",", ".")) == round(s.travel_m / 1000, 1)


def test_xlsx_matches_the_view(rotation_view, tmp_path):
    p = tabular.write_xlsx(rotation_view, tmp_path / "arrets.xlsx")
    ws = openpyxl.load_workbook(p).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "date" and values[0][4] == "type d'arrêt"
    expected = all_stops(rotation_view)
    assert len(values) - 1 == len(expected)
    kinds = [r[4] for r in values[1:]]
    assert kinds.count("Consultations") == sum(1 for _, s in expected if s.kind == "session") == 4
    total_km = sum(r[11] for r in values[1:])
    assert abs(total_km - sum(s.travel_m for _, s in expected) / 1000) < 0.1 * len(expected)


def test_one_calendar_per_staff_one_event_per_visit_in_paris_time(home_view, tmp_path):
    paths = calendar.write_staff_calendars(home_view, tmp_path)
    assert len(paths) == 2
    paris = ZoneInfo("Europe/Paris")
    for p in paths:
        cal = icalendar.Calendar.from_ical(p.read_bytes())
        events = list(cal.walk("VEVENT"))
        rid = p.name.split("-")[0].upper()
        visits = [s for d in home_view.itineraries if d.resource_id == rid for s in d.stops if s.kind == "visit"]
        assert len(events) == len(visits) > 0
        starts = sorted(e.decoded("dtstart") for e in events)
        assert starts == sorted(s.start.replace(tzinfo=paris) for s in visits)
        assert all(e.decoded("dtstart").utcoffset().total_seconds() == 3600 for e in events)  # CET in March
        assert len({str(e["uid"]) for e in events}) == len(events)
        assert cal.walk("VTIMEZONE"), "the timezone must be embedded for calendar apps"


def test_gpx_per_route_with_waypoints_in_order(rotation_view, tmp_path):
    paths = gpx.write_gpx(rotation_view, tmp_path)
    assert len(paths) == len(rotation_view.itineraries)
    for p, d in zip(paths, rotation_view.itineraries):
        g = gpxpy.parse(p.read_text(encoding="utf-8"))
        assert [w.name for w in g.waypoints] == [f"{s.sequence}. {s.place_name}" for s in d.stops]
        pts = g.tracks[0].segments[0].points
        assert (pts[0].latitude, pts[0].longitude) == (d.stops[0].location.lat, d.stops[0].location.lon)
        assert len(pts) == len(d.stops)  # straight legs: one point per stop


def test_gpx_track_follows_given_road_geometry(rotation_view, tmp_path):
    legs = view_legs(rotation_view)
    d = rotation_view.itineraries[0]
    bent = []
    for leg in legs[(d.resource_id, d.day)]:
        (a_lat, a_lon), (b_lat, b_lon) = leg.coords
        mid = [(a_lat + (b_lat - a_lat) * k / 10, a_lon + (b_lon - a_lon) * k / 10 + 0.001) for k in range(1, 10)]
        bent.append(RouteLeg((leg.coords[0], *mid, leg.coords[1]), (), True))
    legs[(d.resource_id, d.day)] = bent
    g = gpxpy.parse(gpx.day_gpx(rotation_view, d, legs).to_xml())
    assert len(g.tracks[0].segments[0].points) == 10 * (len(d.stops) - 1) + 1

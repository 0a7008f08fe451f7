"""Day sheets (HTML + PDF), public commune schedules, the summary page, the plan-view JSON."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import icalendar
import pytest

from api.outputs import public, sheets, summary, write_all
from api.outputs.viewjson import load_view, save_view, view_from_dict, view_to_dict

needs_fpdf = pytest.mark.skipif(not sheets.pdf_available(),
                                reason="fpdf2 not installed (it is a dependency: pip install fpdf2)")


def test_day_sheet_html_has_a_page_per_day_with_stops_phones_and_navigation(home_view, tmp_path):
    paths = sheets.write_sheets(home_view, tmp_path)
    expected = ["s01-claire-martin.html", "s02-dr-paul-bernard.html"]
    if sheets.pdf_available():
        expected += ["s01-claire-martin.pdf", "s02-dr-paul-bernard.pdf"]
    assert sorted(p.name for p in paths) == sorted(expected)
    html = (tmp_path / "s01-claire-martin.html").read_text(encoding="utf-8")
    days = [d for d in home_view.itineraries if d.resource_id == "S01"]
    assert html.count('class="sheet"') == len(days) == 2
    assert "@page" in html and "A4" in html
    for d in days:
        for s in d.stops:
            assert s.place_name in html
            if s.phone:
                assert f'href="tel:{s.phone}"' in html
            assert f"geo:{s.location.lat:.6f},{s.location.lon:.6f}" in html
        assert f"Conduite totale : {round(d.travel_s / 60)} min" in html
    assert "openstreetmap.org/directions?engine=fossgis_osrm_car" in html


@needs_fpdf
def test_day_sheet_pdf_has_one_a4_page_per_day(home_view, tmp_path):
    p = tmp_path / "s.pdf"
    days = [d for d in home_view.itineraries if d.resource_id == "S01"]
    sheets.write_pdf(home_view, days, None, p)
    data = p.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 2
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+595\.2\d*\s+841\.8\d*", data)  # A4 in points
    assert data.count(b"/URI") >= 2 * sum(len(d.stops) for d in days)  # geo: and OSM link per stop


def test_public_schedule_per_commune_without_any_patient_data(rotation_view, home_view, tmp_path):
    # A rotation whose plan also carries a patient visit: the public pages must not show it.
    d = rotation_view.itineraries[0]
    intruder = replace(home_view.itineraries[0].stops[1], sequence=9)
    view = replace(rotation_view, itineraries=(replace(d, stops=d.stops + (intruder,)),
                                               *rotation_view.itineraries[1:]))
    paths = public.write_public(view, tmp_path)
    sessions = [(d, s) for d in rotation_view.itineraries for s in d.stops if s.kind == "session"]
    communes = {s.commune_insee for _, s in sessions}
    assert {p.name.split("-")[0] for p in paths if p.suffix == ".ics"} == communes
    forbidden = [intruder.patient_name, intruder.patient_id, intruder.address, intruder.phone, "Patient"]
    for p in paths:
        text = p.read_text(encoding="utf-8")
        for secret in forbidden:
            assert secret not in text, (secret, p.name)
        assert not re.search(r"\bP\d{4}\b", text)
    for insee in communes:
        ics = next(p for p in paths if p.name.startswith(insee) and p.suffix == ".ics")
        events = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
        expected = [s for _, s in sessions if s.commune_insee == insee]
        assert len(events) == len(expected)
        assert sorted(e.decoded("dtstart").replace(tzinfo=None) for e in events) == sorted(s.start for s in expected)
        page = ics.with_suffix(".html").read_text(encoding="utf-8")
        assert all(s.start.strftime("%H:%M") in page and s.place_name in page for s in expected)
    assert public.write_public(home_view, tmp_path / "home") == []  # home visits: nothing public


def test_summary_page_has_indicators_charts_and_reasons(rotation_view, home_view):
    html = summary.render_summary(rotation_view)
    for label, value in rotation_view.indicators:
        assert label in html and value in html
    assert html.count("<svg") == 3 and "<script" not in html
    assert html.count('class="cell"') == 1 * 2  # one unit x two days
    assert html.count('class="bar"') == 2 + len(rotation_view.extras["coverage"])  # driving + coverage
    assert "aucun local disponible le jour prévu" in html and "Jouy-le-Châtel" in html
    home = summary.render_summary(home_view)
    assert home.count("<svg") == 2 and "aucun créneau compatible" in home
    # visits per staff per day: the nurse's Monday bar says 3 visits
    assert "Claire Martin — lun. 2/3 : 3 visites" in home


def test_plan_view_json_round_trips(rotation_view, home_view, tmp_path):
    for view in (rotation_view, home_view):
        assert view_from_dict(view_to_dict(view)) == view
        save_view(view, tmp_path / "v.json")
        assert load_view(tmp_path / "v.json") == view


def test_write_all_writes_every_format(rotation_view, tmp_path):
    written = write_all(rotation_view, tmp_path, outlines=Path(__file__).resolve().parents[2] / "data" / "provinois" / "outlines.geojson")
    assert set(written) == {"map", "sheet", "csv", "xlsx", "ics", "gpx", "public", "summary", "json"}
    assert all(p.exists() and p.stat().st_size > 0 for paths in written.values() for p in paths)
    page = (tmp_path / "synthese.html").read_text(encoding="utf-8")
    assert 'href="carte.html"' in page and 'href="arrets.xlsx"' in page


@needs_fpdf
def test_a_busy_day_still_fits_one_pdf_page(home_view, tmp_path):
    from datetime import timedelta

    d = home_view.itineraries[0]
    what = "Soins infirmiers (30 min) : pansement complexe, surveillance de la glycémie, pilulier"
    many = tuple(replace(d.stops[1], sequence=i, start=d.stops[1].start + timedelta(minutes=35 * i),
                         end=d.stops[1].end + timedelta(minutes=35 * i), what=what) for i in range(1, 17))
    busy = replace(d, stops=(d.stops[0], *many, replace(d.stops[-1], sequence=17)))
    p = tmp_path / "busy.pdf"
    sheets.write_pdf(home_view, [busy, home_view.itineraries[1]], None, p)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", p.read_bytes())) == 2


def test_public_map_shows_sessions_and_no_patient(rotation_view, home_view, tmp_path):
    from api.outputs import mapfiles

    d = rotation_view.itineraries[0]
    intruder = replace(home_view.itineraries[0].stops[1], sequence=9)
    view = replace(rotation_view, itineraries=(replace(d, stops=d.stops + (intruder,)),
                                               *rotation_view.itineraries[1:]))
    mapfiles.write_maps(view, tmp_path)
    page = (tmp_path / "public" / "carte.html").read_text(encoding="utf-8")
    for secret in (intruder.patient_name, intruder.patient_id, intruder.address, intruder.phone, "Patient"):
        assert secret not in page
    sessions = [s for d in rotation_view.itineraries for s in d.stops if s.kind == "session"]
    assert all(s.place_name.replace("'", "&#x27;") in page or s.place_name in page for s in sessions)
    written = write_all(view, tmp_path / "all", formats=["map", "public"])
    assert 'href="carte.html"' in (tmp_path / "all" / "public" / "index.html").read_text(encoding="utf-8")
    assert written["map"]


@needs_fpdf
def test_pdf_without_unicode_fonts_falls_back_to_latin1(home_view, tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "_font_files", lambda: None)
    p = tmp_path / "core.pdf"
    sheets.write_pdf(home_view, [home_view.itineraries[0]], None, p)
    data = p.read_bytes()
    assert data.startswith(b"%PDF") and b"/Helvetica" in data
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 1


def test_an_empty_plan_still_exports(rotation_view, tmp_path):
    empty = replace(rotation_view, itineraries=())
    written = write_all(empty, tmp_path, outlines=Path(__file__).resolve().parents[2] / "data" / "provinois"
                        / "outlines.geojson")
    assert (tmp_path / "carte.html").exists() and (tmp_path / "synthese.html").exists()
    assert written["sheet"] == [] and written["public"] == [] and written["gpx"] == []
    assert "Jouy-le-Châtel" in (tmp_path / "synthese.html").read_text(encoding="utf-8")

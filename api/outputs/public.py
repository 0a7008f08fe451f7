"""Public schedules per commune: when and where the mobile unit consults, as an HTML page and an iCalendar
feed a town hall can publish. Built from the "public" audience of the view: sessions only, never a patient.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import jinja2

from api.outputs import fmt, links
from api.outputs.calendar import PUBLIC_STAMP, finish, new_calendar, session_uid, stop_event
from api.outputs.pseudonym import for_audience
from api.outputs.sheets import TEMPLATES
from planner.core.itinerary import PlanView


def sessions_by_commune(view: PlanView) -> dict[str, list[tuple]]:
    """insee -> [(day itinerary, stop)] of the sessions held there, in time order."""
    public = for_audience(view, "public")
    out: dict[str, list[tuple]] = {}
    for d in public.itineraries:
        for s in d.stops:
            if s.kind == "session" and s.commune_insee:
                out.setdefault(s.commune_insee, []).append((d, s))
    return {k: sorted(v, key=lambda x: x[1].start) for k, v in sorted(out.items())}


def nearby_sessions(view: PlanView, insee: str) -> list[dict]:
    """Sessions held elsewhere but within reach of the commune (rotation extras "coverage"), if known."""
    cov = (view.extras.get("coverage") or {}).get(insee) or {}
    sessions = cov.get("sessions")
    if not isinstance(sessions, (list, tuple)):
        return []
    here = {s.place_id for d in view.itineraries for s in d.stops if s.commune_insee == insee}
    return [x for x in sessions if isinstance(x, dict) and x.get("premises_id") not in here]


def write_public(view: PlanView, out_dir: Path) -> list[Path]:
    """public/<insee>-<commune>.html and .ics for every commune hosting a session or within reach of one,
    plus public/index.html. The ICS feed holds the sessions in the commune; the page also lists nearby ones."""
    by_commune = sessions_by_commune(view)
    coverage = view.extras.get("coverage") or {}
    communes = sorted(set(by_commune) | {k for k in coverage if nearby_sessions(view, k)})
    if not communes:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    reach = view.extras.get("reach_minutes")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    tpl = env.get_template("public_commune.html.j2")
    written, index = [], []
    for insee in communes:
        items = by_commune.get(insee, [])
        name = str((coverage.get(insee) or {}).get("name")
                   or (_name_from_place(items[0][1].place_name, insee) if items else insee))
        stem = f"{insee}-{fmt.slug(name)}"
        cal = new_calendar(f"Unité mobile de santé — {name}")
        rows = []
        for d, s in items:
            uid = session_uid(d.resource_id, s.place_id, s.start, public=True)
            cal.add_component(stop_event(s, uid, f"Consultations : {d.resource_name}", s.what, PUBLIC_STAMP))
            rows.append({"date": fmt.day_fr(d.day), "start": fmt.hm(s.start), "end": fmt.hm(s.end),
                         "place": s.place_name, "address": s.address, "unit": d.resource_name, "what": s.what,
                         "osm": links.osm_point_url(s.location)})
        nearby = []
        for x in nearby_sessions(view, insee):
            try:
                day = fmt.day_fr(date.fromisoformat(str(x.get("date"))))
            except ValueError:
                day = str(x.get("date", ""))
            other = (coverage.get(str(x.get("insee", ""))) or {}).get("name", "")
            nearby.append({"date": day, "start": x.get("start", ""), "end": x.get("end", ""),
                           "place": x.get("premises_name", ""), "commune": other or x.get("address", "")})
        (out_dir / f"{stem}.ics").write_bytes(finish(cal))
        page = out_dir / f"{stem}.html"
        page.write_text(tpl.render(commune=name, sessions=rows, nearby=nearby, reach=reach, ics=f"{stem}.ics"),
                        encoding="utf-8")
        written += [page, out_dir / f"{stem}.ics"]
        index.append((name, stem, len(rows), len(nearby)))
    idx = out_dir / "index.html"
    map_link = '<p><a href="carte.html">Carte des lieux de consultation</a></p>' \
        if (out_dir / "carte.html").exists() else ""
    items_html = "".join(f'<li><a href="{s}.html">{html.escape(n)}</a> — {k} consultation(s) dans la commune'
                         f'{f", {m} à proximité" if m else ""} (<a href="{s}.ics">agenda</a>)</li>'
                         for n, s, k, m in sorted(index))
    idx.write_text('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" '
                   'content="width=device-width, initial-scale=1"><title>Consultations par commune</title></head>'
                   f'<body style="font:15px Arial,sans-serif;max-width:760px;margin:auto;padding:12px">'
                   f'<h1>Consultations de l\'unité mobile par commune</h1>{map_link}<ul>{items_html}</ul></body></html>',
                   encoding="utf-8")
    written.append(idx)
    return written


def _name_from_place(place: str, insee: str) -> str:
    for prefix in ("Mairie de ", "Mairie d'"):
        if place.startswith(prefix):
            return place[len(prefix):]
    return insee

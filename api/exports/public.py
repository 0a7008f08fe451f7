"""Public schedules per commune: when and where the mobile unit consults, as an HTML page and an iCalendar
feed a town hall can publish. Built from the "public" audience of the view: sessions only, never a patient.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from api.exports import fmt, links
from api.exports.calendar import finish, new_calendar, stop_event
from api.exports.pseudonym import for_audience
from api.exports.sheets import TEMPLATES
from planner.itinerary import PlanView


def sessions_by_commune(view: PlanView) -> dict[str, list[tuple]]:
    """insee -> [(day itinerary, stop)] of the sessions held there, in time order."""
    public = for_audience(view, "public")
    out: dict[str, list[tuple]] = {}
    for d in public.itineraries:
        for s in d.stops:
            if s.kind == "session" and s.commune_insee:
                out.setdefault(s.commune_insee, []).append((d, s))
    return {k: sorted(v, key=lambda x: x[1].start) for k, v in sorted(out.items())}


def write_public(view: PlanView, out_dir: Path) -> list[Path]:
    """public/<insee>-<commune>.html and .ics for every commune hosting a session, plus public/index.html."""
    by_commune = sessions_by_commune(view)
    if not by_commune:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    coverage = view.extras.get("coverage") or {}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    tpl = env.get_template("public_commune.html.j2")
    written, index = [], []
    for insee, items in by_commune.items():
        name = str((coverage.get(insee) or {}).get("name") or _name_from_place(items[0][1].place_name, insee))
        stem = f"{insee}-{fmt.slug(name)}"
        cal = new_calendar(f"Unité mobile de santé — {name}")
        stamp = datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))
        rows = []
        for d, s in items:
            uid = f"public-{insee}-{d.resource_id}-{s.start.isoformat()}@medical-desert-planner"
            cal.add_component(stop_event(s, uid, f"Consultations : {d.resource_name}", s.what, stamp))
            rows.append({"date": fmt.day_fr(d.day), "start": fmt.hm(s.start), "end": fmt.hm(s.end),
                         "place": s.place_name, "address": s.address, "unit": d.resource_name, "what": s.what,
                         "osm": links.osm_point_url(s.location)})
        (out_dir / f"{stem}.ics").write_bytes(finish(cal))
        page = out_dir / f"{stem}.html"
        page.write_text(tpl.render(commune=name, sessions=rows, nearby=[], ics=f"{stem}.ics"), encoding="utf-8")
        written += [page, out_dir / f"{stem}.ics"]
        index.append((name, stem, len(rows)))
    idx = out_dir / "index.html"
    items_html = "".join(f'<li><a href="{s}.html">{n}</a> — {k} consultation(s) (<a href="{s}.ics">agenda</a>)</li>'
                         for n, s, k in sorted(index))
    idx.write_text('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" '
                   'content="width=device-width, initial-scale=1"><title>Consultations par commune</title></head>'
                   f'<body style="font:15px Arial,sans-serif;max-width:760px;margin:auto;padding:12px">'
                   f'<h1>Consultations de l\'unité mobile par commune</h1><ul>{items_html}</ul></body></html>',
                   encoding="utf-8")
    written.append(idx)
    return written


def _name_from_place(place: str, insee: str) -> str:
    for prefix in ("Mairie de ", "Mairie d'"):
        if place.startswith(prefix):
            return place[len(prefix):]
    return insee

"""Maps of plans: the planner's road map of a plan (a page with Leaflet) and field staff's own day as a
self-contained offline SVG document."""

from __future__ import annotations

from html import escape
from typing import Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.service.audit import record_read
from api.service.auth import Principal, allow
from api.service.db.models import Plan
from api.outputs.svgmap import PALETTE, render
from api.service.routers.common import Id, IsoDate, get_db, scoped
from api.service.routers.itineraries import my_days
from api.service.security import document_response

router = APIRouter(tags=["maps"])


def itinerary_layers(its: list[dict], *, show_patients: bool) -> tuple[list[dict], list[dict]]:
    """Routes (straight legs between stops) and numbered markers; patients named only if allowed."""
    colors: dict[str, str] = {}
    routes, markers = [], []
    for it in its:
        color = colors.setdefault(it["resource_id"], PALETTE[len(colors) % len(PALETTE)])
        pts = [(s["location"]["lat"], s["location"]["lon"]) for s in it.get("stops", [])]
        routes.append({"points": pts, "color": color, "title": f"{it['resource_name']} — {it['day']}",
                       "dashed": True})
        for s in it.get("stops", []):
            if s.get("kind") == "return":
                continue
            if s.get("kind") == "depart":
                markers.append({"lat": s["location"]["lat"], "lon": s["location"]["lon"], "label": "D", "color": "#444",
                                "title": f"Départ : {s.get('place_name', '')}"})
                continue
            who = s.get("patient_name") if (show_patients and s.get("patient_name")) else None
            label = who or (s.get("place_name") if not s.get("patient_id") else "Visite")
            markers.append({"lat": s["location"]["lat"], "lon": s["location"]["lon"], "label": s["sequence"],
                            "color": color, "title": f"{it['day']} {s['arrival'][11:16]} — {label}"})
    return routes, markers


def _page(title: str, svg: str) -> str:
    title = escape(title)
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<style>body{font-family:sans-serif;margin:0}svg{width:100%;height:auto}'
            '.commune{fill:#f4f1ea;stroke:#999;stroke-width:1}.commune.hl{fill:#fde6a8}</style></head>'
            f'<body><h1 style="font-size:1.1em;margin:.4em">{title}</h1>{svg}'
            '<p style="font-size:.8em;margin:.4em">Trajets tracés en ligne droite entre les arrêts.</p></body></html>')


@router.get("/plans/{plan_id}/map", response_class=HTMLResponse, summary="Map of a plan (planner)")
def plan_map(plan_id: Id, request: Request, day: Optional[IsoDate] = None, db: Session = Depends(get_db),
             who: Principal = Depends(allow("planner"))) -> HTMLResponse:
    """The plan's road map (Leaflet from the service's vendored copy), one layer per person and day; a page
    like the others (scripts by nonce only), patients not named."""
    from api.service.pages.daymap import map_data, plan_itineraries
    from api.service.pages.routes import templates

    plan = scoped(db, Plan, plan_id, who, "plan")
    days = sorted({it["day"] for it in (plan.view or {}).get("itineraries", [])})
    carte = map_data(request, plan_itineraries(plan, day), names=False)
    return templates.TemplateResponse(request, "carte_plan.html", {
        "plan": plan, "carte": carte, "days": days, "day": day.isoformat() if day else None})


@router.get("/itineraries/mine/map", response_class=HTMLResponse, summary="Map of my day (field staff)")
def my_map(request: Request, day: Optional[IsoDate] = None, db: Session = Depends(get_db),
           who: Principal = Depends(allow("field"))) -> HTMLResponse:
    its = my_days(db, who, day)
    routes, markers = itinerary_layers(its, show_patients=True)
    if any(s.get("patient_id") for it in its for s in it["stops"]):
        record_read(db, who, "map", "/itineraries/mine/map", len(markers))
    svg = render(request.app.state.settings.outlines_path, routes=routes, markers=markers, fit_points=True)
    return document_response(_page("Ma journée", svg))

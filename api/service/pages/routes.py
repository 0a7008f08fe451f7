"""Pages (French, Jinja2): login, municipality proposals, planner dashboard, field staff's day, public
commune schedules. Pages use the login cookie; their forms call the same JSON API as other clients."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.audit import recent_reads, record_read
from api.service.auth import Principal, allow
from api.service.pages.daymap import day_legs, map_data, plan_itineraries
from api.service.db.models import Commune, Job, Patient, Plan, Premises, Staff, Unit
from api.outputs.svgmap import render
from api.service.itineraries import published_plans
from api.service.opening_hours import per_day, premises_summary, premises_week
from api.service.routers.common import InseePath, get_db, territory_of
from api.service.routers.itineraries import my_days
from api.service.routers.public import schedule_data
from planner.core.errors import PlannerError
from planner.core.french import JOB_STATUS_FR, PLAN_STATUS_FR, WEEKDAYS, day_fr
from planner.kinds import KINDS

router = APIRouter(prefix="/pages", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates" / "pages"))
KIND_FR = {k.name: k.label_fr for k in KINDS.values()}
templates.env.globals.update(STATUS_FR=PLAN_STATUS_FR, KIND_FR=KIND_FR, JOURS=WEEKDAYS, ETATS_FR=JOB_STATUS_FR)


def jour_fr(iso: str) -> str:
    """'2026-11-30' -> 'lundi 30 novembre 2026'."""
    return day_fr(date.fromisoformat(str(iso)[:10]))


templates.env.filters["jour_fr"] = jour_fr
templates.env.filters["horaires_fr"] = premises_summary  # "lun. 09h00–12h00 · jeu. 14h00–18h00"
templates.env.filters["horaires_jours"] = lambda p: per_day(premises_week(p))  # the weekly form's values


@router.get("", response_class=HTMLResponse)
def index(request: Request, _: Principal = Depends(allow("public"))):
    return RedirectResponse("/pages/connexion", status_code=303)


@router.get("/connexion", response_class=HTMLResponse)
def login_page(request: Request, erreur: Optional[int] = None, _: Principal = Depends(allow("public"))):
    return templates.TemplateResponse(request, "connexion.html", {"erreur": erreur or 0})


@router.get("/commune", response_class=HTMLResponse)
def municipality_page(request: Request, db: Session = Depends(get_db),
                      who: Principal = Depends(allow("municipality"))):
    tid = territory_of(who)
    commune = db.scalars(select(Commune).where(Commune.territory_id == tid, Commune.insee == who.commune_insee)).first()
    proposals = list(db.scalars(select(Premises).where(Premises.territory_id == tid,
                                                       Premises.insee == who.commune_insee).order_by(Premises.id)))
    sessions: dict[str, int] = {}
    for plan in published_plans(db, tid, "rotation"):
        for it in (plan.view or {}).get("itineraries", []):
            for s in it.get("stops", []):
                if s.get("kind") == "session":
                    sessions[s["place_id"]] = sessions.get(s["place_id"], 0) + 1
    svg = render(request.app.state.settings.outlines_path, highlight={who.commune_insee}, clickable=True,
                 focus={who.commune_insee},
                 markers=[{"lat": p.lat, "lon": p.lon, "label": k + 1, "title": p.name, "color": "#2a6"}
                          for k, p in enumerate(proposals)])
    return templates.TemplateResponse(request, "commune.html", {"commune": commune, "proposals": proposals,
                                                                "svg": svg, "sessions": sessions})


@router.get("/planificateur", response_class=HTMLResponse)
def planner_page(request: Request, plan: Optional[int] = None, db: Session = Depends(get_db),
                 who: Principal = Depends(allow("planner"))):
    tid = territory_of(who)
    plans = list(db.scalars(select(Plan).where(Plan.territory_id == tid).order_by(Plan.id.desc()).limit(20)))
    premises = sorted(db.scalars(select(Premises).where(Premises.territory_id == tid)),
                      key=lambda p: ({"proposed": 0, "approved": 1}.get(p.status, 2), p.id))  # to review first
    current = next((p for p in plans if p.id == plan), plans[0] if plans else None)
    carte = map_data(request, plan_itineraries(current), names=False) if current is not None else None
    communes = {c.insee: c.name for c in db.scalars(select(Commune).where(Commune.territory_id == tid))}
    ranking = []
    if current is not None and current.kind == "rotation" and any(p.status == "proposed" for p in premises):
        from api.service.routers.plans import proposals_value
        try:
            ranking = proposals_value(current.id, request, db, who)
        except (HTTPException, PlannerError):  # the dashboard stays up; the ranking is only an aid
            ranking = []
    jobs = list(db.scalars(select(Job).where(Job.territory_id == tid).order_by(Job.id.desc()).limit(8)))
    staff = list(db.scalars(select(Staff).where(Staff.territory_id == tid).order_by(Staff.code)))
    units = list(db.scalars(select(Unit).where(Unit.territory_id == tid).order_by(Unit.code)))
    from api.service.pages.timeline import session_timeline, visit_timeline

    timeline = visit_timeline(current) if current is not None else None
    sessions = session_timeline(current) if current is not None else None
    if timeline and timeline["patients"]:
        record_read(db, who, "page", "/pages/planificateur (timeline)", timeline["patients"])
    reads = recent_reads(db, tid, limit=10)
    return templates.TemplateResponse(request, "planificateur.html", {"reads": reads, "timeline": timeline, "sessions": sessions,
        "plans": plans, "jobs": jobs, "ranking": ranking, "staff": staff, "units": units, "current": current, "carte": carte, "premises": premises, "communes": communes,
        "today": date.today().isoformat()})


# French names of the planner's record keys a planner edits on /pages/fiches (docs/home_visits_format.md,
# docs/rotation_format.md); the editor takes these keys (or their French aliases) in JSON.
OPTION_LABELS_FR = {
    "patients": {"window": "plage horaire HH:MM-HH:MM", "joint": "binôme : never, always ou every:K",
                 "visits_since_joint": "visites depuis le dernier binôme",
                 "duration_doctor_min": "durée médecin (min)", "duration_nurse_min": "durée infirmière (min)",
                 "unavailable": "dates d'indisponibilité (AAAA-MM-JJ;…)", "sequence": "cycle des rôles (D;N)",
                 "sequence_index": "position de la dernière visite dans le cycle", "phone": "téléphone",
                 "enrolled_from": "suivi depuis le", "door_seconds": "temps de porte (s)"},
    "staff": {"mon": "lundi HH:MM-HH:MM", "tue": "mardi", "wed": "mercredi", "thu": "jeudi", "fri": "vendredi",
              "sat": "samedi", "sun": "dimanche", "absences": "absences AAAA-MM-JJ ou AAAA-MM-JJ..AAAA-MM-JJ",
              "advanced_practice": "IPA (1/0)", "end_lat": "arrivée latitude", "end_lon": "arrivée longitude",
              "end_address": "arrivée adresse", "lunch_window": "plage du déjeuner",
              "lunch_minutes": "durée du déjeuner (min)", "max_visits_per_day": "visites max par jour",
              "max_driving_minutes": "conduite max par jour (min)", "max_day_minutes": "travail max par jour (min)"},
    "units": {"nights": "nuits : base ou away", "lodging": "hébergements [{id, name, lat, lon}]",
              "max_nights_away": "nuits d'affilée hors base", "rest_weekdays": "jours de repos",
              "rest_dates": "dates de repos", "day_start": "départ au plus tôt", "day_end": "retour au plus tard",
              "max_driving_minutes": "conduite max par jour (min)", "regular": "présence régulière (true/false)",
              "worked_holidays": "jours fériés travaillés",
              "members": "membres [{id, name, role, unavailable}] (remplace les rôles)"},
}


@router.get("/fiches", response_class=HTMLResponse)
def records_page(request: Request, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))):
    """Patients, staff and units with every setting of the planner's record (a JSON editor per row)."""
    tid = territory_of(who)
    patients = list(db.scalars(select(Patient).where(Patient.territory_id == tid).order_by(Patient.code)))
    staff = list(db.scalars(select(Staff).where(Staff.territory_id == tid).order_by(Staff.code)))
    units = list(db.scalars(select(Unit).where(Unit.territory_id == tid).order_by(Unit.code)))
    record_read(db, who, "page", "/pages/fiches", len(patients))
    return templates.TemplateResponse(request, "fiches.html", {"patients": patients, "staff": staff, "units": units,
                                                               "labels": OPTION_LABELS_FR})


REASONS_FR = {"absent": "patient absent", "hospitalised": "patient hospitalisé", "refused": "visite refusée"}
VENDOR_FILES = {"leaflet.js": "application/javascript", "leaflet.css": "text/css"}


@router.get("/ma-journee", response_class=HTMLResponse)
def my_day_page(request: Request, jour: Optional[date] = None, db: Session = Depends(get_db),
                who: Principal = Depends(allow("field"))):
    from api.outputs import links
    from api.service.itineraries import access_of, crew_names, joint_partners, plan_ticks
    from api.service.routers.ticks import tick_public
    from api.service.security import PAGE_CSP
    from planner.core.geo import Location

    days = my_days(db, who, None)
    all_days = sorted({d["day"] for d in days})
    today = date.today().isoformat()
    chosen = jour.isoformat() if jour else next((d for d in all_days if d >= today), all_days[-1] if all_days else None)
    its = [d for d in days if d["day"] == chosen]
    plans = {p.id: p for p in db.scalars(select(Plan).where(Plan.id.in_({it["plan_id"] for it in its})))}
    codes = {s["patient_id"] for it in its for s in it["stops"] if s.get("patient_id")}
    access = access_of(db, territory_of(who), codes)  # own patients only: these are the caller's stops
    crews = crew_names(db, territory_of(who))
    ticks = {(t.plan_id, t.day.isoformat(), t.patient_code): tick_public(t)
             for pid in plans for t in plan_ticks(db, pid)}
    its = [{**it, "approximate": bool((plans[it["plan_id"]].view or {}).get("approximate", True))} for it in its]
    days_out = []
    for it, legs in zip(its, day_legs(request, its)):
        view = plans[it["plan_id"]].view or {}
        partners = joint_partners(view, it["day"], it["resource_id"])
        stops = []
        for s in it["stops"]:
            label = s.get("patient_name") or s.get("place_name") or ""
            loc = Location(s["location"]["lat"], s["location"]["lon"])
            pid = s.get("patient_id")
            stops.append({**s, "label": label, "access": access.get(pid, {}) if pid else {},
                          "phone": (access.get(pid, {}).get("phone") or s.get("phone") or "") if pid else "",
                          "partner": partners.get(pid, "") if pid else "",
                          "nav": [] if s["kind"] in ("depart", "break") else links.phone_nav_links(loc, label),
                          "tick": ticks.get((it["plan_id"], it["day"], pid)) if pid else None,
                          "tickable": bool(pid) and it["day"] <= today})
        days_out.append({**it, "stops": stops, "legs": legs, "crew": crews.get(it["resource_id"], []),
                         "on_road": bool(legs) and all(leg["on_road"] for leg in legs),
                         "drive_min": sum(s.get("travel_s", 0) for s in stops) // 60,
                         "drive_km": sum(s.get("travel_m", 0) for s in stops) / 1000})
    if codes:
        record_read(db, who, "page", "/pages/ma-journee", len(codes))
    carte = map_data(request, its, names=True)
    response = templates.TemplateResponse(request, "ma_journee.html", {
        "days": all_days, "chosen": chosen, "its": days_out, "carte": carte, "today": today,
        "reasons": REASONS_FR, "name": days_out[0]["resource_name"] if days_out else ""})
    # The page's own policy: the stricter page policy plus its offline worker (same origin only).
    response.headers["Content-Security-Policy"] = (PAGE_CSP.format(nonce=request.state.csp_nonce, frames="'none'")
                                                   + "; worker-src 'self'")
    return response


@router.get("/ma-journee-sw.js", include_in_schema=False)
def my_day_worker(_: Principal = Depends(allow("public"))) -> Response:
    """The offline worker of "Ma journée": keeps the last day loaded readable without signal."""
    body = (Path(__file__).resolve().parents[1] / "templates" / "pages" / "ma_journee_sw.js").read_text(encoding="utf-8")
    return Response(body, media_type="application/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/vendor/{name}", include_in_schema=False)
def vendor_file(name: str, _: Principal = Depends(allow("public"))) -> Response:
    """Leaflet's script and stylesheet, from the vendored copy (no third-party server)."""
    from api.outputs.offline import VENDOR

    if name not in VENDOR_FILES:
        raise HTTPException(404, "fichier introuvable")
    return Response((VENDOR / name).read_text(encoding="utf-8"), media_type=VENDOR_FILES[name],
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/public", response_class=HTMLResponse)
def public_index(request: Request, db: Session = Depends(get_db), _: Principal = Depends(allow("public"))):
    communes = list(db.scalars(select(Commune).order_by(Commune.name)))
    return templates.TemplateResponse(request, "public_index.html", {"communes": communes})


@router.get("/public/{insee}", response_class=HTMLResponse)
def public_page(request: Request, insee: InseePath, db: Session = Depends(get_db), _: Principal = Depends(allow("public"))):
    data = schedule_data(db, insee)
    return templates.TemplateResponse(request, "public_commune.html", data)


@router.get("/public/{insee}/integration", response_class=HTMLResponse)
def public_embed(request: Request, insee: InseePath, db: Session = Depends(get_db),
                 _: Principal = Depends(allow("public"))):
    """The same schedule without the site's frame, for the town hall's own website (an iframe)."""
    return templates.TemplateResponse(request, "public_embed.html", schedule_data(db, insee))

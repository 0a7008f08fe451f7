"""Itineraries (one per staff member or unit and day). Field staff: their own days of published plans."""

from __future__ import annotations

from datetime import date
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.service.audit import record_read
from api.service.auth import Principal, allow
from api.service.db.models import Plan
from api.service.itineraries import own_itineraries, own_resources, published_plans
from api.service.routers.common import Id, IsoDate, get_db, scoped, territory_of
from api.service.security import document_response

router = APIRouter(tags=["itineraries"])


def _count_patients(its: list[dict]) -> int:
    return len({s["patient_id"] for it in its for s in it.get("stops", []) if s.get("patient_id")})


@router.get("/plans/{plan_id}/itineraries", summary="Itineraries of a plan (field staff: own days, published)")
def plan_itineraries(plan_id: Id, resource: Optional[str] = None, db: Session = Depends(get_db),
                     who: Principal = Depends(allow("planner", "field"))) -> list[dict]:
    plan = scoped(db, Plan, plan_id, who, "plan")
    if who.role == "field":
        if plan.status != "published":
            raise HTTPException(404, f"plan {plan_id} introuvable")
        its = own_itineraries(plan.view or {}, own_resources(db, who))
    else:
        its = [it for it in (plan.view or {}).get("itineraries", []) if resource in (None, it["resource_id"])]
    n = _count_patients(its)
    if n:
        record_read(db, who, "list", "/plans/{id}/itineraries", n)
    return its


def my_days(db: Session, who: Principal, day: date | None) -> list[dict]:
    """The caller's days in the published plans, each with its plan id and kind."""
    out = []
    mine = own_resources(db, who)
    for plan in published_plans(db, territory_of(who)):
        for it in own_itineraries(plan.view or {}, mine):
            if day is None or it["day"] == day.isoformat():
                out.append({**it, "plan_id": plan.id, "plan_kind": plan.kind})
    out.sort(key=lambda x: x["day"])
    return out


@router.get("/itineraries/mine", summary="My days in the published plans (field staff)")
def mine(day: Optional[IsoDate] = None, db: Session = Depends(get_db),
         who: Principal = Depends(allow("field"))) -> list[dict]:
    its = my_days(db, who, day)
    n = _count_patients(its)
    if n:
        record_read(db, who, "list", "/itineraries/mine", n)
    return its


@router.get("/itineraries/mine/sheet", response_class=HTMLResponse,
            summary="My printable day sheet (A4, one page per day; field staff)")
def my_sheet(day: Optional[IsoDate] = None, db: Session = Depends(get_db),
             who: Principal = Depends(allow("field"))) -> HTMLResponse:
    from api.outputs.sheets import render_html
    from api.outputs.viewjson import view_from_dict

    pages = []
    mine = own_resources(db, who)
    for plan in published_plans(db, territory_of(who)):
        view = view_from_dict(plan.view)
        days = [d for d in view.itineraries if d.resource_id in mine
                and (day is None or d.day == day)]
        if days:
            pages.append((view, days))
    if not pages:
        raise HTTPException(404, "aucune tournée publiée pour ce jour")
    n = len({s.patient_id for _, days in pages for d in days for s in d.stops if s.patient_id})
    if n:
        record_read(db, who, "sheet", "/itineraries/mine/sheet", n)
    view, days = pages[0]
    return document_response(render_html(view, days))

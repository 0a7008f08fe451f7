"""Public schedules: when and where a mobile unit consults in a commune. No account, no patient data."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.auth import Principal, allow
from api.outputs.calendar import public_feed
from api.service.db.models import Commune
from api.service.itineraries import public_sessions
from api.service.routers.common import InseePath, get_db

router = APIRouter(prefix="/public", tags=["public"])


def _commune(db: Session, insee: str) -> Commune:
    c = db.scalars(select(Commune).where(Commune.insee == insee)).first()
    if c is None:
        raise HTTPException(404, f"commune {insee} inconnue")
    return c


@router.get("/communes", summary="Communes that have a public schedule page")
def communes(db: Session = Depends(get_db), _: Principal = Depends(allow("public"))) -> list[dict]:
    return [{"insee": c.insee, "name": c.name} for c in db.scalars(select(Commune).order_by(Commune.name))]


def schedule_data(db: Session, insee: str) -> dict:
    """The next sessions in a commune, what the unit offers there, and whom to ask (the town hall)."""
    from planner.core.errors import InputError
    from planner.core.hours import WeeklyHours

    c = _commune(db, insee)
    today = datetime.now().date().isoformat()
    sessions = [s for s in public_sessions(db, c.territory_id, insee) if s["date"] >= today]
    try:
        hours = WeeklyHours.from_fr_json(c.townhall_hours).describe_fr() if c.townhall_hours else ""
    except (InputError, ValueError):
        hours = ""
    return {"insee": c.insee, "commune": c.name, "sessions": sessions,
            "offers": sorted({s["what"] for s in sessions if s["what"]}),
            "townhall": {"address": c.townhall_address or "", "hours": hours}}


@router.get("/communes/{insee}/schedule", summary="Upcoming sessions in a commune (published plans only)")
def schedule(insee: InseePath, db: Session = Depends(get_db), _: Principal = Depends(allow("public"))) -> dict:
    return schedule_data(db, insee)


@router.get("/communes/{insee}/schedule.ics", response_class=Response,
            responses={200: {"description": "iCalendar feed (RFC 5545)",
                             "content": {"text/calendar": {"schema": {"type": "string"}}}}},
            summary="The same as an iCalendar feed for the town hall's website")
def schedule_ics(insee: InseePath, db: Session = Depends(get_db), _: Principal = Depends(allow("public"))) -> Response:
    data = schedule_data(db, insee)
    body = public_feed(f"Unité mobile de santé — {data['commune']}", data["sessions"])
    return Response(body, media_type="text/calendar; charset=utf-8")

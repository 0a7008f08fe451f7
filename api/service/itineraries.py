"""What each role may see of stored plans: published plans, a staff member's own days, public sessions.

Plans keep their PlanView in the api.outputs.viewjson form; these helpers filter that dict so routers and
pages never hand out more than the role needs.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.auth import Principal
from api.service.db.models import Plan, Premises

PATIENT_KEYS = ("patient_id", "patient_name")


def published_plans(db: Session, territory_id: int, kind: str | None = None) -> list[Plan]:
    q = select(Plan).where(Plan.territory_id == territory_id, Plan.status == "published")
    if kind:
        q = q.where(Plan.kind == kind)
    return list(db.scalars(q.order_by(Plan.id)))


def own_itineraries(view: dict, staff_code: str | None) -> list[dict]:
    """The itineraries (one per day) of this staff member in a stored view."""
    if not staff_code:
        return []
    return [it for it in view.get("itineraries", []) if it.get("resource_id") == staff_code]


def own_patient_codes(db: Session, who: Principal) -> set[str]:
    """Patient ids on the caller's itineraries in the published plans of their territory."""
    codes: set[str] = set()
    if who.territory_id is None:
        return codes
    for plan in published_plans(db, who.territory_id):
        for it in own_itineraries(plan.view or {}, who.staff_code):
            codes |= {s["patient_id"] for s in it.get("stops", []) if s.get("patient_id")}
    return codes


def public_sessions(db: Session, territory_id: int, insee: str) -> list[dict]:
    """Consultation sessions in a commune from published rotation plans: place, day, hours, unit. No patients.

    Sessions at premises withdrawn since the plan was published are not announced (the room is no longer
    lent); the planner re-plans to move them."""
    withdrawn = set(db.scalars(select(Premises.code).where(Premises.territory_id == territory_id,
                                                           Premises.status == "withdrawn")))
    from api.outputs.public import sessions_by_commune
    from api.outputs.viewjson import view_from_dict

    out = []
    for plan in published_plans(db, territory_id, "rotation"):
        for d, s in sessions_by_commune(view_from_dict(plan.view)).get(insee, []):
            if s.place_id in withdrawn:
                continue
            out.append({"plan_id": plan.id, "unit_id": d.resource_id, "place_id": s.place_id,
                        "date": d.day.isoformat(), "start": s.start.isoformat(), "end": s.end.isoformat(),
                        "place": s.place_name, "address": s.address, "unit": d.resource_name, "what": s.what,
                        "lat": s.location.lat, "lon": s.location.lon})
    out.sort(key=lambda x: (x["start"], x["place"]))
    return out


def strip_patients(view: dict) -> dict:
    """A copy of a view with patient ids and names removed from every stop (for shared outputs)."""
    its = []
    for it in view.get("itineraries", []):
        stops = [{k: (None if k in PATIENT_KEYS else v) for k, v in s.items()} for s in it.get("stops", [])]
        its.append({**it, "stops": stops})
    return {**view, "itineraries": its}

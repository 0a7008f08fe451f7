"""What each role may see of stored plans: published plans, a staff member's own days, public sessions.

Plans keep their PlanView in the api.outputs.viewjson form; these helpers filter that dict so routers and
pages never hand out more than the role needs.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.auth import Principal
from api.service.db.models import Patient, PatientAccess, Plan, Premises, Staff, Unit, UnitCrew, VisitTick

PATIENT_KEYS = ("patient_id", "patient_name")


def published_plans(db: Session, territory_id: int, kind: str | None = None) -> list[Plan]:
    q = select(Plan).where(Plan.territory_id == territory_id, Plan.status == "published")
    if kind:
        q = q.where(Plan.kind == kind)
    return list(db.scalars(q.order_by(Plan.id)))


def own_itineraries(view: dict, resources: str | set[str] | None) -> list[dict]:
    """The itineraries (one per day) of this staff member (or of these resource ids) in a stored view."""
    if not resources:
        return []
    wanted = {resources} if isinstance(resources, str) else resources
    return [it for it in view.get("itineraries", []) if it.get("resource_id") in wanted]


def own_resources(db: Session, who: Principal) -> set[str]:
    """Resource ids whose days are the caller's: their staff code, and the units they are on board."""
    if not who.staff_code or who.staff_id is None:
        return set()
    units = db.scalars(select(Unit.code).join(UnitCrew, UnitCrew.unit_id == Unit.id)
                       .where(UnitCrew.staff_id == who.staff_id, Unit.territory_id == who.territory_id))
    return {who.staff_code, *units}


def crew_names(db: Session, territory_id: int) -> dict[str, list[str]]:
    """Unit code -> names of the staff on board (for the crew's own day)."""
    rows = db.execute(select(Unit.code, Staff.name).join(UnitCrew, UnitCrew.unit_id == Unit.id)
                      .join(Staff, Staff.id == UnitCrew.staff_id).where(Unit.territory_id == territory_id)
                      .order_by(Unit.code, Staff.name)).all()
    out: dict[str, list[str]] = {}
    for code, name in rows:
        out.setdefault(code, []).append(name)
    return out


def joint_partners(view: dict, day: str, resource_id: str) -> dict[str, str]:
    """Patient id -> name of the other staff member at a joint visit of `resource_id` on `day`."""
    out: dict[str, str] = {}
    for it in view.get("itineraries", []):
        if it.get("day") != day or it.get("resource_id") == resource_id:
            continue
        for s in it.get("stops", []):
            if s.get("kind") == "joint_visit" and s.get("patient_id"):
                out[s["patient_id"]] = it.get("resource_name", "")
    return out


def access_of(db: Session, territory_id: int, codes: set[str]) -> dict[str, dict]:
    """Patient code -> phone, door code and access note. Call only with the caller's own patients."""
    if not codes:
        return {}
    rows = db.execute(select(Patient.code, PatientAccess).join(PatientAccess, PatientAccess.patient_id == Patient.id)
                      .where(Patient.territory_id == territory_id, Patient.code.in_(codes))).all()
    return {code: {"phone": a.phone, "door_code": a.door_code, "access_note": a.access_note} for code, a in rows}


def plan_ticks(db: Session, plan_id: int) -> list[VisitTick]:
    return list(db.scalars(select(VisitTick).where(VisitTick.plan_id == plan_id).order_by(VisitTick.id)))


def own_patient_codes(db: Session, who: Principal) -> set[str]:
    """Patient ids on the caller's itineraries in the published plans of their territory."""
    codes: set[str] = set()
    if who.territory_id is None:
        return codes
    mine = own_resources(db, who)
    for plan in published_plans(db, who.territory_id):
        for it in own_itineraries(plan.view or {}, mine):
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

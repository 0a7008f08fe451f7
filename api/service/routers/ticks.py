"""The field day's records: visits ticked done or not done, who is on board a mobile unit, how to reach a
patient's door.

A tick is accepted only from the staff member whose published itinerary holds the visit, on the plan in
force, for a day that has come, once. A visit ticked done becomes the patient's last visit (date and role),
so the next plan continues the alternation and the frequency from what really happened; a visit not done
leaves the last visit as it was (the patient is due again).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.service.audit import record_read
from api.service.auth import Principal, allow
from api.service.db.models import Patient, PatientAccess, Plan, Staff, Unit, UnitCrew, VisitTick
from api.service.itineraries import own_itineraries, own_resources, plan_ticks
from api.service.routers.common import Id, IsoDate, Strict, get_db, scoped, territory_of

router = APIRouter(tags=["field day"])
REASONS_FR = {"absent": "patient absent", "hospitalised": "patient hospitalisé", "refused": "visite refusée"}
STATUS_FR = {"done": "faite", "not_done": "non faite"}


class TickCreate(Strict):
    plan_id: int = Field(ge=1, le=2**31 - 1)
    day: IsoDate
    patient_id: str = Field(min_length=1, max_length=64)
    status: Literal["done", "not_done"]
    reason: Optional[Literal["absent", "hospitalised", "refused"]] = None
    note: str = Field(default="", max_length=300)

    @model_validator(mode="after")
    def _reason_iff_not_done(self) -> "TickCreate":
        if self.status == "not_done" and self.reason is None:
            raise ValueError("une visite non faite demande un motif : absent, hospitalised ou refused")
        if self.status == "done" and self.reason is not None:
            raise ValueError("une visite faite n'a pas de motif")
        return self


def tick_public(t: VisitTick) -> dict:
    return {"id": t.id, "plan_id": t.plan_id, "day": t.day.isoformat(), "patient_id": t.patient_code,
            "resource_id": t.resource_id, "role": t.role, "status": t.status, "reason": t.reason, "note": t.note,
            "label": STATUS_FR[t.status] + (f" ({REASONS_FR[t.reason]})" if t.reason else ""),
            "at": t.at.isoformat(timespec="seconds")}


def visit_role(itinerary_role: str) -> str:
    """Role of a visit in the doctor/nurse alternation (an advanced-practice nurse counts as a nurse)."""
    return "doctor" if itinerary_role == "doctor" else "nurse"


@router.post("/itineraries/mine/ticks", status_code=201, summary="Tick one of my visits done or not done")
def add_tick(body: TickCreate, db: Session = Depends(get_db), who: Principal = Depends(allow("field"))) -> dict:
    tid = territory_of(who)
    plan = db.get(Plan, body.plan_id)
    if plan is None or plan.territory_id != tid or plan.status not in ("published", "superseded"):
        raise HTTPException(404, f"plan {body.plan_id} introuvable")
    day = body.day.isoformat()
    mine = [it for it in own_itineraries(plan.view or {}, own_resources(db, who)) if it["day"] == day]
    stop_of = next(((it, s) for it in mine for s in it.get("stops", []) if s.get("patient_id") == body.patient_id),
                   None)
    if stop_of is None:
        raise HTTPException(403, f"la visite de {body.patient_id} le {day} n'est pas dans vos tournées : "
                                 "seul le soignant qui la fait peut la pointer")
    if plan.status != "published":
        raise HTTPException(409, f"le plan {plan.id} a été remplacé par un nouveau plan : pointez la visite "
                                 "dans le plan en vigueur")
    if body.day > date.today():
        raise HTTPException(422, [{"loc": ["body", "day"], "field": "day",
                                   "msg": f"la visite est prévue le {day} : elle ne peut pas encore être pointée"}])
    done = db.scalars(select(VisitTick).where(VisitTick.plan_id == plan.id, VisitTick.day == body.day,
                                              VisitTick.patient_code == body.patient_id)).first()
    if done is not None:
        raise HTTPException(409, f"visite déjà pointée ({tick_public(done)['label']}) le "
                                 f"{done.at.strftime('%d/%m/%Y à %H:%M')} : rien n'a été modifié")
    it, _ = stop_of
    tick = VisitTick(territory_id=tid, plan_id=plan.id, day=body.day, patient_code=body.patient_id,
                     resource_id=it["resource_id"], role=visit_role(it.get("role", "")), status=body.status,
                     reason=body.reason, note=body.note, user_id=who.user_id)
    db.add(tick)
    if body.status == "done":
        patient = db.scalars(select(Patient).where(Patient.territory_id == tid,
                                                   Patient.code == body.patient_id)).first()
        if patient is not None and (patient.last_visit is None or patient.last_visit <= body.day):
            patient.last_visit, patient.last_role = body.day, tick.role
    try:
        db.commit()
    except IntegrityError:  # the partner of a joint visit ticked it at the same moment
        db.rollback()
        raise HTTPException(409, "visite déjà pointée : rien n'a été modifié") from None
    return tick_public(tick)


@router.get("/itineraries/mine/ticks", summary="Ticks of my visits in a plan")
def my_ticks(plan_id: Annotated[int, Query(ge=1, le=2**31 - 1)], db: Session = Depends(get_db), who: Principal = Depends(allow("field"))) -> list[dict]:
    mine = own_resources(db, who)
    plan = db.get(Plan, plan_id)
    if plan is None or plan.territory_id != territory_of(who):
        raise HTTPException(404, f"plan {plan_id} introuvable")
    ticks = [tick_public(t) for t in plan_ticks(db, plan_id) if t.resource_id in mine]
    if ticks:
        record_read(db, who, "list", "/itineraries/mine/ticks", len({t["patient_id"] for t in ticks}))
    return ticks


@router.get("/plans/{plan_id}/ticks", summary="Visits ticked done or not done in a plan (planner, live)")
def plan_ticks_route(plan_id: Id, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> list[dict]:
    scoped(db, Plan, plan_id, who, "plan")
    ticks = [tick_public(t) for t in plan_ticks(db, plan_id)]
    if ticks:
        record_read(db, who, "list", "/plans/{id}/ticks", len({t["patient_id"] for t in ticks}))
    return ticks


class CrewSet(Strict):
    staff: list[str] = Field(max_length=20, description="staff codes on board")


@router.put("/units/{unit_id}/crew", summary="Who is on board a mobile unit (planner)")
def set_crew(unit_id: Id, body: CrewSet, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
    unit = scoped(db, Unit, unit_id, who, "unité")
    staff = {s.code: s for s in db.scalars(select(Staff).where(Staff.territory_id == unit.territory_id,
                                                               Staff.code.in_(body.staff)))}
    unknown = [c for c in body.staff if c not in staff]
    if unknown:
        raise HTTPException(422, [{"loc": ["body", "staff"], "field": "staff",
                                   "msg": f"soignant(s) inconnu(s) dans ce territoire : {', '.join(unknown)}"}])
    for row in db.scalars(select(UnitCrew).where(UnitCrew.unit_id == unit.id)):
        db.delete(row)
    db.flush()
    for code in dict.fromkeys(body.staff):
        db.add(UnitCrew(territory_id=unit.territory_id, unit_id=unit.id, staff_id=staff[code].id))
    db.commit()
    return {"unit": unit.code, "staff": list(dict.fromkeys(body.staff))}


class AccessSet(Strict):
    phone: str = Field(default="", max_length=40, pattern=r"^[0-9 +().-]*$")
    door_code: str = Field(default="", max_length=40)
    access_note: str = Field(default="", max_length=300)


@router.put("/patients/{patient_id}/access", summary="A patient's phone, door code and access note (planner)")
def set_access(patient_id: Id, body: AccessSet, db: Session = Depends(get_db),
               who: Principal = Depends(allow("planner"))) -> dict:
    patient = scoped(db, Patient, patient_id, who, "patient")
    row = db.get(PatientAccess, patient.id) or PatientAccess(patient_id=patient.id)
    row.phone, row.door_code, row.access_note = body.phone.strip(), body.door_code.strip(), body.access_note.strip()
    db.add(row)
    db.commit()
    return {"patient_id": patient.code, "phone": row.phone, "door_code": row.door_code,
            "access_note": row.access_note}

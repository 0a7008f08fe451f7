"""Patients (health data). Planner: all of the territory. Field staff: name and address of the patients
on their own published itineraries, nothing else. Every read writes an audit row."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.service.audit import record_read
from api.service.auth import Principal, allow
from api.service.db.models import Patient
from api.service.itineraries import own_patient_codes
from api.service.routers.common import Id, check_place, check_record, get_db, scoped, set_options, territory_of
from api.service.routers.schemas import PatientIn, PatientPatch

router = APIRouter(prefix="/patients", tags=["patients"])
PATIENT_FIELDS = ("code", "name", "address", "insee", "lat", "lon", "frequency_days", "tolerance_days", "ald",
                  "no_regular_doctor", "palliative", "preferred_doctor", "preferred_nurse", "last_visit", "last_role",
                  "options")


def patient_out(p: Patient) -> dict:
    return {"id": p.id, **{k: getattr(p, k) for k in PATIENT_FIELDS}}


def patient_field_out(p: Patient) -> dict:
    """What a field staff member may see of their own patient: who and where."""
    return {"id": p.id, "code": p.code, "name": p.name, "address": p.address}


@router.get("", summary="List patients (planner: all; field staff: their own, name and address only)")
def list_patients(db: Session = Depends(get_db), who: Principal = Depends(allow("planner", "field"))) -> list[dict]:
    q = select(Patient).where(Patient.territory_id == territory_of(who)).order_by(Patient.code)
    if who.role == "field":
        codes = own_patient_codes(db, who)
        rows = [p for p in db.scalars(q) if p.code in codes]
        out = [patient_field_out(p) for p in rows]
    else:
        out = [patient_out(p) for p in db.scalars(q)]
    record_read(db, who, "list", "/patients", len(out))
    return out


@router.post("", status_code=201, summary="Create a patient")
def create_patient(body: PatientIn, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
    check_place(db, territory_of(who), body.insee, body.lat, body.lon)
    p = Patient(territory_id=territory_of(who), **body.model_dump(exclude={"options"}))
    set_options("patients", p, body.options, patch=False)
    check_record(db, "patients", p)
    db.add(p)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise HTTPException(409, [{"loc": ["body", "code"], "msg": "ce code patient existe déjà",
                                   "field": "code"}]) from None
    return patient_out(p)


@router.get("/{patient_id}", summary="One patient (field staff: only their own)")
def get_patient(patient_id: Id, db: Session = Depends(get_db),
                who: Principal = Depends(allow("planner", "field"))) -> dict:
    p = scoped(db, Patient, patient_id, who, "patient")
    if who.role == "field":
        if p.code not in own_patient_codes(db, who):
            raise HTTPException(404, f"patient {patient_id} introuvable")
        out = patient_field_out(p)
    else:
        out = patient_out(p)
    record_read(db, who, "read", "/patients/{id}", 1)
    return out


@router.patch("/{patient_id}", summary="Update a patient")
def update_patient(patient_id: Id, body: PatientPatch, db: Session = Depends(get_db),
                   who: Principal = Depends(allow("planner"))) -> dict:
    p = scoped(db, Patient, patient_id, who, "patient")
    changes = body.model_dump(exclude_unset=True)
    if "options" in changes:
        set_options("patients", p, changes.pop("options"), patch=True)
    for k, v in changes.items():
        if v is None:
            raise HTTPException(422, [{"loc": ["body", k], "msg": "ne peut pas être vide", "field": k}])
        setattr(p, k, v)
    check_place(db, p.territory_id, p.insee, p.lat, p.lon)
    check_record(db, "patients", p)
    db.commit()
    return patient_out(p)


@router.delete("/{patient_id}", status_code=204, summary="Delete a patient")
def delete_patient(patient_id: Id, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))):
    db.delete(scoped(db, Patient, patient_id, who, "patient"))
    db.commit()
    return Response(status_code=204)

"""Premises: municipalities propose rooms in their own commune and follow their status; planners see all
of the territory's, approve or withdraw them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.service.auth import Principal, allow
from api.service.db.models import Premises
from api.service.opening_hours import derive_columns, per_day, premises_summary, premises_week
from api.service.routers.common import Id, check_place, check_record, get_db, set_options, territory_of
from api.service.routers.schemas import PremisesIn, PremisesPatch, PremisesStatus

router = APIRouter(prefix="/premises", tags=["premises"])


def premises_out(p: Premises) -> dict:
    return {"id": p.id, "code": p.code, "insee": p.insee, "name": p.name, "address": p.address, "lat": p.lat,
            "lon": p.lon, "rooms": p.rooms, "accessible": p.accessible, "equipment": p.equipment,
            "days": list(p.days or []), "hours": p.hours, "status": p.status,
            "options": dict(p.options or {}), "hours_summary": premises_summary(p),
            "hours_by_day": per_day(premises_week(p))}


def _derive(db: Session, p: Premises, given: dict) -> None:
    """The `days` and `hours` columns from the stated hours (options.hours); a French 422 naming the field
    when they are unusable or disagree with `days` / `hours` given alongside (nothing is written)."""
    errors = derive_columns(p, {k: v for k, v in given.items() if k in ("days", "hours")})
    if errors:
        db.rollback()
        raise HTTPException(422, errors)


def _visible(db: Session, premises_id: Id, who: Principal) -> Premises:
    p = db.get(Premises, premises_id)
    if p is None or p.territory_id != territory_of(who) or (
            who.role == "municipality" and p.insee != who.commune_insee):
        raise HTTPException(404, f"local {premises_id} introuvable")
    return p


@router.get("", summary="List premises (municipality: its own commune's proposals)")
def list_premises(db: Session = Depends(get_db),
                  who: Principal = Depends(allow("planner", "municipality"))) -> list[dict]:
    q = select(Premises).where(Premises.territory_id == territory_of(who))
    if who.role == "municipality":
        q = q.where(Premises.insee == who.commune_insee)
    return [premises_out(p) for p in db.scalars(q.order_by(Premises.id))]


@router.post("", status_code=201, summary="Propose premises")
def create_premises(body: PremisesIn, db: Session = Depends(get_db),
                    who: Principal = Depends(allow("planner", "municipality"))) -> dict:
    tid = territory_of(who)
    if who.role == "municipality":
        if body.insee not in (None, who.commune_insee):
            raise HTTPException(422, [{"loc": ["body", "insee"], "field": "insee",
                                       "msg": "une commune ne propose que des locaux sur son territoire"}])
        insee = who.commune_insee
    else:
        if body.insee is None:
            raise HTTPException(422, [{"loc": ["body", "insee"], "field": "insee", "msg": "champ requis"}])
        insee = body.insee
    check_place(db, tid, insee, body.lat, body.lon)
    data = body.model_dump(exclude={"insee", "options"})
    # The code is the next number after the commune's highest (not its count: after a deletion the count
    # names an existing code); a concurrent request that took it first makes us try the next one.
    prefix = f"L{insee}-"
    taken = db.scalars(select(Premises.code).where(Premises.territory_id == tid, Premises.code.like(prefix + "%")))
    n = max((int(c[len(prefix):]) for c in taken if c[len(prefix):].isdigit()), default=0)
    for attempt in range(1, 21):
        p = Premises(territory_id=tid, insee=insee, code=f"{prefix}{n + attempt}", proposed_by=who.user_id,
                     status="approved" if who.role == "planner" else "proposed", **data)
        set_options("premises", p, body.options, patch=False)
        _derive(db, p, {k: data[k] for k in body.model_fields_set & {"days", "hours"}})
        check_record(db, "premises", p)
        db.add(p)
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            continue
        return premises_out(p)
    raise HTTPException(409, "trop de propositions simultanées pour cette commune, réessayez")


@router.get("/{premises_id}", summary="One premises")
def get_premises(premises_id: Id, db: Session = Depends(get_db),
                 who: Principal = Depends(allow("planner", "municipality"))) -> dict:
    return premises_out(_visible(db, premises_id, who))


@router.patch("/{premises_id}", summary="Update premises (a municipality: its proposals not yet approved)")
def update_premises(premises_id: Id, body: PremisesPatch, db: Session = Depends(get_db),
                    who: Principal = Depends(allow("planner", "municipality"))) -> dict:
    p = _visible(db, premises_id, who)
    if who.role == "municipality" and p.status != "proposed":
        raise HTTPException(409, "ce local a déjà été examiné ; contactez le planificateur")
    changes = body.model_dump(exclude_unset=True)
    if "options" in changes:
        set_options("premises", p, changes.pop("options"), patch=True)
    for k, v in changes.items():
        if v is None:
            raise HTTPException(422, [{"loc": ["body", k], "msg": "ne peut pas être vide", "field": k}])
        setattr(p, k, v)
    _derive(db, p, changes)
    check_place(db, p.territory_id, p.insee, p.lat, p.lon)
    check_record(db, "premises", p)
    db.commit()
    return premises_out(p)


@router.post("/{premises_id}/status", summary="Approve or withdraw premises (a municipality may only withdraw)")
def set_status(premises_id: Id, body: PremisesStatus, db: Session = Depends(get_db),
               who: Principal = Depends(allow("planner", "municipality"))) -> dict:
    p = _visible(db, premises_id, who)
    if who.role == "municipality" and body.status != "withdrawn":
        raise HTTPException(403, "seul le planificateur approuve un local")
    p.status = body.status
    db.commit()
    return premises_out(p)


@router.delete("/{premises_id}", status_code=204, summary="Delete premises")
def delete_premises(premises_id: Id, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))):
    db.delete(_visible(db, premises_id, who))
    db.commit()
    return Response(status_code=204)

"""Territories and their communes (created with `planner users add --territory`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.audit import record_read
from api.service.auth import Principal, allow
from api.service.db.models import Commune, Territory
from api.service.routers.common import Id, IsoDate, Strict, get_db, territory_of

router = APIRouter(prefix="/territories", tags=["territories"])


def territory_out(t: Territory) -> dict:
    return {"id": t.id, "code": t.code, "name": t.name}


def commune_out(c: Commune) -> dict:
    return {"insee": c.insee, "name": c.name, "population": c.population, "lat": c.lat, "lon": c.lon,
            "townhall_address": c.townhall_address}


class TerritoryUpdate(Strict):
    name: str = Field(min_length=1, max_length=200)


@router.get("", summary="The caller's territory")
def list_territories(db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> list[dict]:
    return [territory_out(db.get(Territory, territory_of(who)))]


@router.get("/{territory_id}", summary="One territory")
def get_territory(territory_id: Id, db: Session = Depends(get_db),
                  who: Principal = Depends(allow("planner"))) -> dict:
    t = db.get(Territory, territory_id)
    if t is None or t.id != territory_of(who):
        raise HTTPException(404, f"territoire {territory_id} introuvable")
    return territory_out(t)


@router.patch("/{territory_id}", summary="Rename a territory")
def rename_territory(territory_id: Id, body: TerritoryUpdate, db: Session = Depends(get_db),
                     who: Principal = Depends(allow("planner"))) -> dict:
    get_territory(territory_id, db, who)
    t = db.get(Territory, territory_id)
    t.name = body.name
    db.commit()
    return territory_out(t)


@router.get("/{territory_id}/communes", summary="Communes of a territory")
def list_communes(territory_id: Id, db: Session = Depends(get_db),
                  who: Principal = Depends(allow("planner", "municipality", "field"))) -> list[dict]:
    if territory_id != territory_of(who):
        raise HTTPException(404, f"territoire {territory_id} introuvable")
    rows = db.scalars(select(Commune).where(Commune.territory_id == territory_id).order_by(Commune.name))
    return [commune_out(c) for c in rows]



@router.get("/{territory_id}/records",
            summary="The territory as the planner's problem JSON (what `planner plan` reads)")
def territory_records(territory_id: Id, kind: Literal["home_visits", "rotation"], start: IsoDate,
                      days: int = Query(ge=1, le=56), db: Session = Depends(get_db),
                      who: Principal = Depends(allow("planner"))) -> dict:
    """The documented problem JSON (docs/home_visits_format.md, docs/rotation_format.md) of the territory's
    records for a plan from `start` over `days`: `planner plan visits --problem` plans the same."""
    from api.service.records import home_visit_problem_dict, rotation_problem_dict, snapshot

    get_territory(territory_id, db, who)
    snap = snapshot(db, territory_id)
    params = {"start": start.isoformat(), "days": days}
    if kind == "home_visits":
        record_read(db, who, "export", "/territories/{id}/records", len(snap["patients"]))
        return home_visit_problem_dict(snap, params)
    return rotation_problem_dict(snap, params)

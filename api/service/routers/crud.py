"""A planner-only CRUD router for a territory-owned table (units, staff): list, create, read, update, delete."""


from typing import Callable

from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.service.auth import Principal, allow
from api.service.routers.common import Id, check_record, get_db, scoped, set_options, territory_of


def crud_router(*, prefix: str, tag: str, model, label: str, create: type[BaseModel], update: type[BaseModel],
                out: Callable[[object], dict], kind: str) -> APIRouter:
    """Routes for one resource; every write is one transaction, checked by the planner as a record of `kind`
    (api.service.records) before it is committed, and a duplicate `code` is a 409 naming it."""
    router = APIRouter(prefix=prefix, tags=[tag])

    def save(db: Session) -> None:
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            raise HTTPException(409, [{"loc": ["body", "code"], "msg": f"{label}: ce code existe déjà",
                                       "field": "code"}]) from None

    @router.get("", summary=f"List {tag}")
    def list_rows(db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> list[dict]:
        rows = db.scalars(select(model).where(model.territory_id == territory_of(who)).order_by(model.code))
        return [out(r) for r in rows]

    @router.post("", status_code=201, summary=f"Create one of {tag}")
    def create_row(body: create, db: Session = Depends(get_db),  # type: ignore[valid-type]
                   who: Principal = Depends(allow("planner"))) -> dict:
        row = model(territory_id=territory_of(who), **body.model_dump(exclude={"options"}))
        set_options(kind, row, body.options, patch=False)
        check_record(db, kind, row)
        db.add(row)
        save(db)
        return out(row)

    @router.get("/{obj_id}", summary=f"Read one of {tag}")
    def get_row(obj_id: Id, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
        return out(scoped(db, model, obj_id, who, label))

    @router.patch("/{obj_id}", summary=f"Update one of {tag}")
    def update_row(obj_id: Id, body: update, db: Session = Depends(get_db),  # type: ignore[valid-type]
                   who: Principal = Depends(allow("planner"))) -> dict:
        row = scoped(db, model, obj_id, who, label)
        changes = body.model_dump(exclude_unset=True)
        if "options" in changes:
            set_options(kind, row, changes.pop("options"), patch=True)
        for k, v in changes.items():
            if v is None:
                raise HTTPException(422, [{"loc": ["body", k], "msg": "ne peut pas être vide", "field": k}])
            setattr(row, k, v)
        check_record(db, kind, row)
        save(db)
        return out(row)

    @router.delete("/{obj_id}", status_code=204, summary=f"Delete one of {tag}")
    def delete_row(obj_id: Id, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))):
        row = scoped(db, model, obj_id, who, label)
        db.delete(row)
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            raise HTTPException(409, f"{label} {obj_id} est encore utilisé (compte ou plan)") from None
        return Response(status_code=204)

    return router

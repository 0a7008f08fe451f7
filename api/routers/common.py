"""Helpers shared by routers: the database session, territory scoping, 404s that do not leak existence."""

from __future__ import annotations

from typing import Iterator, TypeVar

from fastapi import HTTPException, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from api.auth import Principal

T = TypeVar("T")


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as db:
        yield db


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a typo is named instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


def territory_of(who: Principal) -> int:
    if who.territory_id is None:
        raise HTTPException(403, "ce compte n'est rattaché à aucun territoire")
    return who.territory_id


def scoped(db: Session, model: type[T], obj_id: int, who: Principal, label: str) -> T:
    """The row `obj_id` of the caller's territory; another territory's row is 404, as an unknown id."""
    obj = db.get(model, obj_id)
    if obj is None or getattr(obj, "territory_id", None) != territory_of(who):
        raise HTTPException(404, f"{label} {obj_id} introuvable")
    return obj

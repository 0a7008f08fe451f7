"""Helpers shared by routers: the database session, territory scoping, 404s that do not leak existence."""

from __future__ import annotations

from typing import Annotated, Any, Iterator, TypeVar

from fastapi import HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy.orm import Session

from api.auth import Principal

T = TypeVar("T")


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as db:
        yield db


Id = Annotated[int, Path(ge=1, le=2**31 - 1, description="database id")]
InseePath = Annotated[str, Path(pattern=r"^[0-9][0-9AB][0-9]{3}$", description="INSEE commune code")]


def _no_control(value: Any) -> Any:
    if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("caractères de contrôle interdits")
    if isinstance(value, list):
        for v in value:
            _no_control(v)
    return value


class Strict(BaseModel):
    """Request bodies refuse unknown fields (a typo is named, not ignored) and control characters."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _clean(cls, v: Any) -> Any:
        return _no_control(v)


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

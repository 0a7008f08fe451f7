"""Helpers shared by routers: the database session, territory scoping, 404s that do not leak existence."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Iterator, TypeVar

from fastapi import HTTPException, Path, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, GetJsonSchemaHandler, field_validator
from pydantic_core import CoreSchema
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.auth import Principal
from api.service.db.models import Commune
from planner.core.geo import haversine_m

T = TypeVar("T")


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as db:
        yield db


Id = Annotated[int, Path(ge=1, le=2**31 - 1, description="database id")]
InseePath = Annotated[str, Path(pattern=r"^[0-9][0-9AB][0-9]{3}$", description="INSEE commune code")]


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """A date is written YYYY-MM-DD, as the schema says (`format: date`): no timestamp, no other ISO form."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("date attendue au format AAAA-MM-JJ")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("date inexistante (format AAAA-MM-JJ)") from None


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
# What `_no_control` lets through, as a JSON Schema pattern (every string of a request body carries it).
NO_CONTROL_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"


def _no_control(value: Any) -> Any:
    if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("caractères de contrôle interdits")
    if isinstance(value, list):
        for v in value:
            _no_control(v)
    if isinstance(value, dict):
        for k, v in value.items():
            _no_control(k)
            _no_control(v)
    return value


def _pattern_strings(schema: Any) -> None:
    """Add NO_CONTROL_PATTERN to every string (and object key) a property schema allows, refs aside."""
    if isinstance(schema, list):
        for s in schema:
            _pattern_strings(s)
        return
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    if schema.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(schema):
        schema["pattern"] = NO_CONTROL_PATTERN
    if schema.get("type") == "object" and "propertyNames" not in schema:
        schema["propertyNames"] = {"pattern": NO_CONTROL_PATTERN}
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        _pattern_strings(schema.get(key))
    for key in ("items", "additionalProperties"):
        _pattern_strings(schema.get(key))


class Strict(BaseModel):
    """Request bodies refuse unknown fields (a typo is named, not ignored), control characters, and values of
    another JSON type than the schema's (no 0 for false, no "3" for 3); dates are `IsoDate`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        schema = handler(core_schema)
        for prop in handler.resolve_ref_schema(schema).get("properties", {}).values():
            _pattern_strings(prop)
        return schema

    @field_validator("*", mode="after")
    @classmethod
    def _clean(cls, v: Any) -> Any:
        return _no_control(v)


MAX_FROM_TOWNHALL_M = 20_000  # a patient's home or a room lies in (or right next to) its commune


def place_problem(db: Session, territory_id: int, insee: str | None, lat: float, lon: float) -> tuple[str, str] | None:
    """(field, French reason) when a position does not belong to its commune of the territory, else None.

    Catches a commune outside the territory, a (0, 0) or swapped position, a click in the wrong commune."""
    commune = db.scalars(select(Commune).where(Commune.territory_id == territory_id, Commune.insee == insee)).first()
    return commune_problem(commune, insee, lat, lon)


def commune_problem(commune: Commune | None, insee: str | None, lat: float, lon: float) -> tuple[str, str] | None:
    """`place_problem` against an already loaded commune (None: not in the territory)."""
    if commune is None:
        return "insee", f"commune {insee} hors du territoire"
    if commune.lat is not None and commune.lon is not None and \
            haversine_m(commune.lat, commune.lon, lat, lon) > MAX_FROM_TOWNHALL_M:
        return "lat", (f"position ({lat:.5f}, {lon:.5f}) à plus de {MAX_FROM_TOWNHALL_M // 1000} km de la mairie de "
                       f"{commune.name} : vérifiez la latitude et la longitude")
    return None


def check_place(db: Session, territory_id: int, insee: str | None, lat: float, lon: float) -> None:
    """`place_problem` as a 422 naming the field (nothing is written: call it before committing)."""
    problem = place_problem(db, territory_id, insee, lat, lon)
    if problem:
        db.rollback()
        raise HTTPException(422, [{"loc": ["body", problem[0]], "field": problem[0], "msg": problem[1]}])


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


def set_options(kind: str, row: Any, given: dict | None, *, patch: bool) -> None:
    """The row's planner options from a request: keys named as the format names them (aliases accepted); in a
    PATCH, keys given replace the old ones and null removes one. 422 naming an unknown key."""
    from api.service.records import DEFAULT_STAFF_OPTIONS, WEEKDAY_KEYS, RecordsRefused, merge_options, \
        normalise_options

    try:
        options = normalise_options(kind, given)
    except RecordsRefused as exc:
        raise HTTPException(422, [e.detail() for e in exc.errors]) from None
    if patch:
        row.options = merge_options(row.options, options)
    else:
        base = dict(DEFAULT_STAFF_OPTIONS) if kind == "staff" and not set(options) & set(WEEKDAY_KEYS) else {}
        row.options = merge_options(base, options)


def check_record(db: Session, kind: str, row: Any) -> None:
    """The row as the planner reads it: what it refuses is a 422 naming the field and the record (call before
    committing; nothing is written)."""
    from api.service.records import check_row

    errors = check_row(kind, row)
    if errors:
        db.rollback()
        raise HTTPException(422, [e.detail() for e in errors])

"""Mobile units of the territory (planner only)."""

from api.service.db.models import Unit
from api.service.routers.crud import crud_router
from api.service.routers.schemas import UnitIn, UnitPatch


def unit_out(u: Unit) -> dict:
    return {"id": u.id, "code": u.code, "name": u.name, "roles": list(u.roles), "vehicle": u.vehicle,
            "base_name": u.base_name, "base_lat": u.base_lat, "base_lon": u.base_lon, "work_profile": u.work_profile,
            "options": dict(u.options or {})}


router = crud_router(prefix="/units", tag="units", model=Unit, label="unité", create=UnitIn, update=UnitPatch,
                     out=unit_out, kind="units")

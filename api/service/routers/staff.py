"""Doctors and nurses who make home visits (planner only; a field account sees itself through /auth/me)."""

from api.service.db.models import Staff
from api.service.routers.crud import crud_router
from api.service.routers.schemas import StaffIn, StaffPatch


def staff_out(s: Staff) -> dict:
    return {"id": s.id, "code": s.code, "name": s.name, "role": s.role, "base_name": s.base_name,
            "base_lat": s.base_lat, "base_lon": s.base_lon, "phone": s.phone,
            "work_profile": s.work_profile, "options": dict(s.options or {})}


router = crud_router(prefix="/staff", tag="staff", model=Staff, label="soignant", create=StaffIn,
                     update=StaffPatch, out=staff_out, kind="staff")

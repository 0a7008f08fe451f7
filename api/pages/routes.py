"""Pages (French): login, municipality, planner dashboard, field staff's day, public commune schedule."""

from fastapi import APIRouter

router = APIRouter(prefix="/pages", include_in_schema=False)

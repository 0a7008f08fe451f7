"""The audit trail of patient-data reads, for the territory's planner: who read what, when, how much."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.service.audit import recent_reads
from api.service.auth import Principal, allow
from api.service.routers.common import get_db, territory_of

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", summary="Reads of patient data by the territory's accounts, newest first (planner)")
def audit_log(db: Session = Depends(get_db), who: Principal = Depends(allow("planner")),
              limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:
    return recent_reads(db, territory_of(who), limit)

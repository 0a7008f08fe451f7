"""The audit trail of patient-data reads, for the territory's planner: who read what, when, how much."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal, allow
from api.db.models import AuditLog, User
from api.routers.common import get_db, territory_of

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", summary="Reads of patient data by the territory's accounts, newest first (planner)")
def audit_log(db: Session = Depends(get_db), who: Principal = Depends(allow("planner")),
              limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:
    rows = db.execute(select(AuditLog, User.email).join(User, User.id == AuditLog.user_id)
                      .where(User.territory_id == territory_of(who))
                      .order_by(AuditLog.id.desc()).limit(limit)).all()
    return [{"at": a.at.isoformat(timespec="seconds"), "user_id": a.user_id, "email": email, "role": a.role,
             "action": a.action, "resource": a.resource, "count": a.count} for a, email in rows]

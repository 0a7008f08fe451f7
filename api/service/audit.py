"""Audit trail of patient-data reads: who (account id and role), what route, how many records.

Rows never hold a patient's name, address or id: only the route and a count, so the log itself is not
health data. The Python log line written alongside follows the same rule.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.auth import Principal
from api.service.db.models import AuditLog, User

log = logging.getLogger("planner.audit")


def record_read(db: Session, who: Principal, action: str, resource: str, count: int) -> None:
    """Write one audit row (committed by the caller's transaction) for a read of `count` patient records."""
    db.add(AuditLog(user_id=who.user_id, role=who.role, action=action, resource=resource, count=count))
    db.commit()
    log.info("patient data read: user=%s role=%s action=%s resource=%s count=%d",
             who.user_id, who.role, action, resource, count)


def recent_reads(db: Session, territory_id: int, limit: int = 200) -> list[dict]:
    """Reads of patient data by the territory's accounts, newest first (for its planner)."""
    rows = db.execute(select(AuditLog, User.email).join(User, User.id == AuditLog.user_id)
                      .where(User.territory_id == territory_id).order_by(AuditLog.id.desc()).limit(limit)).all()
    return [{"at": a.at.isoformat(timespec="seconds"), "user_id": a.user_id, "email": email, "role": a.role,
             "action": a.action, "resource": a.resource, "count": a.count} for a, email in rows]

"""Batches: one planning request for many territories at once, one job per territory, run side by side on Ray.

Each job is an ordinary job of its own territory (its planner sees only that territory's rows, its planners
see only its job); a territory whose data the planner refuses fails alone with its reason.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.db.models import Job, Territory
from planner.core.errors import InputError


def create_batch(db: Session, params: dict, territory_codes: list[str] | None, created_by: int | None = None
                 ) -> tuple[str, list[Job]]:
    """A batch id and one queued job per territory (every territory when no code is given)."""
    q = select(Territory).order_by(Territory.code)
    territories = list(db.scalars(q))
    if territory_codes:
        known = {t.code: t for t in territories}
        unknown = [c for c in territory_codes if c not in known]
        if unknown:
            raise InputError(f"territoire(s) inconnu(s) : {', '.join(unknown)}", field="territories")
        territories = [known[c] for c in dict.fromkeys(territory_codes)]
    if not territories:
        raise InputError("aucun territoire à planifier", field="territories")
    batch = secrets.token_hex(6)
    jobs = [Job(territory_id=t.id, kind="plan", params=dict(params), batch=batch, created_by=created_by)
            for t in territories]
    db.add_all(jobs)
    db.commit()
    return batch, jobs


def batch_jobs(db: Session, batch: str) -> list[tuple[Job, str]]:
    """(job, territory code) of a batch, by territory code."""
    return [(j, code) for j, code in db.execute(select(Job, Territory.code)
                                                .join(Territory, Territory.id == Job.territory_id)
                                                .where(Job.batch == batch).order_by(Territory.code, Job.id))]

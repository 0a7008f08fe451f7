"""Batches (coordinator): one planning request for many territories at once, one job per territory.

A coordinator sees each territory's job state and reason, never its people or plans; each territory's
planner sees its own job among its jobs, and its planner (the solver) only that territory's rows.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session

from api.service.auth import Principal, allow
from api.service.batch import batch_jobs, create_batch
from api.service.routers.common import get_db
from api.service.routers.plans import PlanRequest

router = APIRouter(prefix="/batches", tags=["batches"])
Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class BatchRequest(PlanRequest):
    territories: list[Code] = Field(default_factory=list, max_length=1000,
                                    description="territory codes; empty: every territory")


def _row(job, code: str) -> dict:
    return {"territory": code, "job_id": job.id, "status": job.status, "progress": round(job.progress, 3),
            "message": job.message, "done": job.plan_id is not None, "attempts": job.attempts}


@router.post("", status_code=202, summary="Plan many territories at once (one job each); poll /batches/{batch}")
def create(body: BatchRequest, request: Request, db: Session = Depends(get_db),
           who: Principal = Depends(allow("coordinator"))) -> dict:
    params = body.model_dump(mode="json", exclude={"territories"})
    batch, jobs = create_batch(db, params, list(body.territories) or None, created_by=who.user_id)
    for job in jobs:
        request.app.state.jobs.submit(job.id)
    return {"batch": batch, "jobs": [_row(j, code) for j, code in batch_jobs(db, batch)]}


@router.get("/{batch}", summary="State of each territory's job in a batch")
def status(batch: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")], db: Session = Depends(get_db),
           who: Principal = Depends(allow("coordinator"))) -> dict:
    rows = batch_jobs(db, batch)
    if not rows:
        raise HTTPException(404, "lot inconnu")
    out = [_row(j, code) for j, code in rows]
    return {"batch": batch, "done": sum(r["status"] == "done" for r in out),
            "failed": sum(r["status"] in ("failed", "interrupted", "cancelled") for r in out),
            "total": len(out), "jobs": out}

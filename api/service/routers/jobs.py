"""Planning jobs: status with progress, cancel, re-run after an interruption or failure (planner only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.service.auth import Principal, allow
from api.service.db.models import Job
from api.service.routers.common import Id, get_db, scoped, territory_of

router = APIRouter(prefix="/jobs", tags=["jobs"])


def job_out(j: Job) -> dict:
    return {"id": j.id, "kind": j.kind, "status": j.status, "progress": round(j.progress, 3), "message": j.message,
            "plan_id": j.plan_id, "params": j.params, "cancel_requested": j.cancel_requested,
            "created_at": j.created_at.isoformat(), "updated_at": j.updated_at.isoformat()}


@router.get("", summary="Jobs of the territory, newest first")
def list_jobs(db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> list[dict]:
    q = select(Job).where(Job.territory_id == territory_of(who)).order_by(Job.id.desc()).limit(100)
    return [job_out(j) for j in db.scalars(q)]


@router.get("/{job_id}", summary="Status and progress of a job")
def get_job(job_id: Id, db: Session = Depends(get_db), who: Principal = Depends(allow("planner"))) -> dict:
    return job_out(scoped(db, Job, job_id, who, "tâche"))


@router.post("/{job_id}/cancel", summary="Cancel a queued or running job")
def cancel_job(job_id: Id, request: Request, db: Session = Depends(get_db),
               who: Principal = Depends(allow("planner"))) -> dict:
    job = scoped(db, Job, job_id, who, "tâche")
    if job.status in ("done", "failed"):
        raise HTTPException(409, f"la tâche est déjà terminée ({job.status})")
    request.app.state.jobs.cancel(db, job)
    return job_out(job)


@router.post("/{job_id}/rerun", summary="Run again a job that was interrupted, cancelled or failed")
def rerun_job(job_id: Id, request: Request, db: Session = Depends(get_db),
              who: Principal = Depends(allow("planner"))) -> dict:
    job = scoped(db, Job, job_id, who, "tâche")
    if job.status not in ("interrupted", "cancelled", "failed"):
        raise HTTPException(409, f"seule une tâche interrompue, annulée ou en échec se relance ({job.status})")
    request.app.state.jobs.rerun(db, job)
    return job_out(job)

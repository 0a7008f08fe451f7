"""Planning jobs run outside requests in a small worker pool: queued -> running (progress) -> done/failed,
cancel on request, and jobs a restart cut short are marked "interrupted" so they can be re-run.

Threads are enough: the solvers spend their time in native code (OR-Tools) that releases the GIL, and a
thread shares the database engine. Cancellation is cooperative: the progress callback raises JobCancelled.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.service.db.models import Job, Plan, utcnow
from api.service.records import snapshot
from api.outputs.viewjson import view_to_dict
from planner.core.errors import PlannerError

log = logging.getLogger("planner.jobs")
FINAL = ("done", "failed", "cancelled", "interrupted")


class JobCancelled(Exception):
    """Raised inside a running job when its cancellation was asked for."""


HEARTBEAT_S = 5.0  # how often a service process says its jobs are still alive
STALE_S = 30.0  # a job whose process has not said so for this long was cut short


class JobRunner:
    """The jobs of one service process. Each job it takes carries the process's name and a heartbeat, so a
    second process on the same database leaves them alone and only jobs whose process died are interrupted."""

    def __init__(self, sessions: sessionmaker[Session], *, workers: int = 2) -> None:
        self.sessions = sessions
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="planner-job")
        self.app_state = None  # set by create_app: holds plan_function
        self.instance = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._cancel: dict[int, threading.Event] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------
    def recover(self) -> int:
        """At startup: jobs left queued or running by a process that died become 'interrupted'; then the
        heartbeat starts (it also catches, within STALE_S, the jobs of a process that dies later)."""
        n = self._sweep()
        if self._beat is None:
            self._beat = threading.Thread(target=self._heartbeat_loop, name="planner-job-heartbeat", daemon=True)
            self._beat.start()
        return n

    def _sweep(self) -> int:
        cutoff = utcnow() - timedelta(seconds=STALE_S)
        with self.sessions() as db:
            jobs = list(db.scalars(select(Job).where(
                Job.status.in_(("queued", "running")),
                or_(Job.owner.is_(None), and_(Job.owner != self.instance,
                                              or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff))))))
            for job in jobs:
                job.status = "interrupted"
                job.message = "interrompu par un redémarrage du service ; relancez-le"
                job.updated_at = utcnow()
            db.commit()
            return len(jobs)

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                with self.sessions() as db:
                    db.execute(update(Job).where(Job.owner == self.instance,
                                                 Job.status.in_(("queued", "running"))).values(heartbeat_at=utcnow()))
                    db.commit()
                self._sweep()
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the heartbeat
                log.warning("job heartbeat failed: %s", type(exc).__name__)

    def shutdown(self) -> None:
        self._stop.set()
        for ev in list(self._cancel.values()):
            ev.set()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, job_id: int):
        with self.sessions() as db:
            db.execute(update(Job).where(Job.id == job_id).values(owner=self.instance, heartbeat_at=utcnow()))
            db.commit()
        with self._lock:
            self._cancel[job_id] = threading.Event()
        return self.pool.submit(self._run, job_id)

    def cancel(self, db: Session, job: Job) -> None:
        """Ask a job to stop; a queued job is cancelled at once, a running one at its next progress report."""
        if job.status in FINAL:
            return
        job.cancel_requested = True
        if job.status == "queued":
            job.status = "cancelled"
            job.message = "annulé avant son démarrage"
        job.updated_at = utcnow()
        db.commit()
        ev = self._cancel.get(job.id)
        if ev:
            ev.set()

    def rerun(self, db: Session, job: Job) -> None:
        job.status, job.progress, job.cancel_requested = "queued", 0.0, False
        job.message, job.plan_id, job.updated_at = "relancé", None, utcnow()
        db.commit()
        self.submit(job.id)

    # --- work ------------------------------------------------------------------------------------------
    def _progress(self, job_id: int, event: threading.Event):
        def report(fraction: float, message: str = "") -> None:
            if event.is_set():
                raise JobCancelled()
            with self.sessions() as db:
                job = db.get(Job, job_id)
                if job.cancel_requested:
                    event.set()
                    raise JobCancelled()
                job.progress = max(0.0, min(1.0, float(fraction)))
                if message:
                    job.message = message[:500]
                job.updated_at = utcnow()
                db.commit()
        return report

    def _run(self, job_id: int) -> None:
        event = self._cancel.get(job_id) or threading.Event()
        with self.sessions() as db:
            job = db.get(Job, job_id)
            if job is None or job.status != "queued":
                return
            job.status, job.message, job.updated_at = "running", "démarrage", utcnow()
            db.commit()
            params, tid = dict(job.params), job.territory_id
            snap = snapshot(db, tid)
            net = getattr(getattr(self.app_state, "settings", None), "network_path", None)
            snap["network_path"] = str(net) if net else None
            parent_view = None
            if params.get("parent_plan_id"):
                parent = db.get(Plan, params["parent_plan_id"])
                parent_view = parent.view if parent else None
                snap["parent"] = {"solution": parent.solution if parent else {}, "params": parent.params if parent else {}}
        try:
            fn = self.app_state.plan_function
            outcome = fn(snap, params, self._progress(job_id, event))
            if event.is_set():
                raise JobCancelled()
        except JobCancelled:
            self._finish(job_id, "cancelled", "annulé à la demande")
            return
        except PlannerError as exc:
            self._finish(job_id, "failed", f"données à corriger : {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - a job must end in a state the planner can see
            # the traceback's frames, not the exception's message: it could quote patient data
            log.error("planning job %s failed: %s\n%s", job_id, type(exc).__name__,
                      "".join(traceback.format_tb(exc.__traceback__)))
            self._finish(job_id, "failed", f"erreur interne du calcul ({type(exc).__name__})")
            return
        from api.service.planning import view_diff
        view = view_to_dict(outcome.view)
        with self.sessions() as db:
            job = db.get(Job, job_id)
            if job.cancel_requested:
                job.status, job.message = "cancelled", "annulé à la demande"
                db.commit()
                return
            plan = Plan(territory_id=tid, kind=params["kind"], status="draft",
                        title=(outcome.view.title or params.get("title") or "")[:200], params=params, view=view,
                        solution=outcome.solution, parent_id=params.get("parent_plan_id"),
                        diff=view_diff(parent_view, view) if parent_view else None)
            db.add(plan)
            db.flush()
            job.plan_id, job.status, job.progress = plan.id, "done", 1.0
            job.message, job.updated_at = "terminé", utcnow()
            db.commit()
        with self._lock:
            self._cancel.pop(job_id, None)

    def _finish(self, job_id: int, status: str, message: str) -> None:
        with self.sessions() as db:
            job = db.get(Job, job_id)
            job.status, job.message, job.updated_at = status, message[:500], utcnow()
            db.commit()
        with self._lock:
            self._cancel.pop(job_id, None)

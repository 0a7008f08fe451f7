"""Planning jobs: queued -> running (progress) -> done/failed/cancelled/interrupted, kept in the database.

The service never solves: each job runs as a Ray task (api.service.execution) in a worker process of its own,
which reads the territory from the database, reports its progress there and stores the plan there. The
service process owns the task: a cancel stops the worker process at once (`ray.cancel(force=True)`), a worker
killed mid-solve is retried once by Ray and then shown "interrupted" (re-run in one click), and jobs a dead
service process left behind are taken over (queued ones) or marked interrupted (running ones).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
import traceback
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.service.db.models import Job, Plan, utcnow
from api.service.records import snapshot
from api.outputs.viewjson import view_to_dict
from planner.core.errors import PlannerError

log = logging.getLogger("planner.jobs")
FINAL = ("done", "failed", "cancelled", "interrupted")
ACTIVE = ("queued", "running")


class JobCancelled(Exception):
    """Raised inside a running job when its cancellation was asked for."""


HEARTBEAT_S = 5.0  # how often a service process says its jobs are still alive
STALE_S = 30.0  # a job whose process has not said so for this long was cut short
PROGRESS_S = 0.2  # a worker writes its progress at most this often
WATCH_S = 0.2  # how often the service collects finished tasks
STORE_FAILED = ("le plan calculé n'a pas pu être enregistré (base de données pleine ou injoignable) ; rien n'a "
                "été modifié, relancez la tâche quand la base est rétablie")
CANCEL_POLL_S = 0.5  # ... and looks for cancels asked through another service process


def worker_url(url: str) -> str:
    """The database URL as a worker process elsewhere must see it (a relative SQLite file made absolute)."""
    u = make_url(url)
    if u.drivername.startswith("sqlite"):
        if not u.database or u.database == ":memory:":
            raise PlannerError("une base SQLite en mémoire ne peut pas être partagée avec les processus de "
                               "calcul : donnez un fichier (sqlite:///planner.db)")
        u = u.set(database=os.path.abspath(u.database))
    return u.render_as_string(hide_password=False)


def _machine() -> str:
    """This machine and pid namespace, in 6 hex digits: two processes that share it can test each other's
    pids (containers sharing a host name but not their pids do not)."""
    import hashlib

    try:
        boot = open("/proc/sys/kernel/random/boot_id").read().strip()
        ns = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return ""  # not Linux: no pid test, only the heartbeat's silence
    return hashlib.sha256(f"{boot}:{ns}".encode()).hexdigest()[:6]


def instance_name() -> str:
    """host:pid:token:machine of this service process (jobs.owner)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}:{_machine()}"


def local_owner_gone(owner: str) -> bool:
    """True when `owner` names a process of this machine (same pid namespace) that no longer runs. A pid
    reused since by another process reads as alive: then the heartbeat's silence (STALE_S) decides."""
    parts = owner.split(":")
    me = _machine()
    if len(parts) != 4 or not me or parts[3] != me or parts[0] != socket.gethostname()[:30]:
        return False
    try:
        pid = int(parts[1])
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return True
    return state in ("Z", "X")  # a zombie (killed, not yet reaped) is dead too


class JobRunner:
    """The jobs of one service process, run on Ray. Each job it takes carries the process's name and a
    heartbeat, so a second process on the same database leaves them alone and only jobs whose process died
    are taken over or interrupted."""

    def __init__(self, sessions: sessionmaker[Session], *, workers: int = 2, ray_address: str | None = None,
                 network_path: str | None = None) -> None:
        self.sessions = sessions
        self.workers, self.ray_address = max(1, workers), ray_address
        self.network_path = network_path
        self.database_url = worker_url(sessions.kw["bind"].url.render_as_string(hide_password=False))
        self.app_state = None  # set by create_app: holds plan_function
        self.instance = instance_name()
        self.cluster: dict = {}
        self.takes_over = True
        self._refs: dict[int, object] = {}  # job id -> Ray ObjectRef of its task
        self._unended: dict[int, tuple[str, str]] = {}  # job id -> its end, not written yet (database away)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> dict:
        """Start or join Ray (execution.RayUnreachable when a named cluster does not answer)."""
        from api.service.execution import start_ray

        self.cluster = start_ray(self.ray_address, num_cpus=self.workers)
        return self.cluster

    def recover(self) -> int:
        """At startup: jobs a dead process left queued are taken over and run, running ones become
        'interrupted'; then the heartbeat and the task watcher start."""
        if not self.cluster:
            self.start()
        n = self._sweep()
        self.watch()
        return n

    def watch(self, *, take_over: bool = True) -> None:
        """Start the heartbeat (which also takes over dead processes' jobs unless take_over is False, as
        for a one-off `planner plan batch`) and the watcher of this process's tasks."""
        self.takes_over = take_over
        if not self._threads:
            for target, name in ((self._heartbeat_loop, "heartbeat"), (self._watch_loop, "watch")):
                th = threading.Thread(target=target, name=f"planner-job-{name}", daemon=True)
                th.start()
                self._threads.append(th)

    def pending(self) -> int:
        """Tasks of this process not collected yet."""
        with self._lock:
            return len(self._refs)

    def _sweep(self) -> int:
        cutoff = utcnow() - timedelta(seconds=STALE_S)
        silent = or_(Job.owner.is_(None), and_(Job.owner != self.instance,
                                               or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff)))
        taken = []
        with self.sessions() as db:
            jobs = list(db.scalars(select(Job).where(Job.status.in_(ACTIVE), silent)))
            # a process of this machine whose pid is gone (killed, crashed) is dead now, not in STALE_S
            seen = {j.id for j in jobs}
            jobs += [j for j in db.scalars(select(Job).where(Job.status.in_(ACTIVE), Job.owner.is_not(None),
                                                             Job.owner != self.instance))
                     if j.id not in seen and local_owner_gone(j.owner)]
            for job in jobs:
                if job.status == "running":
                    job.status = "interrupted"
                    job.message = "interrompu par un redémarrage du service ; relancez-le"
                    job.updated_at = utcnow()
                    db.commit()
                    continue
                # never started: this process takes it over (one process wins the conditional update)
                won = db.execute(update(Job).where(Job.id == job.id, Job.status == "queued",
                                                   Job.owner.is_(job.owner) if job.owner is None
                                                   else Job.owner == job.owner)
                                 .values(owner=self.instance, heartbeat_at=utcnow())).rowcount
                db.commit()
                if won:
                    taken.append(job.id)
        for jid in taken:
            self._launch(jid)
        return len(jobs)

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                with self.sessions() as db:
                    db.execute(update(Job).where(Job.owner == self.instance,
                                                 Job.status.in_(ACTIVE)).values(heartbeat_at=utcnow()))
                    db.commit()
                with self._lock:
                    unended = dict(self._unended)
                for jid, (status, message) in unended.items():
                    self._end(jid, status, message)
                if self.takes_over:
                    self._sweep()
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the heartbeat
                log.warning("job heartbeat failed: %s", type(exc).__name__)

    def shutdown(self) -> None:
        """Stop (a service stopping, not dying): this process's tasks are stopped and their jobs put back in
        the queue without an owner, so the next service process to start runs them again at once. (Jobs of a
        process that dies are found by its silence, see _sweep.)"""
        self._stop.set()
        with self._lock:
            refs, self._refs = dict(self._refs), {}
        if not refs:
            return
        import ray

        for ref in refs.values():
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - already finished
                pass
        try:
            with self.sessions() as db:
                db.execute(update(Job).where(Job.id.in_(list(refs)), Job.owner == self.instance,
                                             Job.status.in_(ACTIVE), Job.cancel_requested.is_(False))
                           .values(status="queued", owner=None, progress=0.0, worker=None, attempts=0,
                                   message="en attente du redémarrage du service", updated_at=utcnow()))
                db.commit()
        except Exception as exc:  # noqa: BLE001 - the database may be gone first; the sweep catches these
            log.warning("job release at shutdown failed: %s", type(exc).__name__)

    def submit(self, job_id: int) -> None:
        with self.sessions() as db:
            db.execute(update(Job).where(Job.id == job_id).values(owner=self.instance, heartbeat_at=utcnow()))
            db.commit()
        self._launch(job_id)

    def _launch(self, job_id: int) -> None:
        from api.service.execution import job_task

        fn = self.app_state.plan_function if self.app_state is not None else None
        net = getattr(getattr(self.app_state, "settings", None), "network_path", None) or self.network_path
        ref = job_task().remote(job_id, self.database_url, str(net) if net else None, fn)
        with self._lock:
            self._refs[job_id] = ref

    def cancel(self, db: Session, job: Job) -> None:
        """Stop a job: a queued one is cancelled at once, a running one's worker process is killed (by this
        process if it owns the task, else by its owner within CANCEL_POLL_S)."""
        if job.status in FINAL:
            return
        job.cancel_requested = True
        if job.status == "queued":
            job.status = "cancelled"
            job.message = "annulé avant son démarrage"
        job.updated_at = utcnow()
        db.commit()
        if self._kill(job.id):
            self._end(job.id, "cancelled", "annulé à la demande")
            db.refresh(job)

    def _kill(self, job_id: int) -> bool:
        with self._lock:
            ref = self._refs.pop(job_id, None)
        if ref is None:
            return False
        import ray

        try:
            ray.cancel(ref, force=True)
        except Exception as exc:  # noqa: BLE001 - the task may have just finished
            log.info("cancel of job %s: %s", job_id, type(exc).__name__)
        return True

    def rerun(self, db: Session, job: Job) -> None:
        job.status, job.progress, job.cancel_requested = "queued", 0.0, False
        job.message, job.plan_id, job.updated_at = "relancé", None, utcnow()
        job.attempts, job.worker = 0, None
        db.commit()
        self.submit(job.id)

    # --- watching the tasks ----------------------------------------------------------------------------
    def _watch_loop(self) -> None:
        import ray

        polled = 0.0
        while not self._stop.is_set():
            with self._lock:
                refs = dict(self._refs)
            try:
                if refs:
                    by_ref = {ref: jid for jid, ref in refs.items()}
                    ready, _ = ray.wait(list(by_ref), num_returns=len(by_ref), timeout=WATCH_S, fetch_local=False)
                    for ref in ready:
                        self._collect(by_ref[ref], ref)
                else:
                    self._stop.wait(WATCH_S)
                if refs and time.monotonic() - polled > CANCEL_POLL_S:
                    polled = time.monotonic()
                    with self.sessions() as db:
                        asked = db.scalars(select(Job.id).where(Job.id.in_(list(refs)), Job.cancel_requested))
                        for jid in list(asked):
                            if self._kill(jid):
                                self._end(jid, "cancelled", "annulé à la demande")
            except Exception as exc:  # noqa: BLE001 - the watcher must outlive a database or Ray hiccup
                if self._stop.is_set():
                    return
                log.warning("job watcher: %s", type(exc).__name__)
                self._stop.wait(1.0)

    def _collect(self, job_id: int, ref) -> None:
        import ray
        from ray.exceptions import RayError

        with self._lock:
            if self._refs.get(job_id) is not ref:
                return  # cancelled and dealt with, or re-run since: a newer task speaks for the job
            del self._refs[job_id]
        try:
            result = ray.get(ref, timeout=30)
        except RayError as exc:
            with self.sessions() as db:
                job = db.get(Job, job_id)
                asked = bool(job and job.cancel_requested)
            if asked:
                self._end(job_id, "cancelled", "annulé à la demande")
            else:  # the worker died on each attempt (killed, out of memory, node lost)
                log.error("planning job %s: worker lost (%s)", job_id, type(exc).__name__)
                self._end(job_id, "interrupted", "le processus de calcul s'est arrêté avant la fin (tué ou "
                                                 "à court de mémoire) ; relancez la tâche")
            return
        if result.get("error"):
            # the traceback's frames, not the exception's message: it could quote patient data
            log.error("planning job %s failed: %s\n%s", job_id, result["error"], result.get("frames", ""))
        if result.get("message"):  # the worker could not write the job's end itself: this process will
            self._end(job_id, result["status"], result["message"])

    def _end(self, job_id: int, status: str, message: str) -> None:
        """Set a final status unless the job already has one (the worker may have just finished). When the
        database is away, kept and written by the heartbeat once it is back: a job never stays 'running'."""
        try:
            with self.sessions() as db:
                db.execute(update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
                           .values(status=status, message=message[:500], updated_at=utcnow()))
                db.commit()
        except DBAPIError as exc:
            log.warning("job %s: its end is kept until the database is back (%s)", job_id, type(exc).__name__)
            with self._lock:
                self._unended[job_id] = (status, message)
            return
        with self._lock:
            self._unended.pop(job_id, None)


# --- the worker side: runs in a Ray worker process (or in-process for the sequential benchmark) ----------

_engines: dict[str, sessionmaker] = {}
_engines_lock = threading.Lock()


def worker_sessions(database_url: str) -> sessionmaker[Session]:
    """Sessions on the service's database, one engine per worker process (the schema is the service's)."""
    from api.service.db.session import make_engine, session_factory

    with _engines_lock:
        if database_url not in _engines:
            _engines[database_url] = session_factory(make_engine(database_url))
        return _engines[database_url]


def job_input(db: Session, job: Job, network_path: str | None) -> tuple[dict, dict, dict | None]:
    """(params, snapshot, parent view) of a job: the plain data its planner sees, of its territory only."""
    params, tid = dict(job.params), job.territory_id
    snap = snapshot(db, tid)
    snap["network_path"] = network_path
    parent_view = None
    if params.get("parent_plan_id"):
        parent = db.get(Plan, params["parent_plan_id"])
        parent_view = parent.view if parent else None
        snap["parent"] = {"solution": parent.solution if parent else {}, "params": parent.params if parent else {}}
    return params, snap, parent_view


def _reporter(sessions: sessionmaker[Session], job_id: int):
    last = [0.0]

    def report(fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_S and fraction < 1.0:
            return
        last[0] = now
        with sessions() as db:
            job = db.get(Job, job_id)
            if job is None or job.cancel_requested or job.status != "running":
                raise JobCancelled()
            job.progress = max(0.0, min(1.0, float(fraction)))
            if message:
                job.message = message[:500]
            job.updated_at = utcnow()
            db.commit()
    return report


def run_job(job_id: int, database_url: str, network_path: str | None = None, plan_function=None) -> dict:
    """Run one job to its end in this process: read its territory, solve, store the plan and the final
    status. Returns {"status", "worker", "error"?, "frames"?} for the service's log (never patient data)."""
    from api.service.execution import worker_name

    if plan_function is None:
        from api.service.planning import run_planning as plan_function
    sessions = worker_sessions(database_url)
    me = worker_name()
    with sessions() as db:
        job = db.get(Job, job_id)
        if job is None or job.status not in ACTIVE or job.cancel_requested:
            return {"status": "skipped", "worker": me}
        retried = job.status == "running"  # a worker that ran it died: Ray started this one
        job.attempts = (job.attempts or 0) + 1
        job.status, job.worker, job.updated_at = "running", me, utcnow()
        job.message = (f"reprise après l'arrêt du processus de calcul (tentative {job.attempts})" if retried
                       else "démarrage")
        job.progress = 0.0
        db.commit()
        params, snap, parent_view = job_input(db, job, network_path)
        tid = job.territory_id

    def finish(status: str, message: str) -> None:
        with sessions() as db:
            db.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                       .values(status=status, message=message[:500], updated_at=utcnow()))
            db.commit()

    try:
        outcome = plan_function(snap, params, _reporter(sessions, job_id))
    except JobCancelled:
        finish("cancelled", "annulé à la demande")
        return {"status": "cancelled", "worker": me}
    except PlannerError as exc:
        finish("failed", f"données à corriger : {exc}")
        return {"status": "failed", "worker": me}
    except Exception as exc:  # noqa: BLE001 - a job must end in a state the planner can see
        finish("failed", f"erreur interne du calcul ({type(exc).__name__})")
        return {"status": "failed", "worker": me, "error": type(exc).__name__,
                "frames": "".join(traceback.format_tb(exc.__traceback__))}
    from api.service.planning import view_diff

    view = view_to_dict(outcome.view)
    try:
        with sessions() as db:  # the plan and the job's end in one transaction: never one without the other
            job = db.get(Job, job_id)
            if job.cancel_requested or job.status != "running":
                if job.status == "running":
                    job.status, job.message = "cancelled", "annulé à la demande"
                db.commit()
                return {"status": job.status, "worker": me}
            plan = Plan(territory_id=tid, kind=params["kind"], status="draft",
                        title=(outcome.view.title or params.get("title") or "")[:200], params=params, view=view,
                        solution=outcome.solution, parent_id=params.get("parent_plan_id"),
                        diff=view_diff(parent_view, view) if parent_view else None)
            db.add(plan)
            db.flush()
            job.plan_id, job.status, job.progress = plan.id, "done", 1.0
            job.message, job.updated_at = "terminé", utcnow()
            db.commit()
    except DBAPIError as exc:  # disk full, database gone: nothing was stored, the job must say so
        message = STORE_FAILED
        try:
            finish("failed", message)
        except DBAPIError:
            pass  # the service process ends the job when the database is back (JobRunner._collect)
        return {"status": "failed", "worker": me, "error": type(exc).__name__, "message": message}
    return {"status": "done", "worker": me, "plan_id": plan.id}

"""Faults (issue 15, section 4), on SQLite and PostgreSQL, with real processes and real database faults:

- a real `planner serve` killed with SIGKILL mid-job and started again, round after round: after each start
  every job is visible (the one cut short is `interrupted` with a French reason at once, never left
  'running'), every plan made is stored and readable, the database is consistent;
- two `planner serve` processes on one database both serve reads and writes (SQLite: WAL + busy timeout);
- the database goes away or fills up during a write: 503 with a French message, no stack trace, and the
  previous state is intact once it is back.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import event, make_url, select, text

from api.service.db.models import Job, Plan, Staff

REPO = Path(__file__).resolve().parents[2]
COMMUNES = REPO / "data" / "provinois" / "communes.csv"
PLANNER = str(Path(sys.executable).parent / "planner")
FINAL = ("done", "failed", "cancelled", "interrupted")
PASSWORD = "motdepasse-test"
ROUNDS = int(os.environ.get("PLANNER_FAULT_ROUNDS", "10"))


# --- a real service process -------------------------------------------------------------------------------

def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url: str, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    env.pop("PLANNER_SECRET_KEY", None)
    with open(log, "ab") as err:
        proc = subprocess.Popen([PLANNER, "serve", "--db", url, "--port", str(port), "--workers", "1"], cwd=REPO,
                                env=env, stdout=subprocess.DEVNULL, stderr=err)
    return proc


def _ready(proc: subprocess.Popen, port: int, log: Path) -> None:
    for _ in range(1800):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise AssertionError(log.read_text()[-3000:])
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("the service did not start")


def _ray_leftovers(pid: int) -> list[int]:
    """Processes of the embedded Ray a killed service `pid` started (its session is named after the pid)."""
    mark = re.compile(rf"session_[0-9_-]+_{pid}(/|\b)".encode())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.search((entry / "cmdline").read_bytes()):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _kill9(proc: subprocess.Popen) -> None:
    """SIGKILL the service; then end what its Ray left (Ray's agents outlive a killed driver)."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    time.sleep(0.5)
    for pid in _ray_leftovers(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        _kill9(proc)


def _setup(db_url: str):
    from api.cli.users import add_user
    from api.service.db.seed import ensure_territory, seed_demo_people
    from api.service.db.session import make_engine, migrate, session_factory

    engine = make_engine(db_url)
    migrate(engine)
    with session_factory(engine)() as db:
        t = ensure_territory(db, "demo", COMMUNES, "Démo")
        seed_demo_people(db, t, COMMUNES, n_patients=12, n_doctors=1, n_nurses=1, n_units=1)
    add_user(db_url, email="p@example.org", role="planner", password=PASSWORD, territory="demo", engine=engine)
    return engine, session_factory(engine)


def _login(base: str) -> dict:
    r = httpx.post(f"{base}/auth/token", json={"email": "p@example.org", "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _monday() -> str:
    d = date.today()
    return (d + timedelta(days=(7 - d.weekday()) % 7 or 7)).isoformat()


def _plan(base: str, h: dict, limit: float) -> int:
    r = httpx.post(f"{base}/plans", json={"kind": "rotation", "start": _monday(), "days": 2, "time_limit_s": limit},
                   headers=h, timeout=10)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _wait(base: str, h: dict, jid: int, pred, timeout: float = 60) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        j = httpx.get(f"{base}/jobs/{jid}", headers=h, timeout=10).json()
        if pred(j):
            return j
        time.sleep(0.05)
    raise AssertionError(j)


def _consistent(engine, sessions) -> list:
    """What is wrong in the database (empty: consistent): SQLite's own checks, then jobs and plans."""
    problems = []
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            integrity = conn.execute(text("PRAGMA integrity_check")).scalars().all()
            if integrity != ["ok"]:
                problems.append(("integrity_check", integrity))
            fks = conn.execute(text("PRAGMA foreign_key_check")).all()
            if fks:
                problems.append(("foreign_key_check", fks))
    with sessions() as db:
        jobs = list(db.scalars(select(Job)))
        plans = {p.id: p for p in db.scalars(select(Plan))}
        made = [j.plan_id for j in jobs if j.plan_id is not None]
        for j in jobs:
            if j.status == "done" and (j.plan_id is None or j.plan_id not in plans):
                problems.append(("done without its plan", j.id))
            if j.status != "done" and j.plan_id is not None:
                problems.append(("plan of an unfinished job", j.id))
            if j.status in FINAL and not j.message:
                problems.append(("ended job without its reason", j.id))
        for pid, p in plans.items():  # here only jobs make plans: each plan has its job, and only one
            if made.count(pid) != 1:
                problems.append(("plan without its job", pid))
            if not p.view or not p.solution:
                problems.append(("plan stored half", pid))
    return problems


# --- 1. SIGKILL mid-job, restart, again and again ------------------------------------------------------------

def test_service_killed_mid_job_again_and_again(db_url, tmp_path):
    """Each round: the jobs of the round before are checked at once after the start (the one killed
    mid-solve `interrupted` with a French reason, the one queued behind it taken over), a plan is made and
    read back, then a long job runs with one queued behind it and the whole service gets SIGKILL."""
    engine, sessions = _setup(db_url)
    port, log = _port(), tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    killed: list[int] = []  # jobs running when the service was killed
    queued: list[int] = []  # jobs waiting behind them
    plans: list[int] = []
    proc = None
    t0 = time.monotonic()
    try:
        for rnd in range(ROUNDS):
            proc = _serve(db_url, port, log)
            _ready(proc, port, log)
            h = _login(base)
            # at once (the start recovers before it answers): nothing of the dead process is left 'running'
            jobs = {j["id"]: j for j in httpx.get(f"{base}/jobs", headers=h, timeout=10).json()}
            for jid in killed:
                j = jobs[jid]
                assert j["status"] == "interrupted", (rnd, j)
                assert "interrompu" in j["message"] and "relancez" in j["message"], j
            for j in jobs.values():
                assert j["status"] in FINAL or j["id"] in queued, (rnd, j)
            problems = _consistent(engine, sessions)
            assert not problems, (rnd, problems)
            for pid in plans:  # every plan made so far is stored and readable through the service
                r = httpx.get(f"{base}/plans/{pid}", headers=h, timeout=10)
                assert r.status_code == 200 and r.json()["id"] == pid, (rnd, r.text[:300])
            # the jobs queued behind a killed one are taken over by this process and end done
            for jid in queued:
                j = _wait(base, h, jid, lambda j: j["status"] in FINAL, timeout=90)
                assert j["status"] == "done" and j["plan_id"], (rnd, j)
                plans.append(j["plan_id"])
            queued = []
            if rnd == ROUNDS - 1:
                break
            if rnd % 3 == 1 and killed:  # an interrupted job re-run in one click ends done
                jid = killed[-1]
                assert httpx.post(f"{base}/jobs/{jid}/rerun", headers=h, timeout=10).status_code == 200
                j = _wait(base, h, jid, lambda j: j["status"] in FINAL, timeout=90)
                assert j["status"] == "done" and j["plan_id"], j
                plans.append(j["plan_id"])
                killed.remove(jid)
            long_job = _plan(base, h, 5)  # long enough to be killed mid-solve, short enough to re-run
            behind = _plan(base, h, 1) if rnd % 2 == 0 else None  # one worker: it waits its turn
            _wait(base, h, long_job, lambda j: j["status"] == "running" and j["progress"] > 0
                  or j["status"] in FINAL, timeout=60)
            assert _wait(base, h, long_job, lambda j: True)["status"] == "running"
            _kill9(proc)
            killed.append(long_job)
            if behind is not None:
                queued.append(behind)
        assert len(plans) >= ROUNDS // 3, plans
        print(f"\n{ROUNDS} rounds on {engine.dialect.name}: {time.monotonic() - t0:.0f} s, "
              f"{len(killed)} jobs interrupted, {len(plans)} plans stored")
    finally:
        if proc is not None:
            _stop(proc)
        engine.dispose()


# --- 2. two service processes on one database ----------------------------------------------------------------

def test_two_services_on_one_database(db_url, tmp_path):
    """Both serve (PostgreSQL; SQLite in WAL mode with a busy timeout): a token of one works on the other,
    what one writes the other reads, both write at the same time without loss, a job submitted to one is
    followed on the other, and the database passes its checks."""
    engine, sessions = _setup(db_url)
    ports = [_port(), _port()]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [_serve(db_url, p, lg) for p, lg in zip(ports, logs)]  # started together (schema already there)
    try:
        for proc, p, lg in zip(procs, ports, logs):
            _ready(proc, p, lg)
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        h = _login(a)
        body = {"code": "X0", "name": "Soignante Créée-sur-A", "role": "nurse", "base_lat": 48.56, "base_lon": 3.29}
        r = httpx.post(f"{a}/staff", json=body, headers=h, timeout=10)
        assert r.status_code == 201, r.text
        assert "X0" in {s["code"] for s in httpx.get(f"{b}/staff", headers=h, timeout=10).json()}

        errors: list = []

        def write(base: str, prefix: str) -> None:
            with httpx.Client(base_url=base, headers=h, timeout=60) as c:
                for k in range(10):
                    r = c.post("/staff", json=dict(body, code=f"{prefix}{k}", name=f"Soignant {prefix}{k}"))
                    if r.status_code != 201:
                        errors.append((prefix, k, r.status_code, r.text[:200]))

        threads = [threading.Thread(target=write, args=(base, prefix)) for base, prefix in ((a, "A"), (b, "B"))]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        assert not errors, errors
        codes = {s["code"] for s in httpx.get(f"{a}/staff", headers=h, timeout=10).json()}
        assert {f"{p}{k}" for p in "AB" for k in range(10)} <= codes

        jid = _plan(a, h, 1)  # submitted to A (A's Ray runs it), followed and read on B
        j = _wait(b, h, jid, lambda j: j["status"] in FINAL, timeout=90)
        assert j["status"] == "done", j
        assert httpx.get(f"{b}/plans/{j['plan_id']}", headers=h, timeout=10).status_code == 200
        assert not _consistent(engine, sessions)
    finally:
        for proc in procs:  # both stop at once
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            _stop(proc)
        engine.dispose()


# --- 3. the database goes away, or fills up, during a write --------------------------------------------------

def _staff_codes(client, h) -> set[str]:
    r = client.get("/staff", headers=h)
    assert r.status_code == 200, r.text
    return {s["code"] for s in r.json()}


def _unavailable(r, words: str) -> None:
    assert r.status_code == 503, (r.status_code, r.text[:500])
    detail = r.json()["detail"]
    assert words in detail and "données d'avant sont intactes" in detail, detail
    assert "Traceback" not in r.text and "sqlalchemy" not in r.text.lower() and "INSERT" not in r.text


def _new_staff(code: str) -> dict:
    return {"code": code, "name": f"Soignant {code}", "role": "nurse", "base_lat": 48.56, "base_lon": 3.29}


def test_database_gone_during_a_write(app, client, world, tmp_path):
    """PostgreSQL: the server ends the service's connection in the middle of its INSERT
    (pg_terminate_backend from another session). SQLite: the database's directory disappears (a volume
    unmounted) before the write opens its connection. Both: 503 with the French reason and no stack trace;
    once the database is back, everything is as before and writes work again."""
    h = world.headers("planner")
    before = _staff_codes(client, h)
    engine = app.state.engine
    if engine.dialect.name == "postgresql":
        from sqlalchemy import create_engine

        killer = create_engine(engine.url.render_as_string(hide_password=False))
        fired: list[int] = []

        def end_my_connection(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
            if not fired and statement.lstrip().upper().startswith("INSERT INTO STAFF"):
                pid = conn.connection.dbapi_connection.get_backend_pid()
                fired.append(pid)
                with killer.connect() as k:
                    assert k.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
                    k.commit()
                time.sleep(0.2)  # the backend is gone before the statement is sent

        event.listen(engine, "before_cursor_execute", end_my_connection)
        try:
            r = client.post("/staff", json=_new_staff("GONE1"), headers=h)
        finally:
            event.remove(engine, "before_cursor_execute", end_my_connection)
            killer.dispose()
        assert fired, "the INSERT was never sent"
        _unavailable(r, "base de données injoignable")
    else:
        folder = Path(engine.url.database).parent
        away = folder.with_name(folder.name + "-away")
        engine.dispose()  # no connection kept open: the next request must open the file, which is gone
        folder.rename(away)
        try:
            r = client.post("/staff", json=_new_staff("GONE1"), headers=h)
            _unavailable(r, "base de données injoignable")
            r = client.get("/staff", headers=h)  # reads too: the same French answer, never a 500
            assert r.status_code == 503 and "injoignable" in r.json()["detail"]
            assert client.get("/health").status_code == 503
        finally:
            away.rename(folder)
    assert _staff_codes(client, h) == before  # back: the previous state, nothing half-written
    assert client.post("/staff", json=_new_staff("BACK1"), headers=h).status_code == 201
    assert _staff_codes(client, h) == before | {"BACK1"}


def _limit_pages(engine) -> None:
    """A full disk for this engine: every new connection may not grow the file past its present size."""
    with engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()

    def full(dbapi_conn, _record):  # noqa: ANN001
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA max_page_count = {int(pages)}")
        cur.close()

    event.listen(engine, "connect", full)
    engine._planner_full = full
    engine.dispose()


def _free_pages(engine) -> None:
    event.remove(engine, "connect", engine._planner_full)
    engine.dispose()


def test_disk_full_during_a_write(app, client, world):
    """SQLite whose file may not grow (PRAGMA max_page_count: what a full disk does to it): an import of
    300 rows fails in the middle of its transaction with 503 « espace disque plein », none of its rows is
    written, and the same import passes once there is room."""
    if app.state.engine.dialect.name != "sqlite":
        import pytest

        pytest.skip("a full disk is simulated on SQLite only (PostgreSQL maps its error 53100 the same way)")
    h = world.headers("planner")
    before = _staff_codes(client, h)
    rows = ["id,name,role,start_lat,start_lon"] + [f"F{k},Soignant numéro {k} {'x' * 120},nurse,48.56,3.29"
                                                   for k in range(300)]
    csv = ("\n".join(rows) + "\n").encode()
    _limit_pages(app.state.engine)
    try:
        r = client.post("/imports/staff", files={"file": ("staff.csv", csv, "text/csv")}, headers=h)
        _unavailable(r, "espace disque plein")
        assert _staff_codes(client, h) == before
        with app.state.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        _free_pages(app.state.engine)
    r = client.post("/imports/staff", files={"file": ("staff.csv", csv, "text/csv")}, headers=h)
    assert r.status_code == 200 and r.json()["imported"] == 300, r.text[:300]


def plan_into_a_full_disk(snapshot, params, progress):
    """Runs in the Ray worker: a plan too big for the room left (the worker's own database file may not
    grow any more), so storing it fails."""
    from api.service.jobs import _engines
    from api.service.planning import PlanOutcome
    from planner.core.itinerary import PlanView

    progress(0.5, "calcul")
    for url, sessions in _engines.items():  # the worker may hold engines of earlier tests (PostgreSQL, gone files)
        path = make_url(url).database or ""
        if url.startswith("sqlite") and Path(path).exists():
            _limit_pages(sessions.kw["bind"])
    return PlanOutcome(PlanView(params["kind"], "Plan trop gros", ()), {"pad": "x" * 400_000})


def plan_with_room_again(snapshot, params, progress):
    """Runs in the Ray worker: its database file may grow again; a small plan."""
    from api.service.jobs import _engines
    from api.service.planning import PlanOutcome
    from planner.core.itinerary import PlanView

    for sessions in _engines.values():
        eng = sessions.kw["bind"]
        if getattr(eng, "_planner_full", None) is not None:
            _free_pages(eng)
    return PlanOutcome(PlanView(params["kind"], "Plan", ()), {"fake": True})


def test_plan_that_cannot_be_stored_fails_visibly(app, client, world, svc):
    """The worker's database fills up as it stores the plan: the job ends `failed` with the French reason
    (never left 'running'), no plan row is left, and the next job stores its plan."""
    if app.state.engine.dialect.name != "sqlite":
        import pytest

        pytest.skip("a full disk is simulated on SQLite only")
    h = world.headers("planner")
    app.state.plan_function = plan_into_a_full_disk
    body = {"kind": "home_visits", "start": (date.today() + timedelta(days=2)).isoformat(), "days": 1}
    r = client.post("/plans", json=body, headers=h)
    assert r.status_code == 202, r.text
    job = svc.wait_job(client, h, r.json()["id"], timeout=60)
    assert job["status"] == "failed" and "n'a pas pu être enregistré" in job["message"], job
    assert job["plan_id"] is None
    with app.state.sessions() as db:
        assert db.scalars(select(Plan)).first() is None
    app.state.plan_function = plan_with_room_again
    r = client.post("/plans", json=body, headers=h)
    job = svc.wait_job(client, h, r.json()["id"], timeout=60)
    assert job["status"] == "done" and job["plan_id"], job

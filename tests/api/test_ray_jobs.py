"""Jobs on the embedded Ray, with real worker processes (on SQLite and PostgreSQL): a job never runs in the
service process, cancel kills its worker within 2 s even when the solver never reports, a worker killed
mid-solve is retried and then shown interrupted, a service restart (a real `planner serve` process) loses no
job and no plan and keeps its tokens, and `planner plan batch` plans territories side by side."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from api.service.db.models import Job

REPO = Path(__file__).resolve().parents[2]
COMMUNES = REPO / "data" / "provinois" / "communes.csv"
FINAL = ("done", "failed", "cancelled", "interrupted")
PLANNER = str(Path(sys.executable).parent / "planner")


def silent_plan(snapshot, params, progress):
    """A solver stuck in native code: never reports, never returns on its own."""
    time.sleep(600)


def steady_plan(snapshot, params, progress):
    """Three seconds of progress reports, then an empty plan; it runs in a Ray worker process."""
    from api.service.planning import PlanOutcome
    from planner.core.itinerary import PlanView

    for k in range(30):
        progress(k / 30, f"étape {k + 1}/30")
        time.sleep(0.1)
    return PlanOutcome(PlanView(params["kind"], "Plan de test", ()), {"fake": True})


def _start(client, h, title: str = "") -> int:
    body = {"kind": "home_visits", "start": (date.today() + timedelta(days=2)).isoformat(), "days": 1,
            "title": title}
    r = client.post("/plans", json=body, headers=h)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _row(app, jid: int) -> Job:
    with app.state.sessions() as db:
        return db.get(Job, jid)


def _until(app, jid: int, pred, timeout: float = 60) -> Job:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = _row(app, jid)
        if pred(job):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {jid}: {job.status} {job.message} {job.worker}")


def _pid(job: Job) -> int:
    return int(job.worker.split("@")[0].rsplit(":", 1)[1])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_job_runs_in_a_worker_process_and_reports_progress(app, client, world, svc):
    h = world.headers("planner")
    jid = _start(client, h, title="slow")
    job = _until(app, jid, lambda j: j.status == "running" and j.progress > 0)
    assert _pid(job) != os.getpid() and job.attempts == 1
    assert _niceness(_pid(job)) > _niceness(os.getpid())  # Ray's workers yield the CPU to the service
    assert svc.wait_job(client, h, jid)["status"] == "done"


def test_cancel_kills_a_silent_solver_within_2s(app, client, world, svc):
    app.state.plan_function = silent_plan
    h = world.headers("planner")
    jid = _start(client, h)
    job = _until(app, jid, lambda j: j.status == "running" and j.worker)
    pid = _pid(job)
    time.sleep(0.5)
    t0 = time.monotonic()
    assert client.post(f"/jobs/{jid}/cancel", headers=h).status_code == 200
    _until(app, jid, lambda j: j.status == "cancelled", timeout=2)
    while _alive(pid) and time.monotonic() - t0 < 2:
        time.sleep(0.02)
    assert not _alive(pid), "the worker process still runs 2 s after the cancel"
    assert svc.wait_job(client, h, jid)["status"] == "cancelled"


def test_killed_worker_is_retried_then_interrupted_and_rerun(app, client, world, svc):
    app.state.plan_function = steady_plan
    h = world.headers("planner")
    jid = _start(client, h)
    first = _until(app, jid, lambda j: j.status == "running" and j.progress > 0)
    os.kill(_pid(first), signal.SIGKILL)
    job = _until(app, jid, lambda j: j.status in FINAL, timeout=90)
    assert job.status == "done" and job.attempts == 2 and job.worker != first.worker and job.plan_id

    jid = _start(client, h)  # killed on both attempts: interrupted, then re-run in one click
    for attempt in (1, 2):
        job = _until(app, jid, lambda j: j.attempts == attempt and j.status == "running" and j.progress > 0)
        os.kill(_pid(job), signal.SIGKILL)
    job = _until(app, jid, lambda j: j.status in FINAL, timeout=90)
    assert job.status == "interrupted" and "relancez" in job.message
    assert client.post(f"/jobs/{jid}/rerun", headers=h).status_code == 200
    assert svc.wait_job(client, h, jid, timeout=90)["status"] == "done"


def _serve(url: str, port: int, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    env.pop("PLANNER_SECRET_KEY", None)
    proc = subprocess.Popen([PLANNER, "serve", "--db", url, "--port", str(port),
                             "--workers", "1", *extra], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    for _ in range(1200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode()[-2000:])
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("the service did not start")


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def test_service_restart_loses_no_job_no_plan_and_keeps_tokens(db_url, tmp_path):
    """A real `planner serve` (embedded Ray, one worker): a plan done, one running, one queued; the service
    stops and starts again: the same token still works, the plan is there, both jobs end done."""
    import socket

    from api.cli.users import add_user
    from api.service.db.seed import ensure_territory, seed_demo_people
    from api.service.db.session import make_engine, migrate, session_factory

    engine = make_engine(db_url)
    migrate(engine)
    with session_factory(engine)() as db:
        t = ensure_territory(db, "demo", COMMUNES, "Démo")
        seed_demo_people(db, t, COMMUNES, n_patients=12, n_doctors=1, n_nurses=1, n_units=1)
    add_user(db_url, email="p@example.org", role="planner", password="motdepasse-test", territory="demo",
             engine=engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    d = date.today()
    monday = (d + timedelta(days=(7 - d.weekday()) % 7 or 7)).isoformat()
    proc = _serve(db_url, port)
    try:
        tok = httpx.post(f"{base}/auth/token", json={"email": "p@example.org", "password": "motdepasse-test"}).json()
        h = {"Authorization": f"Bearer {tok['access_token']}"}

        def plan(limit: float) -> int:
            r = httpx.post(f"{base}/plans", json={"kind": "rotation", "start": monday, "days": 2,
                                                  "time_limit_s": limit}, headers=h, timeout=10)
            assert r.status_code == 202, r.text
            return r.json()["id"]

        def wait(jid: int, pred, timeout: float = 120) -> dict:
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                j = httpx.get(f"{base}/jobs/{jid}", headers=h, timeout=10).json()
                if pred(j):
                    return j
                time.sleep(0.1)
            raise AssertionError(j)

        first = wait(plan(1), lambda j: j["status"] in FINAL)
        assert first["status"] == "done", first
        running, queued = plan(20), plan(1)
        wait(running, lambda j: j["status"] == "running")
        assert wait(queued, lambda j: True)["status"] == "queued"  # one worker: it waits its turn
        _stop(proc)
        with session_factory(engine)() as db:  # put back in the queue, for the next process to run
            left = {j.id: j for j in db.query(Job).filter(Job.id.in_([running, queued]))}
            assert left[queued].status == "queued" and left[queued].owner is None
            assert left[running].status in ("queued", "done")
        proc = _serve(db_url, port)
        assert httpx.get(f"{base}/plans/{first['plan_id']}", headers=h, timeout=10).status_code == 200
        for jid in (running, queued):
            job = wait(jid, lambda j: j["status"] in FINAL, timeout=180)
            assert job["status"] == "done" and job["plan_id"], job
    finally:
        _stop(proc)
        engine.dispose()


def _web_children(pid: int) -> set[int]:
    """The web processes uvicorn spawned for `planner serve --processes N`."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmd = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"spawn_main" in cmd:
            found.add(int(stat.parent.name))
    return found


def test_serve_with_two_web_processes_shares_database_and_ray(db_url):
    """`planner serve --processes 2`: two web processes on one port, one database, the Ray the parent
    started; a token made by one works on the other, and a job is run by a web process to its plan."""
    import socket

    from api.cli.users import add_user
    from api.service.db.seed import ensure_territory, seed_demo_people
    from api.service.db.session import make_engine, migrate, session_factory

    engine = make_engine(db_url)
    migrate(engine)
    with session_factory(engine)() as db:
        t = ensure_territory(db, "demo", COMMUNES, "Démo")
        seed_demo_people(db, t, COMMUNES, n_patients=8, n_doctors=1, n_nurses=1, n_units=1)
    add_user(db_url, email="p@example.org", role="planner", password="motdepasse-test", territory="demo",
             engine=engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    proc = _serve(db_url, port, "--processes", "2")
    try:
        end = time.monotonic() + 60
        while len(_web_children(proc.pid)) < 2 and time.monotonic() < end:
            time.sleep(0.2)
        web = _web_children(proc.pid)
        assert len(web) == 2
        tok = httpx.post(f"{base}/auth/token", json={"email": "p@example.org", "password": "motdepasse-test"},
                         timeout=10).json()
        h = {"Authorization": f"Bearer {tok['access_token']}"}
        for _ in range(10):  # a new connection each time: both processes answer, with the same key
            assert httpx.get(f"{base}/jobs", headers=h, timeout=10).status_code == 200
        body = {"kind": "home_visits", "start": (date.today() + timedelta(days=2)).isoformat(), "days": 1}
        r = httpx.post(f"{base}/plans", json=body, headers=h, timeout=10)
        assert r.status_code == 202, r.text
        jid, end = r.json()["id"], time.monotonic() + 120
        while (job := httpx.get(f"{base}/jobs/{jid}", headers=h, timeout=10).json())["status"] not in FINAL:
            assert time.monotonic() < end, job
            time.sleep(0.2)
        assert job["status"] == "done" and job["plan_id"], job
        with session_factory(engine)() as db:
            owner = db.get(Job, jid).owner
        assert int(owner.split(":")[1]) in web  # taken by a web process, solved on the parent's Ray
    finally:
        _stop(proc)
        engine.dispose()


def test_plan_batch_command(tmp_path, capsys):
    """`planner plan batch`: three territories, one with no premises approved: it fails alone, named."""
    from api.cli import main
    from api.service.db.models import Premises
    from api.service.db.seed import ensure_territory, seed_demo_people
    from api.service.db.session import make_engine, migrate, session_factory

    url = f"sqlite:///{tmp_path / 'batch.db'}"
    engine = make_engine(url)
    migrate(engine)
    with session_factory(engine)() as db:
        for k in range(3):
            t = ensure_territory(db, f"terr{k}", COMMUNES, f"Territoire {k}")
            seed_demo_people(db, t, COMMUNES, n_patients=10, n_doctors=1, n_nurses=1, n_units=1, seed=k)
        tid = ensure_territory(db, "terr2", None).id
        for p in db.query(Premises).filter(Premises.territory_id == tid):
            p.status = "proposed"
        db.commit()
    engine.dispose()
    d = date.today()
    monday = (d + timedelta(days=(7 - d.weekday()) % 7 or 7)).isoformat()
    code = main(["plan", "batch", "--db", url, "--kind", "rotation", "--start", monday, "--days", "2",
                 "--time-limit", "1", "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 1  # one territory failed
    assert all(f"terr{k}" in out for k in range(3))
    engine = make_engine(url)
    with session_factory(engine)() as db:
        from api.service.db.models import Territory

        rows = {code: j for j, code in db.query(Job, Territory.code).join(Territory, Territory.id == Job.territory_id)}
    engine.dispose()
    assert rows["terr0"].status == rows["terr1"].status == "done" and rows["terr0"].plan_id
    assert rows["terr2"].status == "failed" and "aucun local retenu" in rows["terr2"].message
    assert len({r.batch for r in rows.values()}) == 1
    assert main(["plan", "batch", "--db", url, "--kind", "rotation", "--start", monday,
                 "--territory", "nulle-part"]) == 2


def test_unreachable_cluster_is_one_french_message(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there any more
    t0 = time.monotonic()
    r = subprocess.run([PLANNER, "serve", "--db", f"sqlite:///{tmp_path / 'x.db'}",
                        "--ray-address", f"127.0.0.1:{port}"], cwd=REPO, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and time.monotonic() - t0 < 60
    assert "cluster Ray injoignable" in r.stderr and "Traceback" not in r.stderr + r.stdout

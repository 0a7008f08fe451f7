"""Benchmark: concurrent reads and writes against the real service, idle and with a solve running (issue 15 §5).

Run: .venv/bin/python bench/load.py [--clients 20] [--seconds 60] [--solve-limit 45] [--phases idle,solving]

Starts `planner serve --demo` on 127.0.0.1 (a fresh SQLite file in a temporary directory, the demo territory
with its synthetic people), creates a planner, a field-staff and a town-hall account, plans and publishes a
short home-visit plan (so the field account has days), then runs `--clients` concurrent clients for
`--seconds` per phase, each picking at random among:

- reads: GET /plans, GET /plans/{id}, GET /patients, /staff, /premises, /jobs, the field user's own days
  (GET /itineraries/mine), the public schedule of a commune;
- writes: create then delete a patient, update a patient, a town hall's premises proposal (deleted by the
  planner afterwards).

Phases: `idle` (no solve), `solving` (a rotation solve of `--solve-limit` s is running the whole phase,
re-launched when it ends). Prints per phase: requests, errors (listed by route and status), p50 and p99 in
ms overall and per kind (read/write), and PASS/FAIL against a p99 of 300 ms. Exit status 1 if any error.
Every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "banc-de-charge-2026"
P99_TARGET_MS = 300.0


@dataclass
class Service:
    """A running service and what the clients need: its address, tokens and ids."""

    base: str
    tokens: dict[str, str]
    plan_id: int | None
    insee: str
    process: subprocess.Popen | None = None

    def headers(self, who: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"read": [], "write": []})
    errors: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)
    by_route: dict[str, list[float]] = field(default_factory=dict)

    def record(self, kind: str, route: str, status: int | str, ms: float, ok: bool) -> None:
        self.requests[kind] += 1
        self.latencies[kind].append(ms)
        self.by_route.setdefault(route, []).append(ms)
        if not ok:
            self.errors[(route, status)] += 1


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(db_url: str) -> dict:
    """The demo territory with its synthetic people, and one account per role; returns codes to use."""
    from sqlalchemy import select

    from api.cli.users import add_user
    from api.service.db.models import Premises, Staff
    from api.service.db.seed import ensure_territory, seed_demo_people
    from api.service.db.session import make_engine, migrate, session_factory
    from api.service.settings import Settings

    engine = make_engine(db_url)
    migrate(engine)
    communes = Settings().communes_path
    with session_factory(engine)() as db:
        t = ensure_territory(db, "provinois", communes, "Provinois et Montois (démo)")
        seed_demo_people(db, t, communes)
        staff = db.scalars(select(Staff).where(Staff.territory_id == t.id).order_by(Staff.id)).first()
        insee = db.scalars(select(Premises.insee).where(Premises.territory_id == t.id).order_by(Premises.id)).first()
        staff_code = staff.code
    add_user(db_url, email="planif@bench.test", role="planner", password=PASSWORD, engine=engine)
    add_user(db_url, email="terrain@bench.test", role="field", password=PASSWORD, staff_id=staff_code, engine=engine)
    add_user(db_url, email="mairie@bench.test", role="municipality", password=PASSWORD, commune=insee, engine=engine)
    engine.dispose()
    return {"insee": insee}


def wait_job(base: str, headers: dict, job_id: int, timeout: float = 300) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        j = httpx.get(f"{base}/jobs/{job_id}", headers=headers, timeout=30).json()
        if j["status"] in ("done", "failed", "cancelled", "interrupted"):
            return j
        time.sleep(0.5)
    raise RuntimeError(f"job {job_id} not finished in {timeout} s")


def next_monday() -> date:
    d = date.today() + timedelta(days=1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def start_service(tmp: str, *, publish: bool = True, log=print, processes: int = 1) -> Service:
    """`planner serve --demo` on a fresh SQLite file in `tmp`; accounts, tokens and (publish) a published plan."""
    db_url = f"sqlite:///{tmp}/load.db"
    codes = seed(db_url)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PLANNER_SECRET_KEY": "bench-load-secret-assez-long-pour-hs256-0123456789"}
    cmd = [sys.executable, "-c", "from api.cli import main; main()", "serve", "--demo", "--db", db_url,
           "--host", "127.0.0.1", "--port", str(port), "--processes", str(processes)]
    out = open(Path(tmp) / "server.log", "wb")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(1200):
            if proc.poll() is not None:
                raise RuntimeError(f"the service stopped at start-up (see {tmp}/server.log)")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the service did not answer /health in 120 s")
        tokens = {}
        for who, email in (("planner", "planif@bench.test"), ("field", "terrain@bench.test"),
                           ("municipality", "mairie@bench.test")):
            r = httpx.post(f"{base}/auth/token", json={"email": email, "password": PASSWORD}, timeout=30)
            r.raise_for_status()
            tokens[who] = r.json()["access_token"]
        svc = Service(base, tokens, None, codes["insee"], proc)
        if publish:
            t0 = time.perf_counter()
            r = httpx.post(f"{base}/plans", headers=svc.headers("planner"), timeout=30,
                           json={"kind": "home_visits", "start": next_monday().isoformat(), "days": 5,
                                 "time_limit_s": 5, "title": "Banc de charge"})
            r.raise_for_status()
            job = wait_job(base, svc.headers("planner"), r.json()["id"])
            if job["status"] != "done":
                raise RuntimeError(f"setup plan ended {job['status']}: {job['message']}")
            svc.plan_id = job["plan_id"]
            httpx.post(f"{base}/plans/{svc.plan_id}/publish", headers=svc.headers("planner"),
                       timeout=30).raise_for_status()
            log(f"setup: home-visit plan {svc.plan_id} planned and published in {time.perf_counter() - t0:.1f} s")
        return svc
    except BaseException:
        stop_service(proc)
        raise


def stop_service(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def _client(svc: Service, http: httpx.AsyncClient, stats: Stats, end: float, rng: random.Random,
                  counter: list[int]) -> None:
    P, F, M = svc.headers("planner"), svc.headers("field"), svc.headers("municipality")

    async def call(kind: str, route: str, method: str, url: str, headers: dict, expect: int, **kw):
        t0 = time.perf_counter()
        try:
            r = await http.request(method, url, headers=headers, **kw)
            status, ok = r.status_code, r.status_code == expect
        except httpx.HTTPError as e:
            r, status, ok = None, type(e).__name__, False
        stats.record(kind, route, status, (time.perf_counter() - t0) * 1000, ok)
        return r if ok else None

    reads = [("GET /plans", "/plans", P), ("GET /patients", "/patients", P), ("GET /staff", "/staff", P),
             ("GET /premises", "/premises", P), ("GET /jobs", "/jobs", P),
             ("GET /itineraries/mine", "/itineraries/mine", F),
             ("GET /public/communes/{insee}/schedule", f"/public/communes/{svc.insee}/schedule", {})]
    if svc.plan_id:
        reads.append(("GET /plans/{id}", f"/plans/{svc.plan_id}", P))
    while time.monotonic() < end:
        counter[0] += 1
        n = counter[0]
        if rng.random() < 0.7:
            route, url, h = rng.choice(reads)
            await call("read", route, "GET", url, h, 200)
            continue
        w = rng.randrange(3)
        if w == 0:  # create then delete a patient
            r = await call("write", "POST /patients", "POST", "/patients", P, 201,
                           json={"code": f"LOAD{os.getpid()}-{n}", "name": f"Patient Charge {n}",
                                 "address": "1 rue du Banc", "insee": svc.insee, "lat": 48.56, "lon": 3.30})
            if r is not None:
                await call("write", "DELETE /patients/{id}", "DELETE", f"/patients/{r.json()['id']}", P, 204)
        elif w == 1:  # update a patient (create one first time, then patch it)
            r = await call("write", "POST /patients", "POST", "/patients", P, 201,
                           json={"code": f"LOADU{os.getpid()}-{n}", "name": f"Patient Modifié {n}",
                                 "insee": svc.insee, "lat": 48.56, "lon": 3.30})
            if r is not None:
                pid = r.json()["id"]
                await call("write", "PATCH /patients/{id}", "PATCH", f"/patients/{pid}", P, 200,
                           json={"name": f"Patient Modifié {n} bis"})
                await call("write", "DELETE /patients/{id}", "DELETE", f"/patients/{pid}", P, 204)
        else:  # a town hall proposes premises; the planner deletes them
            r = await call("write", "POST /premises", "POST", "/premises", M, 201,
                           json={"name": f"Salle proposée {n}", "address": "1 place de la Mairie",
                                 "lat": 48.56, "lon": 3.30, "days": ["mardi"], "hours": "09:00-12:00"})
            if r is not None:
                await call("write", "DELETE /premises/{id}", "DELETE", f"/premises/{r.json()['id']}", P, 204)


async def _keep_solving(svc: Service, http: httpx.AsyncClient, end: float, limit: float, log) -> list[int]:
    """A rotation solve running until `end` (re-launched when one ends); returns the job ids."""
    jobs: list[int] = []
    job = None
    while time.monotonic() < end:
        if job is None:
            r = await http.post("/plans", headers=svc.headers("planner"),
                                json={"kind": "rotation", "start": next_monday().isoformat(), "days": 10,
                                      "time_limit_s": limit, "deterministic": False, "title": "Charge (solve)"})
            r.raise_for_status()
            job = r.json()["id"]
            jobs.append(job)
        await asyncio.sleep(1.0)
        j = (await http.get(f"/jobs/{job}", headers=svc.headers("planner"))).json()
        if j["status"] in ("done", "failed", "cancelled", "interrupted"):
            log(f"  solve job {job} {j['status']}")
            job = None
    if job is not None:
        await http.post(f"/jobs/{job}/cancel", headers=svc.headers("planner"))
    return jobs


async def _phase(svc: Service, clients: int, seconds: float, solve_limit: float | None, log) -> tuple[Stats, list]:
    stats = Stats()
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=svc.base, timeout=60, limits=limits) as http:
        jobs: list = []
        solver = None
        if solve_limit:
            solver = asyncio.create_task(_keep_solving(svc, http, time.monotonic() + seconds + 3, solve_limit, log))
            # let the job reach its worker so the whole phase is measured with the solve running
            for _ in range(120):
                await asyncio.sleep(0.5)
                js = (await http.get("/jobs", headers=svc.headers("planner"))).json()
                if any(j["status"] == "running" for j in js):
                    break
        end = time.monotonic() + seconds
        counter = [0]
        await asyncio.gather(*(_client(svc, http, stats, end, random.Random(k), counter) for k in range(clients)))
        if solver:
            jobs = await solver
    return stats, jobs


def run_load(svc: Service, clients: int, seconds: float, solve_limit: float | None = None, log=print):
    """Run one phase against a started service; returns (Stats, solve job ids)."""
    return asyncio.run(_phase(svc, clients, seconds, solve_limit, log))


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def report(name: str, stats: Stats, seconds: float, jobs: list) -> None:
    allx = stats.latencies["read"] + stats.latencies["write"]
    n = len(allx)
    nerr = sum(stats.errors.values())
    print(f"\n== phase {name}: {n} requests in {seconds:.0f} s ({n / seconds:.1f}/s), errors {nerr}"
          + (f", solve jobs {jobs}" if jobs else ""))
    print(f"{'kind':<8} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, xs in (("all", allx), ("read", stats.latencies["read"]), ("write", stats.latencies["write"])):
        print(f"{kind:<8} {len(xs):>8} {_pct(xs, .5):>8.1f} {_pct(xs, .99):>8.1f} {max(xs, default=float('nan')):>8.1f}")
    for route, xs in sorted(stats.by_route.items()):
        print(f"  {route:<38} {len(xs):>6} {_pct(xs, .5):>8.1f} {_pct(xs, .99):>8.1f} {max(xs):>8.1f}")
    for (route, status), k in sorted(stats.errors.items(), key=lambda x: -x[1]):
        print(f"  error: {route} -> {status} x{k}")
    p99 = _pct(allx, .99)
    print(f"p99 {p99:.1f} ms vs target {P99_TARGET_MS:.0f} ms: {'PASS' if p99 < P99_TARGET_MS else 'FAIL'}; "
          f"errors: {'PASS' if nerr == 0 else 'FAIL'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--solve-limit", type=float, default=45, help="time limit of the solve of the second phase (s)")
    ap.add_argument("--phases", default="idle,solving")
    ap.add_argument("--processes", type=int, default=1, help="web processes of the service (planner serve --processes)")
    args = ap.parse_args()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    errors = 0
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        t0 = time.perf_counter()
        svc = start_service(tmp, processes=args.processes)
        print(f"service up on {svc.base} ({args.processes} web process(es)) in {time.perf_counter() - t0:.1f} s; "
              f"{args.clients} clients x "
              f"{args.seconds:.0f} s per phase")
        try:
            for name in phases:
                limit = args.solve_limit if name == "solving" else None
                stats, jobs = run_load(svc, args.clients, args.seconds, limit)
                report(name, stats, args.seconds, jobs)
                errors += sum(stats.errors.values())
        finally:
            stop_service(svc.process)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())

"""Service test fixtures: an app on SQLite (and on PostgreSQL when TEST_POSTGRES_URL is set), two
territories of synthetic data, one account per role, and a fast fake planner standing in for the solvers."""

from __future__ import annotations

import shutil
import os
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

import api.service.auth
from api.service.app import create_app
from api.service.db.models import Patient, Premises, Staff, Territory, Unit
from api.service.db.seed import ensure_territory
from api.service.planning import PlanOutcome
from api.service.settings import Settings
from planner.core.geo import Location
from planner.core.itinerary import DayItinerary, ItineraryStop, PlanView

REPO = Path(__file__).resolve().parents[2]
COMMUNES = REPO / "data" / "provinois" / "communes.csv"
PASSWORD = "motdepasse-de-test"
PG_URL = os.environ.get("TEST_POSTGRES_URL")
ENGINES = ["sqlite"] + (["postgresql"] if PG_URL else [])
# One schema per test process, so concurrent test runs on the same database do not clobber each other.
PG_SCHEMA = f"test_{os.getpid()}_{int(time.time() * 1000) % 100000}"


@pytest.fixture(autouse=True, scope="session")
def _fast_hashes():
    """Cheap argon2 parameters in tests (the real ones cost ~100 ms a hash)."""
    old = api.service.auth._hasher
    api.service.auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    api.service.auth._hasher = old


def _reset_postgres(url: str, schema: str, *, create: bool = True) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if create:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def _pg_schema():
    yield PG_SCHEMA
    if PG_URL:
        _reset_postgres(PG_URL, PG_SCHEMA, create=False)


@pytest.fixture(params=ENGINES)
def db_url(request, tmp_path) -> str:
    if request.param == "postgresql":
        schema = request.getfixturevalue("_pg_schema")
        _reset_postgres(PG_URL, schema)
        return PG_URL + ("&" if "?" in PG_URL else "?") + f"options=-csearch_path%3D{schema}"
    return f"sqlite:///{tmp_path / 'service.db'}"


def fake_plan(snapshot: dict, params: dict, progress) -> PlanOutcome:
    """A deterministic stand-in for the solvers: one day per resource, stops in input order.

    Title "slow" makes it report progress for a few seconds so cancel can be tested.
    """
    steps = 40 if params.get("title") == "slow" else 2
    for k in range(steps):
        progress(k / steps, f"étape {k + 1}/{steps}")
        if steps > 2:
            time.sleep(0.05)
    day = date.fromisoformat(params["start"])
    change = params.get("change", {})
    its = []

    def at(h: int, m: int = 0) -> datetime:
        return datetime.combine(day, datetime.min.time()) + timedelta(hours=h, minutes=m)

    if params["kind"] == "home_visits":  # the snapshot holds the planner's records (api.service.records)
        staff = [s for s in snapshot["staff"] if s["id"] != change.get("absent_staff")]
        for k, s in enumerate(staff):
            mine = snapshot["patients"][k::len(staff)]
            base = Location(s["start_lat"], s["start_lon"])
            stops = [ItineraryStop(0, "depart", "base", s.get("start_address", ""), base, at(8), at(8), at(8))]
            for j, p in enumerate(mine, start=1):
                stops.append(ItineraryStop(j, "visit", p["id"], p["name"], Location(p["lat"], p["lon"]),
                                           at(8 + j), at(8 + j), at(8 + j, 30), 600, 5000, p.get("address", ""),
                                           "Visite (30 min)", p["id"], p["name"]))
            stops.append(ItineraryStop(len(stops), "return", "base", s.get("start_address", ""), base, at(17), at(17),
                                       at(17)))
            its.append(DayItinerary(s["id"], s["name"], s["role"], day, tuple(stops)))
    else:
        premises = [p for p in snapshot["premises"] if p["id"] != change.get("withdrawn_premises")]
        for k, u in enumerate(snapshot["units"]):
            b = u["base"]
            base = Location(b["lat"], b["lon"])
            stops = [ItineraryStop(0, "depart", "base", b["name"], base, at(8), at(8), at(8))]
            for j, p in enumerate(premises[k::max(1, len(snapshot["units"]))][:2], start=1):
                stops.append(ItineraryStop(j, "session", p["id"], p["name"], Location(p["lat"], p["lon"]),
                                           at(7 + 2 * j), at(7 + 2 * j), at(8 + 2 * j), 900, 9000, p["address"],
                                           "Consultations", commune_insee=p["insee"]))
            stops.append(ItineraryStop(len(stops), "return", "base", b["name"], base, at(18), at(18), at(18)))
            its.append(DayItinerary(u["id"], u["name"], "unit", day, tuple(stops)))
    view = PlanView(params["kind"], params.get("title") or "Plan de test", tuple(its),
                    indicators=(("Itinéraires", str(len(its))),), approximate=True)
    return PlanOutcome(view, {"kind": params["kind"], "fake": True})


class World:
    """Ids and tokens of the test data."""

    def __init__(self) -> None:
        self.ids: dict = {}
        self.tokens: dict[str, str] = {}
        self.patient_names: list[str] = []
        self.patient_addresses: list[str] = []

    def headers(self, who: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who in self.tokens else {}


def _seed(app) -> World:
    from api.cli.users import add_user

    w = World()
    url = app.state.settings.database_url
    with app.state.sessions() as db:
        t1 = ensure_territory(db, "t1", COMMUNES, "Territoire 1")
        t2 = db.merge(Territory(code="t2", name="Territoire 2"))
        db.commit()
        from api.service.db.models import Commune
        db.add(Commune(territory_id=t2.id, insee="04001", name="Ailleurs", population=100, lat=44.0, lon=6.0))
        insee_a, insee_b = "77379", "77051"  # Provins, Bray-sur-Seine
        staff = [Staff(territory_id=t1.id, code="N1", name="Infirmière Une", role="nurse", base_name="MSP",
                       base_lat=48.56, base_lon=3.29),
                 Staff(territory_id=t1.id, code="D1", name="Docteur Un", role="doctor", base_name="MSP",
                       base_lat=48.56, base_lon=3.29)]
        patients = [Patient(territory_id=t1.id, code=f"P{k}", name=f"Zoé Patientnom{k}", address=f"{k} rue Secrète",
                            insee=insee_a, lat=48.55 + k / 1000, lon=3.30) for k in range(1, 5)]
        units = [Unit(territory_id=t1.id, code="U1", name="Unité mobile 1", roles=["doctor", "nurse"],
                      base_name="Base", base_lat=48.56, base_lon=3.29)]
        premises = [Premises(territory_id=t1.id, code="S1", insee=insee_a, name="Salle des fêtes de Provins",
                             address="Place du Marché", lat=48.56, lon=3.30, status="approved", days=["mardi"]),
                    Premises(territory_id=t1.id, code="S2", insee=insee_b, name="Mairie de Bray",
                             address="1 place", lat=48.41, lon=3.24, status="proposed", days=["jeudi"])]
        other = [Patient(territory_id=t2.id, code="Q1", name="Autre Patientnom", address="9 chemin Caché",
                         insee="04001", lat=44.0, lon=6.0),
                 Staff(territory_id=t2.id, code="N9", name="Autre Soignant", role="nurse", base_lat=44, base_lon=6),
                 Unit(territory_id=t2.id, code="U9", name="Autre unité", roles=["nurse"], base_lat=44, base_lon=6),
                 Premises(territory_id=t2.id, code="Z1", insee="04001", name="Autre salle", lat=44, lon=6)]
        db.add_all(staff + patients + units + premises + other)
        db.commit()
        w.ids.update(t1=t1.id, t2=t2.id, insee_a=insee_a, insee_b=insee_b, staff_n1=staff[0].id,
                     staff_d1=staff[1].id, patient=patients[0].id, unit=units[0].id, premises=premises[0].id,
                     premises_b=premises[1].id, other_patient=other[0].id, other_staff=other[1].id,
                     other_unit=other[2].id, other_premises=other[3].id)
        w.patient_names = [p.name for p in patients] + [other[0].name]
        w.patient_addresses = [p.address for p in patients] + [other[0].address]
        w.patient_codes = [p.code for p in patients]
    accounts = {"planner": dict(role="planner", territory="t1"),
                "planner2": dict(role="planner", territory="t2"),
                "field": dict(role="field", territory="t1", staff_id="N1"),
                "field2": dict(role="field", territory="t1", staff_id="D1"),
                "municipality": dict(role="municipality", territory="t1", commune="77379"),
                "municipality_b": dict(role="municipality", territory="t1", commune="77051"),
                "coordinator": dict(role="coordinator", territory="t1")}
    client = TestClient(app)
    for who, kw in accounts.items():
        add_user(url, email=f"{who}@example.org", password=PASSWORD, engine=app.state.engine, **kw)
        r = client.post("/auth/token", json={"email": f"{who}@example.org", "password": PASSWORD})
        assert r.status_code == 200, r.text
        w.tokens[who] = r.json()["access_token"]
    return w


def make_settings(url: str, **kw) -> Settings:
    return Settings(database_url=url, secret_key="secret-de-test-assez-long-pour-hs256-0123456789", workers=1, **kw)


@pytest.fixture
def app(db_url):
    app = create_app(make_settings(db_url, max_upload_bytes=200_000, max_body_bytes=1_000_000))
    app.state.plan_function = fake_plan
    yield app
    app.state.jobs.shutdown()
    app.state.engine.dispose()


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def world(app, client) -> World:
    return _seed(app)


def wait_job(client, headers, job_id: int, timeout: float = 90.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = client.get(f"/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed", "cancelled", "interrupted"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.fixture
def run_plan(client, world):
    """Plan, wait, optionally publish; returns the plan id."""
    def run(kind: str, *, publish: bool = True, start: str | None = None, title: str = "") -> int:
        h = world.headers("planner")
        start = start or (date.today() + timedelta(days=3)).isoformat()
        r = client.post("/plans", json={"kind": kind, "start": start, "days": 1, "title": title}, headers=h)
        assert r.status_code == 202, r.text
        job = wait_job(client, h, r.json()["id"])
        assert job["status"] == "done", job
        if publish:
            assert client.post(f"/plans/{job['plan_id']}/publish", headers=h).status_code == 200
        return job["plan_id"]
    return run


@contextmanager
def serve(app):
    """The app served by uvicorn on a free port of 127.0.0.1 (for a real browser); yields its base URL."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        th.join(timeout=10)
        app.state.jobs.shutdown()
        app.state.engine.dispose()


@pytest.fixture
def svc():
    """Helpers for tests (importlib mode cannot import conftest as a module)."""
    from types import SimpleNamespace
    return SimpleNamespace(fake_plan=fake_plan, make_settings=make_settings, wait_job=wait_job, serve=serve)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def browser_login(page, base: str, email: str, password: str) -> None:
    """Sign in through the login page, as a user would, and wait for the page it leads to."""
    page.goto(f"{base}/pages/connexion")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()

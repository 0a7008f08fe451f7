"""The service speaks the planner's records: what a planner enters through the API (joint visits, windows,
weekday hours, absences) is planned as the CLI plans the same records; the CLI's CSV files import as they
are; what the planner refuses is a 4xx naming the field and the record, with nothing written; migration
0006 keeps the plans and the staff hours of a database made at 0005."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from api.service.db.session import head_revision
from api.cli import main
from api.service.planning import run_planning
from planner.home_visits import io as hv_io

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
COMMUNES = Path(__file__).resolve().parents[2] / "data" / "provinois" / "communes.csv"
PASSWORD = "motdepasse-de-test"


def _monday() -> date:
    d = date.today() + timedelta(days=7)
    return d - timedelta(days=d.weekday())


@pytest.fixture
def db_url(tmp_path) -> str:
    """SQLite only: the records path is tested here, the database engines elsewhere."""
    return f"sqlite:///{tmp_path / 'records.db'}"


def _visits(solution: dict) -> set[tuple]:
    return {(v["patient_id"], v["date"], tuple(sorted(v["staff_ids"])), v["start_s"]) for v in solution["calendar"]}


def test_settings_entered_through_the_api_plan_as_the_cli_plans_them(app, client, world, tmp_path, svc):
    app.state.plan_function = run_planning
    h = world.headers("planner")
    start = _monday()
    absent = start + timedelta(days=1)
    # a joint visit (doctor and nurse together) in a morning window, and a patient seen only in the afternoon
    r = client.post("/patients", json={"code": "J1", "name": "Jules Binôme", "insee": "77379", "lat": 48.562,
                                       "lon": 3.301, "options": {"binome": "always", "creneau": "09:00-12:00",
                                                                 "duree_medecin_min": 40}}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["options"] == {"joint": "always", "window": "09:00-12:00", "duration_doctor_min": 40}
    r = client.post("/patients", json={"code": "W1", "name": "Wanda Aprèsmidi", "insee": "77379", "lat": 48.548,
                                       "lon": 3.312, "options": {"window": "14:00-17:00"}}, headers=h)
    assert r.status_code == 201, r.text
    # per-weekday hours of the nurse, an absence of the doctor
    r = client.patch(f"/staff/{world.ids['staff_n1']}", json={"options": {
        "lundi": "08:00-13:00", "tue": None, "wed": "12:00-18:30", "thu": "08:00-16:00", "fri": None}}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["options"] == {"mon": "08:00-13:00", "wed": "12:00-18:30", "thu": "08:00-16:00"}
    r = client.patch(f"/staff/{world.ids['staff_d1']}", json={"options": {"absences": absent.isoformat()}}, headers=h)
    assert r.status_code == 200, r.text

    request = {"kind": "home_visits", "start": start.isoformat(), "days": 5, "time_limit_s": 5, "seed": 3,
               "deterministic": True}
    r = client.post("/plans", json=request, headers=h)
    assert r.status_code == 202, r.text
    job = svc.wait_job(client, h, r.json()["id"], timeout=300)
    assert job["status"] == "done", job
    stored = client.get(f"/plans/{job['plan_id']}", headers=h).json()["solution"]
    service = _visits(stored["solution"])

    # the same records as files, planned by the CLI with the same seed
    records = client.get(f"/territories/{world.ids['t1']}/records", headers=h,
                         params={"kind": "home_visits", "start": start.isoformat(), "days": 5})
    assert records.status_code == 200, records.text
    problem_file = tmp_path / "problem.json"
    problem_file.write_text(json.dumps(records.json(), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "cli"
    assert main(["plan", "visits", "--problem", str(problem_file), "--out", str(out), "--time-limit", "5",
                 "--seed", "3", "--deterministic"]) == 0
    cli = _visits(json.loads((out / "solution.json").read_text(encoding="utf-8")))
    assert service == cli

    # and the settings shaped the plan
    joint = [v for v in stored["solution"]["calendar"] if v["patient_id"] == "J1"]
    assert joint and all(v["joint"] and sorted(v["staff_ids"]) == ["D1", "N1"] for v in joint)
    assert all(9 * 3600 <= v["start_s"] <= 12 * 3600 - 40 * 60 for v in joint)
    assert all(v["start_s"] >= 14 * 3600 for v in stored["solution"]["calendar"] if v["patient_id"] == "W1")
    days_of = {s: {v["date"] for v in stored["solution"]["calendar"] if s in v["staff_ids"]} for s in ("D1", "N1")}
    assert absent.isoformat() not in days_of["D1"]
    assert days_of["N1"] <= {(start + timedelta(days=k)).isoformat() for k in (0, 2, 3)}


def test_the_cli_csv_files_import_as_they_are(app, client, world):
    from api.cli.users import add_user
    from api.service.db.seed import ensure_territory

    with app.state.sessions() as db:  # an empty territory of the same communes
        tid = ensure_territory(db, "t3", COMMUNES, "Territoire 3").id
    add_user(app.state.settings.database_url, email="p3@example.org", role="planner", password=PASSWORD,
             territory="t3", engine=app.state.engine)
    token = client.post("/auth/token", json={"email": "p3@example.org", "password": PASSWORD}).json()
    h = {"Authorization": f"Bearer {token['access_token']}"}
    for kind, name in (("staff", "home_visits_staff.csv"), ("patients", "home_visits_patients.csv")):
        r = client.post(f"/imports/{kind}", files={"file": (name, (EXAMPLES / name).read_bytes(), "text/csv")},
                        headers=h)
        assert r.status_code == 200, r.text
    start = date.fromisoformat("2026-03-02")
    records = client.get(f"/territories/{tid}/records", headers=h,
                         params={"kind": "home_visits", "start": start.isoformat(), "days": 14}).json()
    cli = hv_io.problem_from_csv(EXAMPLES / "home_visits_patients.csv", EXAMPLES / "home_visits_staff.csv",
                                 hv_io.Horizon(start, 14))
    service = hv_io.problem_from_dict(records)
    by_id = {p.id: p for p in service.patients}
    assert all(by_id[p.id] == p for p in cli.patients)
    staff = {s.id: s for s in service.staff}
    assert all(staff[s.id] == s for s in cli.staff)
    assert any(p.joint.mode != "never" for p in cli.patients) and any(p.window for p in cli.patients)


def _count(client, h, path) -> int:
    return len(client.get(path, headers=h).json())


def test_records_the_planner_refuses_are_4xx_naming_field_and_record(client, world):
    h = world.headers("planner")
    n = _count(client, h, "/patients")
    base = {"code": "X1", "name": "X", "insee": "77379", "lat": 48.56, "lon": 3.30}
    cases = [({"window": "25:00-26:00"}, "options.window"), ({"joint": "parfois"}, "options.joint"),
             ({"colour": "red"}, "options.colour"), ({"frequency_days": 7}, "options.frequency_days"),
             ({"unavailable": "demain"}, "options.unavailable"),
             ({"window": "09:00-09:10", "duration_nurse_min": 30, "duration_doctor_min": 30}, "options.window")]
    for options, field in cases:
        r = client.post("/patients", json={**base, "options": options}, headers=h)
        assert r.status_code == 422, (options, r.text)
        assert field in {e["field"] for e in r.json()["detail"]}, (options, r.json())
    assert _count(client, h, "/patients") == n
    # a PATCH the planner refuses leaves the record as it was
    pid = world.ids["patient"]
    before = client.get(f"/patients/{pid}", headers=h).json()
    r = client.patch(f"/patients/{pid}", json={"name": "Renommé", "options": {"sequence": "D;X"}}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0] == {**r.json()["detail"][0], "field": "options.sequence",
                                                                "row": "P1"}
    assert client.get(f"/patients/{pid}", headers=h).json() == before
    r = client.patch(f"/staff/{world.ids['staff_d1']}", json={"options": {"absences": "2026-13-01"}}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "options.absences"
    r = client.patch(f"/units/{world.ids['unit']}", json={"options": {"nights": "away"}}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "options.lodging"
    r = client.patch(f"/premises/{world.ids['premises']}", json={"options": {"dates": [{"date": "hier"}]}}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "options.date"  # inside `dates`
    # a rule across records (the preferred doctor is a nurse) is refused when a plan is asked for
    assert client.patch(f"/patients/{pid}", json={"preferred_doctor": "N1"}, headers=h).status_code == 200
    r = client.post("/plans", json={"kind": "home_visits", "start": _monday().isoformat(), "days": 5}, headers=h)
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["field"] == "preferred_doctor" and err["row"] == "P1"
    assert client.get("/jobs", headers=h).json() == []
    # an import the planner refuses names the spreadsheet row and the column as written; nothing imported
    data = ("id;nom;latitude;longitude;plage_horaire;binome\nY1;A;48,56;3,30;09:00-12:00;always\n"
            "Y2;B;48,56;3,30;midi;never\nY3;C;48,56;3,30;;tous\n").encode("utf-8")
    r = client.post("/imports/patients", files={"file": ("p.csv", data, "text/csv")}, headers=h)
    assert r.status_code == 422
    assert {(e["row"], e["field"]) for e in r.json()["detail"]} == {(3, "plage_horaire"), (4, "binome")}
    assert "Y1" not in {p["code"] for p in client.get("/patients", headers=h).json()}


def test_migration_0006_keeps_plans_and_staff_hours(tmp_path):
    from alembic import command

    from api.service.db.session import alembic_config, make_engine, migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    view = {"kind": "home_visits", "title": "Plan de novembre", "itineraries": [{"day": "2026-11-09", "stops": []}]}
    solution = {"problem": {"kind": "home_visits"}, "solution": {"calendar": [{"patient_id": "P1"}]}}
    with engine.begin() as conn:
        conn.execute(text("insert into territories (id, code, name) values (1, 'x', 'X')"))
        conn.execute(text("insert into staff (territory_id, code, name, role, base_name, base_lat, base_lon, phone, "
                          "work_days, work_hours, work_profile) values (1, 'N1', 'N', 'nurse', '', 48.5, 3.2, '', "
                          "'[\"lundi\", \"jeudi\"]', '09:00-16:00', 'salaried')"))
        conn.execute(text("insert into patients (territory_id, code, name, address, insee, lat, lon, frequency_days, "
                          "tolerance_days, ald, no_regular_doctor, palliative, preferred_doctor, preferred_nurse) "
                          "values (1, 'P1', 'P', '', '77379', 48.5, 3.2, 14, 2, 0, 0, 0, '', '')"))
        for k, status in enumerate(("published", "draft"), start=1):
            conn.execute(text("insert into plans (id, territory_id, kind, status, title, params, view, solution, "
                              "created_at) values (:i, 1, 'home_visits', :s, 'Plan', '{}', :v, :so, "
                              "'2026-11-01 10:00:00')"),
                         {"i": k, "s": status, "v": json.dumps(view), "so": json.dumps(solution)})
    with engine.connect() as conn:
        plans_before = conn.execute(text("select * from plans order by id")).all()
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("select * from plans order by id")).all() == plans_before
        staff = json.loads(conn.execute(text("select options from staff")).scalar())
        patient = json.loads(conn.execute(text("select options from patients")).scalar())
        rev = conn.execute(text("select version_num from alembic_version")).scalar()
    assert staff == {"mon": "09:00-16:00", "thu": "09:00-16:00"} and patient == {} and rev == head_revision()
    with engine.begin() as conn:  # and back: the working days come back from the weekday hours
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    with engine.connect() as conn:
        days, hours = conn.execute(text("select work_days, work_hours from staff")).one()
        assert json.loads(days) == ["lundi", "jeudi"] and hours == "09:00-16:00"
        assert conn.execute(text("select count(*) from plans")).scalar() == 2
    engine.dispose()


def test_the_records_page_shows_every_setting_and_audits_the_read(client, world):
    h = world.headers("planner")
    r = client.patch(f"/patients/{world.ids['patient']}", json={"options": {"binome": "every:2",
                                                                            "plage_horaire": "08:00-11:00"}}, headers=h)
    assert r.status_code == 200, r.text
    reads = len(client.get("/audit", headers=h).json())
    login = client.post("/auth/login", data={"email": "planner@example.org", "password": PASSWORD},
                        follow_redirects=False)
    assert login.status_code == 303
    page = client.get("/pages/fiches")
    assert page.status_code == 200 and "Réglages" in page.text and "Clés acceptées" in page.text
    assert "every:2" in page.text and "08:00-11:00" in page.text  # the patient's options, editable
    assert "08:30-17:30" in page.text  # the staff's weekday hours
    assert 'data-url="/units/' in page.text
    assert len(client.get("/audit", headers=h).json()) > reads

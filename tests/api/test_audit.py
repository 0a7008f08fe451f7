"""Every response that carries patient data is in the audit log: the test walks every GET route of the app
(API and pages) as a planner and as field staff, and any response naming a patient must have written an
audit row; a planner consults the log through GET /audit."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import func, select

from api.service.app import route_table
from api.service.db.models import AuditLog


def _fill(path: str, world, plan_id: int) -> str:
    values = {"patient_id": world.ids["patient"], "plan_id": plan_id, "premises_id": world.ids["premises"],
              "insee": world.ids["insee_a"], "territory_id": world.ids["t1"], "job_id": 1, "obj_id": 1}
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def _text(response) -> str:
    if response.headers.get("content-type", "").startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                            if not n.endswith((".pdf", ".xlsx")))
    return response.text


def _audit_rows(app) -> int:
    with app.state.sessions() as db:
        return db.scalar(select(func.count(AuditLog.id)))


def test_every_patient_data_response_is_audited(app, client, world, run_plan):
    plan_id = run_plan("home_visits")
    names = world.patient_names[:4]  # the territory's patients
    paths = {r.path for r in route_table(app) if "GET" in r.methods}
    paths |= {"/pages/planificateur", "/pages/ma-journee", f"/pages/planificateur?plan={plan_id}"}
    leaks, carried = [], 0
    for who in ("planner", "field"):
        for path in sorted(paths):
            before = _audit_rows(app)
            r = client.get(_fill(path, world, plan_id), headers=world.headers(who), follow_redirects=False)
            if r.status_code != 200 or not any(n in _text(r) for n in names):
                continue
            carried += 1
            if _audit_rows(app) == before:
                leaks.append(f"{who} GET {path}")
    assert carried >= 8  # the test does reach patient data
    assert leaks == []


def test_planner_consults_the_audit_log_of_their_territory(client, world, run_plan):
    run_plan("home_visits")
    assert client.get("/patients", headers=world.headers("planner")).status_code == 200
    assert client.get("/patients", headers=world.headers("planner2")).status_code == 200
    rows = client.get("/audit", headers=world.headers("planner")).json()
    assert rows and rows[0]["email"] == "planner@example.org" and rows[0]["resource"] == "/patients"
    assert all(r["email"] != "planner2@example.org" for r in rows)  # another territory's reads stay there
    assert client.get("/audit", headers=world.headers("field")).status_code == 403

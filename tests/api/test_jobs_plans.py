"""Planning jobs and plan life: progress, result, cancel, interrupted after a restart and re-run,
publish superseding the previous plan, re-plan with its difference."""

from datetime import date, timedelta

from fastapi.testclient import TestClient

from api.service.app import create_app
from api.service.db.models import Job


def _wait(client, h, jid):
    import time
    for _ in range(1800):
        j = client.get(f"/jobs/{jid}", headers=h).json()
        if j["status"] in ("done", "failed", "cancelled", "interrupted"):
            return j
        time.sleep(0.05)
    raise AssertionError(j)


wait_job = _wait


def _start(client, h, **kw):
    body = {"kind": "home_visits", "start": (date.today() + timedelta(days=2)).isoformat(), "days": 1, **kw}
    r = client.post("/plans", json=body, headers=h)
    assert r.status_code == 202, r.text
    return r.json()


def test_job_runs_to_a_draft_plan(client, world):
    h = world.headers("planner")
    job = wait_job(client, h, _start(client, h)["id"])
    assert job["status"] == "done" and job["progress"] == 1.0
    plan = client.get(f"/plans/{job['plan_id']}", headers=h).json()
    assert plan["status"] == "draft" and plan["view"]["itineraries"]


def test_cancel_running_job(client, world):
    h = world.headers("planner")
    job = _start(client, h, title="slow")
    for _ in range(200):
        if client.get(f"/jobs/{job['id']}", headers=h).json()["progress"] > 0:
            break
    r = client.post(f"/jobs/{job['id']}/cancel", headers=h)
    assert r.status_code == 200
    final = wait_job(client, h, job["id"])
    assert final["status"] == "cancelled" and final["plan_id"] is None
    assert client.post(f"/jobs/{job['id']}/rerun", headers=h).json()["status"] in ("queued", "running", "done")
    assert wait_job(client, h, job["id"])["status"] == "done"


def test_failed_job_reports_reason(client, world, app):
    from planner.core.errors import InputError

    def broken(snapshot, params, progress):
        raise InputError("aucun soignant ne travaille ces jours-là", field="staff")
    app.state.plan_function = broken
    h = world.headers("planner")
    job = wait_job(client, h, _start(client, h)["id"])
    assert job["status"] == "failed" and "aucun soignant" in job["message"]


def test_interrupted_after_restart_and_rerun(app, client, world, db_url, svc):
    with app.state.sessions() as db:  # a job a dead process left running
        job = Job(territory_id=world.ids["t1"], kind="plan", status="running", progress=0.4,
                  params={"kind": "home_visits", "start": (date.today() + timedelta(days=2)).isoformat(),
                          "days": 1, "time_limit_s": 1, "seed": 1, "title": ""})
        db.add(job)
        db.commit()
        jid = job.id
    app2 = create_app(svc.make_settings(db_url))
    app2.state.plan_function = svc.fake_plan
    with TestClient(app2) as c2:
        h = world.headers("planner")
        st = c2.get(f"/jobs/{jid}", headers=h).json()
        assert st["status"] == "interrupted" and "redémarrage" in st["message"]
        assert c2.post(f"/jobs/{jid}/rerun", headers=h).status_code == 200
        assert wait_job(c2, h, jid)["status"] == "done"
    app2.state.engine.dispose()


def test_publish_supersedes_and_field_sees_published_only(client, world, run_plan):
    h = world.headers("planner")
    first = run_plan("home_visits")
    second = run_plan("home_visits", publish=False)
    assert client.post(f"/plans/{first}/publish", headers=h).status_code == 409
    field = {p["id"] for p in client.get("/plans", headers=world.headers("field")).json()}
    assert field == {first}
    client.post(f"/plans/{second}/publish", headers=h)
    statuses = {p["id"]: p["status"] for p in client.get("/plans", headers=h).json()}
    assert statuses[first] == "superseded" and statuses[second] == "published"
    assert {p["id"] for p in client.get("/plans", headers=world.headers("field")).json()} == {second}


def test_replan_returns_difference(client, world, run_plan):
    h = world.headers("planner")
    pid = run_plan("home_visits")
    r = client.post(f"/plans/{pid}/replan", json={"absent_staff": "D1"}, headers=h)
    assert r.status_code == 202
    job = wait_job(client, h, r.json()["id"])
    assert job["status"] == "done"
    new = client.get(f"/plans/{job['plan_id']}", headers=h).json()
    assert new["parent_id"] == pid and new["status"] == "draft"
    assert new["diff"]["reassigned"] and all(x["after"][0][1] == "N1" for x in new["diff"]["reassigned"])


def test_exports_zip_and_shared_map(client, world, run_plan):
    import io
    import zipfile

    h = world.headers("planner")
    pid = run_plan("home_visits")
    r = client.get(f"/plans/{pid}/exports.zip?formats=csv,ics,json", headers=h)
    assert r.status_code == 200, r.text[:300]
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert "arrets.csv" in names and any(n.startswith("ics/") for n in names) and "plan_view.json" in names
    assert client.get(f"/plans/{pid}/exports.zip?formats=fax", headers=h).status_code == 422
    m = client.get(f"/plans/{pid}/exports/carte.html", headers=h)
    assert m.status_code == 200 and "<html" in m.text.lower()
    assert not any(n in m.text for n in world.patient_names)  # the shared map is pseudonymised


def test_crashing_job_logs_no_patient_data(client, world, app, caplog):
    import logging

    caplog.set_level(logging.INFO)

    def crash(snapshot, params, progress):
        raise RuntimeError(f"cannot place {snapshot['patients'][0]['name']}")
    app.state.plan_function = crash
    h = world.headers("planner")
    job = wait_job(client, h, _start(client, h)["id"])
    assert job["status"] == "failed" and "erreur interne" in job["message"]
    import time
    for _ in range(100):  # the service logs it when it collects the worker's answer, just after
        if "RuntimeError" in caplog.text:
            break
        time.sleep(0.05)
    assert "RuntimeError" in caplog.text
    assert not any(n in caplog.text or n in job["message"] for n in world.patient_names)

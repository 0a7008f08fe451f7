"""Access matrix: every role against every route of the app, allowed or refused as the route declares;
municipalities and the public never receive patient data, whatever they ask."""

import json
import re

import pytest

from api.service.app import route_table
from api.service.auth import ROLES, route_roles

CALLERS = {"planner": "planner", "field": "field", "municipality": "municipality", "coordinator": "coordinator",
           "public": None}


def _fill(path: str, world, plan_ids: dict) -> str:
    values = {"territory_id": world.ids["t1"], "premises_id": world.ids["premises"], "obj_id": 999999,
              "patient_id": world.ids["patient"], "plan_id": plan_ids["home_visits"], "job_id": 1,
              "insee": world.ids["insee_a"], "kind": "patients"}
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def test_every_route_declares_roles(app):
    missing = [f"{sorted(r.methods)} {r.path}" for r in route_table(app) if route_roles(r) is None]
    assert missing == []
    assert len(route_table(app)) > 40
    for r in route_table(app):
        assert route_roles(r) <= set(ROLES)


def test_access_matrix(app, client, world, run_plan):
    plan_ids = {"home_visits": run_plan("home_visits"), "rotation": run_plan("rotation")}
    checked = 0
    for route in route_table(app):
        allowed = route_roles(route)
        for role, account in CALLERS.items():
            method = sorted(route.methods - {"HEAD"})[0]
            if method == "DELETE" and role == "planner":
                continue  # allowed deletes are exercised on their own below
            path = _fill(route.path, world, plan_ids)
            r = client.request(method, path, headers=world.headers(account) if account else {},
                               json={} if method in ("POST", "PATCH") else None, follow_redirects=False)
            ok = "public" in allowed or role in allowed
            if ok:
                assert r.status_code not in (401, 403), f"{role} refused on {method} {route.path}: {r.text[:200]}"
            else:
                expected = (401, 303) if account is None else (403,)
                assert r.status_code in expected, f"{role} got {r.status_code} on {method} {route.path}"
            assert r.status_code < 500, f"{role} {method} {route.path}: {r.status_code} {r.text[:300]}"
            checked += 1
    assert checked > 150


def test_municipality_and_public_never_get_patient_data(app, client, world, run_plan):
    plan_ids = {"home_visits": run_plan("home_visits"), "rotation": run_plan("rotation")}
    secrets = world.patient_names + world.patient_addresses
    for role in ("municipality", "coordinator", "public"):
        account = CALLERS[role]
        for route in route_table(app):
            if "GET" not in route.methods:
                continue
            for pid in plan_ids.values():
                path = _fill(route.path, world, {"home_visits": pid})
                r = client.get(path, headers=world.headers(account) if account else {}, follow_redirects=True)
                body = r.text
                for s in secrets:
                    assert s not in body, f"{role} saw patient data on {path}"
                if r.headers.get("content-type", "").startswith("application/json"):
                    assert "patient_name" not in body and "patient_id\": \"P" not in body
    # the public schedule does list the sessions of the published rotation
    sched = client.get(f"/public/communes/{world.ids['insee_a']}/schedule").json()
    assert sched["sessions"] and all(set(s) >= {"date", "place"} for s in sched["sessions"])


def test_field_staff_see_only_their_own(client, world, run_plan):
    draft = run_plan("home_visits", publish=False)
    h = world.headers("field")
    assert client.get(f"/plans/{draft}/itineraries", headers=h).status_code == 404  # drafts are invisible
    assert client.get("/itineraries/mine", headers=h).json() == []
    assert client.get("/patients", headers=h).json() == []
    plan = run_plan("home_visits")
    its = client.get(f"/plans/{plan}/itineraries", headers=h).json()
    assert its and {it["resource_id"] for it in its} == {"N1"}
    mine = {s["patient_id"] for it in its for s in it["stops"] if s.get("patient_id")}
    pts = client.get("/patients", headers=h).json()
    assert {p["code"] for p in pts} == mine
    assert all(set(p) == {"id", "code", "name", "address"} for p in pts)
    others = client.get(f"/plans/{plan}/itineraries", headers=world.headers("field2")).json()
    theirs = {s["patient_id"] for it in others for s in it["stops"] if s.get("patient_id")}
    assert theirs and not (theirs & mine)
    day = its[0]["day"]
    sheet = client.get(f"/itineraries/mine/sheet?day={day}", headers=h)
    assert sheet.status_code == 200 and "<html" in sheet.text.lower()
    names = {s["patient_name"] for it in its for s in it["stops"] if s.get("patient_name")}
    assert names and all(n in sheet.text for n in names)
    other_names = {s["patient_name"] for it in others for s in it["stops"] if s.get("patient_name")}
    assert not any(n in sheet.text for n in other_names)
    all_pts = client.get("/patients", headers=world.headers("planner")).json()
    not_mine = next(p for p in all_pts if p["code"] not in mine)
    assert client.get(f"/patients/{not_mine['id']}", headers=h).status_code == 404


def test_patient_reads_are_audited_without_identities(app, client, world, run_plan, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    from api.service.db.models import AuditLog
    client.get("/patients", headers=world.headers("planner"))
    run_plan("home_visits")
    client.get("/itineraries/mine", headers=world.headers("field"))
    with app.state.sessions() as db:
        rows = db.query(AuditLog).all()
    assert {r.role for r in rows} >= {"planner", "field"}
    dump = json.dumps([[r.action, r.resource, r.count] for r in rows])
    assert not any(s in dump for s in world.patient_names + world.patient_codes)
    assert "patient data read" in caplog.text
    assert not any(s in caplog.text for s in world.patient_names + world.patient_addresses)


def test_other_territory_ids_are_unknown(client, world):
    h = world.headers("planner")
    for path in (f"/patients/{world.ids['other_patient']}", f"/staff/{world.ids['other_staff']}",
                 f"/units/{world.ids['other_unit']}", f"/premises/{world.ids['other_premises']}",
                 f"/territories/{world.ids['t2']}"):
        assert client.get(path, headers=h).status_code == 404, path
    r = client.patch(f"/patients/{world.ids['other_patient']}", json={"name": "X"}, headers=h)
    assert r.status_code == 404
    assert client.delete(f"/staff/{world.ids['other_staff']}", headers=h).status_code == 404
    assert client.get(f"/patients/{world.ids['other_patient']}", headers=world.headers("planner2")).status_code == 200


def test_municipality_proposals_are_its_own(client, world):
    h = world.headers("municipality")
    r = client.post("/premises", json={"name": "Salle Nouvelle", "lat": 48.56, "lon": 3.3, "rooms": 2,
                                       "days": ["mardi"], "hours": "09:00-12:00"}, headers=h)
    assert r.status_code == 201 and r.json()["insee"] == world.ids["insee_a"] and r.json()["status"] == "proposed"
    names = {p["name"] for p in client.get("/premises", headers=h).json()}
    assert "Salle Nouvelle" in names and "Mairie de Bray" not in names
    assert client.get(f"/premises/{world.ids['premises_b']}", headers=h).status_code == 404
    r = client.post("/premises", json={"name": "x", "lat": 48.5, "lon": 3.2, "insee": world.ids["insee_b"]}, headers=h)
    assert r.status_code == 422 and "insee" in r.text
    pid = client.get("/premises", headers=h).json()[-1]["id"]
    assert client.post(f"/premises/{pid}/status", json={"status": "approved"}, headers=h).status_code == 403


@pytest.mark.parametrize("resource", ["units", "staff"])
def test_planner_deletes(client, world, resource):
    h = world.headers("planner")
    body = {"units": {"code": "UX", "name": "X", "roles": ["nurse"], "base_lat": 48.5, "base_lon": 3.2},
            "staff": {"code": "SX", "name": "X", "role": "nurse", "base_lat": 48.5, "base_lon": 3.2}}[resource]
    r = client.post(f"/{resource}", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert client.post(f"/{resource}", json=body, headers=h).status_code == 409
    assert client.delete(f"/{resource}/{r.json()['id']}", headers=h).status_code == 204
    assert client.get(f"/{resource}/{r.json()['id']}", headers=h).status_code == 404


def _final_batch(client, h, batch: str, timeout: float = 180) -> dict:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = client.get(f"/batches/{batch}", headers=h).json()
        if all(j["status"] in ("done", "failed", "cancelled", "interrupted") for j in out["jobs"]):
            return out
        time.sleep(0.1)
    raise AssertionError(out)


def test_batch_over_two_territories_keeps_them_apart(app, client, world):
    """A coordinator plans t1 and t2 in one batch with the real planner: t2 (no approved premises) fails
    alone with its reason; each territory's planner sees its own job only, and t1's plan holds no t2 data."""
    from datetime import date, timedelta

    from api.service.planning import run_planning

    app.state.plan_function = run_planning
    hc, h1, h2 = world.headers("coordinator"), world.headers("planner"), world.headers("planner2")
    d = date.today()
    monday = (d + timedelta(days=(7 - d.weekday()) % 7 or 7)).isoformat()
    r = client.post("/batches", json={"kind": "rotation", "start": monday, "days": 2, "time_limit_s": 1,
                                      "territories": ["t1", "t2"]}, headers=hc)
    assert r.status_code == 202, r.text
    rows = {j["territory"]: j for j in _final_batch(client, hc, r.json()["batch"])["jobs"]}
    assert rows["t1"]["status"] == "done", rows
    assert rows["t2"]["status"] == "failed" and "aucun local retenu" in rows["t2"]["message"]
    assert {j["id"] for j in client.get("/jobs", headers=h1).json()} == {rows["t1"]["job_id"]}
    assert {j["id"] for j in client.get("/jobs", headers=h2).json()} == {rows["t2"]["job_id"]}
    assert client.get(f"/jobs/{rows['t1']['job_id']}", headers=h2).status_code == 404
    job1 = client.get(f"/jobs/{rows['t1']['job_id']}", headers=h1).json()
    text = json.dumps(client.get(f"/plans/{job1['plan_id']}", headers=h1).json(), ensure_ascii=False)
    assert "U1" in text and not any(s in text for s in ("U9", "Z1", "Autre unité", "Ailleurs", "04001"))
    assert client.get("/plans", headers=hc).status_code == 403
    assert client.get("/patients", headers=hc).status_code == 403
    bad = client.post("/batches", json={"kind": "rotation", "start": monday, "days": 2, "territories": ["zz"]},
                      headers=hc)
    assert bad.status_code == 422 and "zz" in bad.text


def test_a_proposal_after_a_deletion_gets_a_fresh_code(client, world):
    """Codes were the commune's count + 1: after a deletion a new proposal named an existing code (a 500)."""
    h = world.headers("municipality")
    body = {"lat": 48.56, "lon": 3.3, "days": ["mardi"], "hours": "09:00-12:00"}
    made = [client.post("/premises", json={**body, "name": f"Salle {k}"}, headers=h) for k in range(3)]
    assert all(r.status_code == 201 for r in made), [r.text for r in made]
    assert client.delete(f"/premises/{made[0].json()['id']}", headers=world.headers("planner")).status_code == 204
    r = client.post("/premises", json={**body, "name": "Salle après suppression"}, headers=h)
    assert r.status_code == 201, r.text
    codes = [p["code"] for p in client.get("/premises", headers=world.headers("planner")).json()]
    assert len(codes) == len(set(codes)) and r.json()["code"] not in {m.json()["code"] for m in made[1:]}

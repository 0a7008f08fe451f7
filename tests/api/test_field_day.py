"""The field day: visits ticked done or not done from the phone, used by the next plan; who sees which
patient's phone and door code; a mobile-unit crew's own day; ticks refused with a clear French 4xx."""

from datetime import date, timedelta

from sqlalchemy import select

from api.service.db.models import Patient, Plan, VisitTick
from api.service.jobs import snapshot
from api.service.planning import home_visit_problem

TODAY = date.today().isoformat()


def _patient(app, code):
    with app.state.sessions() as db:
        return db.scalars(select(Patient).where(Patient.code == code)).one()


def _ticks(app):
    with app.state.sessions() as db:
        return list(db.scalars(select(VisitTick)))


def _tick(client, world, who, plan, patient, status="done", reason=None, day=TODAY):
    body = {"plan_id": plan, "day": day, "patient_id": patient, "status": status}
    if reason:
        body["reason"] = reason
    return client.post("/itineraries/mine/ticks", json=body, headers=world.headers(who))


def test_ticks_recorded_and_used_by_the_next_plan(app, client, world, run_plan):
    plan = run_plan("home_visits", start=TODAY)
    # The fake planner gives N1 (account "field") P1 and P3, D1 ("field2") P2 and P4.
    r = _tick(client, world, "field", plan, "P1")
    assert r.status_code == 201, r.text
    assert r.json()["label"] == "faite" and r.json()["role"] == "nurse"
    r = _tick(client, world, "field", plan, "P3", "not_done", "absent")
    assert r.status_code == 201 and r.json()["label"] == "non faite (patient absent)"
    r = _tick(client, world, "field2", plan, "P2")
    assert r.status_code == 201 and r.json()["role"] == "doctor"

    p1, p2, p3 = (_patient(app, c) for c in ("P1", "P2", "P3"))
    assert (p1.last_visit.isoformat(), p1.last_role) == (TODAY, "nurse")
    assert (p2.last_visit.isoformat(), p2.last_role) == (TODAY, "doctor")
    assert p3.last_visit is None  # not done: still due

    # The planner sees them (the dashboard polls this route).
    ticks = client.get(f"/plans/{plan}/ticks", headers=world.headers("planner")).json()
    assert {(t["patient_id"], t["status"], t["reason"]) for t in ticks} == {
        ("P1", "done", None), ("P3", "not_done", "absent"), ("P2", "done", None)}
    page = client.get(f"/pages/planificateur?plan={plan}", headers=world.headers("planner")).text
    assert "Visites pointées sur le terrain" in page

    # The next plan starts from the real last visits: the alternation goes on, the frequency counts from them.
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with app.state.sessions() as db:
        problem = home_visit_problem(snapshot(db, world.ids["t1"]), {"start": tomorrow, "days": 7})
    by_id = {p.id: p for p in problem.patients}
    assert by_id["P1"].last_visit == date.today() and by_id["P1"].role_of(1) == "doctor"
    assert by_id["P2"].last_visit == date.today() and by_id["P2"].role_of(1) == "nurse"
    assert by_id["P3"].last_visit is None
    # A plan starting today, after a visit ticked today, is still accepted (counted as the day before).
    with app.state.sessions() as db:
        same_day = home_visit_problem(snapshot(db, world.ids["t1"]), {"start": TODAY, "days": 7})
    assert {p.id: p for p in same_day.patients}["P1"].last_visit == date.today() - timedelta(days=1)


def test_bad_ticks_are_refused_in_french_and_change_nothing(app, client, world, run_plan):
    plan = run_plan("home_visits", start=TODAY)
    # Someone else's visit.
    r = _tick(client, world, "field", plan, "P2")
    assert r.status_code == 403 and "pas dans vos tournées" in r.json()["detail"]
    # Twice (even with another answer).
    assert _tick(client, world, "field", plan, "P1").status_code == 201
    r = _tick(client, world, "field", plan, "P1", "not_done", "refused")
    assert r.status_code == 409 and "déjà pointée" in r.json()["detail"]
    # A reason is required when not done, refused when done.
    assert _tick(client, world, "field", plan, "P3", "not_done").status_code == 422
    r = _tick(client, world, "field", plan, "P3", "done", "absent")
    assert r.status_code == 422 and "motif" in r.json()["message"]
    # A day that has not come.
    future = run_plan("home_visits", start=(date.today() + timedelta(days=3)).isoformat())
    r = _tick(client, world, "field", future, "P3", day=(date.today() + timedelta(days=3)).isoformat())
    assert r.status_code == 422 and "pas encore" in r.json()["message"] and r.json()["detail"][0]["field"] == "day"
    # A past published plan (superseded by the one just published).
    with app.state.sessions() as db:
        assert db.get(Plan, plan).status == "superseded"
    r = _tick(client, world, "field", plan, "P3", "not_done", "hospitalised")
    assert r.status_code == 409 and "remplacé" in r.json()["detail"]
    # An unknown plan, another territory's planner, a planner ticking.
    assert _tick(client, world, "field", 999999, "P3").status_code == 404
    assert _tick(client, world, "planner", future, "P3").status_code == 403

    ticks = _ticks(app)
    assert [(t.patient_code, t.status) for t in ticks] == [("P1", "done")]
    assert _patient(app, "P2").last_visit is None and _patient(app, "P3").last_visit is None
    assert _patient(app, "P1").last_role == "nurse"


def test_a_nurse_never_sees_another_nurses_patients_phone(app, client, world, run_plan):
    h = world.headers("planner")
    with app.state.sessions() as db:
        ids = {p.code: p.id for p in db.scalars(select(Patient).where(Patient.territory_id == world.ids["t1"]))}
    phones = {"P1": "06 11 11 11 11", "P2": "06 22 22 22 22"}
    for code, phone in phones.items():
        r = client.put(f"/patients/{ids[code]}/access", headers=h,
                       json={"phone": phone, "door_code": f"B{code}7", "access_note": f"Portail vert {code}"})
        assert r.status_code == 200, r.text
    assert client.put(f"/patients/{ids['P1']}/access", headers=world.headers("field"), json={}).status_code == 403
    bad = client.put(f"/patients/{ids['P1']}/access", headers=h, json={"phone": "<script>"})
    assert bad.status_code == 422
    run_plan("home_visits", start=TODAY)
    mine = client.get("/pages/ma-journee", headers=world.headers("field")).text
    theirs = client.get("/pages/ma-journee", headers=world.headers("field2")).text
    assert phones["P1"] in mine and "BP17" in mine and "Portail vert P1" in mine
    assert phones["P2"] not in mine and "BP27" not in mine and "Portail vert P2" not in mine
    assert phones["P2"] in theirs and phones["P1"] not in theirs and "BP17" not in theirs
    assert 'href="tel:0611111111"' in mine
    for app_name in ("geo:", "maps.apple.com", "google.com/maps/dir", "waze.com/ul"):
        assert app_name in mine
    # The JSON API of the day never carries them either.
    assert phones["P2"] not in client.get("/itineraries/mine", headers=world.headers("field")).text


def test_a_crew_member_sees_the_units_day(app, client, world, run_plan):
    h = world.headers("planner")
    r = client.put(f"/units/{world.ids['unit']}/crew", headers=h, json={"staff": ["N1", "X9"]})
    assert r.status_code == 422 and "X9" in r.text
    assert client.put(f"/units/{world.ids['other_unit']}/crew", headers=h, json={"staff": ["N1"]}).status_code == 404
    assert client.put(f"/units/{world.ids['unit']}/crew", headers=h, json={"staff": ["N1"]}).status_code == 200
    run_plan("rotation", start=TODAY)
    days = client.get("/itineraries/mine", headers=world.headers("field")).json()
    assert [d["resource_id"] for d in days] == ["U1"]
    assert client.get("/itineraries/mine", headers=world.headers("field2")).json() == []  # not on board
    page = client.get("/pages/ma-journee", headers=world.headers("field")).text
    assert "À bord :</strong> Infirmière Une" in page
    assert "Salle des fêtes de Provins" in page and "Consultations de 09:00 à 10:00" in page
    sheet = client.get(f"/itineraries/mine/sheet?day={TODAY}", headers=world.headers("field"))
    assert sheet.status_code == 200 and "Salle des fêtes de Provins" in sheet.text

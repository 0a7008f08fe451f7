"""Working-time profiles are edited in the service and reach the planners' problems; holidays of the
territory's region apply to both kinds of plan."""

from __future__ import annotations

from api.service.records import snapshot
from api.service.records import home_visit_problem, rotation_problem
from planner.core.worktime import SALARIED, SELF_EMPLOYED


def test_profiles_edited_through_the_api_reach_the_problems(client, world, app):
    h = world.headers("planner")
    staff = client.get("/staff", headers=h).json()
    assert {s["work_profile"] for s in staff} == {"salaried"}
    doctor = next(s for s in staff if s["code"] == "D1")
    r = client.patch(f"/staff/{doctor['id']}", json={"work_profile": "self_employed"}, headers=h)
    assert r.status_code == 200 and r.json()["work_profile"] == "self_employed"
    bad = client.patch(f"/staff/{doctor['id']}", json={"work_profile": "fonctionnaire"}, headers=h)
    assert bad.status_code == 422 and "work_profile" in bad.text
    unit = client.get("/units", headers=h).json()[0]
    assert client.patch(f"/units/{unit['id']}", json={"work_profile": "self_employed"}, headers=h).status_code == 200
    with app.state.sessions() as db:
        snap = snapshot(db, world.ids["t1"])
    problem = home_visit_problem(snap, {"start": "2026-11-09", "days": 5})
    profiles = {s.id: s.work_profile for s in problem.staff}
    assert profiles == {"N1": SALARIED, "D1": SELF_EMPLOYED}
    assert "2026-11-11" in {d.isoformat() for d in problem.horizon.holidays()}
    rotation = rotation_problem(snap, {"start": "2026-11-09", "days": 5})
    assert all(m.work_profile == SELF_EMPLOYED for m in rotation.units[0].members)
    assert rotation.units[0].is_rest(rotation.start.replace(day=11))  # Armistice

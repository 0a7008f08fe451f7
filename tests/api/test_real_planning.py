"""The service plans with the real planners (home visits, rotations): jobs end in plans that the
planners' own checkers accept, and a re-plan after a change returns its difference."""

import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from api.cli.users import add_user
from api.service.db.seed import ensure_territory, seed_demo_people
from api.service.planning import check_stored, run_planning

COMMUNES = Path(__file__).resolve().parents[2] / "data" / "provinois" / "communes.csv"


def _monday() -> str:
    d = date.today()
    return (d + timedelta(days=(7 - d.weekday()) % 7 or 7)).isoformat()


def _wait(client, h, jid):
    for _ in range(1200):
        j = client.get(f"/jobs/{jid}", headers=h).json()
        if j["status"] in ("done", "failed", "cancelled", "interrupted"):
            return j
        time.sleep(0.05)
    raise AssertionError(j)


@pytest.fixture
def db_url(tmp_path) -> str:
    """SQLite only: what is tested here is the planners' wiring, the database is covered elsewhere."""
    return f"sqlite:///{tmp_path / 'real.db'}"


@pytest.fixture
def demo(app, client):
    """A territory of SYNTHETIC people planned by the real solvers; returns planner headers."""
    app.state.plan_function = run_planning
    with app.state.sessions() as db:
        t = ensure_territory(db, "demo", COMMUNES, "Démo")
        seed_demo_people(db, t, COMMUNES, n_patients=25, n_doctors=1, n_nurses=2, n_units=2)
    url = app.state.settings.database_url
    add_user(url, email="demo@example.org", role="planner", password="essai-reel-2026", territory="demo",
             engine=app.state.engine)
    add_user(url, email="n1@example.org", role="field", password="essai-reel-2026", territory="demo", staff_id="N1",
             engine=app.state.engine)
    tok = client.post("/auth/token", json={"email": "demo@example.org", "password": "essai-reel-2026"}).json()
    ftok = client.post("/auth/token", json={"email": "n1@example.org", "password": "essai-reel-2026"}).json()
    return {"Authorization": f"Bearer {tok['access_token']}"}, {"Authorization": f"Bearer {ftok['access_token']}"}


def _plan(client, h, kind, days, **extra):
    r = client.post("/plans", json={"kind": kind, "start": _monday(), "days": days, "time_limit_s": 2, **extra},
                    headers=h)
    assert r.status_code == 202, r.text
    job = _wait(client, h, r.json()["id"])
    assert job["status"] == "done", job
    return client.get(f"/plans/{job['plan_id']}", headers=h).json()


def test_home_visits_planned_checked_and_replanned(client, demo):
    h, fh = demo
    plan = _plan(client, h, "home_visits", 5)
    assert plan["view"]["approximate"] and plan["view"]["itineraries"]
    assert check_stored("home_visits", plan["solution"]) == []
    assert client.post(f"/plans/{plan['id']}/publish", headers=h).status_code == 200
    mine = client.get("/itineraries/mine", headers=fh).json()
    assert mine and {it["resource_id"] for it in mine} == {"N1"}
    r = client.post(f"/plans/{plan['id']}/replan", json={"absent_staff": "N1", "from_date": _monday(),
                                                         "time_limit_s": 2}, headers=h)
    job = _wait(client, h, r.json()["id"])
    assert job["status"] == "done", job
    new = client.get(f"/plans/{job['plan_id']}", headers=h).json()
    assert "N1" not in {it["resource_id"] for it in new["view"]["itineraries"]}
    assert new["solution"]["changes"] and (new["diff"]["reassigned"] or new["diff"]["moved"] or new["diff"]["cancelled"])


def test_rotation_planned_and_checked(client, demo):
    h, _ = demo
    plan = _plan(client, h, "rotation", 5)
    sessions = [s for it in plan["view"]["itineraries"] for s in it["stops"] if s["kind"] == "session"]
    assert sessions
    assert check_stored("rotation", plan["solution"]) == []
    used = sessions[0]["place_id"]
    r = client.post(f"/plans/{plan['id']}/replan", json={"withdrawn_premises": used, "from_date": _monday(),
                                                         "time_limit_s": 2}, headers=h)
    assert r.status_code == 202, r.text
    job = _wait(client, h, r.json()["id"])
    assert job["status"] == "done", job
    new = client.get(f"/plans/{job['plan_id']}", headers=h).json()
    assert used not in {s["place_id"] for it in new["view"]["itineraries"] for s in it["stops"]}
    assert new["solution"]["changes"] and new["diff"]["cancelled"] + new["diff"]["moved"] + new["diff"]["reassigned"]


OSM = Path(__file__).resolve().parents[2].parent / "shared" / "osm" / "fr77_provins_montois_drive.osm"


@pytest.fixture
def on_roads(app):
    """The service plans over the demo's real road network (skipped without ../shared)."""
    from dataclasses import replace

    if not OSM.exists():
        pytest.skip("needs ../shared/osm/fr77_provins_montois_drive.osm")
    app.state.settings = replace(app.state.settings, network_path=OSM)


@pytest.mark.real_osm
def test_rotation_on_the_road_network(client, demo, on_roads):
    h, _ = demo
    plan = _plan(client, h, "rotation", 5)
    assert plan["view"]["approximate"] is False
    assert check_stored("rotation", plan["solution"], str(OSM)) == []


def test_cancel_during_a_real_solve(client, demo):
    h, _ = demo
    r = client.post("/plans", json={"kind": "rotation", "start": _monday(), "days": 5, "time_limit_s": 3}, headers=h)
    jid = r.json()["id"]
    for _ in range(400):
        if client.get(f"/jobs/{jid}", headers=h).json()["status"] == "running":
            break
        time.sleep(0.02)
    assert client.post(f"/jobs/{jid}/cancel", headers=h).status_code == 200
    job = _wait(client, h, jid)
    assert job["status"] == "cancelled" and job["plan_id"] is None


def test_pending_proposals_ranked_against_a_rotation(client, demo, app):
    h, _ = demo
    plan = _plan(client, h, "rotation", 5)
    assert client.get(f"/plans/{plan['id']}/proposals", headers=h).json() == []  # nothing pending
    from api.service.db.models import Premises, Territory
    with app.state.sessions() as db:
        t = db.query(Territory).filter_by(code="demo").one()
        db.add(Premises(territory_id=t.id, code="NEW1", insee="77051", name="Salle de Bray", address="x",
                        lat=48.4149, lon=3.2396, status="proposed", days=["mardi"], hours="09:00-17:00"))
        db.commit()
    ranking = client.get(f"/plans/{plan['id']}/proposals", headers=h).json()
    assert [r["code"] for r in ranking] == ["NEW1"]
    assert "habitants" in ranking[0]["message"] and ranking[0]["communes_in_reach"] >= 1
    page = client.get(f"/pages/planificateur?plan={plan['id']}", headers=h)
    assert page.status_code == 200 and "Ce qu'apporterait" in page.text and "Salle de Bray" in page.text


@pytest.mark.real_osm
def test_shared_map_follows_the_roads(client, demo, on_roads):
    h, _ = demo
    plan = _plan(client, h, "rotation", 3)
    m = client.get(f"/plans/{plan['id']}/exports/carte.html", headers=h)
    assert m.status_code == 200 and "<html" in m.text.lower()


@pytest.mark.real_osm
def test_a_proposal_off_the_road_network_is_named_and_the_dashboard_stays_up(app, client, demo, on_roads):
    from api.service.db.models import Premises, Territory

    h, _ = demo
    plan = _plan(client, h, "rotation", 3)
    with app.state.sessions() as db:
        t = db.query(Territory).filter_by(code="demo").one()
        db.add_all([Premises(territory_id=t.id, code="FAR1", insee="77051", name="Salle hors réseau", address="x",
                             lat=47.2, lon=2.6, status="proposed", days=["mardi"], hours="09:00-17:00"),
                    Premises(territory_id=t.id, code="NEW1", insee="77051", name="Salle de Bray", address="x",
                             lat=48.4149, lon=3.2396, status="proposed", days=["mardi"], hours="09:00-17:00")])
        db.commit()
    ranking = client.get(f"/plans/{plan['id']}/proposals", headers=h)
    assert ranking.status_code == 200, ranking.text
    by_code = {r["code"]: r for r in ranking.json()}
    assert "habitants" in by_code["NEW1"]["message"]
    assert "position inutilisable" in by_code["FAR1"]["message"]
    page = client.get(f"/pages/planificateur?plan={plan['id']}", headers=h)
    assert page.status_code == 200 and "Salle hors réseau" in page.text


def test_titles_say_when_and_progress_speaks_planners_words(client, demo):
    h, _ = demo
    seen: list[str] = []
    r = client.post("/plans", json={"kind": "rotation", "start": _monday(), "days": 3, "time_limit_s": 3,
                                    "title": "Décembre"}, headers=h)
    jid = r.json()["id"]
    for _ in range(1200):
        j = client.get(f"/jobs/{jid}", headers=h).json()
        seen.append(j["message"] or "")
        if j["status"] in ("done", "failed", "cancelled", "interrupted"):
            break
        time.sleep(0.05)
    assert j["status"] == "done", j
    start = date.fromisoformat(_monday())
    plan = client.get(f"/plans/{j['plan_id']}", headers=h).json()
    assert plan["title"] == f"Décembre — du {start:%d/%m/%Y} au {start + timedelta(days=2):%d/%m/%Y}"
    assert any("s restantes — 2 unité(s) × 3 jours" in m for m in seen), seen
    assert not any("borne" in m or "meilleure solution" in m for m in seen)


# Opening hours stated by the town halls (options.hours, as the commune page sends them): narrow and
# different per premises, so a solver that kept the seeded Monday-Friday 09:00-17:00 would break them.
STATED = ([["lundi", "lundi", [["09:00", "11:30"]]], ["jeudi", "jeudi", [["14:00", "17:00"]]]],
          [["mardi", "mercredi", [["08:30", "12:00"], ["13:30", "16:00"]]]],
          [["vendredi", "vendredi", [["10:00", "12:30"]]], ["lundi", "lundi", [["14:00", "18:00"]]]])


def _windows(hours: list) -> dict[int, list[tuple[str, str]]]:
    """weekday (Monday 0) -> [("HH:MM", "HH:MM")], read here without the planner's parser."""
    names = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    out: dict[int, list[tuple[str, str]]] = {}
    for first, last, ranges in hours:
        for d in range(names.index(first), names.index(last) + 1):
            out.setdefault(d, []).extend((a, b) for a, b in ranges)
    return out


def test_rotation_sessions_stay_inside_the_stated_opening_hours(client, demo):
    h, _ = demo
    stated = {}
    for k, p in enumerate(client.get("/premises", headers=h).json()):
        r = client.patch(f"/premises/{p['id']}", json={"options": {"hours": STATED[k % 3]}}, headers=h)
        assert r.status_code == 200, r.text
        days = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
        assert r.json()["days"] == [days[d] for d in sorted(_windows(STATED[k % 3]))]  # derived from the hours
        stated[p["code"]] = _windows(STATED[k % 3])
    plan = _plan(client, h, "rotation", 5)
    assert check_stored("rotation", plan["solution"]) == []
    sessions = plan["solution"]["solution"]["sessions"]
    assert len(sessions) >= 3
    for s in sessions:
        windows = stated[s["premises"]].get(date.fromisoformat(s["date"]).weekday(), [])
        assert any(a <= s["start"] and s["end"] <= b for a, b in windows), (s, windows)
    stops = [(it["day"], st) for it in plan["view"]["itineraries"] for st in it["stops"] if st["kind"] == "session"]
    assert len(stops) == len(sessions)
    for day, st in stops:  # what the unit reads on its day sheet: the same windows
        windows = stated[st["place_id"]].get(date.fromisoformat(day[:10]).weekday(), [])
        assert any(a <= st["start"][11:16] and st["end"][11:16] <= b for a, b in windows), (st, windows)
    assert len({date.fromisoformat(s["date"]).weekday() for s in sessions}) >= 2


def test_the_cli_gives_the_service_plan_for_the_same_problem(client, demo, tmp_path):
    """The problem a service plan stores, planned by `planner plan rotation` with the same seed and time: the
    same sessions, nights and consultations (one planner behind both, deterministic search)."""
    import json
    import subprocess
    import sys

    h, _ = demo
    plan = _plan(client, h, "rotation", 5, seed=1)
    (tmp_path / "problem.json").write_text(json.dumps(plan["solution"]["problem"]), encoding="utf-8")
    run = subprocess.run([str(Path(sys.executable).with_name("planner")), "plan", "rotation", "--problem",
                          str(tmp_path / "problem.json"), "--out", str(tmp_path / "out"), "--time-limit", "2",
                          "--seed", "1", "--deterministic"], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stdout + run.stderr
    cli = json.loads((tmp_path / "out" / "solution.json").read_text(encoding="utf-8"))
    service = plan["solution"]["solution"]
    for key in ("sessions", "allocations"):
        assert cli[key] == service[key], key
    assert [(d["unit"], d["date"], d["night"]) for d in cli["days"]] == \
        [(d["unit"], d["date"], d["night"]) for d in service["days"]]
    assert cli["indicators"] == service["indicators"]

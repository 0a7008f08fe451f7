"""Bad input gets a 4xx naming the field: never a 500, never a partial write."""

from datetime import date, timedelta


def _count(client, h, path):
    return len(client.get(path, headers=h).json())


def test_malformed_json_and_wrong_types(client, world):
    h = {**world.headers("planner"), "Content-Type": "application/json"}
    n = _count(client, h, "/patients")
    r = client.post("/patients", content=b'{"code": "P9", "name": ', headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "body"
    r = client.post("/patients", json={"code": "P9", "name": "X", "insee": "77379", "lat": "nord", "lon": 3.2},
                    headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "lat"
    r = client.post("/patients", json={"code": "P9", "name": "X", "insee": "77379", "lat": 48.5, "lon": 3.2,
                                       "frequency_days": 500}, headers=h)
    assert r.status_code == 422 and "frequency_days" in r.json()["message"]
    r = client.post("/patients", json={"code": "P9", "name": "X", "insee": "77379", "lat": 48.5, "lon": 3.2,
                                       "colour": "red"}, headers=h)
    assert r.status_code == 422 and "colour" in r.json()["message"]
    r = client.post("/staff", json=["not", "an", "object"], headers=h)
    assert r.status_code == 422
    assert _count(client, h, "/patients") == n


def test_huge_body_refused(client, world):
    h = {**world.headers("planner"), "Content-Type": "application/json"}
    r = client.post("/patients", content=b"{" + b" " * 2_000_000 + b"}", headers=h)
    assert r.status_code == 413 and r.json()["field"] == "body"
    big = b"code,name\n" + b"X,Y\n" * 100_000
    r = client.post("/imports/patients", files={"file": ("p.csv", big, "text/csv")}, headers=world.headers("planner"))
    assert r.status_code == 413


def test_unknown_ids_and_dates_out_of_range(client, world):
    h = world.headers("planner")
    assert client.get("/patients/987654", headers=h).status_code == 404
    assert client.get("/plans/987654", headers=h).status_code == 404
    assert client.get("/jobs/987654", headers=h).status_code == 404
    assert client.get("/patients/abc", headers=h).status_code == 422
    far = (date.today() + timedelta(days=3000)).isoformat()
    r = client.post("/plans", json={"kind": "rotation", "start": far, "days": 5}, headers=h)
    assert r.status_code == 422 and "start" in r.json()["message"]
    r = client.post("/plans", json={"kind": "rotation", "start": "2026-02-30", "days": 5}, headers=h)
    assert r.status_code == 422 and "start" in r.json()["message"]
    r = client.post("/plans", json={"kind": "rotation", "start": date.today().isoformat(), "days": 100}, headers=h)
    assert r.status_code == 422 and "days" in r.json()["message"]
    r = client.post("/plans", json={"kind": "teleport", "start": date.today().isoformat(), "days": 5}, headers=h)
    assert r.status_code == 422 and "kind" in r.json()["message"]
    assert client.get("/jobs", headers=h).json() == []  # nothing was queued


def test_replan_names_unknown_codes(client, world, run_plan):
    pid = run_plan("home_visits")
    h = world.headers("planner")
    r = client.post(f"/plans/{pid}/replan", json={"absent_staff": "N9"}, headers=h)  # N9 is another territory's
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "absent_staff"
    r = client.post(f"/plans/{pid}/replan", json={}, headers=h)
    assert r.status_code == 422


def test_premises_bad_hours_and_days(client, world):
    h = world.headers("municipality")
    before = _count(client, h, "/premises")
    r = client.post("/premises", json={"name": "S", "lat": 48.5, "lon": 3.2, "hours": "25:00-26:00"}, headers=h)
    assert r.status_code == 422 and "hours" in r.json()["message"]
    r = client.post("/premises", json={"name": "S", "lat": 48.5, "lon": 3.2, "days": ["funday"]}, headers=h)
    assert r.status_code == 422 and "days" in r.json()["message"]
    r = client.post("/premises", json={"name": "S", "lat": 95, "lon": 3.2}, headers=h)
    assert r.status_code == 422 and "lat" in r.json()["message"]
    assert _count(client, h, "/premises") == before


def test_last_visit_in_the_future_refused(client, world):
    h = world.headers("planner")
    r = client.patch(f"/patients/{world.ids['patient']}", json={"last_visit": "2999-01-01"}, headers=h)
    assert r.status_code == 422 and "last_visit" in r.json()["message"]
    r = client.patch(f"/patients/{world.ids['patient']}", json={"last_visit": "2026-13-01"}, headers=h)
    assert r.status_code == 422 and "last_visit" in r.json()["message"]


def test_hours_must_be_ordered(client, world):
    r = client.post("/premises", json={"name": "S", "lat": 48.5, "lon": 3.2, "hours": "17:00-09:00"},
                    headers=world.headers("municipality"))
    assert r.status_code == 422 and "hours" in r.json()["message"]
    r = client.post("/staff", json={"code": "Z", "name": "Z", "role": "nurse", "base_lat": 48.5, "base_lon": 3.2,
                                    "options": {"lundi": "12:00-11:00"}}, headers=world.headers("planner"))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "options.mon"


def test_premises_far_from_their_commune_refused(client, world):
    h = world.headers("municipality")
    r = client.post("/premises", json={"name": "Loin", "lat": 44.0, "lon": 6.0}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "lat"
    mine = client.get("/premises", headers=h).json()[0]
    r = client.patch(f"/premises/{mine['id']}", json={"lat": 44.0, "lon": 6.0, "name": "Déplacé"},
                     headers=world.headers("planner"))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "lat"
    again = client.get(f"/premises/{mine['id']}", headers=h).json()
    assert again["name"] == mine["name"] and again["lat"] == mine["lat"]  # nothing half-written

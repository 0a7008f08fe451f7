"""Hand adjustments through the API, on plans made by the real home-visit planner: a move lands and is
pinned, a refusal names the rule in French and changes nothing, a locked day refuses edits, a re-plan keeps
every pin, a published plan is adjusted in a new draft, and only the territory's planner may edit."""

from __future__ import annotations

from datetime import date, timedelta

from api.service.planning import check_stored

from .test_real_planning import _plan, _wait, db_url, demo  # noqa: F401 - fixtures of the real planner


def _visits(plan: dict) -> list[dict]:
    return [{**v, "day": v["date"]} for v in plan["solution"]["solution"]["calendar"]]


def _move_somewhere(client, h, plan: dict):
    """Move the first single visit that can go to a neighbouring day; (response, visit, new day)."""
    refusals = []
    for v in (x for x in _visits(plan) if not x["joint"]):
        day = date.fromisoformat(v["day"])
        for delta in (1, -1, 2, -2):
            r = client.post(f"/plans/{plan['id']}/visits/{v['patient_id']}/{v['visit_index']}/move",
                            json={"day": (day + timedelta(days=delta)).isoformat()}, headers=h)
            if r.status_code == 200:
                return r, v, (day + timedelta(days=delta)).isoformat()
            assert r.status_code == 422, r.text
            refusals.append(r.json()["detail"][0]["msg"])
    raise AssertionError(refusals)


def test_move_pin_lock_and_replan_around_the_pins(client, demo):
    h, fh = demo
    plan = _plan(client, h, "home_visits", 5)
    r, v, new_day = _move_somewhere(client, h, plan)
    body = r.json()
    assert body["id"] == plan["id"] and "épinglée" in body["message"]  # a draft is edited in place
    after = client.get(f"/plans/{plan['id']}", headers=h).json()
    moved = next(x for x in _visits(after) if (x["patient_id"], x["visit_index"]) == (v["patient_id"], v["visit_index"]))
    assert moved["day"] == new_day
    assert check_stored("home_visits", after["solution"]) == []
    pins = after["solution"]["problem"]["pins"]
    assert [(p["patient_id"], p["day"]) for p in pins] == [(v["patient_id"], new_day)]
    assert after["diff"]["moved"] and after["diff"]["moved"][0]["item"] == v["patient_id"]
    on_screen = {(it["day"], s.get("patient_id")) for it in after["view"]["itineraries"] for s in it["stops"]}
    assert (new_day, v["patient_id"]) in on_screen  # the itineraries the team sees follow the edit

    # a refusal: the rule in French, the field named, nothing written
    doctor = next(x for x in _visits(after) if x["role"] == "doctor" and not x["joint"])
    r = client.post(f"/plans/{plan['id']}/visits/{doctor['patient_id']}/{doctor['visit_index']}/move",
                    json={"day": doctor["day"], "staff_ids": ["N1"]}, headers=h)
    assert r.status_code == 422 and "infirmière" in r.json()["detail"][0]["msg"]
    assert r.json()["detail"][0]["field"] == "staff_ids"
    assert client.get(f"/plans/{plan['id']}", headers=h).json()["solution"] == after["solution"]
    r = client.post(f"/plans/{plan['id']}/visits/{v['patient_id']}/{v['visit_index']}/move",
                    json={"day": "2020-01-01"}, headers=h)
    assert r.status_code == 422 and "hors de la période" in r.json()["detail"][0]["msg"]

    # lock a day: its visits are pinned, edits on it are refused
    other_day = next(x["day"] for x in _visits(after) if x["day"] != new_day)
    r = client.put(f"/plans/{plan['id']}/days/{other_day}/lock", json={"locked": True}, headers=h)
    assert r.status_code == 200 and "verrouillée" in r.json()["message"]
    on_it = next(x for x in _visits(after) if x["day"] == other_day)
    r = client.post(f"/plans/{plan['id']}/visits/{on_it['patient_id']}/{on_it['visit_index']}/move",
                    json={"day": new_day}, headers=h)
    assert r.status_code == 422 and "verrouillée" in r.json()["detail"][0]["msg"]

    # re-plan around the pins: every pin kept, the plan valid
    locked = client.get(f"/plans/{plan['id']}", headers=h).json()
    assert locked["diff"] == after["diff"] and locked["view"] == after["view"]  # a lock moves nothing
    pins = locked["solution"]["problem"]["pins"]
    assert len(pins) > 1
    r = client.post(f"/plans/{plan['id']}/replan-around-pins", json={"time_limit_s": 2}, headers=h)
    assert r.status_code == 202, r.text
    job = _wait(client, h, r.json()["id"])
    assert job["status"] == "done", job
    again = client.get(f"/plans/{job['plan_id']}", headers=h).json()
    assert again["parent_id"] == plan["id"] and check_stored("home_visits", again["solution"]) == []
    now = {(x["patient_id"], x["visit_index"]): x for x in _visits(again)}
    for p in pins:
        got = now[(p["patient_id"], p["visit_index"])]
        assert got["day"] == p["day"] and sorted(got["staff_ids"]) == sorted(p["staff_ids"])

    # field staff may not edit
    r = client.put(f"/plans/{plan['id']}/visits/{v['patient_id']}/{v['visit_index']}/pin", json={"pinned": False},
                   headers=fh)
    assert r.status_code == 403


def test_a_published_plan_is_adjusted_in_a_new_draft(client, demo):
    h, _ = demo
    plan = _plan(client, h, "home_visits", 5)
    assert client.post(f"/plans/{plan['id']}/publish", headers=h).status_code == 200
    v = _visits(plan)[0]
    r = client.put(f"/plans/{plan['id']}/visits/{v['patient_id']}/{v['visit_index']}/pin", json={"pinned": True},
                   headers=h)
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft["id"] != plan["id"] and draft["status"] == "draft" and draft["parent_id"] == plan["id"]
    published = client.get(f"/plans/{plan['id']}", headers=h).json()
    assert published["status"] == "published" and published["solution"]["problem"].get("pins", []) == []
    assert client.get(f"/plans/{draft['id']}/publish-preview", headers=h).status_code == 200
    r = client.put(f"/plans/{plan['id']}/visits/NOPE/1/pin", json={"pinned": True}, headers=h)
    assert r.status_code == 404
    r = client.put(f"/plans/{plan['id']}/visits/{v['patient_id']}/1/pin", json={"pinned": "oui", "x": 1}, headers=h)
    assert r.status_code == 422

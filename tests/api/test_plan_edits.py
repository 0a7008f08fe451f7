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


def _sessions(plan: dict) -> list[dict]:
    return plan["solution"]["solution"]["sessions"]


def test_rotation_session_moved_pinned_refused_and_kept_by_a_replan(client, demo):
    h, fh = demo
    plan = _plan(client, h, "rotation", 5)
    s = _sessions(plan)[0]
    base = f"/plans/{plan['id']}/sessions/{s['unit']}/{s['date']}/{s['half']}"
    # a refusal names the rule in French and writes nothing: a Saturday is outside this Monday-Friday mission
    saturday = (date.fromisoformat(s["date"]) + timedelta(days=5 - date.fromisoformat(s["date"]).weekday()))
    r = client.post(f"{base}/move", json={"to_day": saturday.isoformat()}, headers=h)
    assert r.status_code == 422 and "hors de la mission" in r.json()["detail"][0]["msg"], r.text
    assert client.get(f"/plans/{plan['id']}", headers=h).json()["solution"] == plan["solution"]
    # the same session on the other half-day of its day, or another day: the first the rules allow
    tries, done = [], None
    for day in sorted({x["date"] for x in _sessions(plan)} | {s["date"]}):
        for half in ("am", "pm"):
            if (day, half) == (s["date"], s["half"]):
                continue
            r = client.post(f"{base}/move", json={"to_day": day, "to_half": half}, headers=h)
            if r.status_code == 200:
                done = (day, half)
                break
            assert r.status_code == 422, r.text
            tries.append(r.json()["detail"][0]["msg"])
        if done:
            break
    assert done, tries
    body = r.json()
    assert body["id"] == plan["id"] and "(épinglée)" in body["message"]
    after = client.get(f"/plans/{plan['id']}", headers=h).json()
    assert check_stored("rotation", after["solution"]) == []
    assert {(x["unit"], x["date"], x["half"], x["premises"]) for x in _sessions(after)} >= \
        {(s["unit"], done[0], done[1], s["premises"])}
    assert after["solution"]["problem"]["pins"] == [{"unit_id": s["unit"], "day": done[0], "half": done[1],
                                                     "premises_id": s["premises"]}]
    # pin an empty half-day, then re-plan around the pins: both kept
    empty = next((d, hh) for d in sorted({x["date"] for x in _sessions(after)}) for hh in ("am", "pm")
                 if not any((x["unit"], x["date"], x["half"]) == (s["unit"], d, hh) for x in _sessions(after)))
    r = client.put(f"/plans/{plan['id']}/sessions/{s['unit']}/{empty[0]}/{empty[1]}/pin", json={"pinned": True},
                   headers=h)
    assert r.status_code == 200 and "sans séance" in r.json()["message"], r.text
    r = client.post(f"/plans/{plan['id']}/replan-around-pins", json={"time_limit_s": 3}, headers=h)
    assert r.status_code == 202, r.text
    job = _wait(client, h, r.json()["id"])
    assert job["status"] == "done", job
    again = client.get(f"/plans/{job['plan_id']}", headers=h).json()
    assert check_stored("rotation", again["solution"]) == []
    got = {(x["unit"], x["date"], x["half"]): x["premises"] for x in _sessions(again)}
    assert got.get((s["unit"], done[0], done[1])) == s["premises"]
    assert (s["unit"], empty[0], empty[1]) not in got
    # wrong kind, unknown unit, bad half-day, field staff
    assert client.put(f"/plans/{plan['id']}/visits/P1/1/pin", json={"pinned": True}, headers=h).status_code == 409
    assert client.put(f"/plans/{plan['id']}/sessions/NOPE/{s['date']}/am/pin", json={"pinned": True},
                      headers=h).status_code == 404
    assert client.put(f"/plans/{plan['id']}/sessions/{s['unit']}/{s['date']}/soir/pin", json={"pinned": True},
                      headers=h).status_code == 422
    assert client.put(f"{base}/pin", json={"pinned": False}, headers=fh).status_code == 403

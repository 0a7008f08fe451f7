"""Pages render in French for each role, and the public ones hold no patient data."""

from datetime import date, timedelta


def _login(client, who):
    r = client.post("/auth/login", data={"email": f"{who}@example.org", "password": "motdepasse-de-test"},
                    follow_redirects=False)
    assert r.status_code == 303
    return r.headers["location"]


def test_login_redirects_by_role_and_pages_render(client, world, run_plan):
    run_plan("rotation")
    run_plan("home_visits")
    assert _login(client, "municipality") == "/pages/commune"
    r = client.get("/pages/commune")
    assert r.status_code == 200 and "Proposer un local" in r.text and 'data-clickable=1' in r.text
    assert "Salle des fêtes de Provins" in r.text and "Mairie de Bray" not in r.text
    assert client.get("/pages/planificateur", follow_redirects=False).status_code == 403
    client.cookies.clear()
    assert _login(client, "planner") == "/pages/planificateur"
    r = client.get("/pages/planificateur")
    assert r.status_code == 200 and "Lancer une planification" in r.text and "Indicateurs" in r.text
    client.cookies.clear()
    assert _login(client, "field") == "/pages/ma-journee"
    r = client.get("/pages/ma-journee")
    assert r.status_code == 200 and "Naviguer" in r.text and "geo:" in r.text
    assert "Zoé Patientnom" in r.text  # her own patients, named
    client.cookies.clear()
    assert client.get("/pages/ma-journee", follow_redirects=False).status_code == 303  # to the login page


def test_bad_login_and_public_pages(client, world, run_plan):
    run_plan("rotation")
    run_plan("home_visits")
    r = client.post("/auth/login", data={"email": "planner@example.org", "password": "non"}, follow_redirects=True)
    assert "incorrect" in r.text
    r = client.get(f"/pages/public/{world.ids['insee_a']}")
    assert r.status_code == 200 and "Salle des fêtes de Provins" in r.text
    assert not any(n in r.text for n in world.patient_names + world.patient_addresses)
    assert client.get("/pages/public/99999").status_code == 404
    ics = client.get(f"/public/communes/{world.ids['insee_a']}/schedule.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.content


def test_dashboard_lists_interrupted_jobs_with_rerun(app, client, world):
    from api.service.db.models import Job
    with app.state.sessions() as db:
        db.add(Job(territory_id=world.ids["t1"], kind="plan", status="interrupted", message="interrompu",
                   params={"kind": "rotation"}))
        db.commit()
    _login(client, "planner")
    r = client.get("/pages/planificateur")
    assert "interrompu (redémarrage)" in r.text and 'class="relancer"' in r.text


def _map_data(html: str) -> dict:
    import json
    import re

    return json.loads(re.search(r'<script type="application/json" id="carte-donnees"[^>]*>(.*?)</script>', html, re.S).group(1))


def test_planner_maps_have_one_layer_per_person_day_and_name_no_patient(client, world, run_plan):
    pid = run_plan("home_visits", publish=False)
    h = world.headers("planner")
    its = client.get(f"/plans/{pid}/itineraries", headers=h).json()
    assert len(its) >= 2
    for html in (client.get(f"/pages/planificateur?plan={pid}", headers=h).text,
                 client.get(f"/plans/{pid}/map", headers=h).text):
        carte = _map_data(html)
        assert carte["outlines"]["features"]
        assert [layer["label"].split(" — ")[0] for layer in carte["layers"]] == [it["resource_name"] for it in its]
        for layer, it in zip(carte["layers"], its):
            assert len(layer["legs"]) == len(it["stops"]) - 1  # no network: straight legs, drawn dashed
            assert not layer["on_road"] and not any(leg["on_road"] for leg in layer["legs"])
            assert [s["kind"] for s in layer["stops"]] == [s["kind"] for s in it["stops"] if s["kind"] != "return"]
            assert {s["title"] for s in layer["stops"] if s["kind"] == "visit"} == {"Visite"}
        assert not any(name in html for name in world.patient_names)
        assert "Trajets approximatifs" in html
    other_day = (date.fromisoformat(its[0]["day"]) + timedelta(days=1)).isoformat()
    page = client.get(f"/plans/{pid}/map?day={other_day}", headers=h)
    assert page.status_code == 200 and _map_data(page.text)["layers"] == [] and "Aucune tournée ce jour-là" in page.text
    assert len(_map_data(client.get(f"/plans/{pid}/map?day={its[0]['day']}", headers=h).text)["layers"]) == len(its)
    assert client.get(f"/plans/{pid}/map", headers=world.headers("field")).status_code == 403


def test_map_follows_a_draft_edited_in_place(app, client, world, run_plan):
    """A draft adjusted by hand keeps its id: its map shows the stops where they are now, not the first legs."""
    from api.service.db.models import Plan

    pid = run_plan("home_visits", publish=False)
    h = world.headers("planner")
    before = _map_data(client.get(f"/plans/{pid}/map", headers=h).text)["layers"][0]["legs"]
    with app.state.sessions() as db:
        plan = db.get(Plan, pid)
        view = plan.view
        stop = view["itineraries"][0]["stops"][1]
        stop["location"] = {"lat": stop["location"]["lat"] + 0.01, "lon": stop["location"]["lon"] + 0.01}
        plan.view = None
        db.flush()
        plan.view = view
        db.commit()
        moved = [stop["location"]["lat"], stop["location"]["lon"]]
    for url in (f"/plans/{pid}/map", f"/pages/planificateur?plan={pid}"):
        legs = _map_data(client.get(url, headers=h).text)["layers"][0]["legs"]
        assert legs[0]["coords"][-1] == moved and legs[1]["coords"][0] == moved, url
        assert legs[0]["coords"] != before[0]["coords"] and legs[2:] == before[2:]

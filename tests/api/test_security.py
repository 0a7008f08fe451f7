"""Findings of the outside security test, each with the test that failed before its fix: tokens bound to
their account, body limits on every transfer encoding, login throttling and timing, patients placed in
their commune, withdrawn premises off the public schedule, a second process leaving running jobs alone,
escaped titles and security headers."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.service.app import create_app
from api.cli.users import add_user
from api.service.db.models import Job, User

PW = "motdepasse-de-test"


def _token(client, email, password=PW):
    r = client.post("/auth/token", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def test_deleted_accounts_token_does_not_open_the_next_account(app, client, world, db_url):
    url = app.state.settings.database_url
    uid = add_user(url, email="partant@example.org", role="planner", password=PW, territory="t1",
                   engine=app.state.engine)
    old = _token(client, "partant@example.org")
    with app.state.sessions() as db:
        db.delete(db.get(User, uid))
        db.commit()
    new_uid = add_user(url, email="arrivant@example.org", role="municipality", password=PW, territory="t1",
                       commune="77051", engine=app.state.engine)
    if db_url.startswith("sqlite"):
        assert new_uid == uid  # SQLite gives the id again: the token must not follow it
    r = client.get("/auth/me", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {_token(client, 'arrivant@example.org')}"})
    assert me.status_code == 200 and me.json()["role"] == "municipality"


def test_changed_role_or_new_key_ends_old_tokens(app, client, world):
    h = world.headers("planner2")
    assert client.get("/auth/me", headers=h).status_code == 200
    with app.state.sessions() as db:
        u = db.scalars(select(User).where(User.email == "planner2@example.org")).one()
        u.role = "municipality"
        db.commit()
    assert client.get("/auth/me", headers=h).status_code == 401


def test_unsigned_foreign_and_keyless_tokens_refused(app, client, world):
    claims = jwt.decode(world.tokens["planner"], options={"verify_signature": False})
    none = jwt.encode(claims, None, algorithm="none")
    keyless = jwt.encode({k: v for k, v in claims.items() if k != "key"}, app.state.settings.secret_key, "HS256")
    wrong_key = jwt.encode({**claims, "key": "0" * 32}, app.state.settings.secret_key, "HS256")
    for token in (none, keyless, wrong_key, "pas-un-jeton"):
        assert client.get("/patients", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def _chunks(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size


@pytest.mark.parametrize("who", ["public", "planner"])
def test_chunked_bodies_over_the_limit_are_refused(client, world, who):
    limit = client.app.state.settings.max_body_bytes
    for url, ctype in (("/auth/token", "application/json"), ("/imports/patients", "multipart/form-data; boundary=x"),
                       ("/patients", "application/json"), ("/auth/login", "application/x-www-form-urlencoded")):
        r = client.post(url, content=_chunks(limit * 3), headers=world.headers(who) | {"Content-Type": ctype})
        assert r.status_code == 413, (url, r.status_code, r.text[:200])
    # a chunked body under the limit still works
    small = (b'{"email": "planner@example.org", "password": "%s"}' % PW.encode() for _ in range(1))
    assert client.post("/auth/token", content=small, headers={"Content-Type": "application/json"}).status_code == 200


def test_declared_length_over_the_limit_is_refused_before_reading(client):
    limit = client.app.state.settings.max_body_bytes
    r = client.post("/auth/token", content=b"x" * (limit + 1), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "volumineuse" in r.json()["detail"]


def test_login_is_throttled_with_a_french_message(client, world):
    for _ in range(5):
        assert client.post("/auth/token", json={"email": "field@example.org", "password": "faux"}).status_code == 401
    locked = client.post("/auth/token", json={"email": "field@example.org", "password": PW})
    assert locked.status_code == 429 and "réessayez dans" in locked.json()["detail"]
    assert int(locked.headers["retry-after"]) > 0
    # another account is not locked by it
    assert client.post("/auth/token", json={"email": "planner@example.org", "password": PW}).status_code == 200
    page = client.post("/auth/login", data={"email": "field@example.org", "password": PW}, follow_redirects=True)
    assert "Trop de tentatives" in page.text


def test_unknown_email_costs_a_password_check_too(client, world, monkeypatch):
    import api.service.auth

    calls = []
    real = api.service.auth.verify_password
    monkeypatch.setattr(api.service.auth, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    client.post("/auth/token", json={"email": "personne@example.org", "password": "faux"})
    client.post("/auth/token", json={"email": "planner@example.org", "password": "faux"})
    assert len(calls) == 2 and all(h.startswith("$argon2") for h in calls)


def test_patients_must_lie_in_a_commune_of_the_territory(client, world):
    h = world.headers("planner")
    body = {"code": "PX", "name": "Nouvelle Patiente", "insee": "77379", "lat": 48.56, "lon": 3.30}
    for bad, field in (({"lat": 0.0, "lon": 0.0}, "lat"), ({"insee": "04001", "lat": 44.0, "lon": 6.0}, "insee"),
                       ({"lat": 3.30, "lon": 48.56}, "lat")):
        r = client.post("/patients", json=body | bad, headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == field, r.text
    assert client.post("/patients", json=body, headers=h).status_code == 201
    pid = client.get("/patients", headers=h).json()[-1]["id"]
    r = client.patch(f"/patients/{pid}", json={"lat": 0.0, "lon": 0.0}, headers=h)
    assert r.status_code == 422
    assert client.get(f"/patients/{pid}", headers=h).json()["lat"] != 0.0  # nothing half-written
    csv = "code,name,insee,lat,lon\nPY,Patiente Y,77379,48.56,3.30\nPZ,Patiente Z,77379,0,0\n"
    r = client.post("/imports/patients", files={"file": ("p.csv", csv.encode(), "text/csv")}, headers=h)
    assert r.status_code == 422 and [(e["row"], e["field"]) for e in r.json()["detail"]] == [(3, "lat")], r.text
    assert not any(p["code"] == "PY" for p in client.get("/patients", headers=h).json())


def test_withdrawn_premises_leaves_the_public_schedule(client, world, run_plan):
    run_plan("rotation")
    before = client.get(f"/public/communes/{world.ids['insee_a']}/schedule").json()["sessions"]
    assert any(s["place"] == "Salle des fêtes de Provins" for s in before)
    r = client.post(f"/premises/{world.ids['premises']}/status", json={"status": "withdrawn"},
                    headers=world.headers("planner"))
    assert r.status_code == 200
    after = client.get(f"/public/communes/{world.ids['insee_a']}/schedule").json()["sessions"]
    assert not any(s["place"] == "Salle des fêtes de Provins" for s in after)
    assert "Salle des fêtes" not in client.get(f"/pages/public/{world.ids['insee_a']}").text


def test_a_second_service_process_leaves_running_jobs_alone(app, client, world, db_url, svc):
    h = world.headers("planner")
    start = (date.today() + timedelta(days=2)).isoformat()
    r = client.post("/plans", json={"kind": "home_visits", "start": start, "days": 1, "title": "slow"}, headers=h)
    assert r.status_code == 202, r.text
    jid = r.json()["id"]
    for _ in range(100):
        if client.get(f"/jobs/{jid}", headers=h).json()["status"] == "running":
            break
        time.sleep(0.02)
    app2 = create_app(svc.make_settings(db_url))
    app2.state.plan_function = svc.fake_plan
    try:
        with TestClient(app2) as c2:
            assert c2.get(f"/jobs/{jid}", headers=h).json()["status"] == "running"
        job = svc.wait_job(client, h, jid)
        assert job["status"] == "done"
    finally:
        app2.state.jobs.shutdown()
        app2.state.engine.dispose()
    with app.state.sessions() as db:
        assert db.get(Job, jid).owner == app.state.jobs.instance


def test_plan_title_is_escaped_on_its_map_and_pages_carry_a_csp(client, world, run_plan):
    title = "<script>window.__xss=1</script>${window.__xss=1}"
    pid = run_plan("home_visits", title=title, publish=False)
    h = world.headers("planner")
    page = client.get(f"/plans/{pid}/map", headers=h)
    assert page.status_code == 200 and "<script>window" not in page.text and "&lt;script&gt;" in page.text
    # the plan's road map is a page like the others: its scripts (vendored Leaflet included) by nonce only
    csp = page.headers["content-security-policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)';", csp).group(1)
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert len(scripts) >= 3 and all(f'nonce="{nonce}"' in s for s in scripts)
    assert '<script src="/pages/vendor/leaflet.js"' in page.text and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    carte = client.get(f"/plans/{pid}/exports/carte.html", headers=h)
    csp = carte.headers["content-security-policy"]
    assert "connect-src 'none'" in csp and "sandbox allow-scripts" in csp and "'sha256-" in csp
    assert "${window" not in carte.text
    dash = client.get(f"/pages/planificateur?plan={pid}", headers=h)
    nonce = re.search(r"'nonce-([^']+)'", dash.headers["content-security-policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", dash.text)
    assert scripts and all(f'nonce="{nonce}"' in s for s in scripts)
    assert "<script>window" not in dash.text
    assert dash.headers["cache-control"] == "no-store" and dash.headers["x-content-type-options"] == "nosniff"
    assert client.get("/patients", headers=h).headers["cache-control"] == "no-store"


def test_password_policy_refuses_weak_passwords_in_french(db_url):
    from api.cli.users import add_user
    from api.service.auth import password_problem
    from planner.core.errors import InputError

    for weak, why in (("court-1", "12 caractères"), ("aaaaaaaaaaaaaaaa", "sortes"), ("abababababab1", "répète"),
                      ("MotDePasse!!", "courant"), ("claire.dupont-2026", "e-mail")):
        assert why in (password_problem(weak, "claire.dupont@example.org") or ""), weak
    assert password_problem("cheval-batterie-agrafe") is None and password_problem("Tournée du 7 déc.") is None
    with pytest.raises(InputError) as e:
        add_user(db_url, email="nouvelle@example.org", role="planner", password="azerty", territory="t9")
    assert e.value.field == "password" and "12 caractères" in e.value.message

"""Odd values in every path parameter and in bodies: a 4xx, never a 500 (on SQLite and PostgreSQL)."""

import re

from api.service.app import route_table

ODD = ("0", "-1", "99999999999999999999", "9223372036854775808", "abc", "%00", "77379%00", "é")


def test_odd_path_values_never_500(app, client, world):
    h = world.headers("planner")
    for route in route_table(app):
        if "{" not in route.path:
            continue
        method = sorted(route.methods - {"HEAD"})[0]
        for odd in ODD:
            path = re.sub(r"\{\w+\}", odd, route.path)
            r = client.request(method, path, headers=h, json={} if method in ("POST", "PATCH") else None,
                               follow_redirects=False)
            assert r.status_code < 500, f"{method} {path}: {r.status_code} {r.text[:200]}"


def test_odd_body_values_never_500(client, world):
    h = {**world.headers("planner"), "Content-Type": "application/json"}
    bodies = [b'{"code": "X1", "name": "a\\u0000b", "insee": "77379", "lat": 48.5, "lon": 3.2}',
              b'{"code": "X1", "name": "N", "insee": "77379", "lat": NaN, "lon": 3.2}',
              b'{"code": "X1", "name": "N", "insee": "77379", "lat": 1e999, "lon": 3.2}',
              b'{"code": "X1", "name": "N", "insee": "77379", "lat": 48.5, "lon": 3.2, "frequency_days": 1e30}',
              b'[]', b'null', b'"text"', b'{"code": {"nested": 1}}', b'\xff\xfe']
    for body in bodies:
        r = client.post("/patients", content=body, headers=h)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text[:200])
    r = client.post("/auth/login", data={"email": "a\x00b@example.org", "password": "x"}, follow_redirects=False)
    assert r.status_code < 500
    r = client.post("/auth/token", json={"email": "a\x00b@example.org", "password": "x"})
    assert 400 <= r.status_code < 500
    data = "code,name,address,insee,lat,lon\nX2,A\x00B,rue,77379,48.5,3.2\n".encode()
    r = client.post("/imports/patients", files={"file": ("p.csv", data, "text/csv")}, headers=world.headers("planner"))
    assert r.status_code == 422 and r.json()["detail"][0]["row"] == 2
    assert all(p["code"] not in ("X1", "X2") for p in client.get("/patients", headers=world.headers("planner")).json())

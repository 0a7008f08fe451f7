"""Place search in the service: a town hall finds its own town hall and streets (offline), never another
commune's; field staff and the public may not use it."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path


def test_town_hall_search_stays_in_its_commune(client, world):
    h = world.headers("municipality")  # Provins
    found = client.get("/places/search", params={"q": "Provins"}, headers=h).json()
    assert found and found[0]["kind"] == "mairie" and found[0]["insee"] == "77379"
    assert client.get("/places/search", params={"q": "Bray-sur-Seine"}, headers=h).json() == []
    planner = client.get("/places/search", params={"q": "Bray-sur-Seine"}, headers=world.headers("planner")).json()
    assert planner and planner[0]["insee"] == "77051"
    assert client.get("/places/search", params={"q": "P"}, headers=h).status_code == 422
    assert client.get("/places/search", params={"q": "Provins"}, headers=world.headers("field")).status_code == 403
    assert client.get("/places/search", params={"q": "Provins"}).status_code == 401


@pytest.mark.real_osm
def test_streets_from_the_road_network(app, client, world):
    app.state.settings = app.state.settings.__class__(
        **{**app.state.settings.__dict__, "network_path": shared_path("osm", "fr77_provins_montois_drive.osm")})
    found = client.get("/places/search", params={"q": "12 rue du Temple, Provins"},
                       headers=world.headers("municipality")).json()
    assert found[0]["kind"] == "rue" and found[0]["label"].startswith("Rue du Temple, Provins")
    assert abs(found[0]["lat"] - 48.562) < 0.01 and abs(found[0]["lon"] - 3.30) < 0.02

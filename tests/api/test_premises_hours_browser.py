"""In headless Chromium, on a phone-sized screen: the town-hall clerk of Provins states a room's opening hours
per weekday, is refused in French for a window that ends before it starts (next to that weekday, nothing
saved), corrects it, saves, sees the French summary, changes one hour; the planner sees the same summary."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.cli.users import add_user
from api.service.app import create_app
from api.service.db.models import Unit
from api.service.db.seed import ensure_territory
from tests.api.conftest import CHROMIUM, browser_login
from tests.conftest import shared_path

COMMUNES = Path(__file__).resolve().parents[2] / "data" / "provinois" / "communes.csv"
PW = "motdepasse-horaires"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="fr-FR")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)")


def _server(tmp_path, svc, network_path=None):
    from dataclasses import replace

    url = f"sqlite:///{tmp_path / 'horaires.db'}"
    settings = svc.make_settings(url)
    app = create_app(replace(settings, network_path=network_path) if network_path else settings)
    app.state.plan_function = svc.fake_plan
    with app.state.sessions() as db:
        t = ensure_territory(db, "provinois", COMMUNES, "Provinois")
        db.add(Unit(territory_id=t.id, code="U1", name="Unité mobile 1", roles=["doctor", "nurse"],
                    base_name="Maison de santé de Provins", base_lat=48.5597, base_lon=3.2995))
        db.commit()
    add_user(url, email="mairie@example.org", role="municipality", password=PW, territory="provinois",
             commune="77379", engine=app.state.engine)
    add_user(url, email="planif@example.org", role="planner", password=PW, territory="provinois",
             engine=app.state.engine)
    return svc.serve(app)


@pytest.fixture
def server(tmp_path, svc):
    with _server(tmp_path, svc) as base:
        yield base


@pytest.fixture
def osm_server(tmp_path, svc):
    with _server(tmp_path, svc, shared_path("osm", "fr77_provins_montois_drive.osm")) as base:
        yield base


def _premises(base: str) -> list[dict]:
    token = httpx.post(f"{base}/auth/token", json={"email": "planif@example.org", "password": PW}).json()
    return httpx.get(f"{base}/premises", headers={"Authorization": f"Bearer {token['access_token']}"}).json()


def _set(page, day: str, half: str, start: str | None, end: str | None = None) -> None:
    """Tick a half-day open with its times, or (start None) untick it: closed."""
    box = page.locator(f"#ouvert-{day}-{half}")
    if start is None:
        box.uncheck()
        assert page.locator(f"#debut-{day}-{half}").is_disabled()
        return
    box.check()
    page.fill(f"#debut-{day}-{half}", start)
    page.fill(f"#fin-{day}-{half}", end)


def test_clerk_states_hours_is_refused_in_french_saves_and_reads_the_summary(server):
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            ctx = browser.new_context(**PHONE)
            page = ctx.new_page()
            browser_login(page, server, "mairie@example.org", PW)
            page.wait_for_url("**/pages/commune")
            page.fill("#q", "Provins")
            page.click("#recherche button[type=submit]")
            page.locator("#trouves button.choisir", has_text="Mairie de Provins").click()
            page.fill("#name", "Salle du Temple")
            page.fill("#address", "12 rue du Temple, Provins")
            # Monday morning, Thursday afternoon; Tuesday (ticked by default) closed; a bad Monday afternoon
            _set(page, "mardi", "matin", None)
            _set(page, "mardi", "apresmidi", None)
            _set(page, "jeudi", "matin", None)
            _set(page, "lundi", "matin", "09:00", "12:00")
            _set(page, "jeudi", "apresmidi", "14:00", "18:00")
            _set(page, "lundi", "apresmidi", "14:00", "11:00")
            assert "ferme" in page.get_attribute("#jour-mardi", "class")  # shown closed
            assert "ferme" not in page.get_attribute("#jour-lundi", "class")
            page.click("#envoyer")
            refusal = page.locator("#erreur-lundi")
            refusal.wait_for(state="visible")
            assert "lundi : le créneau 14:00–11:00 finit avant de commencer" in refusal.inner_text()
            assert "horaires d'ouverture" in refusal.inner_text()
            assert "refuse" in page.get_attribute("#jour-lundi", "class")
            assert page.inner_text("#erreur-jeudi") == ""  # only the weekday at fault
            assert "Refusé" in page.inner_text("#resultat")
            assert _premises(server) == []  # nothing saved
            # corrected: Monday afternoon closed
            _set(page, "lundi", "apresmidi", None)
            page.click("#envoyer")
            page.wait_for_selector("text=Proposition enregistrée")
            row = page.locator("#propositions tr", has_text="Salle du Temple")
            row.wait_for()
            assert row.locator("td.horaires").inner_text() == "lun. 09h00–12h00 · jeu. 14h00–18h00"
            assert "lundi, jeudi" in row.inner_text()  # the days follow the hours
            saved = _premises(server)
            assert [(x["days"], x["options"]["hours"]) for x in saved] == [
                (["lundi", "jeudi"], [["lundi", "lundi", [["09:00", "12:00"]]],
                                      ["jeudi", "jeudi", [["14:00", "18:00"]]]])]
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            # the clerk changes Thursday's closing time on the proposal
            row.locator(".modifier").click()
            assert page.is_checked("#ouvert-jeudi-apresmidi") and not page.is_checked("#ouvert-mardi-matin")
            assert page.input_value("#fin-jeudi-apresmidi") == "18:00"
            page.fill("#fin-jeudi-apresmidi", "17:30")
            page.click("#envoyer")
            page.wait_for_selector("text=Modifications enregistrées")
            page.wait_for_selector("#propositions td.horaires:has-text('17h30')")
            assert page.inner_text("#propositions td.horaires") == "lun. 09h00–12h00 · jeu. 14h00–17h30"
            assert len(_premises(server)) == 1
            ctx.close()

            # the planner reads the same summary among the proposals to review
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            page = ctx.new_page()
            browser_login(page, server, "planif@example.org", PW)
            page.wait_for_url("**/pages/planificateur")
            row = page.locator("#locaux tr", has_text="Salle du Temple")
            assert row.locator("td.horaires").inner_text() == "lun. 09h00–12h00 · jeu. 14h00–17h30"
            ctx.close()
        finally:
            browser.close()


@pytest.mark.real_osm
def test_clerk_places_a_room_by_its_street_and_states_its_hours(osm_server):
    """With the real road network of the Provinois (../shared): the address found on its street."""
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            ctx = browser.new_context(**PHONE)
            page = ctx.new_page()
            browser_login(page, osm_server, "mairie@example.org", PW)
            page.wait_for_url("**/pages/commune")
            page.fill("#q", "12 rue du Temple, Provins")
            page.click("#recherche button[type=submit]")
            page.locator("#trouves button.choisir", has_text="Rue du Temple").first.click(timeout=60_000)
            assert page.input_value("#address") == "12 rue du Temple, Provins"
            page.fill("#name", "Ancienne école du Temple")
            _set(page, "mardi", "apresmidi", None)
            _set(page, "samedi", "matin", "08:30", "12:30")
            page.click("#envoyer")
            page.wait_for_selector("text=Proposition enregistrée")
            row = page.locator("#propositions tr", has_text="Ancienne école du Temple")
            row.wait_for()
            assert row.locator("td.horaires").inner_text() == \
                "mar. 09h00–12h00 · jeu. 09h00–12h00, 14h00–17h00 · sam. 08h30–12h30"
            [saved] = _premises(osm_server)
            assert abs(saved["lat"] - 48.562) < 0.01 and abs(saved["lon"] - 3.30) < 0.02
            assert saved["days"] == ["mardi", "jeudi", "samedi"]
            ctx.close()
        finally:
            browser.close()

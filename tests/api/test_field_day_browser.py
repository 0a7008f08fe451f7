""""Ma journée" on a phone (Chromium at 390×844): the stop list, the map along the roads of the plan's legs
(vendored Leaflet, no tile server), navigation links for Android and iPhone, no sideways scrolling, 16 px
text, a visit ticked done; the day stays readable offline and a tick made offline is sent when the network
is back; a mobile-unit crew member sees the unit's day."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select

from api.cli.users import add_user
from api.service.app import create_app
from api.service.db.models import Patient, Premises, Staff, Unit, VisitTick
from tests.api.conftest import CHROMIUM, browser_login, wait_job
from api.service.db.seed import ensure_territory

REPO = Path(__file__).resolve().parents[2]
COMMUNES = REPO / "data" / "provinois" / "communes.csv"
OSM = REPO.parent / "shared" / "osm" / "fr77_provins_montois_drive.osm"
PW = "motdepasse-journee"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
TODAY = date.today().isoformat()
pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)"),
              pytest.mark.real_osm]


@pytest.fixture
def day_server(tmp_path, svc):
    if not OSM.exists():
        pytest.skip("needs ../shared/osm/fr77_provins_montois_drive.osm")
    url = f"sqlite:///{tmp_path / 'journee.db'}"
    app = create_app(svc.make_settings(url, network_path=OSM))

    def planned_on_roads(snapshot, params, progress):  # the fake planner's stops, as a plan on the network
        out = svc.fake_plan(snapshot, params, progress)
        return replace(out, view=replace(out.view, approximate=False))

    app.state.plan_function = planned_on_roads
    with app.state.sessions() as db:
        t = ensure_territory(db, "provinois", COMMUNES, "Provinois")
        db.add(Unit(territory_id=t.id, code="U1", name="Unité mobile 1", roles=["doctor", "nurse"],
                    base_name="Maison de santé de Provins", base_lat=48.5597, base_lon=3.2995))
        db.add(Staff(territory_id=t.id, code="N1", name="Inès Infirmière", role="nurse",
                     base_name="Maison de santé de Provins", base_lat=48.5597, base_lon=3.2995))
        db.add(Staff(territory_id=t.id, code="D1", name="Dr Durand", role="doctor",
                     base_name="Maison de santé de Provins", base_lat=48.5597, base_lon=3.2995))
        for k in range(6):
            db.add(Patient(territory_id=t.id, code=f"P{k}", name=f"Madame Fictive{k}",
                           address=f"{k + 1} rue fictive, 77160 Provins", insee="77379",
                           lat=48.552 + k * 0.004, lon=3.285 + k * 0.005))
        db.add(Premises(territory_id=t.id, code="S1", insee="77379", name="Salle des fêtes de Provins",
                        address="Place du Marché, Provins", lat=48.5605, lon=3.2990, status="approved",
                        days=["lundi", "mardi", "mercredi", "jeudi", "vendredi"], hours="09:00-17:00"))
        db.commit()
    for email, role, kw in (("planif@example.org", "planner", {}), ("ines@example.org", "field", {"staff_id": "N1"}),
                            ("durand@example.org", "field", {"staff_id": "D1"})):
        add_user(url, email=email, role=role, password=PW, territory="provinois", engine=app.state.engine, **kw)
    with svc.serve(app) as base:
        yield base, app


def _api(base: str) -> httpx.Client:
    token = httpx.post(f"{base}/auth/token", json={"email": "planif@example.org", "password": PW}).json()
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=60)


def _publish(api: httpx.Client, kind: str) -> int:
    job = api.post("/plans", json={"kind": kind, "start": TODAY, "days": 1}).json()
    j = wait_job(api, {}, job["id"])
    assert j["status"] == "done", j
    assert api.post(f"/plans/{j['plan_id']}/publish").status_code == 200
    return j["plan_id"]


def _login(page, base, email):
    browser_login(page, base, email, PW)
    page.wait_for_url("**/pages/ma-journee**")


def _vertices(d: str) -> int:
    return len(re.findall(r"[ML]", d))


def test_my_day_on_a_phone(day_server):
    sync = pytest.importorskip("playwright.sync_api")
    base, app = day_server
    api = _api(base)
    with app.state.sessions() as db:
        p0 = db.scalars(select(Patient).where(Patient.code == "P0")).one()
        unit = db.scalars(select(Unit)).one()
    assert api.put(f"/patients/{p0.id}/access", json={"phone": "06 12 34 56 78", "door_code": "4821B",
                                                       "access_note": "Sonnette à gauche"}).status_code == 200
    assert api.put(f"/units/{unit.id}/crew", json={"staff": ["D1"]}).status_code == 200
    _publish(api, "home_visits")
    _publish(api, "rotation")
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      device_scale_factor=2, locale="fr-FR")
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            _login(page, base, "ines@example.org")

            # The stop list: her three patients (the fake planner deals P0, P2, P4 to N1), with access details.
            visits = page.locator("#arrets li[data-kind=visit]")
            assert visits.count() == 3
            text = page.inner_text("#arrets")
            assert all(f"Madame Fictive{k}" in text for k in (0, 2, 4)) and "Madame Fictive1" not in text
            assert "06 12 34 56 78" in text and "4821B" in text and "Sonnette à gauche" in text

            # The map: Leaflet's own script and style, roads drawn along the legs (many points, solid): her day
            # is one polyline of four legs (depart -> 3 visits -> return), alone, so without a legend.
            page.wait_for_selector("#carte path.troncon-route")
            roads = page.locator("#carte path.troncon-route")
            assert roads.count() == 1
            d = roads.nth(0).get_attribute("d")
            assert d.count("M") == 4 and _vertices(d) > 4 * 2 * 3
            assert page.locator("#carte path.troncon-approx").count() == 0
            assert page.locator("#carte .num").count() == 4  # D, 1, 2, 3
            assert page.locator("#carte-calques li").count() == 0
            assert "le long des routes" in page.inner_text("#legende")

            # Navigation links of the first visit point at its home, in each phone app's own form.
            first = visits.nth(0)
            hrefs = [first.locator(".nav a").nth(k).get_attribute("href") for k in range(4)]
            lat, lon = 48.552, 3.285
            m = re.match(r"geo:(-?\d+\.\d+),(-?\d+\.\d+)\?q=", hrefs[0])
            assert m and abs(float(m[1]) - lat) < 1e-6 and abs(float(m[2]) - lon) < 1e-6
            apple, google, waze = (parse_qs(urlparse(h).query) for h in hrefs[1:])
            assert urlparse(hrefs[1]).netloc == "maps.apple.com" and apple["daddr"] == ["48.552000,3.285000"]
            assert google["destination"] == ["48.552000,3.285000"] and google["api"] == ["1"]
            assert waze["ll"] == ["48.552000,3.285000"] and waze["navigate"] == ["yes"]
            assert first.locator("a.tel").get_attribute("href") == "tel:0612345678"

            # A phone page, not a shrunk print.
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert page.evaluate("getComputedStyle(document.body).fontSize") == "16px"
            assert page.evaluate("getComputedStyle(document.querySelector('#arrets li div')).fontSize") == "16px"
            assert "width=device-width" in page.locator("meta[name=viewport]").get_attribute("content")

            # Tick the first visit done.
            first.locator("button[data-status=done]").click()
            first.locator(".etat", has_text="Visite faite").wait_for()

            # Offline: the worker keeps the day; a reload without network still shows it.
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.reload()
            page.wait_for_function("navigator.serviceWorker.controller !== null")
            ctx.set_offline(True)
            page.reload()
            assert page.locator("#arrets li[data-kind=visit]").count() == 3
            assert page.locator("#hors-ligne").is_visible()
            page.wait_for_selector("#carte path.troncon-route")  # Leaflet from the worker's cache
            # A visit not done, ticked offline: kept on the phone, sent once the network is back.
            second = page.locator("#arrets li[data-kind=visit]").nth(1)
            second.locator("select.motif").select_option("absent")
            second.locator("button[data-status=not_done]").click()
            second.locator(".etat", has_text="Hors ligne").wait_for()
            ctx.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")
            for _ in range(100):
                with app.state.sessions() as db:
                    ticks = {(t.patient_code, t.status, t.reason) for t in db.scalars(select(VisitTick))}
                if len(ticks) == 2:
                    break
                time.sleep(0.1)
            assert ticks == {("P0", "done", None), ("P2", "not_done", "absent")}

            # The printed sheet drops the map, the buttons and the links.
            page.emulate_media(media="print")
            assert not page.locator("#carte").is_visible() and not page.locator(".nav").first.is_visible()
            assert errors == []
            ctx.close()

            # A crew member on board the mobile unit sees the unit's day: premises, hours, who is on board.
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="fr-FR")
            page = ctx.new_page()
            _login(page, base, "durand@example.org")
            sessions = page.locator("#arrets li[data-kind=session]")
            assert sessions.count() >= 1
            assert "Salle des fêtes de Provins" in sessions.nth(0).inner_text()
            assert "Consultations de" in sessions.nth(0).inner_text()
            assert "À bord : Dr Durand" in page.inner_text(".equipage")
            page.wait_for_selector("#carte path.troncon-route")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            ctx.close()
        finally:
            browser.close()

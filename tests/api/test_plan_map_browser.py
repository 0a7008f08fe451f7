"""The planner sees a plan on the road map (Chromium): on the dashboard and on the plan's full-screen map, one
Leaflet polyline per person and day drawn along the roads of the network, a legend whose boxes show and hide
a person's day, popups that show a hostile name as text, and no request leaving 127.0.0.1 (vendored Leaflet,
no tile server)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from api.cli.users import add_user
from api.service.app import create_app
from api.service.db.models import Patient, Staff
from api.service.db.seed import ensure_territory
from tests.api.conftest import CHROMIUM, browser_login, wait_job

REPO = Path(__file__).resolve().parents[2]
COMMUNES = REPO / "data" / "provinois" / "communes.csv"
OSM = REPO.parent / "shared" / "osm" / "fr77_provins_montois_drive.osm"
PW = "motdepasse-carte-plan"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
HOSTILE = "Inès <img src=x onerror=window.__xss=1></script><script>window.__xss=1</script>"
START = date.today() + timedelta(days=1)
pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)"),
              pytest.mark.real_osm]


@pytest.fixture
def map_server(tmp_path, svc):
    if not OSM.exists():
        pytest.skip("needs ../shared/osm/fr77_provins_montois_drive.osm")
    url = f"sqlite:///{tmp_path / 'carte.db'}"
    app = create_app(svc.make_settings(url, network_path=OSM))

    def two_days_on_roads(snapshot, params, progress):  # the fake planner's day, twice, as a plan on the network
        first = svc.fake_plan(snapshot, params, progress)
        second = svc.fake_plan(snapshot, {**params, "start": (START + timedelta(days=1)).isoformat()}, progress)
        return replace(first, view=replace(first.view, approximate=False,
                                           itineraries=first.view.itineraries + second.view.itineraries))

    app.state.plan_function = two_days_on_roads
    with app.state.sessions() as db:
        t = ensure_territory(db, "provinois", COMMUNES, "Provinois")
        db.add(Staff(territory_id=t.id, code="N1", name=HOSTILE, role="nurse",
                     base_name="Maison de santé de Provins", base_lat=48.5597, base_lon=3.2995))
        db.add(Staff(territory_id=t.id, code="D1", name="Dr Durand", role="doctor",
                     base_name="Maison de santé de Provins", base_lat=48.5597, base_lon=3.2995))
        for k in range(6):
            db.add(Patient(territory_id=t.id, code=f"P{k}", name=f"Madame Fictive{k}",
                           address=f"{k + 1} rue fictive, 77160 Provins", insee="77379",
                           lat=48.552 + k * 0.004, lon=3.285 + k * 0.005))
        db.commit()
    add_user(url, email="planif@example.org", role="planner", password=PW, territory="provinois",
             engine=app.state.engine)
    with svc.serve(app) as base:
        token = httpx.post(f"{base}/auth/token", json={"email": "planif@example.org", "password": PW}).json()
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token['access_token']}"},
                          timeout=60) as api:
            job = api.post("/plans", json={"kind": "home_visits", "start": START.isoformat(), "days": 2})
            assert job.status_code == 202, job.text
            j = wait_job(api, {}, job.json()["id"])
            assert j["status"] == "done", j
        yield base, j["plan_id"]


def _check_map(page, layers: int) -> None:
    """`layers` person-days: one road polyline each (many points), toggled by its legend box; popups as text."""
    page.wait_for_selector("#carte path.tournee")
    assert page.locator("#carte path.tournee").count() == layers
    assert page.locator("#carte path.troncon-approx").count() == 0
    for k in range(layers):
        road = page.locator(f"#carte path.troncon-route.calque-{k}")
        assert road.count() == 1
        d = road.get_attribute("d")
        assert d.count("L") > 3 * d.count("M") > 0  # along the roads, not one straight line per leg
    boxes = page.locator("#carte-calques input[type=checkbox]")
    assert boxes.count() == layers
    legend = page.inner_text("#carte-calques")
    assert legend.count("Dr Durand") == layers // 2 and legend.count(HOSTILE) == layers // 2
    assert page.locator("#carte-calques img, #carte-calques script").count() == 0

    # Hide then show the first person-day: its road and its stops leave the map and come back.
    stops = page.locator(".arret-carte.calque-0").count()
    assert stops >= 2
    boxes.nth(0).uncheck()
    assert page.locator("#carte path.calque-0").count() == 0 and page.locator(".arret-carte.calque-0").count() == 0
    assert page.locator("#carte path.tournee").count() == layers - 1
    boxes.nth(0).check()
    assert page.locator("#carte path.calque-0").count() == 1
    assert page.locator(".arret-carte.calque-0").count() == stops

    # The nurse's first visit: a popup with her name as text (no element made of it), the stop not named.
    nurse = next(k for k in range(layers) if HOSTILE in page.locator("#carte-calques label").nth(k).inner_text())
    page.locator(f".arret-carte.calque-{nurse}").nth(1).dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.inner_text().splitlines()[0] == "Visite"
    assert HOSTILE in popup.inner_text() and "09:00" in popup.inner_text()
    assert popup.locator("img, script").count() == 0
    page.locator(f"#carte path.calque-{nurse}").dispatch_event("click")  # the road's popup: person, day, totals
    page.wait_for_selector(".leaflet-popup-content >> text=arrêt(s)")
    assert HOSTILE in page.inner_text(".leaflet-popup-content")
    assert page.evaluate("() => window.__xss === undefined")


def test_planner_sees_the_plan_on_road_maps(map_server):
    sync = pytest.importorskip("playwright.sync_api")
    base, pid = map_server
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            page = ctx.new_page()
            requests: list[str] = []
            errors: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            browser_login(page, base, "planif@example.org", PW)

            page.goto(f"{base}/pages/planificateur?plan={pid}")
            _check_map(page, 4)  # 2 caregivers x 2 days
            assert "le long des routes" in page.inner_text("main")

            page.goto(f"{base}/plans/{pid}/map")
            _check_map(page, 4)
            assert page.locator("script[src='/pages/vendor/leaflet.js']").count() == 1

            page.goto(f"{base}/plans/{pid}/map?day={START.isoformat()}")  # one day: one polyline per caregiver
            _check_map(page, 2)

            assert requests and all(u.startswith(base + "/") or u.startswith("data:") for u in requests), \
                [u for u in requests if not u.startswith(base + "/")]
            assert any(u == f"{base}/pages/vendor/leaflet.js" for u in requests)
            assert errors == []
            ctx.close()
        finally:
            browser.close()

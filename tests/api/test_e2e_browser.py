"""End to end in headless Chromium (Debian's package, driven by Playwright): a municipality proposes
premises on the map, a planner approves them, plans a rotation (real solver) that uses them and publishes
it, plans and publishes home visits, and a nurse opens her day on a phone-sized screen."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from api.service.app import create_app
from api.cli.users import add_user
from api.service.db.models import Patient, Staff, Unit
from api.service.db.seed import ensure_territory
from api.service.settings import Settings
from tests.api.conftest import CHROMIUM, browser_login

COMMUNES = Path(__file__).resolve().parents[2] / "data" / "provinois" / "communes.csv"
PW = "motdepasse-e2e"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)")


@pytest.fixture
def server(tmp_path, svc):
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    app = create_app(Settings(database_url=url, secret_key="e2e-secret-assez-long-pour-hs256-0123456789",
                              workers=1))
    with app.state.sessions() as db:
        t = ensure_territory(db, "provinois", COMMUNES, "Provinois")
        db.add(Unit(territory_id=t.id, code="U1", name="Unité mobile 1", roles=["doctor", "nurse"],
                    base_name="Maison de santé de Provins", base_lat=48.5597, base_lon=3.2995))
        db.add(Staff(territory_id=t.id, code="N1", name="Inès Infirmière (fictive)", role="nurse",
                     base_name="Maison de santé de Provins", base_lat=48.5597, base_lon=3.2995))
        db.add(Staff(territory_id=t.id, code="D1", name="Dr Durand (fictif)", role="doctor",
                     base_name="Maison de santé de Provins", base_lat=48.5597, base_lon=3.2995))
        for k in range(6):
            db.add(Patient(territory_id=t.id, code=f"P{k}", name=f"Madame Fictive{k}", address=f"{k + 1} rue fictive",
                           insee="77379", lat=48.55 + k * 0.004, lon=3.28 + k * 0.005, frequency_days=7,
                           tolerance_days=3, last_visit=date.today() - timedelta(days=5), last_role="doctor"))
        db.commit()
    add_user(url, email="mairie@example.org", role="municipality", password=PW, territory="provinois",
             commune="77051")
    add_user(url, email="planif@example.org", role="planner", password=PW, territory="provinois")
    add_user(url, email="ines@example.org", role="field", password=PW, territory="provinois", staff_id="N1")
    with svc.serve(app) as base:
        yield base


def _monday() -> str:
    d = date.today()
    return (d + timedelta(days=(7 - d.weekday()) % 7 or 7)).isoformat()


def test_municipality_planner_nurse(server):
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            # 1. The town hall of Bray-sur-Seine proposes a room by clicking on its commune.
            ctx = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
            page = ctx.new_page()
            browser_login(page, server, "mairie@example.org", PW)
            page.wait_for_url("**/pages/commune")
            page.fill("#q", "Bray-sur-Seine")  # finds the town hall by name, offline
            page.click("#recherche button[type=submit]")
            page.locator("#trouves button.choisir", has_text="Mairie de Bray-sur-Seine").click()
            assert abs(float(page.input_value("#lat")) - 48.41) < 0.02
            assert page.locator("svg#carte circle#repere").count() == 1
            page.locator('path[data-insee="77051"]').click()  # then adjusts on the map
            assert page.input_value("#lat") and page.input_value("#lon")
            lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
            assert 48.3 < lat < 48.5 and 3.1 < lon < 3.35  # inside Bray-sur-Seine's outline, roughly
            page.fill("#name", "Salle polyvalente de Bray")
            page.fill("#address", "Rue du Port, Bray-sur-Seine")
            page.fill("#rooms", "2")
            for day in ("lundi", "mercredi", "vendredi"):  # mornings, besides Tuesday and Thursday's days
                page.check(f"#ouvert-{day}-matin")
            page.click("#envoyer")
            page.wait_for_selector("text=Proposition enregistrée")
            page.wait_for_selector("#propositions >> text=Salle polyvalente de Bray")
            assert "proposé" in page.inner_text("#propositions")
            ctx.close()

            # 2. The planner approves it, plans a rotation, watches it and publishes it.
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            page = ctx.new_page()
            browser_login(page, server, "planif@example.org", PW)
            page.wait_for_url("**/pages/planificateur")
            page.locator("#locaux tr", has_text="Salle polyvalente de Bray").locator(".approuver").click()
            page.wait_for_selector("#locaux >> text=retenu")
            for kind, days in (("rotation", "5"), ("home_visits", "5")):
                page.select_option("#kind", kind)
                page.fill("#start", _monday())
                page.fill("#days", days)
                page.fill("#time_limit_s", "2")
                page.click("#lancer-btn")
                page.wait_for_selector("#progression", state="visible")
                page.wait_for_selector("#plan-courant:has-text('brouillon')", timeout=60_000)
                page.locator("#plans tr", has_text="brouillon").first.locator(".publier").click()
                page.wait_for_selector("#apercu[open] #apercu-resume:has-text('plan')")  # the preview first
                page.once("dialog", lambda d: d.accept())  # no mail server in tests: the page says so
                page.click("#apercu-confirmer")
                page.wait_for_selector("#plan-courant >> text=publié")
                assert page.locator("#indicateurs tr").count() > 0
                assert page.locator("#carte path.tournee").count() > 0  # the plan on the road map (Leaflet)
            # the doctor falls ill: re-plan the home visits from the first day; the result is a new draft
            page.select_option("#absent_staff", "D1")
            page.fill("#from_date", _monday())
            page.click("#replanifier button[type=submit]")
            page.wait_for_selector("#plan-courant:has-text('re-planifié')", timeout=60_000)
            assert "Changements par rapport au plan précédent" in page.content()
            ctx.close()

            # the town hall sees its room used by the published plan
            ctx = browser.new_context(locale="fr-FR")
            page = ctx.new_page()
            browser_login(page, server, "mairie@example.org", PW)
            page.wait_for_url("**/pages/commune")
            row = page.locator("#propositions tr", has_text="Salle polyvalente de Bray")
            assert "retenu" in row.inner_text() and int(row.locator("td").nth(5).inner_text()) > 0
            ctx.close()

            # the public schedule of Bray lists the new room, on a phone, without sideways scrolling
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="fr-FR")
            page = ctx.new_page()
            page.goto(f"{server}/pages/public/77051")
            assert "Salle polyvalente de Bray" in page.inner_text("#seances")
            assert "mairie de Bray-sur-Seine" in page.inner_text("#contact")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
            snippet = page.inner_text("#integrer code")
            assert "/pages/public/77051/integration" in snippet and "<iframe" in snippet
            # the embeddable version, framed by another site's page
            page.set_content(f'<iframe id="f" src="{server}/pages/public/77051/integration" '
                             'style="width:360px;height:600px"></iframe>')
            frame = page.frame_locator("#f")
            assert "Salle polyvalente de Bray" in frame.locator("#seances").inner_text()
            ctx.close()

            # 3. The nurse opens her day on a phone.
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      device_scale_factor=2, locale="fr-FR")
            page = ctx.new_page()
            browser_login(page, server, "ines@example.org", PW)
            page.wait_for_url("**/pages/ma-journee**")
            stops = page.locator("#arrets li[data-kind=visit], #arrets li[data-kind=joint_visit]")
            assert stops.count() > 0
            assert "Madame Fictive" in page.inner_text("#arrets")
            assert page.locator("#arrets a[href^='geo:']").count() >= stops.count()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 400  # no sideways scrolling on a phone
            assert page.locator("#carte").is_visible()
            page.emulate_media(media="print")
            assert not page.locator("#carte").is_visible()  # the printed day sheet drops the map
            ctx.close()
        finally:
            browser.close()

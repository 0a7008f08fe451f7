"""In Chromium: a planner drags a visit to another caregiver of the wrong role (refused, the rule in French),
then to another day (moved and pinned), re-plans around the pin (kept where it was put), and publishes the
result after the preview."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from api.cli.users import add_user
from api.service.app import create_app
from api.service.db.models import Patient, Staff
from api.service.db.seed import ensure_territory
from api.service.settings import Settings
from tests.api.conftest import CHROMIUM, browser_login

COMMUNES = Path(__file__).resolve().parents[2] / "data" / "provinois" / "communes.csv"
PW = "motdepasse-ajuste"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)")


@pytest.fixture
def server(tmp_path, svc):
    url = f"sqlite:///{tmp_path / 'edits.db'}"
    app = create_app(Settings(database_url=url, secret_key="edits-secret-assez-long-pour-hs256-0123456789",
                              workers=1))
    with app.state.sessions() as db:
        t = ensure_territory(db, "provinois", COMMUNES, "Provinois")
        for code, name, role in (("N1", "Inès Infirmière (fictive)", "nurse"), ("D1", "Dr Durand (fictif)", "doctor")):
            db.add(Staff(territory_id=t.id, code=code, name=name, role=role, base_name="Maison de santé de Provins",
                         base_lat=48.5597, base_lon=3.2995))
        for k in range(6):
            db.add(Patient(territory_id=t.id, code=f"P{k}", name=f"Madame Fictive{k}", address=f"{k + 1} rue fictive",
                           insee="77379", lat=48.55 + k * 0.004, lon=3.28 + k * 0.005,
                           frequency_days=7 if k < 3 else 14, tolerance_days=3,  # fortnightly ones can move
                           last_visit=date.today() - timedelta(days=5 if k < 3 else 10), last_role="doctor"))
        db.commit()
    add_user(url, email="planif@example.org", role="planner", password=PW, territory="provinois")
    with svc.serve(app) as base:
        yield base


def _monday() -> str:
    d = date.today()
    return (d + timedelta(days=(7 - d.weekday()) % 7 or 7)).isoformat()


def _plan_id(page) -> str:
    return page.url.split("plan=")[1].split("#")[0].split("&")[0]


def test_drag_pin_replan_and_publish(server):
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(viewport={"width": 1300, "height": 900}, locale="fr-FR").new_page()
            browser_login(page, server, "planif@example.org", PW)
            page.goto(f"{server}/pages/planificateur")
            page.select_option("#kind", "home_visits")
            page.fill("#start", _monday())
            page.fill("#days", "5")
            page.fill("#time_limit_s", "2")
            page.click("#lancer-btn")
            page.wait_for_url("**/pages/planificateur?plan=*", timeout=90_000)
            first = _plan_id(page)
            page.wait_for_selector("#frise .visite")

            # a doctor's visit dropped on the nurse's row: refused, in French, nothing changes
            card = page.locator("#frise td.case[data-staff='D1'] .visite").first
            day = card.locator("xpath=..").get_attribute("data-day")
            card.drag_to(page.locator(f"#frise td.case[data-staff='N1'][data-day='{day}']"))
            page.wait_for_selector("#ajustement-msg.erreur")
            assert "médecin" in page.inner_text("#ajustement-msg") or "infirmière" in page.inner_text("#ajustement-msg")

            # a visit dragged to a neighbouring day of the same caregiver: the first one its rhythm allows
            days = [d.get_attribute("data-day") for d in page.locator("#frise thead th[data-day]").all()]
            moved = None
            for staff in ("N1", "D1"):
                cards = page.locator(f"#frise td.case[data-staff='{staff}'] .visite")
                for k in range(cards.count()):
                    c = cards.nth(k)
                    here = c.locator("xpath=..").get_attribute("data-day")
                    key = (c.get_attribute("data-patient"), c.get_attribute("data-index"))
                    for there in (days[i] for i in (days.index(here) + 1, days.index(here) - 1) if 0 <= i < len(days)):
                        page.evaluate("window.__avant = true; document.getElementById('ajustement-msg').className = ''")
                        c.drag_to(page.locator(f"#frise td.case[data-staff='{staff}'][data-day='{there}']"))
                        _settle(page)
                        sel = f"#frise td.case[data-staff='{staff}'][data-day='{there}'] .visite[data-patient='{key[0]}'][data-index='{key[1]}']"
                        if page.locator(sel).count():
                            moved = (staff, there, key, sel)
                            break
                    if moved:
                        break
                if moved:
                    break
            assert moved, "no visit could be dragged to a neighbouring day"
            assert "epinglee" in page.locator(moved[3]).get_attribute("class")

            # re-plan around the pin: a new draft where the pinned visit stays where it was put
            page.click("#autour-epingles")
            page.wait_for_url(lambda u: "plan=" in u and _plan_id_from(u) != first, timeout=90_000)
            page.wait_for_selector("#frise")
            assert page.locator(moved[3]).count() == 1
            new = _plan_id(page)

            # publish after the preview
            page.click(f".publier[data-id='{new}']")
            page.wait_for_selector("#apercu[open]")
            assert page.inner_text("#apercu-resume")
            page.click("#apercu-confirmer")
            page.wait_for_load_state()
            page.wait_for_selector(f"#plans tr[data-id='{new}'] .badge.published")
        finally:
            browser.close()


def _settle(page, timeout_s: float = 20.0) -> None:
    """Wait until the edit answered: the page reloaded (the marker is gone) or a refusal is shown."""
    import time

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            if page.evaluate("!window.__avant || document.getElementById('ajustement-msg').className === 'erreur'"):
                page.wait_for_load_state()
                return
        except Exception:  # noqa: BLE001 - the page is navigating: try again
            pass
        time.sleep(0.1)
    raise AssertionError("the edit got no answer")


def _plan_id_from(url: str) -> str:
    return url.split("plan=")[1].split("#")[0].split("&")[0]

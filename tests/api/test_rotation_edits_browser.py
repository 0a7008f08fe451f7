"""In Chromium: a planner drags a rotation session onto a half-day another unit holds pinned (refused, the rule in
French), then to another half-day (moved and pinned), sends a session to other premises from its card, and
re-plans around the pins (kept where they were put)."""

from pathlib import Path

import pytest

from api.cli.users import add_user
from api.service.app import create_app
from api.service.db.seed import ensure_territory, seed_demo_people
from api.service.settings import Settings
from tests.api.conftest import CHROMIUM, browser_login
from tests.api.test_plan_edits_browser import _monday, _plan_id, _plan_id_from, _settle

COMMUNES = Path(__file__).resolve().parents[2] / "data" / "provinois" / "communes.csv"
PW = "motdepasse-rotation"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)")


@pytest.fixture
def server(tmp_path, svc):
    url = f"sqlite:///{tmp_path / 'rotation-edits.db'}"
    app = create_app(Settings(database_url=url, secret_key="rotation-edits-secret-assez-long-pour-hs256-0123",
                              workers=1))
    with app.state.sessions() as db:
        t = ensure_territory(db, "provinois", COMMUNES, "Provinois")
        seed_demo_people(db, t, COMMUNES, n_patients=5, n_doctors=1, n_nurses=1, n_units=2)
    add_user(url, email="planif@example.org", role="planner", password=PW, territory="provinois")
    with svc.serve(app) as base:
        yield base


def _cards(page):
    return page.locator("#frise-rotation .seance")


def _mark(page) -> None:
    page.evaluate("window.__avant = true; document.getElementById('ajustement-msg').className = ''")


def test_drag_pin_change_premises_and_replan(server):
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR").new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            browser_login(page, server, "planif@example.org", PW)
            page.goto(f"{server}/pages/planificateur")
            page.select_option("#kind", "rotation")
            page.fill("#start", _monday())
            page.fill("#days", "5")
            page.fill("#time_limit_s", "2")
            page.click("#lancer-btn")
            page.wait_for_url("**/pages/planificateur?plan=*", timeout=90_000)
            first = _plan_id(page)
            page.wait_for_selector("#frise-rotation .seance")
            units = sorted({c.get_attribute("data-unit") for c in _cards(page).all()})
            assert len(units) == 2, units

            # pin a session of one unit, then drop another unit's session (other premises) on it: refused
            a = _cards(page).first
            b = next(c for c in _cards(page).all() if c.get_attribute("data-unit") != a.get_attribute("data-unit")
                     and c.locator("select").input_value() != a.locator("select").input_value())
            slot = {k: b.get_attribute(f"data-{k}") for k in ("unit", "day", "half")}
            _mark(page)
            b.locator(".epingle").click()
            _settle(page)
            held = page.locator(f"#frise-rotation .seance[data-unit='{slot['unit']}'][data-day='{slot['day']}']"
                                f"[data-half='{slot['half']}']")
            assert "epinglee" in held.get_attribute("class")
            a = _cards(page).first
            _mark(page)
            a.locator(".prise").drag_to(page.locator(f"#frise-rotation td.case[data-unit='{slot['unit']}'][data-day='{slot['day']}']"
                                   f"[data-half='{slot['half']}']"))
            _settle(page)
            assert page.get_attribute("#ajustement-msg", "class") == "erreur"
            assert "épinglée : désépinglez-la" in page.inner_text("#ajustement-msg")

            # a session dragged to another half-day of its unit: the first one the rules allow
            moved = None
            for k in range(_cards(page).count()):
                c = _cards(page).nth(k)
                unit, premises = c.get_attribute("data-unit"), c.locator("select").input_value()
                here = (c.get_attribute("data-day"), c.get_attribute("data-half"))
                for cell in page.locator(f"#frise-rotation td.case[data-unit='{unit}']:not(.hors-mission)").all():
                    there = (cell.get_attribute("data-day"), cell.get_attribute("data-half"))
                    if there == here or (unit, *there) == (slot["unit"], slot["day"], slot["half"]):
                        continue
                    _mark(page)
                    c.locator(".prise").drag_to(cell)
                    _settle(page)
                    sel = f"#frise-rotation .seance[data-unit='{unit}'][data-day='{there[0]}'][data-half='{there[1]}']"
                    if page.get_attribute("#ajustement-msg", "class") != "erreur" and page.locator(sel).count():
                        if page.locator(sel).locator("select").input_value() == premises:
                            moved = (sel, premises)
                            break
                    c = _cards(page).nth(k)
                if moved:
                    break
            assert moved, "no session could be dragged to another half-day"
            assert "epinglee" in page.locator(moved[0]).get_attribute("class")

            # a session sent to other premises from its card's list: the first the rules allow
            sent = None
            for k in range(_cards(page).count()):
                c = _cards(page).nth(k)
                key = tuple(c.get_attribute(f"data-{x}") for x in ("unit", "day", "half"))
                sel = (f"#frise-rotation .seance[data-unit='{key[0]}'][data-day='{key[1]}'][data-half='{key[2]}']")
                if sel == moved[0] or key == (slot["unit"], slot["day"], slot["half"]):
                    continue
                now = c.locator("select").input_value()
                for option in [o.get_attribute("value") for o in c.locator("option").all()]:
                    if option == now:
                        continue
                    _mark(page)
                    page.locator(sel).locator("select").select_option(option)
                    _settle(page)
                    if page.locator(sel).locator("select").input_value() == option:
                        sent = (sel, option)
                        break
                    assert page.get_attribute("#ajustement-msg", "class") == "erreur"
                if sent:
                    break
            assert sent, "no session could go to other premises"
            assert "epinglee" in page.locator(sent[0]).get_attribute("class")

            # re-plan around the pins: a new draft where the pins hold
            page.click("#autour-epingles")
            page.wait_for_url(lambda u: "plan=" in u and _plan_id_from(u) != first, timeout=90_000)
            page.wait_for_selector("#frise-rotation")
            assert page.locator(moved[0]).locator("select").input_value() == moved[1]
            assert page.locator(sent[0]).locator("select").input_value() == sent[1]
            assert "epinglee" in held.get_attribute("class")
            assert errors == []
        finally:
            browser.close()

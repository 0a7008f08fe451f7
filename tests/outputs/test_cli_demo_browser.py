"""`planner export`, the demo's outputs step, isochrones, and pages rendered in headless Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from api.cli import export as export_cmd
from api.cli.demo_steps import outputs as outputs_step
from api.outputs import write_all
from api.outputs.viewjson import save_view
from maps.isochrones import approximate_isochrones
from planner.core.errors import InputError
from planner.core.geo import Location, distance_m

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test app"""

    export_cmd.register(app)
    return app


def test_export_command_writes_the_requested_formats(home_view, tmp_path):
    save_view(home_view, tmp_path / "plan.json")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli(), ["export", str(tmp_path / "plan.json"), "--format", "csv,ics", "--format", "gpx",
                                     "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "arrets.csv").exists() and len(list((out / "ics").glob("*.ics"))) == 2
    assert len(list((out / "gpx").glob("*.gpx"))) == 3 and not (out / "carte.html").exists()


def test_export_command_reports_bad_input_as_input_errors(home_view, tmp_path):
    save_view(home_view, tmp_path / "plan.json")
    bad_kind = tmp_path / "bad.json"
    bad_kind.write_text(json.dumps({"kind": "pizza"}), encoding="utf-8")
    runner = CliRunner()
    for args, where in ([str(tmp_path / "plan.json"), "--format", "pdfx"], "--format"), \
                       ([str(bad_kind)], "kind"), ([str(tmp_path / "missing.json")], "not found"):
        res = runner.invoke(cli(), ["export", *args, "--out", str(tmp_path / "o")])
        assert isinstance(res.exception, InputError) and where in str(res.exception)
    (tmp_path / "sol.json").write_text(json.dumps({"kind": "rotation"}), encoding="utf-8")
    res = runner.invoke(cli(), ["export", str(tmp_path / "sol.json"), "--out", str(tmp_path / "o")])
    assert isinstance(res.exception, InputError) and "--problem" in str(res.exception)


def test_demo_outputs_step_writes_each_plan(home_view, rotation_view, tmp_path):
    ctx = SimpleNamespace(out=tmp_path, network=None, console=Console(quiet=True),
                          views={"home_visits": home_view, "rotation": rotation_view})
    outputs_step.run(ctx)
    assert (tmp_path / "outputs" / "home_visits" / "carte.html").exists()
    assert (tmp_path / "outputs" / "rotation" / "public" / "index.html").exists()
    assert (tmp_path / "outputs" / "rotation" / "synthese.html").exists()


def test_approximate_isochrones_are_nested_circles():
    c = Location(48.56, 3.30)
    isos = approximate_isochrones(c, (10, 20, 30))
    assert [i.minutes for i in isos] == [10, 20, 30] and all(i.approximate for i in isos)
    radii = [distance_m(c, Location(*i.rings[0][0])) for i in isos]
    assert radii[0] == pytest.approx(10 * 60 * 50 / 3.6 / 1.3, rel=0.01)
    assert radii[0] < radii[1] < radii[2]


def _screenshot(page_path: Path, png: Path, *, wait_for: str, then=None) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 600})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_path.as_uri())
            page.wait_for_selector(wait_for, timeout=10_000)
            page.screenshot(path=str(png))
            if then is not None:
                then(page)
            assert errors == []
        finally:
            browser.close()


def _colour_count(png: Path, rgb: tuple[int, int, int] | None = None) -> int:
    from PIL import Image

    img = Image.open(png).convert("RGB")
    if rgb is None:
        return len(img.getcolors(maxcolors=1 << 20) or [])
    return sum(n for n, c in img.getcolors(maxcolors=1 << 20) if c == rgb)


needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() or shutil.which("chromium") is None,
                                    reason="chromium not installed (apt-get install chromium)")


@needs_chromium
def test_map_and_day_sheet_render_offline_and_are_not_blank(home_view, tmp_path):
    pytest.importorskip("PIL", reason="Pillow not installed (comes with fpdf2)")
    write_all(home_view, tmp_path, formats=["map", "sheet"])
    first_day = min(d.day for d in home_view.itineraries)
    shown = [d for d in home_view.itineraries if d.day == first_day]

    def filter_works(page) -> None:
        # staff x day filter: the first day shows for everyone; untick the first person, tick every day
        boxes = page.locator(".route-filter input")
        assert boxes.count() == len({d.resource_id for d in home_view.itineraries}) + \
            len({d.day for d in home_view.itineraries})
        visits = lambda ds: sum(1 for d in ds for s in d.stops if s.kind == "visit") + len(ds)  # + base markers
        assert page.locator(".stop-icon").count() == visits(shown)
        page.locator("a[data-all='1']").click()
        assert page.locator(".stop-icon").count() == visits(home_view.itineraries)
        boxes.nth(0).uncheck()
        rest = [d for d in home_view.itineraries if d.resource_id != home_view.itineraries[0].resource_id]
        assert page.locator(".stop-icon").count() == visits(rest)

    _screenshot(tmp_path / "carte.html", tmp_path / "map.png", wait_for=".stop-icon", then=filter_works)
    assert _colour_count(tmp_path / "map.png") > 50
    assert _colour_count(tmp_path / "map.png", (0x1f, 0x77, 0xb4)) > 300  # the first staff colour: routes
    _screenshot(tmp_path / "sheets" / "s01-claire-martin.html", tmp_path / "sheet.png", wait_for=".sheet")
    assert _colour_count(tmp_path / "sheet.png") > 20
    from PIL import Image

    dark = sum(n for n, c in Image.open(tmp_path / "sheet.png").convert("L").getcolors(1 << 16) if c < 100)
    assert dark > 2_000  # text was drawn


EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


@pytest.mark.parametrize("kind", ["home_visits", "rotation"])
def test_export_command_reads_each_planners_example_solution(kind, tmp_path):
    problem, solution = EXAMPLES / f"{kind}_problem.json", EXAMPLES / f"{kind}_solution.json"
    if not (problem.exists() and solution.exists()):
        pytest.skip(f"example files for {kind} not in data/examples")
    view = export_cmd.load_plan_view(solution, problem)
    assert view.kind == kind and view.itineraries
    res = CliRunner().invoke(cli(), ["export", str(solution), "--problem", str(problem), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    rows = (tmp_path / "arrets.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) - 1 == sum(len(d.stops) for d in view.itineraries)
    shared = (tmp_path / "carte.html").read_text(encoding="utf-8")
    for d in view.itineraries:
        for s in d.stops:
            if s.patient_id:
                assert s.patient_name not in shared and (not s.address or s.address not in shared)
    if kind == "rotation":
        assert (tmp_path / "public" / "index.html").exists()


@needs_chromium
def test_day_sheet_html_prints_one_a4_page_per_day_even_when_busy(home_view, tmp_path):
    import re
    from dataclasses import replace
    from datetime import timedelta

    from api.outputs import sheets

    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    d = home_view.itineraries[0]
    what = "Soins infirmiers (30 min) : pansement complexe, surveillance de la glycémie, pilulier"
    many = tuple(replace(d.stops[1], sequence=i, start=d.stops[1].start + timedelta(minutes=35 * i),
                         end=d.stops[1].end + timedelta(minutes=35 * i), what=what) for i in range(1, 17))
    busy = replace(d, stops=(d.stops[0], *many, replace(d.stops[-1], sequence=17)))
    page_path = tmp_path / "sheet.html"
    page_path.write_text(sheets.render_html(home_view, [busy, home_view.itineraries[1]]), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri())
            page.wait_for_selector(".sheet")
            pdf = page.pdf(prefer_css_page_size=True)
        finally:
            browser.close()
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2

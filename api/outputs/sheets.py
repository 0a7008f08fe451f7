"""Printable day sheets: one A4 page per staff member (or unit) and day, as HTML and as PDF (fpdf2).

Each stop gives times, place, address, what to do, phone, the drive from the previous stop with
turn-by-turn directions when road steps are known, and "navigate" links (geo: URI, OpenStreetMap).
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass
from pathlib import Path

import jinja2

from api.outputs import directions, fmt, links
from api.outputs.legs import LegsByDay
from planner.core.itinerary import DayItinerary, PlanView

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_DIRECTION_PARTS = 7  # a printed sheet keeps the main roads and the last streets of each leg
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)


@dataclass(frozen=True)
class SheetStop:
    number: str
    kind: str
    kind_fr: str
    is_base: bool
    place: str
    address: str
    what: str
    phone: str
    arrival: str
    start: str
    end: str
    travel: str
    directions: str
    geo: str
    osm: str


def sheet_days(view: PlanView, days: list[DayItinerary], legs: LegsByDay | None) -> list[dict]:
    """The template's data for each day (also used by the PDF writer)."""
    out = []
    door = view.extras.get("door_seconds") or {}  # door time per place, inside the travel times (maps.matrix)
    for d in sorted(days, key=lambda d: d.day):
        day_legs = (legs or {}).get((d.resource_id, d.day)) or []
        stops = []
        for i, s in enumerate(d.stops):
            base = s.kind in ("depart", "return", "night")
            prev = d.stops[i - 1] if i else None
            leg = day_legs[i - 1] if i and i - 1 < len(day_legs) else None
            travel = f"{fmt.duration_fr(s.travel_s)}, {fmt.km(s.travel_m)} km" if i and s.travel_s else ""
            door_s = (door.get(prev.place_id, 0.0) + door.get(s.place_id, 0.0)) / 2 if prev and door else 0.0
            if travel and door_s >= 30:
                travel += f" (dont {fmt.duration_fr(door_s)} pour se garer et aller à la porte)"
            steps = getattr(leg, "steps", ()) if leg is not None and not view.approximate else ()
            pause = s.kind == "break"  # a break names no place and links nowhere: it may be at a patient's home
            stops.append(SheetStop(
                number="⌂" if base else str(s.sequence), kind=s.kind, kind_fr=fmt.kind_fr(s.kind), is_base=base,
                place="" if pause else s.place_name,
                address="" if pause or s.address == s.place_name else s.address,
                what="" if s.what in ("Départ", "Retour") else s.what, phone=s.phone, arrival=fmt.hm(s.arrival),
                start=fmt.hm(s.start), end=fmt.hm(s.end), travel=travel,
                directions=directions.leg_sentence(steps, s.place_name, max_parts=MAX_DIRECTION_PARTS)
                if steps else "",
                geo="" if pause else links.geo_uri(s.location, s.place_name),
                osm="" if pause else links.osm_directions_url(prev.location if prev else None, s.location)))
        out.append({"date_iso": d.day.isoformat(), "date_fr": fmt.day_fr(d.day),
                    "depart": fmt.hm(d.stops[0].start) if d.stops else "",
                    "back": fmt.hm(d.stops[-1].arrival) if d.stops else "",
                    "driving": fmt.duration_fr(d.travel_s), "km": fmt.km(d.travel_m),
                    "n_stops": sum(1 for s in d.stops if s.kind not in ("depart", "return", "night")),
                    "stops": stops})
    return out


def by_resource(view: PlanView) -> dict[str, list[DayItinerary]]:
    out: dict[str, list[DayItinerary]] = {}
    for d in view.itineraries:
        out.setdefault(d.resource_id, []).append(d)
    return out


def render_html(view: PlanView, days: list[DayItinerary], legs: LegsByDay | None = None) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    first = days[0]
    return env.get_template("day_sheets.html.j2").render(
        resource_name=first.resource_name, role=fmt.role_fr(first.role), title=view.title,
        approximate=view.approximate, travel=view.travel_fr, days=sheet_days(view, days, legs))


def write_sheets(view: PlanView, out_dir: Path, legs: LegsByDay | None = None, *, pdf: bool = True,
                 html: bool = True) -> list[Path]:
    """sheets/<resource>.html and .pdf: one page per day of that staff member or unit."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if pdf and not pdf_available():
        warnings.warn("fpdf2 is not installed: PDF day sheets skipped (HTML sheets print to PDF too)",
                      stacklevel=2)
        pdf = False
    written = []
    for rid, days in by_resource(view).items():
        stem = f"{fmt.slug(rid)}-{fmt.slug(days[0].resource_name)}"
        if html:
            p = out_dir / f"{stem}.html"
            p.write_text(render_html(view, days, legs), encoding="utf-8")
            written.append(p)
        if pdf:
            p = out_dir / f"{stem}.pdf"
            write_pdf(view, days, legs, p)
            written.append(p)
    return written


def pdf_available() -> bool:
    return importlib.util.find_spec("fpdf") is not None


def _font_files() -> tuple[Path, Path] | None:
    candidates = list(FONT_DIRS)
    try:
        import matplotlib

        candidates.append(Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf")
    except ImportError:
        pass
    for d in candidates:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    return None


_LATIN1 = {"’": "'", "–": "-", "—": "-", "…": "...", "→": "->", "⌂": "*", "œ": "oe", "Œ": "OE",
           "\u202f": " "}


PAGE_H_MM = 297 - 2 * 12  # printable height at 12 mm margins
SCALES = (1.0, 0.9, 0.8, 0.72, 0.64, 0.56, 0.5)  # font scales tried, largest first, to keep a day on one page


def write_pdf(view: PlanView, days: list[DayItinerary], legs: LegsByDay | None, path: Path) -> None:
    """The same sheets as a PDF: one A4 page per day, the text scaled down on busy days to stay on it."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=12)
    fonts = _font_files()
    if fonts:
        pdf.add_font("DejaVu", "", str(fonts[0]))
        pdf.add_font("DejaVu", "B", str(fonts[1]))
        family = "DejaVu"

        def t(x: str) -> str:
            return x
    else:  # core fonts are Latin-1 only
        family = "Helvetica"

        def t(x: str) -> str:
            for a, b in _LATIN1.items():
                x = x.replace(a, b)
            return x.encode("latin-1", "replace").decode("latin-1")
    first = days[0]
    pdf.set_title(t(f"Feuilles de route — {first.resource_name}"))
    pdf.set_creator("medical-desert-planner")
    for day in sheet_days(view, days, legs):
        pdf.add_page()
        scale = _fit_scale(lambda k: _pdf_day(pdf, view, first, day, family, t, k, dry=True))
        _pdf_day(pdf, view, first, day, family, t, scale, dry=False)
    pdf.output(str(path))


def _fit_scale(measure) -> float:
    """The largest scale in SCALES whose measured height fits the page. Height goes roughly as the square
    of the scale (smaller lines, fewer of them wrap), so start from that guess and step down if needed."""
    limit = PAGE_H_MM - 4
    h1 = measure(1.0)
    if h1 <= limit:
        return 1.0
    guess = (limit / h1) ** 0.5
    candidates = [k for k in SCALES if k <= guess] or [SCALES[-1]]
    for k in candidates:
        if k == SCALES[-1] or measure(k) <= limit:
            return k
    return SCALES[-1]


def _pdf_day(pdf, view: PlanView, first: DayItinerary, day: dict, family: str, t, k: float, *, dry: bool) -> float:
    """Draw one day at font scale k, or (dry) only measure its height in mm."""
    from fpdf.enums import MethodReturnValue

    width, indent = 186, 37
    height = 0.0

    def text(w: float, h: float, txt: str, *, style: str = "", size: float = 9, x: float | None = None,
             colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        nonlocal height
        pdf.set_font(family, style, size * k)
        if dry:
            height += pdf.multi_cell(w, h * k, t(txt), align="L", dry_run=True, output=MethodReturnValue.HEIGHT)
            return
        if x is not None:
            pdf.set_x(x)
        pdf.set_text_color(*colour)
        pdf.multi_cell(w, h * k, t(txt), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    text(width, 7, f"{first.resource_name} — {day['date_fr']}", style="B", size=14)
    text(width, 5, f"{fmt.role_fr(first.role)} · {view.title} · départ {day['depart']} · retour {day['back']}")
    text(width, 5, view.travel_fr, colour=(179, 0, 0) if view.approximate else (0, 0, 0))
    height += 1
    if not dry:
        pdf.ln(1)
    links_w = 38  # "GPS · OSM" links at the right of each stop's first line
    for s in day["stops"]:
        height += 1.5
        y, page = pdf.get_y(), pdf.page
        if not dry:
            pdf.set_draw_color(180, 180, 180)
            pdf.line(12, y, 12 + width, y)
            pdf.ln(1)
            y = pdf.get_y()
            pdf.set_font(family, "", 7.5 * k)
            pdf.set_text_color(0, 70, 160)
            if s.geo:
                pdf.set_xy(12 + width - links_w, y)
                pdf.cell(14, 4.5 * k, t("GPS"), link=s.geo)
                pdf.cell(links_w - 14, 4.5 * k, t("OpenStreetMap"), link=s.osm)
            pdf.set_text_color(0, 0, 0)
            pdf.set_xy(12, y)
            pdf.set_font(family, "B", 10 * k)
            pdf.cell(8, 5 * k, t(s.number))
            pdf.cell(indent - 8, 5 * k, t(s.arrival if s.is_base else f"{s.start}–{s.end}"))
        text(width - indent - links_w, 5, f"{s.kind_fr} : {s.place}" if s.place else s.kind_fr, style="B", size=10,
             x=12 + indent)
        lines = []
        first = " · ".join(x for x in ((f"arrivée {s.arrival}" if not s.is_base and s.arrival != s.start else ""),
                                       s.address, f"Tél. : {s.phone}" if s.phone else "") if x)
        lines += [x for x in (first, s.what if s.what not in ("Départ", "Retour") else "") if x]
        if s.travel:
            lines.append(f"Trajet : {s.travel}" + (f" — {s.directions}" if s.directions else ""))
        for line in lines:
            text(width - indent, 4.2, line, size=8.5, x=12 + indent)
        if not dry:
            pdf.set_y((max(pdf.get_y(), y + 5 * k) if pdf.page == page else pdf.get_y()) + 0.5)
        height += 0.5
    height += 2
    if not dry:
        pdf.ln(2)
    text(width, 5, f"Conduite totale : {day['driving']} · {day['km']} km · {day['n_stops']} arrêt(s)",
         style="B", size=10)
    return height

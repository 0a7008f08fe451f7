"""Printable day sheets: one A4 page per staff member (or unit) and day, as HTML and as PDF (fpdf2).

Each stop gives times, place, address, what to do, phone, the drive from the previous stop with
turn-by-turn directions when road steps are known, and "navigate" links (geo: URI, OpenStreetMap).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from api.exports import directions, fmt, links
from api.exports.legs import LegsByDay
from planner.itinerary import DayItinerary, PlanView

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "exports"
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
    for d in sorted(days, key=lambda d: d.day):
        day_legs = (legs or {}).get((d.resource_id, d.day)) or []
        stops = []
        for i, s in enumerate(d.stops):
            base = s.kind in ("depart", "return", "night")
            prev = d.stops[i - 1] if i else None
            leg = day_legs[i - 1] if i and i - 1 < len(day_legs) else None
            travel = f"{fmt.duration_fr(s.travel_s)}, {fmt.km(s.travel_m)} km" if i and s.travel_s else ""
            steps = getattr(leg, "steps", ()) if leg is not None and not view.approximate else ()
            stops.append(SheetStop(
                number="⌂" if base else str(s.sequence), kind=s.kind, kind_fr=fmt.kind_fr(s.kind), is_base=base,
                place=s.place_name, address=s.address, what=s.what, phone=s.phone, arrival=fmt.hm(s.arrival),
                start=fmt.hm(s.start), end=fmt.hm(s.end), travel=travel,
                directions=directions.leg_sentence(steps, s.place_name) if steps else "",
                geo=links.geo_uri(s.location, s.place_name),
                osm=links.osm_directions_url(prev.location if prev else None, s.location)))
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
        approximate=view.approximate, days=sheet_days(view, days, legs))


def write_sheets(view: PlanView, out_dir: Path, legs: LegsByDay | None = None, *, pdf: bool = True,
                 html: bool = True) -> list[Path]:
    """sheets/<resource>.html and .pdf: one page per day of that staff member or unit."""
    out_dir.mkdir(parents=True, exist_ok=True)
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


_LATIN1 = {"’": "'", "–": "-", "—": "-", "…": "...", "→": "->", "⌂": "*", "·": "-", "œ": "oe", "Œ": "OE",
           "\u202f": " ", "°": "o"}


def write_pdf(view: PlanView, days: list[DayItinerary], legs: LegsByDay | None, path: Path) -> None:
    """The same sheets as a PDF: one A4 page per day (long days continue on a second page)."""
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
    width = 186
    for day in sheet_days(view, days, legs):
        pdf.add_page()
        pdf.set_font(family, "B", 14)
        pdf.multi_cell(width, 7, t(f"{first.resource_name} — {day['date_fr']}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)
        pdf.multi_cell(width, 5, t(f"{fmt.role_fr(first.role)} · {view.title} · départ {day['depart']} · "
                                   f"retour {day['back']}"), new_x="LMARGIN", new_y="NEXT")
        if view.approximate:
            pdf.set_text_color(179, 0, 0)
            pdf.multi_cell(width, 5, t("Temps de trajet approximatifs (sans réseau routier)."),
                           new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
        pdf.ln(1)
        for s in day["stops"]:
            pdf.set_draw_color(180, 180, 180)
            pdf.line(12, pdf.get_y(), 12 + width, pdf.get_y())
            pdf.ln(1)
            y = pdf.get_y()
            pdf.set_font(family, "B", 10)
            times = s.arrival if s.is_base else f"{s.start}–{s.end}"
            pdf.cell(8, 5, t(s.number))
            pdf.cell(24, 5, t(times))
            pdf.multi_cell(width - 32, 5, t(f"{s.kind_fr} : {s.place}"), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 9)
            lines = []
            if not s.is_base and s.arrival != s.start:
                lines.append(f"Arrivée {s.arrival}")
            lines += [x for x in (s.address, s.what) if x]
            if s.phone:
                lines.append(f"Tél. : {s.phone}")
            if s.travel:
                lines.append(f"Trajet : {s.travel}" + (f" — {s.directions}" if s.directions else ""))
            for line in lines:
                pdf.set_x(44)
                pdf.multi_cell(width - 32, 4.3, t(line), new_x="LMARGIN", new_y="NEXT")
            pdf.set_x(44)
            pdf.set_text_color(0, 70, 160)
            pdf.set_font(family, "", 8)
            pdf.cell(30, 4.3, t("Naviguer (GPS)"), link=s.geo)
            pdf.cell(50, 4.3, t("Itinéraire OpenStreetMap"), link=s.osm, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
            pdf.set_y(max(pdf.get_y(), y + 5) + 0.5)
        pdf.ln(2)
        pdf.set_font(family, "B", 10)
        pdf.multi_cell(width, 5, t(f"Conduite totale : {day['driving']} · {day['km']} km · "
                                   f"{day['n_stops']} arrêt(s)"), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))

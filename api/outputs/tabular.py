"""One row per stop, French headers: CSV (UTF-8 with BOM, ';' so French Excel opens it) and XLSX.

Any text a person typed (a name, an address) may start like a formula (`=HYPERLINK(…)`): it stays text in
both files (see `inert`), so opening the export never runs it."""

from __future__ import annotations

import csv
from pathlib import Path

from api.outputs import fmt
from planner.core.itinerary import PlanView

HEADERS = ("date", "intervenant", "rôle", "ordre", "type d'arrêt", "lieu", "adresse", "arrivée", "début", "fin",
           "minutes de route", "km depuis l'arrêt précédent", "à faire", "téléphone", "commune (INSEE)",
           "modèle de trajet")


def rows(view: PlanView) -> list[list]:
    """Typed rows in HEADERS order (dates/times as ISO strings, minutes int, km float)."""
    out = []
    for d in sorted(view.itineraries, key=lambda d: (d.day, d.resource_name)):
        for s in d.stops:
            out.append([d.day.isoformat(), d.resource_name, fmt.role_fr(d.role), s.sequence, fmt.kind_fr(s.kind),
                        s.place_name, s.address, fmt.hm(s.arrival), fmt.hm(s.start), fmt.hm(s.end),
                        fmt.minutes(s.travel_s), round(s.travel_m / 1000, 1), s.what, s.phone,
                        s.commune_insee or "", view.travel_fr])
    return out


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def inert(value):
    """A CSV cell that a spreadsheet reads as text: text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(view: PlanView, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADERS)
        for r in rows(view):
            w.writerow([str(x).replace(".", ",") if isinstance(x, float) else inert(x) for x in r])
    return path


def write_xlsx(view: PlanView, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Arrêts"
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows(view):
        ws.append(r)
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # openpyxl took a typed "=…" for a formula: store it as the text it is
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for i, h in enumerate(HEADERS, start=1):
        width = max(len(h), *(len(str(r[i - 1])) for r in rows(view))) if view.itineraries else len(h)
        ws.column_dimensions[get_column_letter(i)].width = min(50, width + 2)
    ws2 = wb.create_sheet("Note")
    ws2.append([view.travel_fr])
    wb.properties.title = view.title
    wb.save(path)
    return path

"""Everything field teams, town halls and planners read, generated from one PlanView.

write_all(view, out_dir) writes, per format:
  map      carte.html (shared, patients pseudonymised), carte-coordination.html, cartes/<staff>.html and,
           for rotations, public/carte.html (sessions only)
  sheet    sheets/<staff>.html and .pdf (one A4 page per day)
  csv/xlsx arrets.csv / arrets.xlsx (one row per stop)
  ics      ics/<staff>.ics (one event per visit or session)
  gpx      gpx/<staff>-<date>.gpx
  public   public/<insee>-<commune>.html and .ics, public/index.html (rotations only, no patient data)
  summary  synthese.html (indicators, charts, unscheduled items)
  json     plan_view.json (the view itself, re-exportable with `planner export`)
Files other than carte.html and public/ are for the plan's own team and contain patient details.
"""

from __future__ import annotations

import json
from pathlib import Path

from planner.itinerary import PlanView

FORMAT_FR = {"map": "Cartes", "sheet": "Feuilles de route", "csv": "Tableau CSV", "xlsx": "Tableau Excel",
             "ics": "Agendas", "gpx": "Traces GPX", "public": "Horaires publics par commune",
             "summary": "Synthèse", "json": "Plan (JSON)"}
FORMATS = ("map", "sheet", "csv", "xlsx", "ics", "gpx", "public", "summary", "json")


def load_outlines(outlines) -> dict | None:
    """A GeoJSON FeatureCollection from a dict, a path, or None."""
    if outlines is None or isinstance(outlines, dict):
        return outlines
    return json.loads(Path(outlines).read_text(encoding="utf-8"))


def write_all(view: PlanView, out_dir, *, network=None, outlines=None, formats=None) -> dict[str, list[Path]]:
    """Write the requested formats (default: all) of `view` into out_dir; returns format -> files written."""
    from api.outputs import calendar, gpx, mapfiles, public, sheets, summary, tabular, viewjson
    from api.outputs.legs import view_legs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wanted = list(FORMATS) if formats is None else [f for f in FORMATS if f in set(formats)]
    unknown = set(formats or ()) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export format(s): {', '.join(sorted(unknown))}")
    legs = view_legs(view, network) if {"map", "sheet", "gpx"} & set(wanted) else None
    written: dict[str, list[Path]] = {}
    for f in wanted:
        if f == "map":
            written[f] = mapfiles.write_maps(view, out, legs=legs, outlines=load_outlines(outlines), network=network)
        elif f == "sheet":
            written[f] = sheets.write_sheets(view, out / "sheets", legs)
        elif f == "csv":
            written[f] = [tabular.write_csv(view, out / "arrets.csv")]
        elif f == "xlsx":
            written[f] = [tabular.write_xlsx(view, out / "arrets.xlsx")]
        elif f == "ics":
            written[f] = calendar.write_staff_calendars(view, out / "ics")
        elif f == "gpx":
            written[f] = gpx.write_gpx(view, out / "gpx", legs)
        elif f == "public":
            written[f] = public.write_public(view, out / "public")
        elif f == "json":
            p = out / "plan_view.json"
            viewjson.save_view(view, p)
            written[f] = [p]
    if "summary" in wanted:
        files = {FORMAT_FR[k]: [str(p.relative_to(out)) for p in v] for k, v in written.items() if v}
        written["summary"] = [summary.write_summary(view, out / "synthese.html", files)]
    return written

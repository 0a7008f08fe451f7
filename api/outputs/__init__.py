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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from planner.core.itinerary import PlanView


@dataclass(frozen=True)
class Context:
    """What a writer may use besides the view: road legs (when a format draws routes), the network and
    commune outlines, and the files already written (for the summary's index)."""

    legs: object = None
    network: object = None
    outlines: dict | None = None
    written: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Format:
    name: str
    label_fr: str
    write: Callable[[PlanView, Path, Context], list[Path]]
    draws_routes: bool = False


def _map(view, out, ctx):
    from api.outputs import mapfiles
    return mapfiles.write_maps(view, out, legs=ctx.legs, outlines=ctx.outlines, network=ctx.network)


def _sheet(view, out, ctx):
    from api.outputs import sheets
    return sheets.write_sheets(view, out / "sheets", ctx.legs)


def _csv(view, out, ctx):
    from api.outputs import tabular
    return [tabular.write_csv(view, out / "arrets.csv")]


def _xlsx(view, out, ctx):
    from api.outputs import tabular
    return [tabular.write_xlsx(view, out / "arrets.xlsx")]


def _ics(view, out, ctx):
    from api.outputs import calendar
    return calendar.write_staff_calendars(view, out / "ics")


def _gpx(view, out, ctx):
    from api.outputs import gpx
    return gpx.write_gpx(view, out / "gpx", ctx.legs)


def _public(view, out, ctx):
    from api.outputs import public
    return public.write_public(view, out / "public")


def _json(view, out, ctx):
    from api.outputs import viewjson
    viewjson.save_view(view, out / "plan_view.json")
    return [out / "plan_view.json"]


def _summary(view, out, ctx):
    from api.outputs import summary
    files = {REGISTRY[k].label_fr: [str(p.relative_to(out)) for p in v] for k, v in ctx.written.items() if v}
    return [summary.write_summary(view, out / "synthese.html", files)]


# The output formats, in writing order (the summary last: it lists the others). One line per format.
REGISTRY: dict[str, Format] = {f.name: f for f in (
    Format("map", "Cartes", _map, draws_routes=True),
    Format("sheet", "Feuilles de route", _sheet, draws_routes=True),
    Format("csv", "Tableau CSV", _csv),
    Format("xlsx", "Tableau Excel", _xlsx),
    Format("ics", "Agendas", _ics),
    Format("gpx", "Traces GPX", _gpx, draws_routes=True),
    Format("public", "Horaires publics par commune", _public),
    Format("json", "Plan (JSON)", _json),
    Format("summary", "Synthèse", _summary),
)}
FORMATS = tuple(REGISTRY)
FORMAT_FR = {k: f.label_fr for k, f in REGISTRY.items()}


def load_outlines(outlines) -> dict | None:
    """A GeoJSON FeatureCollection from a dict, a path, or None."""
    if outlines is None or isinstance(outlines, dict):
        return outlines
    return json.loads(Path(outlines).read_text(encoding="utf-8"))


def write_all(view: PlanView, out_dir, *, network=None, outlines=None, formats=None) -> dict[str, list[Path]]:
    """Write the requested formats (default: all) of `view` into out_dir; returns format -> files written."""
    from api.outputs.legs import view_legs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    unknown = set(formats or ()) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export format(s): {', '.join(sorted(unknown))}")
    wanted = [REGISTRY[f] for f in FORMATS if formats is None or f in set(formats)]
    legs = view_legs(view, network) if any(f.draws_routes for f in wanted) else None
    ctx = Context(legs, network, load_outlines(outlines), {})
    for f in wanted:
        ctx.written[f.name] = f.write(view, out, ctx)
    return ctx.written

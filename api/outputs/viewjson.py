"""PlanView <-> JSON, so a plan can be exported later (`planner export view.json`) without its solver.

Format (kind "plan_view"): dates ISO, datetimes ISO local wall-clock (Europe/Paris), locations as
{"lat", "lon"}, travel in seconds and metres; extras are kept as given (must be JSON-serialisable).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from planner.core.errors import InputError, read_json_file
from planner.core.geo import Location
from planner.core.itinerary import DayItinerary, ItineraryStop, PlanView, Unscheduled

FORMAT_KIND = "plan_view"


def view_to_dict(view: PlanView) -> dict:
    """A JSON-ready dict of the view."""
    def stop(s: ItineraryStop) -> dict:
        d = asdict(s)
        d["location"] = s.location.to_dict()
        for k in ("arrival", "start", "end"):
            d[k] = getattr(s, k).isoformat()
        return d

    return {
        "kind": FORMAT_KIND,
        "plan_kind": view.kind,
        "title": view.title,
        "approximate": view.approximate,
        "network": view.network,
        "indicators": [list(x) for x in view.indicators],
        "unscheduled": [asdict(u) for u in view.unscheduled],
        "itineraries": [{"resource_id": d.resource_id, "resource_name": d.resource_name, "role": d.role,
                         "day": d.day.isoformat(), "stops": [stop(s) for s in d.stops]}
                        for d in view.itineraries],
        "extras": view.extras,
    }


def view_from_dict(data: dict, *, source: str | None = None) -> PlanView:
    """Rebuild a PlanView from view_to_dict's output; bad input raises InputError naming the field."""
    if not isinstance(data, dict) or data.get("kind") != FORMAT_KIND:
        raise InputError(f"not a plan view (kind must be {FORMAT_KIND!r})", source=source, field="kind")
    try:
        its = []
        for d in data["itineraries"]:
            stops = []
            for s in d["stops"]:
                s = dict(s)
                s["location"] = Location(float(s["location"]["lat"]), float(s["location"]["lon"]))
                for k in ("arrival", "start", "end"):
                    s[k] = datetime.fromisoformat(s[k])
                stops.append(ItineraryStop(**s))
            its.append(DayItinerary(d["resource_id"], d["resource_name"], d["role"],
                                    date.fromisoformat(d["day"]), tuple(stops)))
        return PlanView(kind=data["plan_kind"], title=data["title"], itineraries=tuple(its),
                        indicators=tuple((str(a), str(b)) for a, b in data.get("indicators", [])),
                        unscheduled=tuple(Unscheduled(**u) for u in data.get("unscheduled", [])),
                        approximate=bool(data.get("approximate", False)), extras=data.get("extras") or {},
                        network=str(data.get("network") or ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"invalid plan view ({type(exc).__name__}: {exc})", source=source) from None


def save_view(view: PlanView, path: str | Path) -> None:
    Path(path).write_text(json.dumps(view_to_dict(view), ensure_ascii=False, indent=1), encoding="utf-8")


def load_view(path: str | Path) -> PlanView:
    return view_from_dict(read_json_file(path), source=str(path))

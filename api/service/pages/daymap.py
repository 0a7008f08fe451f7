"""Road maps of days (Leaflet, served from the vendored copy): the legs of each person's day along the roads
of the service's network, over the commune outlines, one layer per person and day.

Shared by "Ma journée" (field staff), the planner's dashboard and the plan's full-screen map; the browser side
is the template partial `_carte.html`. Names reach the browser only as JSON data shown with textContent.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

from fastapi import Request

from maps.render import PALETTE
from planner.core.french import day_fr

MAX_CACHED_DAYS = 500  # itineraries whose road legs are kept in memory
_cache_lock = threading.Lock()


def _key(request: Request, it: dict) -> tuple:
    """What a day's legs depend on: the network, the model, and where its stops are, in order (a draft edited
    in place keeps its id but not its stops)."""
    return (str(request.app.state.settings.network_path or ""), bool(it.get("approximate", True)),
            tuple((s["location"]["lat"], s["location"]["lon"]) for s in it.get("stops", [])))


def day_legs(request: Request, its: list[dict]) -> list[list[dict]]:
    """The legs of each itinerary (with its plan_id and plan_kind) along the roads of the service's network:
    straight and flagged `on_road=False` without one or where a leg cannot be routed. Computed once per process
    and sequence of stops, the missing days of one plan together (each distinct leg routed once)."""
    from api.outputs.legs import view_legs
    from api.outputs.viewjson import view_from_dict
    from api.service.planning import road_network

    settings = request.app.state.settings
    with _cache_lock:
        cache = getattr(request.app.state, "day_legs", None)
        if cache is None:
            cache = request.app.state.day_legs = {}
        missing = [it for it in its if _key(request, it) not in cache]
    groups: dict[tuple, list[dict]] = {}
    for it in missing:
        groups.setdefault((it["plan_id"], it["plan_kind"], bool(it.get("approximate", True))), []).append(it)
    network = road_network(str(settings.network_path)) if (groups and settings.network_path) else None
    for (_, kind, approximate), group in groups.items():
        view = view_from_dict({"kind": "plan_view", "plan_kind": kind, "title": "", "approximate": approximate,
                               "itineraries": group})
        legs = view_legs(view, network)
        with _cache_lock:
            for it in group:
                while len(cache) >= MAX_CACHED_DAYS:  # a long-running service: forget the oldest days
                    cache.pop(next(iter(cache)))
                cache[_key(request, it)] = [{"coords": [list(c) for c in leg.coords], "on_road": leg.on_road}
                                            for leg in legs.get((it["resource_id"], date.fromisoformat(it["day"])), [])]
    with _cache_lock:
        return [cache.get(_key(request, it), []) for it in its]


def outlines(request: Request) -> dict:
    """The commune outlines (GeoJSON) drawn under the roads; empty when the file is missing."""
    path = request.app.state.settings.outlines_path
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"type": "FeatureCollection", "features": []}


def _stop_title(s: dict, names: bool) -> str:
    if s["kind"] == "depart":
        return "Départ : " + (s.get("place_name") or "")
    if s.get("patient_id"):
        return (s.get("patient_name") or "Visite") if names else "Visite"
    return s.get("place_name") or ""


def map_data(request: Request, its: list[dict], *, names: bool) -> dict:
    """The data of a map (`_carte.html`): outlines and one layer per itinerary {label, color, legs, stops}.

    `its` are itineraries with their plan_id, plan_kind and approximate flag; patients are named on stops only
    with `names` (field staff on their own day); otherwise a visit reads "Visite"."""
    colors: dict[str, str] = {}
    layers = []
    for it, legs in zip(its, day_legs(request, its)):
        color = colors.setdefault(it["resource_id"], PALETTE[len(colors) % len(PALETTE)])
        stops = [s for s in it.get("stops", []) if s.get("kind") != "return"]
        layers.append({
            "label": f"{it['resource_name']} — {day_fr(date.fromisoformat(it['day']))}",
            "color": color, "legs": legs, "on_road": bool(legs) and all(leg["on_road"] for leg in legs),
            "summary": f"{sum(1 for s in stops if s['kind'] not in ('depart', 'break'))} arrêt(s) · conduite "
                       f"{sum(s.get('travel_s', 0) for s in it.get('stops', [])) // 60} min",
            "stops": [{"lat": s["location"]["lat"], "lon": s["location"]["lon"], "n": s.get("sequence", 0),
                       "kind": s["kind"], "time": str(s.get("start") or s.get("arrival") or "")[11:16],
                       "title": _stop_title(s, names)} for s in stops]})
    return {"outlines": outlines(request) if its else None, "layers": layers}


def plan_itineraries(plan, day: date | None = None) -> list[dict]:
    """The itineraries of a stored plan (one day or all), ready for `map_data`."""
    view = plan.view or {}
    return [{**it, "plan_id": plan.id, "plan_kind": plan.kind, "approximate": bool(view.get("approximate", True))}
            for it in view.get("itineraries", []) if day is None or it["day"] == day.isoformat()]

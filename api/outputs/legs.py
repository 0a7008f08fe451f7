"""Road geometry of every leg of a plan, computed once and shared by the map, the day sheets and GPX.

Uses maps.geometry (legs along the roads, with named steps) when a network is given; otherwise, or when a
leg cannot be routed, the leg is a straight line flagged `on_road=False` (drawn dashed, "approximatif").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from planner.core.geo import Location
from planner.core.itinerary import PlanView


@dataclass(frozen=True, slots=True)
class RouteLeg:
    """One leg: points along it as (lat, lon), the road steps (for directions), and whether it follows roads."""

    coords: tuple[tuple[float, float], ...]
    steps: tuple = field(default=())
    on_road: bool = False


LegsByDay = dict[tuple[str, date], list[RouteLeg]]


def straight(a: Location, b: Location) -> RouteLeg:
    return RouteLeg(((a.lat, a.lon), (b.lat, b.lon)), (), False)


def view_legs(view: PlanView, network=None) -> LegsByDay:
    """(resource_id, day) -> legs, leg i going from stop i to stop i+1."""
    pairs: list[tuple[Location, Location]] = []
    for d in view.itineraries:
        for a, b in zip(d.stops, d.stops[1:]):
            pairs.append((a.location, b.location))
    routed = _route_pairs(network, pairs) if network is not None and not view.approximate else {}
    out: LegsByDay = {}
    for d in view.itineraries:
        out[(d.resource_id, d.day)] = [routed.get((a.location, b.location)) or straight(a.location, b.location)
                                       for a, b in zip(d.stops, d.stops[1:])]
    return out


def _compact(coords) -> tuple[tuple[float, float], ...]:
    """Round to 1e-5 degree (~1 m) and drop repeated points: the maps and GPX stay light."""
    out: list[tuple[float, float]] = []
    for lat, lon in coords:
        p = (round(float(lat), 5), round(float(lon), 5))
        if not out or out[-1] != p:
            out.append(p)
    return tuple(out)


def _route_pairs(network, pairs) -> dict:
    """Route each distinct pair once with maps.geometry; pairs that fail stay out (drawn straight)."""
    try:
        from maps import geometry
    except ImportError:
        return {}
    unique = [p for p in dict.fromkeys(pairs) if p[0] != p[1]]
    legs = None
    if hasattr(geometry, "legs_geometry"):
        try:
            legs = list(geometry.legs_geometry(network, unique))
        except Exception:  # noqa: BLE001 - fall back to one leg at a time
            legs = None
    if legs is None or len(legs) != len(unique):
        legs = []
        for a, b in unique:
            try:
                legs.append(geometry.leg_geometry(network, a, b))
            except Exception:  # noqa: BLE001 - an unroutable leg is drawn straight, not a failed export
                legs.append(None)
    out = {}
    for pair, leg in zip(unique, legs):
        coords = _compact(getattr(leg, "coords", None) or ())
        if len(coords) >= 2:
            out[pair] = RouteLeg(coords, tuple(getattr(leg, "steps", ()) or ()), True)
    for a, b in pairs:
        if a == b:
            out[(a, b)] = RouteLeg(((a.lat, a.lon), (b.lat, b.lon)), (), True)
    return out

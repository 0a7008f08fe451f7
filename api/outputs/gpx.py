"""GPX: one file per route (staff member or unit and day), the track along the roads when known, stops as
waypoints in visiting order."""

from __future__ import annotations

from pathlib import Path

import gpxpy.gpx

from api.outputs import fmt
from api.outputs.calendar import local
from api.outputs.legs import LegsByDay, straight
from planner.core.itinerary import DayItinerary, PlanView


def day_track(d: DayItinerary, legs: LegsByDay | None) -> list[tuple[float, float]]:
    """The day's path as (lat, lon): each leg's points, without repeating the joints."""
    day_legs = (legs or {}).get((d.resource_id, d.day)) or [straight(a.location, b.location)
                                                             for a, b in zip(d.stops, d.stops[1:])]
    points: list[tuple[float, float]] = []
    for leg in day_legs:
        for p in leg.coords:
            if not points or points[-1] != tuple(p):
                points.append(tuple(p))
    return points


def day_gpx(view: PlanView, d: DayItinerary, legs: LegsByDay | None) -> gpxpy.gpx.GPX:
    g = gpxpy.gpx.GPX()
    g.creator = "medical-desert-planner"
    g.name = f"{d.resource_name} — {fmt.day_fr(d.day)}"
    g.description = f"{view.title} — {view.travel_fr}" + (" Tracé en ligne droite." if view.approximate else "")
    for s in d.stops:
        wp = gpxpy.gpx.GPXWaypoint(s.location.lat, s.location.lon, name=f"{s.sequence}. {s.place_name}",
                                   time=local(s.arrival), description=s.what or fmt.kind_fr(s.kind))
        wp.type = s.kind
        g.waypoints.append(wp)
    trk = gpxpy.gpx.GPXTrack(name=g.name)
    seg = gpxpy.gpx.GPXTrackSegment()
    seg.points.extend(gpxpy.gpx.GPXTrackPoint(lat, lon) for lat, lon in day_track(d, legs))
    trk.segments.append(seg)
    g.tracks.append(trk)
    return g


def write_gpx(view: PlanView, out_dir: Path, legs: LegsByDay | None = None) -> list[Path]:
    """gpx/<resource>-<date>.gpx for every day itinerary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for d in view.itineraries:
        p = out_dir / f"{fmt.slug(d.resource_id)}-{fmt.slug(d.resource_name)}-{d.day.isoformat()}.gpx"
        p.write_text(day_gpx(view, d, legs).to_xml(), encoding="utf-8")
        written.append(p)
    return written

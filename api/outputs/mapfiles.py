"""Map files of a plan for each audience, self-contained (Leaflet inlined) so they open offline."""

from __future__ import annotations

from pathlib import Path

from api.outputs import fmt, links
from api.outputs.legs import LegsByDay
from api.outputs.offline import inline_leaflet
from api.outputs.pseudonym import for_audience, legs_for_audience
from maps.isochrones import isochrones as make_isochrones
from maps.render import render_map
from planner.core.geo import Location
from planner.core.itinerary import PlanView

MAX_ISOCHRONE_PLACES = 15
AUDIENCE_FR = {"planner": "version coordination (données patients complètes)",
               "shared": "version partagée (patients pseudonymisés)", "public": "lieux et horaires des consultations"}


def nav_links(stop) -> list[tuple[str, str]]:
    return [("Naviguer (GPS)", links.geo_uri(stop.location, stop.place_name)),
            ("OpenStreetMap", links.osm_point_url(stop.location))]


def rotation_isochrones(view: PlanView, network=None) -> dict[str, list]:
    """Drive-time areas around each premises a rotation uses (by road, or circles without a network)."""
    places: dict[str, Location] = {}
    for p in view.extras.get("premises_used") or []:
        if "lat" in p and "lon" in p:
            places[str(p.get("id"))] = Location(float(p["lat"]), float(p["lon"]))
    if not places:
        for d in view.itineraries:
            for s in d.stops:
                if s.kind == "session":
                    places.setdefault(s.place_id, s.location)
    net = None if view.approximate else network
    return {pid: make_isochrones(net, loc) for pid, loc in list(places.items())[:MAX_ISOCHRONE_PLACES]}


def map_html(view: PlanView, audience: str, *, legs: LegsByDay | None = None, outlines: dict | None = None,
             isochrones: dict | None = None) -> str:
    """The self-contained HTML page of `view` as `audience` may see it."""
    seen = for_audience(view, audience)
    has_patients = any(s.patient_id for d in view.itineraries for s in d.stops)
    subtitle = AUDIENCE_FR.get(audience, "") if has_patients or audience == "public" else ""
    if audience.startswith("staff:"):
        subtitle = f"Carte personnelle de {seen.itineraries[0].resource_name}" if seen.itineraries else ""
    fmap = render_map(seen, legs=legs_for_audience(view, legs, audience), outlines=outlines, isochrones=isochrones, subtitle=subtitle,
                      stop_links=nav_links)
    return inline_leaflet(fmap.get_root().render())


def write_maps(view: PlanView, out_dir: Path, *, legs: LegsByDay | None = None, outlines: dict | None = None,
               network=None) -> list[Path]:
    """carte.html (shared), public/carte.html (rotations: sessions only), carte-coordination.html (planner,
    if the plan has patients) and cartes/<staff>.html with each staff member's own patients."""
    out_dir.mkdir(parents=True, exist_ok=True)
    has_patients = any(s.patient_id for d in view.itineraries for s in d.stops)
    isos = rotation_isochrones(view, network) if view.kind == "rotation" else None
    written = []
    p = out_dir / "carte.html"
    p.write_text(map_html(view, "shared", legs=legs, outlines=outlines, isochrones=isos), encoding="utf-8")
    written.append(p)
    if view.kind == "rotation" and any(s.kind == "session" for d in view.itineraries for s in d.stops):
        public_dir = out_dir / "public"
        public_dir.mkdir(exist_ok=True)
        p = public_dir / "carte.html"
        p.write_text(map_html(view, "public", legs=legs, outlines=outlines, isochrones=isos), encoding="utf-8")
        written.append(p)
    if has_patients:
        p = out_dir / "carte-coordination.html"
        p.write_text(map_html(view, "planner", legs=legs, outlines=outlines), encoding="utf-8")
        written.append(p)
        staff_dir = out_dir / "cartes"
        staff_dir.mkdir(exist_ok=True)
        for rid in dict.fromkeys(d.resource_id for d in view.itineraries):
            name = next(d.resource_name for d in view.itineraries if d.resource_id == rid)
            p = staff_dir / f"{fmt.slug(rid)}-{fmt.slug(name)}.html"
            p.write_text(map_html(view, f"staff:{rid}", legs=legs, outlines=outlines), encoding="utf-8")
            written.append(p)
    return written

"""Links that open a phone's navigation app on a stop: geo: URI (Android), Apple Maps, Google Maps, Waze, and
OpenStreetMap."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from planner.core.geo import Location


def geo_uri(loc: Location, label: str = "") -> str:
    """RFC 5870 geo: URI; the `q` query makes Android navigation apps drop a labelled pin."""
    base = f"geo:{loc.lat:.6f},{loc.lon:.6f}"
    if label:
        return f"{base}?q={loc.lat:.6f},{loc.lon:.6f}({quote(label)})"
    return base


def osm_point_url(loc: Location, zoom: int = 17) -> str:
    return f"https://www.openstreetmap.org/?mlat={loc.lat:.6f}&mlon={loc.lon:.6f}#map={zoom}/{loc.lat:.5f}/{loc.lon:.5f}"


def osm_directions_url(origin: Location | None, destination: Location) -> str:
    """OpenStreetMap's car routing from origin (or unset) to destination."""
    route = f"{origin.lat:.6f},{origin.lon:.6f};" if origin else ";"
    route += f"{destination.lat:.6f},{destination.lon:.6f}"
    return "https://www.openstreetmap.org/directions?" + urlencode({"engine": "fossgis_osrm_car", "route": route})


def apple_maps_url(loc: Location) -> str:
    """Apple Maps driving directions to `loc` (opens the Plans app on an iPhone, the web map elsewhere)."""
    return "https://maps.apple.com/?" + urlencode({"daddr": f"{loc.lat:.6f},{loc.lon:.6f}", "dirflg": "d"})


def google_maps_url(loc: Location) -> str:
    """Google Maps driving directions to `loc` (the app on Android and iPhone when installed)."""
    return "https://www.google.com/maps/dir/?" + urlencode(
        {"api": "1", "destination": f"{loc.lat:.6f},{loc.lon:.6f}", "travelmode": "driving"})


def waze_url(loc: Location) -> str:
    """Waze navigation to `loc` (its universal link opens the app when installed)."""
    return "https://waze.com/ul?" + urlencode({"ll": f"{loc.lat:.6f},{loc.lon:.6f}", "navigate": "yes"})


def phone_nav_links(loc: Location, label: str = "") -> list[tuple[str, str]]:
    """(French label, URL) of every navigation app a phone may have: geo: first (Android chooses the app)."""
    return [("Naviguer (GPS)", geo_uri(loc, label)), ("Apple Plans", apple_maps_url(loc)),
            ("Google Maps", google_maps_url(loc)), ("Waze", waze_url(loc))]

"""Links that open a phone's navigation app on a stop: geo: URI (Android/iOS apps) and OpenStreetMap."""

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

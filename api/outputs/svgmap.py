"""Offline maps as inline SVG: commune outlines, points and routes, no tiles nor JavaScript library.

Used by pages (click-to-place premises, plan maps, "ma journée") so they work without internet. The SVG
carries its projection (data-* attributes) so a click can be turned back into latitude and longitude.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from maps.render import PALETTE


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection scaled by cos(latitude), good enough at the scale of a canton."""

    west: float
    south: float
    east: float
    north: float
    width: float = 1000.0

    @property
    def kx(self) -> float:
        return math.cos(math.radians((self.south + self.north) / 2))

    @property
    def height(self) -> float:
        return self.width * (self.north - self.south) / max((self.east - self.west) * self.kx, 1e-9)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        x = (lon - self.west) / (self.east - self.west) * self.width
        y = (self.north - lat) / (self.north - self.south) * self.height
        return round(x, 1), round(y, 1)


@lru_cache(maxsize=4)
def load_outlines(path: str) -> tuple[tuple[str, str, tuple], ...]:
    """(insee, name, rings) per commune from a GeoJSON file; empty when the file is missing."""
    p = Path(path)
    if not p.exists():
        return ()
    data = json.loads(p.read_text(encoding="utf-8"))
    out = []
    for f in data.get("features", []):
        g, props = f.get("geometry") or {}, f.get("properties") or {}
        polys = g.get("coordinates", []) if g.get("type") == "MultiPolygon" else [g.get("coordinates", [])]
        rings = tuple(tuple((float(x), float(y)) for x, y in ring) for poly in polys for ring in poly[:1])
        out.append((str(props.get("insee", "")), str(props.get("name", "")), rings))
    return tuple(out)


def _bounds(outlines, points) -> tuple[float, float, float, float]:
    lons = [x for _, _, rings in outlines for r in rings for x, _ in r] + [p[1] for p in points]
    lats = [y for _, _, rings in outlines for r in rings for _, y in r] + [p[0] for p in points]
    if not lats:
        return 2.0, 46.0, 3.0, 47.0
    pad_x, pad_y = max((max(lons) - min(lons)) * 0.03, 0.01), max((max(lats) - min(lats)) * 0.03, 0.01)
    return min(lons) - pad_x, min(lats) - pad_y, max(lons) + pad_x, max(lats) + pad_y


def render(outlines_path: str | Path, *, highlight: set[str] | None = None, markers: list[dict] | None = None,
           routes: list[dict] | None = None, dom_id: str = "carte", clickable: bool = False,
           fit_points: bool = False, focus: set[str] | None = None) -> str:
    """An <svg> of commune outlines with markers {lat, lon, label, title, color} and routes {points, color}.

    The view fits the markers and routes (`fit_points`), the `focus` communes with their surroundings, or
    else the whole territory."""
    outlines = load_outlines(str(outlines_path))
    markers, routes = markers or [], routes or []
    pts = [(m["lat"], m["lon"]) for m in markers] + [p for r in routes for p in r["points"]]
    focused = [o for o in outlines if focus and o[0] in focus]
    if focused:
        w, s, e, n = _bounds(focused, pts)
        dx, dy = (e - w) * 0.6, (n - s) * 0.6
        w, s, e, n = w - dx, s - dy, e + dx, n + dy
    else:
        w, s, e, n = _bounds((), pts) if (fit_points and pts) else _bounds(outlines, pts)
    proj = Projection(w, s, e, n)
    big = fit_points or bool(focused)  # a day or a commune: fewer, larger marks (read on a phone)
    radius, font, stroke = (26, 26, 7) if big else (11, 12, 3)
    parts = [f'<svg id="{dom_id}" class="carte" viewBox="0 0 {proj.width:.0f} {proj.height:.0f}" '
             f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Carte" data-west="{w}" data-south="{s}" '
             f'data-east="{e}" data-north="{n}" data-width="{proj.width}" data-height="{proj.height:.1f}"'
             f'{" data-clickable=1" if clickable else ""}>']
    for insee, name, rings in outlines:
        d = " ".join("M" + " L".join(f"{x},{y}" for x, y in (proj.xy(lat, lon) for lon, lat in ring)) + " Z"
                     for ring in rings)
        cls = "commune hl" if highlight and insee in highlight else "commune"
        parts.append(f'<path class="{cls}" data-insee="{escape(insee)}" d="{d}"><title>{escape(name)}</title></path>')
    for k, r in enumerate(routes):
        pts_txt = " ".join(f"{x},{y}" for x, y in (proj.xy(la, lo) for la, lo in r["points"]))
        color = r.get("color") or PALETTE[k % len(PALETTE)]
        dash = f' stroke-dasharray="{stroke * 3} {stroke * 2}"' if r.get("dashed") else ""
        parts.append(f'<polyline class="route" points="{pts_txt}" fill="none" stroke="{color}" stroke-width="{stroke}"{dash}>'
                     f'<title>{escape(r.get("title", ""))}</title></polyline>')
    for m in markers:
        x, y = proj.xy(m["lat"], m["lon"])
        color = m.get("color", "#333")
        parts.append(f'<g class="marker"><circle cx="{x}" cy="{y}" r="{radius}" fill="{color}" stroke="#fff" stroke-width="2"/>'
                     f'<text x="{x}" y="{y + font * 0.35:.1f}" text-anchor="middle" font-size="{font}" fill="#fff">{escape(str(m.get("label", "")))}</text>'
                     f'<title>{escape(m.get("title", ""))}</title></g>')
    parts.append(f'<text x="{proj.width - 6}" y="{proj.height - 6}" text-anchor="end" font-size="12" fill="#555">'
                 "Contours : © OpenStreetMap contributors</text></svg>")
    return "".join(parts)

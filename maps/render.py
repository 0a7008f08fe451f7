"""Folium maps of a plan: routes per staff member/unit and day, numbered stops, premises, town halls,
commune access and drive-time areas. Pure drawing: the caller decides what the audience may see
(api.outputs.pseudonym) and where road geometry comes from (api.outputs.legs).

Only Leaflet itself is loaded (no Bootstrap, jQuery or icon fonts), so the page can inline it and work
offline; markers are DivIcons, routes and outlines are inline vectors.
"""

from __future__ import annotations

import html
import math
from datetime import date, datetime
from typing import Mapping, Sequence

import folium
try:
    from folium.template import Template
except ImportError:  # folium < 0.18
    from jinja2 import Template

from planner.core.french import ROLE_FR, STOP_KIND_FR as KIND_FR, day_fr
from planner.core.itinerary import DayItinerary, ItineraryStop, PlanView

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354")
ACCESS_BINS = ((0.2, "#d7191c", "moins de 20 %"), (0.4, "#fdae61", "20 à 40 %"), (0.6, "#ffffbf", "40 à 60 %"),
               (0.8, "#a6d96a", "60 à 80 %"), (1.01, "#1a9641", "80 % et plus"))
ISO_COLOURS = {10: "#2c7fb8", 20: "#7fcdbb", 30: "#edf8b1"}
APPROX_NOTICE = "Temps de trajet approximatifs (sans réseau routier) : trajets tracés en ligne droite."
OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


class LeafletOnlyMap(folium.Map):
    """A folium map that loads Leaflet and nothing else, so it can be inlined for offline use."""

    default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js")]
    default_css = [("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css")]


def text(value: object) -> str:
    """Any user-typed string made safe for a map: HTML-escaped, and inert inside the JavaScript template
    literals folium wraps popups and tooltips in (a backtick, `${` or a backslash would break out)."""
    return (html.escape(str(value), quote=True).replace("`", "&#96;").replace("$", "&#36;")
            .replace("\\", "&#92;"))


def hm(t: datetime) -> str:
    return t.strftime("%H:%M").replace(":", "h")


def colours(view: PlanView) -> dict[str, str]:
    """One colour per staff member or unit, stable in order of first appearance."""
    out: dict[str, str] = {}
    for d in view.itineraries:
        out.setdefault(d.resource_id, PALETTE[len(out) % len(PALETTE)])
    return out


def access_colour(share: float) -> str:
    for bound, colour, _ in ACCESS_BINS:
        if share < bound:
            return colour
    return ACCESS_BINS[-1][1]


def is_base(stop: ItineraryStop) -> bool:
    return stop.kind in ("depart", "return", "night")


def stop_popup(d: DayItinerary, s: ItineraryStop, *, links: Sequence[tuple[str, str]] = ()) -> str:
    """Who, when, what, for how long (and where, and how to get there)."""
    e = text
    minutes = int((s.end - s.start).total_seconds() // 60)
    rows = [f"<b>{e(KIND_FR.get(s.kind, s.kind))} {s.sequence if not is_base(s) else ''}</b> — {e(s.place_name)}",
            f"<b>Qui :</b> {e(d.resource_name)} ({e(ROLE_FR.get(d.role, d.role))})",
            f"<b>Quand :</b> {day_fr(d.day)}, arrivée {hm(s.arrival)}"]
    if not is_base(s):
        rows.append(f"<b>Durée :</b> {hm(s.start)}–{hm(s.end)} ({minutes} min)")
    if s.what:
        rows.append(f"<b>Quoi :</b> {e(s.what)}")
    if s.address:
        rows.append(f"<b>Adresse :</b> {e(s.address)}")
    if s.phone:
        rows.append(f"<b>Téléphone :</b> <a href=\"tel:{e(s.phone)}\">{e(s.phone)}</a>")
    if s.travel_s:
        km = f"{s.travel_m / 1000:.1f}".replace(".", ",")
        rows.append(f"<b>Trajet depuis l'arrêt précédent :</b> {round(s.travel_s / 60)} min, {km} km")
    if links:
        rows.append(" · ".join(f'<a href="{e(url)}" target="_blank">{e(label)}</a>' for label, url in links))
    return "<br>".join(rows)


def number_icon(label_text: str, colour: str, *, square: bool = False, time: str = "") -> folium.DivIcon:
    """A numbered disc (or a square for a base), with the arrival time beside it: one element per stop."""
    radius = "3px" if square else "50%"
    label = (f'<span style="position:absolute;left:27px;top:5px;font:bold 11px sans-serif;color:{colour};'
             f'background:rgba(255,255,255,.85);padding:0 2px;border-radius:2px;white-space:nowrap">'
             f'{text(time)}</span>') if time else ""
    return folium.DivIcon(
        icon_size=(26, 26), icon_anchor=(13, 13), class_name="stop-icon",
        html=(f'<div style="position:relative;width:24px;height:24px;border-radius:{radius};background:{colour};'
              f'color:#fff;border:2px solid #fff;box-shadow:0 0 3px #000;font:bold 12px/24px sans-serif;'
              f'text-align:center">{text(label_text)}{label}</div>'))


class RouteFilter(folium.MacroElement):
    """A control with one checkbox per staff member (or unit) and one per day: a day's route shows when
    both its person and its day are ticked. Plain Leaflet + DOM, no plugin, so it works offline."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var staff = {{ this.staff|tojson }}, days = {{ this.days|tojson }};
            var groups = [{% for g, s, d in this.groups %}[{{ g }}, {{ s }}, {{ d }}]{% if not loop.last %}, {% endif %}{% endfor %}];
            var staffOn = staff.map(function () { return true; });
            var dayOn = days.map(function (d, i) { return i === {{ this.first_day }}; });
            function update() {
                groups.forEach(function (g) {
                    if (staffOn[g[1]] && dayOn[g[2]]) { map.addLayer(g[0]); } else { map.removeLayer(g[0]); }
                });
            }
            function box(kind, i, label, on) {
                return '<label style="display:block;white-space:nowrap"><input type="checkbox" data-kind="' + kind +
                    '" data-i="' + i + '"' + (on ? ' checked' : '') + '> ' + label + '</label>';
            }
            var ctl = L.control({position: 'topright'});
            ctl.onAdd = function () {
                var div = L.DomUtil.create('div', 'leaflet-bar route-filter');
                div.style.cssText = 'background:#fff;padding:4px 8px;font:12px sans-serif;max-height:45vh;' +
                    'overflow:auto;max-width:260px';
                var html = '<details' + (window.innerWidth < 600 ? '' : ' open') + '><summary><b>Tournées</b></summary>' +
                    '<div style="margin-top:4px"><b>Intervenants</b></div>';
                staff.forEach(function (s, i) {
                    html += box('s', i, '<span style="color:' + s[1] + '">&#9632;</span> ' + s[0], true);
                });
                var link = 'style="display:inline;width:auto;height:auto;line-height:normal;border:none;' +
                    'background:none;text-decoration:underline"';
                html += '<div style="margin-top:4px"><b>Jours</b> <a href="#" data-all="1" ' + link + '>tous</a> · ' +
                    '<a href="#" data-all="0" ' + link + '>aucun</a></div>';
                days.forEach(function (d, i) { html += box('d', i, d, i === {{ this.first_day }}); });
                div.innerHTML = html + '</details>';
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                div.addEventListener('change', function (ev) {
                    var t = ev.target, i = parseInt(t.getAttribute('data-i'), 10);
                    if (t.getAttribute('data-kind') === 's') { staffOn[i] = t.checked; } else { dayOn[i] = t.checked; }
                    update();
                });
                div.addEventListener('click', function (ev) {
                    var all = ev.target.getAttribute && ev.target.getAttribute('data-all');
                    if (all === null || all === undefined) { return; }
                    ev.preventDefault();
                    div.querySelectorAll('input[data-kind="d"]').forEach(function (c, i) {
                        c.checked = all === '1'; dayOn[i] = c.checked;
                    });
                    update();
                });
                return div;
            };
            ctl.addTo(map);
        })();
        {% endmacro %}
    """)

    def __init__(self, groups: list[tuple[folium.FeatureGroup, DayItinerary]], cols: dict[str, str],
                 first_day: date | None) -> None:
        super().__init__()
        self._name = "RouteFilter"
        staff_ids = list(dict.fromkeys(d.resource_id for _, d in groups))
        names = {d.resource_id: d.resource_name for _, d in groups}
        days = sorted({d.day for _, d in groups})
        self.staff = [[text(names[r]), cols[r]] for r in staff_ids]
        self.days = [day_fr(x) for x in days]
        self.first_day = days.index(first_day) if first_day in days else 0
        self.groups = [(g.get_name(), staff_ids.index(d.resource_id), days.index(d.day)) for g, d in groups]


def render_map(view: PlanView, *, legs: Mapping[tuple[str, date], Sequence] | None = None,
               outlines: dict | None = None, isochrones: Mapping[str, Sequence] | None = None,
               stop_links=None, subtitle: str = "") -> folium.Map:
    """The map of `view`.

    legs: (resource_id, day) -> one leg per stop after the first, each with `.coords` [(lat, lon)] and
    `.on_road`; missing legs are drawn straight. outlines: a GeoJSON FeatureCollection with properties
    insee/name/population. isochrones: premises id -> [maps.isochrones.Isochrone]. stop_links(stop,
    previous_stop) -> [(label, url)] adds navigation links to popups.
    """
    points = [(s.location.lat, s.location.lon) for d in view.itineraries for s in d.stops
              if (s.location.lat, s.location.lon) != (0.0, 0.0)]  # (0, 0): a place the plan could not locate
    premises = [p for p in view.extras.get("premises_used") or [] if p.get("lat") is not None
                and p.get("lon") is not None]
    points += [(p["lat"], p["lon"]) for p in premises]
    centre = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)) if points \
        else (48.56, 3.29)
    fmap = LeafletOnlyMap(location=centre, zoom_start=11, tiles=None, control_scale=True, prefer_canvas=False)
    folium.TileLayer("OpenStreetMap", name="Fond OpenStreetMap", attr=OSM_ATTRIBUTION, control=False).add_to(fmap)
    cols = colours(view)
    any_straight = view.approximate

    coverage = view.extras.get("coverage") or {}
    if outlines or coverage:
        _draw_communes(fmap, outlines, coverage, view.extras.get("reach_minutes"), points)
    if isochrones:
        _draw_isochrones(fmap, isochrones, premises)
    if premises or any(s.place_id.startswith("mairie:") for d in view.itineraries for s in d.stops):
        _draw_places(fmap, view, premises)

    first_day = min((d.day for d in view.itineraries), default=None)
    route_groups: list[tuple[folium.FeatureGroup, DayItinerary]] = []
    for d in sorted(view.itineraries, key=lambda d: (d.resource_name, d.day)):
        colour = cols[d.resource_id]
        group = folium.FeatureGroup(  # switched by the RouteFilter (staff x day), not by the layer control
            name=f'<span style="color:{colour}">&#9632;</span> {text(d.resource_name)} — {day_fr(d.day)}',
            show=d.day == first_day, control=False)
        group.add_to(fmap)
        route_groups.append((group, d))
        day_legs = list((legs or {}).get((d.resource_id, d.day)) or [])
        for i in range(1, len(d.stops)):
            a, b = d.stops[i - 1], d.stops[i]
            if (0.0, 0.0) in ((a.location.lat, a.location.lon), (b.location.lat, b.location.lon)):
                continue  # a place the plan could not locate: no line across the globe
            leg = day_legs[i - 1] if i - 1 < len(day_legs) else None
            on_road = bool(leg is not None and getattr(leg, "on_road", False)) and not view.approximate
            coords = list(leg.coords) if leg is not None and len(getattr(leg, "coords", ())) >= 2 else \
                [(a.location.lat, a.location.lon), (b.location.lat, b.location.lon)]
            any_straight = any_straight or not on_road
            km = f"{b.travel_m / 1000:.1f}".replace(".", ",")
            tip = (f"{text(d.resource_name)} : {text(a.place_name)} → {text(b.place_name)}, "
                   f"{round(b.travel_s / 60)} min, {km} km")
            folium.PolyLine(coords, color=colour, weight=4, opacity=0.85, tooltip=tip,
                            dash_array=None if on_road else "8 8", class_name="route-leg").add_to(group)
        for s in d.stops:
            if s.kind == "break" or (s.location.lat, s.location.lon) == (0.0, 0.0):
                continue  # a break is taken where the previous stop was: its marker would hide that stop
            links = stop_links(s) if stop_links else ()
            popup = folium.Popup(stop_popup(d, s, links=links), max_width=320)
            if is_base(s):
                if s.kind == "return" and d.stops and s.place_id == d.stops[0].place_id:
                    continue  # same place as the departure: one marker says both
                folium.Marker((s.location.lat, s.location.lon), icon=number_icon("⌂", colour, square=True),
                              popup=popup, tooltip=f"{text(s.place_name)} ({KIND_FR.get(s.kind, s.kind)})"
                              ).add_to(group)
                continue
            folium.Marker((s.location.lat, s.location.lon),
                          icon=number_icon(str(s.sequence), colour, time=hm(s.arrival)), popup=popup,
                          tooltip=f"{s.sequence}. {text(s.place_name)} — {hm(s.arrival)}").add_to(group)

    if route_groups:
        RouteFilter(route_groups, cols, first_day).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    if points:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(20, 20))
    _add_header(fmap, view, subtitle, any_straight)
    _add_legend(fmap, view, cols, bool(coverage), bool(isochrones), any_straight)
    return fmap


def _draw_communes(fmap, outlines, coverage: dict, reach, points) -> None:
    """Commune outlines (or population-sized points) coloured by the share of people within reach."""
    title = f"Accès : part de la population à moins de {reach} min" if reach else "Communes"
    group = folium.FeatureGroup(name=title, show=True)
    group.add_to(fmap)
    drawn = set()
    if outlines:
        lat_lo = min((p[0] for p in points), default=-90) - 0.15
        lat_hi = max((p[0] for p in points), default=90) + 0.15
        lon_lo = min((p[1] for p in points), default=-180) - 0.2
        lon_hi = max((p[1] for p in points), default=180) + 0.2
        for feat in outlines.get("features", []):
            props = feat.get("properties") or {}
            insee = str(props.get("insee", ""))
            cov = coverage.get(insee)
            if cov is None and coverage:
                continue
            if cov is None and not _feature_near(feat, lat_lo, lat_hi, lon_lo, lon_hi):
                continue
            drawn.add(insee)
            share = cov.get("share_within_reach") if cov else None
            fill = access_colour(share) if share is not None else "#999999"
            tip = _commune_tip(props.get("name", insee), cov.get("population") if cov else props.get("population"),
                               share, cov.get("sessions") if cov else None, reach)
            folium.GeoJson({"type": "Feature", "properties": {"insee": insee}, "geometry": feat["geometry"]},
                           style_function=lambda _f, fill=fill, op=(0.45 if share is not None else 0.08): {
                               "color": "#555555", "weight": 1, "fillColor": fill, "fillOpacity": op},
                           tooltip=folium.Tooltip(tip), class_name="commune-outline").add_to(group)
    for insee, cov in coverage.items():
        if insee in drawn or "lat" not in cov or "lon" not in cov:
            continue
        share = cov.get("share_within_reach")
        radius = 4 + 2.5 * math.sqrt(max(0, int(cov.get("population") or 0)) / 100)
        folium.CircleMarker((cov["lat"], cov["lon"]), radius=radius, color="#555555", weight=1,
                            fill=True, fill_color=access_colour(share or 0.0), fill_opacity=0.7,
                            tooltip=_commune_tip(cov.get("name", insee), cov.get("population"), share,
                                                 cov.get("sessions"), reach), class_name="commune-point"
                            ).add_to(group)


def _feature_near(feat, lat_lo, lat_hi, lon_lo, lon_hi) -> bool:
    def first_point(c):
        while isinstance(c, list) and c and isinstance(c[0], list):
            c = c[0]
        return c
    p = first_point(feat.get("geometry", {}).get("coordinates", []))
    return bool(p) and lat_lo <= p[1] <= lat_hi and lon_lo <= p[0] <= lon_hi


def _commune_tip(name, population, share, sessions, reach) -> str:
    parts = [f"<b>{text(str(name))}</b>"]
    if population is not None:
        parts.append(f"{int(population):,} habitants".replace(",", " "))
    if share is not None:
        parts.append(f"{round(100 * share)} % à moins de {reach} min d'une consultation")
    if sessions is not None:
        n = len(sessions) if isinstance(sessions, (list, tuple)) else sessions
        parts.append(f"{n} séance(s) dans la commune")
    return "<br>".join(parts)


def _draw_isochrones(fmap, isochrones: Mapping[str, Sequence], premises: list[dict]) -> None:
    """One area per threshold: the union of the premises' isochrones (overlapping areas would hide the map)."""
    import shapely
    from shapely.geometry import Polygon

    by_minutes: dict[int, list] = {}
    approximate = False
    for isos in isochrones.values():
        for iso in isos:
            approximate = approximate or iso.approximate
            by_minutes.setdefault(iso.minutes, []).extend(
                Polygon([(lon, lat) for lat, lon in ring]) for ring in iso.rings if len(ring) >= 4)
    group = folium.FeatureGroup(name="Zones à 10, 20, 30 min des lieux de consultation", show=False)
    group.add_to(fmap)
    how = "approximatif : cercles" if approximate else "par la route"
    n = len(isochrones)
    for minutes in sorted(by_minutes, reverse=True):
        area = shapely.union_all([p.buffer(0) for p in by_minutes[minutes]])
        for poly in getattr(area, "geoms", [area]):
            if poly.is_empty or not hasattr(poly, "exterior"):
                continue
            ring = [(round(y, 5), round(x, 5)) for x, y in poly.exterior.coords]
            folium.Polygon(ring, color=ISO_COLOURS.get(minutes, "#888888"), weight=1.5, fill=True,
                           fill_opacity=0.2, class_name="isochrone",
                           tooltip=f"À moins de {minutes} min d'un des {n} lieux de consultation ({how})"
                           ).add_to(group)


def _draw_places(fmap, view: PlanView, premises: list[dict]) -> None:
    group = folium.FeatureGroup(name="Lieux de consultation et mairies", show=True)
    group.add_to(fmap)
    seen = set()
    for p in premises:
        seen.add(p.get("id"))
        label = text(str(p.get("name", p.get("id"))))
        addr = text(str(p.get("address", "")))
        folium.Marker((p["lat"], p["lon"]), tooltip=label, popup=folium.Popup(f"<b>{label}</b><br>{addr}"),
                      icon=_place_icon("✚", "#c0392b"), class_name="premises").add_to(group)
    for d in view.itineraries:
        for s in d.stops:
            if s.place_id in seen or not (s.place_id.startswith("mairie:") or s.kind == "session"):
                continue
            seen.add(s.place_id)
            townhall = s.place_id.startswith("mairie:")
            folium.Marker((s.location.lat, s.location.lon), tooltip=text(s.place_name),
                          popup=folium.Popup(f"<b>{text(s.place_name)}</b><br>{text(s.address)}"),
                          icon=_place_icon("M" if townhall else "✚", "#34495e" if townhall else "#c0392b")
                          ).add_to(group)


def _place_icon(symbol: str, colour: str) -> folium.DivIcon:
    return folium.DivIcon(icon_size=(20, 20), icon_anchor=(10, 26), class_name="place-icon",
                          html=(f'<div style="width:18px;height:18px;background:#fff;color:{colour};'
                                f'border:2px solid {colour};font:bold 13px/18px sans-serif;text-align:center">'
                                f'{symbol}</div>'))


def _add_header(fmap, view: PlanView, subtitle: str, straight: bool) -> None:
    notice = (f'<div class="approx-notice" style="color:#b30000">{APPROX_NOTICE}</div>' if view.approximate
              else f'<div class="travel-notice">{text(view.travel_fr)}</div>')
    if straight and not view.approximate:
        notice += '<div class="approx-notice" style="color:#b30000">Trajets tracés en ligne droite (réseau non chargé).</div>'

    sub = f"<div>{text(subtitle)}</div>" if subtitle else ""
    box = (f'<div class="map-header" style="position:fixed;top:8px;left:50px;z-index:9999;'
           f'background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;font:13px sans-serif;'
           f'box-shadow:0 0 4px rgba(0,0,0,.3);max-width:min(560px, calc(100% - 200px))"><b>{text(view.title)}</b>{sub}{notice}</div>')
    fmap.get_root().html.add_child(folium.Element(box))


def _add_legend(fmap, view: PlanView, cols: dict[str, str], coverage: bool, isochrones: bool,
                straight: bool) -> None:
    names = {d.resource_id: (d.resource_name, d.role) for d in view.itineraries}
    rows = [f'<div><span style="display:inline-block;width:18px;height:4px;background:{c};vertical-align:middle">'
            f'</span> {text(names[r][0])}</div>' for r, c in cols.items()]
    rows.append('<div><span style="display:inline-block;width:16px;text-align:center;border-radius:50%;'
                'background:#555;color:#fff;font-size:10px">1</span> ordre de passage, heure d\'arrivée</div>')
    rows.append('<div><span style="color:#c0392b;font-weight:bold">✚</span> lieu de consultation '
                '<span style="color:#34495e;font-weight:bold">M</span> mairie</div>')
    if straight:
        rows.append('<div><span style="display:inline-block;width:18px;border-top:3px dashed #555;'
                    'vertical-align:middle"></span> trajet approximatif (ligne droite)</div>')
    if coverage:
        reach = view.extras.get("reach_minutes")
        rows.append(f"<div style='margin-top:4px'><b>Population à moins de {reach} min</b></div>")
        rows += [f'<div><span style="display:inline-block;width:14px;height:10px;background:{c}"></span> {lbl}</div>'
                 for _, c, lbl in ACCESS_BINS]
    if isochrones:
        rows.append("<div style='margin-top:4px'><b>Zones de temps de trajet</b></div>")
        rows += [f'<div><span style="display:inline-block;width:14px;height:10px;background:{c}"></span> '
                 f'{m} min</div>' for m, c in ISO_COLOURS.items()]
    rows.append(f"<div style='margin-top:4px;font-size:10px'>{OSM_ATTRIBUTION}</div>")
    box = ('<details class="map-legend" open style="position:fixed;bottom:28px;right:8px;z-index:9999;'
           'background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;font:12px sans-serif;'
           'max-width:240px;max-height:45vh;overflow:auto;box-shadow:0 0 4px rgba(0,0,0,.3)">'
           '<summary><b>Légende</b></summary>' + "".join(rows) + "</details>"
           "<script>if (window.innerWidth < 600) {"  # phones: the legend starts folded, the map stays visible
           "document.querySelector('.map-legend').removeAttribute('open');}</script>")
    fmap.get_root().html.add_child(folium.Element(box))

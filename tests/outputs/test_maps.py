"""Map structure: a layer per staff member and day, one route polyline per leg, numbered markers,
pseudonymised patients on shared maps, and offline-ready pages."""

from __future__ import annotations

import re

import folium
import pytest

from planner.core.geo import Location

from api.outputs import mapfiles
from api.outputs.legs import RouteLeg, view_legs
from api.outputs.pseudonym import blur, for_audience
from maps.isochrones import approximate_isochrones
from maps.render import render_map
from planner.core.geo import distance_m


def layers(fmap: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {c.layer_name: c for c in fmap._children.values() if isinstance(c, folium.FeatureGroup)}


def count(group, cls) -> int:
    return sum(isinstance(c, cls) for c in group._children.values())


def test_a_layer_per_staff_day_with_a_polyline_per_leg_and_numbered_stops(home_view):
    fmap = render_map(home_view)
    groups = {k: g for k, g in layers(fmap).items() if "—" in k}
    assert len(groups) == len(home_view.itineraries) == 3
    for d in home_view.itineraries:
        name = next(k for k in groups if d.resource_name in k and str(d.day.day) + " mars" in k)
        g = groups[name]
        assert count(g, folium.PolyLine) == len(d.stops) - 1
        visits = [s for s in d.stops if s.kind == "visit"]
        markers = [c for c in g._children.values() if isinstance(c, folium.Marker)]
        numbered = [m for m in markers if "stop-icon" in m.icon.options.get("class_name", "")]
        assert len(numbered) == len(visits) + 1  # visits + one base marker (depart = return)
    html = fmap.get_root().render()
    assert "L.control.layers" in html and "L.control.scale" in html
    assert "OpenStreetMap</a> contributors" in html and 'name="viewport"' in html
    assert '"dashArray": "8 8"' in html and "ligne droite" in html  # no network loaded: straight, not "approximate"


def test_road_legs_are_solid_and_keep_their_points(rotation_view):
    legs = view_legs(rotation_view)
    curvy = {k: [RouteLeg(tuple((a[0] + i * 1e-4, a[1]) for i in range(30)) + (leg.coords[-1],), (), True)
                 for leg in v for a in [leg.coords[0]]] for k, v in legs.items()}
    fmap = render_map(rotation_view, legs=curvy)
    lines = [c for g in layers(fmap).values() for c in g._children.values() if isinstance(c, folium.PolyLine)]
    assert len(lines) == sum(len(d.stops) - 1 for d in rotation_view.itineraries)
    assert all(len(line.locations) == 31 and line.options.get("dash_array") is None for line in lines)
    assert "Temps de trajet approximatifs" not in fmap.get_root().render()


def test_approximate_view_is_dashed_and_says_so_even_with_road_legs(rotation_view):
    from dataclasses import replace

    view = replace(rotation_view, approximate=True)
    legs = {k: [RouteLeg(leg.coords, (), True) for leg in v] for k, v in view_legs(view).items()}
    html = render_map(view, legs=legs).get_root().render()
    assert '"dashArray": "8 8"' in html and "Temps de trajet approximatifs" in html


def test_rotation_map_has_premises_outlines_points_and_isochrones(rotation_view, outlines):
    isos = {p["id"]: approximate_isochrones(Location(p["lat"], p["lon"]))
            for p in rotation_view.extras["premises_used"]}
    fmap = render_map(rotation_view, outlines=outlines, isochrones=isos)
    groups = layers(fmap)
    places = groups["Lieux de consultation et mairies"]
    assert count(places, folium.Marker) == 4  # 2 premises + 2 town halls used for sessions
    communes = next(g for k, g in groups.items() if k.startswith("Accès"))
    outlined = count(communes, folium.GeoJson)
    points = count(communes, folium.CircleMarker)
    coverage = rotation_view.extras["coverage"]
    in_outlines = {f["properties"]["insee"] for f in outlines["features"]} & set(coverage)
    assert outlined == len(in_outlines) >= 3
    assert points == sum(1 for k, c in coverage.items() if k not in in_outlines and "lat" in c) >= 1
    iso_group = next(g for k, g in groups.items() if k.startswith("Zones"))
    polygons = [c for c in iso_group._children.values() if isinstance(c, folium.Polygon)]
    # Villiers and Bray are ~27 km apart: their 10-min circles stay apart, their 30-min ones merge.
    tips = [c.text for p in polygons for c in p._children.values() if isinstance(c, folium.Tooltip)]
    assert sum("10 min" in t for t in tips) == 2 and sum("30 min" in t for t in tips) == 1
    assert all("approximatif" in t for t in tips)


def test_shared_map_hides_patients_staff_map_shows_only_their_own(home_view, outlines):
    shared = mapfiles.map_html(home_view, "shared", outlines=outlines)
    patients = {s.patient_id: s for d in home_view.itineraries for s in d.stops if s.patient_id}
    for s in patients.values():
        assert s.patient_name not in shared and s.address not in shared
        assert s.patient_id not in shared
        if s.phone:
            assert s.phone not in shared
        assert f"{s.location.lat}, {s.location.lon}" not in shared
    assert "Patient n°1" in shared
    nurse = mapfiles.map_html(home_view, "staff:S01")
    own = {s.patient_name for d in home_view.itineraries if d.resource_id == "S01" for s in d.stops if s.patient_id}
    other = {s.patient_name for d in home_view.itineraries if d.resource_id == "S02" for s in d.stops
             if s.patient_id}
    assert all(n in nurse for n in own) and not any(n in nurse for n in other)


def test_blur_moves_points_less_than_300_m_and_onto_a_grid(home_view):
    for d in home_view.itineraries:
        for s in d.stops:
            if s.patient_id:
                b = blur(s.location)
                assert 20 < distance_m(s.location, b) < 300
                assert blur(b) == b
    shared = for_audience(home_view, "shared")
    assert not any("Germaine" in u.label + u.reason for u in shared.unscheduled)


def test_map_pages_are_self_contained(home_view, tmp_path):
    paths = mapfiles.write_maps(home_view, tmp_path)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in paths)
    assert names == ["carte-coordination.html", "carte.html", "cartes/s01-claire-martin.html",
                     "cartes/s02-dr-paul-bernard.html"]
    html = (tmp_path / "carte.html").read_text(encoding="utf-8")
    assert not re.findall(r'<script[^>]+src=', html) and not re.findall(r'<link[^>]+stylesheet', html)
    assert "Leaflet 1.9.4" in html


@pytest.mark.parametrize("audience", ["nobody", "staff:"])
def test_unknown_audience_is_refused(home_view, audience):
    with pytest.raises(ValueError):
        for_audience(home_view, audience)


def test_pseudonym_numbers_do_not_follow_patient_ids(home_view):
    from api.outputs.pseudonym import patient_numbers

    numbers = patient_numbers(home_view)
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))
    first = home_view.itineraries[0].stops[1].patient_id  # Monday, Claire Martin, first stop
    assert numbers[first] == 1
    assert any(int(pid[1:]) != n for pid, n in numbers.items())
    assert patient_numbers(home_view) == numbers  # stable

"""Turn-by-turn directions from road steps, and outputs built on the real demo road network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gpxpy
import pytest

from api.outputs import write_all
from api.outputs.directions import distance_fr, leg_sentence, road_label, stretches
from api.outputs.legs import view_legs

REPO = Path(__file__).resolve().parents[2]
OSM = REPO.parent / "shared" / "osm" / "fr77_provins_montois_drive.osm"
OUTLINES = REPO / "data" / "provinois" / "outlines.geojson"


@dataclass
class S:
    name: str
    ref: str
    highway: str
    length_m: float
    duration_s: float = 0.0
    turn: str = "straight"


def test_road_names_read_like_french_directions():
    assert road_label("Route de Provins", "D 403", "primary") == "la D403"
    assert road_label("Rue de la Gare", "", "residential") == "la rue de la Gare"
    assert road_label("Avenue du Prieuré", "", "secondary") == "l'avenue du Prieuré"
    assert road_label("Chemin des Vignes", "", "unclassified") == "le chemin des Vignes"
    assert road_label("", "", "unclassified") == "la petite route"
    assert road_label("", "A 5", "motorway") == "l'A5"
    assert distance_fr(12_345) == "12 km" and distance_fr(1_540) == "1,5 km" and distance_fr(430) == "450 m"


def test_steps_on_one_road_merge_and_short_pieces_fold():
    steps = [S("", "", "access", 20, turn="depart"), S("Rue de la Gare", "", "residential", 400, turn="depart"),
             S("Route de Provins", "D 403", "primary", 5_000, turn="right"),
             S("", "D 403", "primary", 7_000), S("", "", "primary", 30),  # unnamed bit continues the D403
             S("Rue Grande", "", "residential", 60, turn="left"),  # too short: folded
             S("", "D 49", "tertiary", 3_000, turn="left")]
    parts = stretches(steps)
    assert [p.road for p in parts] == ["la rue de la Gare", "la D403", "la D49"]
    assert [p.length_m for p in parts] == [420, 12_090, 3_000]  # access and short pieces folded
    assert [p.turn for p in parts] == ["depart", "right", "left"]
    text = leg_sentence(steps, "Mairie de Bray-sur-Seine")
    assert text == ("Prendre la rue de la Gare sur 400 m, puis à droite la D403 sur 12 km, "
                    "puis à gauche la D49 sur 3 km ; arrivée : Mairie de Bray-sur-Seine.")
    assert leg_sentence([], "X") == ""


needs_osm = pytest.mark.skipif(not OSM.exists(), reason=f"demo road network not found at {OSM}")


@pytest.fixture(scope="module")
def network():
    if not OSM.exists():
        pytest.skip(f"demo road network not found at {OSM}")
    geometry = pytest.importorskip("maps.geometry", reason="maps.geometry (road geometry) not available yet")
    assert hasattr(geometry, "leg_geometry")
    from maps.network import load_network

    return load_network(OSM)


@pytest.mark.real_osm
@needs_osm
def test_exports_follow_the_roads(network, rotation_view, home_view, tmp_path):
    legs = view_legs(rotation_view, network)
    for d in rotation_view.itineraries:
        day_legs = legs[(d.resource_id, d.day)]
        assert len(day_legs) == len(d.stops) - 1 and all(leg.on_road for leg in day_legs)
        assert sum(len(leg.coords) for leg in day_legs) > 20 * len(d.stops)
        assert any(getattr(s, "ref", "") for leg in day_legs for s in leg.steps)
    written = write_all(rotation_view, tmp_path / "r", network=network, outlines=OUTLINES,
                        formats=["map", "sheet", "gpx"])
    html = (tmp_path / "r" / "carte.html").read_text(encoding="utf-8")
    assert '"dashArray": "8 8"' not in html and "Temps de trajet approximatifs" not in html
    g = gpxpy.parse(written["gpx"][0].read_text(encoding="utf-8"))
    assert len(g.tracks[0].segments[0].points) > 20 * len(rotation_view.itineraries[0].stops)
    sheet = next(p for p in written["sheet"] if p.suffix == ".html").read_text(encoding="utf-8")
    assert "Prendre " in sheet and "puis " in sheet and "la D" in sheet
    # isochrones by road around the premises: at least one area per threshold
    assert html.count("isochrone") >= 3
    assert "par la route" in html

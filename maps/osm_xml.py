"""Read the raw road data (node positions, `highway` ways with their tags) from OSM files.

OSM XML (`.osm`, `.osm.gz`, `.osm.bz2`) is read with the standard library's streaming parser, so no
extra dependency is needed; `.osm.pbf` needs pyosmium (`pip install osmium`). Both give the same
`RawOsm`, which `maps.network` turns into a routable graph.
"""

from __future__ import annotations

import bz2
import gzip
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from planner.core.errors import InputError

# Tags a road keeps; everything else is dropped while reading.
KEPT_TAGS = ("highway", "name", "ref", "oneway", "junction", "maxspeed", "access", "motor_vehicle",
             "motorcar", "area")
# Node tags the travel-time model reads (traffic control: highway=traffic_signals / stop / give_way /
# crossing / mini_roundabout; settlements: place=*), and the areas that mark built-up land.
NODE_HIGHWAY = {"traffic_signals", "stop", "give_way", "crossing", "mini_roundabout"}
BUILT_UP_LANDUSE = {"residential", "commercial", "retail", "industrial"}
BUILT_UP_PLACE = {"city", "town", "village", "hamlet", "suburb", "quarter", "neighbourhood", "isolated_dwelling"}


@dataclass
class RawWay:
    id: int
    refs: list[int]
    tags: dict[str, str]


@dataclass
class RawOsm:
    """Every node position of the file, the ways that carry a `highway` tag, and what the travel-time
    model reads besides: traffic-control nodes, settlement nodes and built-up areas (often absent)."""

    node_ids: np.ndarray  # int64, sorted
    lat: np.ndarray
    lon: np.ndarray
    ways: list[RawWay]
    node_controls: dict[int, str] = field(default_factory=dict)  # node id -> highway=* value (NODE_HIGHWAY)
    places: list[tuple[int, str]] = field(default_factory=list)  # (node id, place=* value)
    areas: list[tuple[str, list[int]]] = field(default_factory=list)  # ("landuse=residential", node refs)


def osm_format(path: Path) -> str:
    """'xml', 'pbf' or 'graphml' from the file name."""
    name = path.name.lower()
    if name.endswith(".pbf"):
        return "pbf"
    if name.endswith(".graphml"):
        return "graphml"
    return "xml"


def _open_xml(path: Path):
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    return path.open("rb")


def read_osm_xml(path: Path) -> RawOsm:
    """Nodes and highway ways of an OSM XML file; InputError naming the file if it is not OSM XML."""
    ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    ways: list[RawWay] = []
    refs: list[int] = []
    tags: dict[str, str] = {}
    controls: dict[int, str] = {}
    places: list[tuple[int, str]] = []
    areas: list[tuple[str, list[int]]] = []
    node_id: int | None = None  # set while inside a <node> element
    root_seen = False
    try:
        with _open_xml(path) as fh:
            context = ET.iterparse(fh, events=("start", "end"))
            for event, elem in context:
                tag = elem.tag
                if event == "start":
                    if not root_seen:
                        root_seen = True
                        if tag != "osm":
                            raise InputError(f"not an OpenStreetMap XML file (root element <{tag}>, "
                                             "expected <osm>)", source=str(path))
                    if tag == "way":
                        refs, tags = [], {}
                    elif tag == "node":
                        a = elem.attrib
                        node_id = int(a["id"])
                        ids.append(node_id)
                        lats.append(float(a["lat"]))
                        lons.append(float(a["lon"]))
                    continue
                if tag == "node":
                    node_id = None
                    elem.clear()
                elif tag == "nd":
                    refs.append(int(elem.attrib["ref"]))
                elif tag == "tag":
                    k = elem.attrib.get("k")
                    if node_id is not None:
                        if k == "highway" and elem.attrib.get("v") in NODE_HIGHWAY:
                            controls[node_id] = elem.attrib["v"]
                        elif k == "place" and elem.attrib.get("v") in BUILT_UP_PLACE:
                            places.append((node_id, elem.attrib["v"]))
                    elif k in KEPT_TAGS or k == "landuse" or k == "place":
                        tags[k] = elem.attrib.get("v", "")
                elif tag == "way":
                    if "highway" in tags and len(refs) >= 2:
                        ways.append(RawWay(int(elem.attrib["id"]), refs, tags))
                    else:
                        area = _area_kind(tags)
                        if area and len(refs) >= 4 and refs[0] == refs[-1]:
                            areas.append((area, refs))
                    elem.clear()
                elif tag == "relation":
                    elem.clear()
    except InputError:
        raise
    except ET.ParseError as exc:
        if not root_seen:
            raise InputError("empty file or not an OpenStreetMap XML file", source=str(path)) from None
        raise InputError(f"malformed OpenStreetMap XML ({exc})", source=str(path)) from None
    except (KeyError, ValueError) as exc:
        raise InputError(f"malformed OpenStreetMap element ({exc!r})", source=str(path)) from None
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read file ({exc})", source=str(path)) from None
    if not root_seen:
        raise InputError("empty file or not an OpenStreetMap XML file", source=str(path))
    return raw_osm(ids, lats, lons, ways, controls, places, areas)


def _area_kind(tags: dict[str, str]) -> str | None:
    """"landuse=residential" / "place=village" for a way marking built-up land, else None."""
    if tags.get("landuse") in BUILT_UP_LANDUSE:
        return f"landuse={tags['landuse']}"
    if tags.get("place") in BUILT_UP_PLACE:
        return f"place={tags['place']}"
    return None


def read_osm_pbf(path: Path) -> RawOsm:
    """Nodes and highway ways of an `.osm.pbf` file, read with pyosmium."""
    try:
        import osmium
    except ImportError:
        raise InputError("reading .osm.pbf needs pyosmium: run `pip install osmium`, or convert the file "
                         "to OSM XML first (`osmium cat FILE.osm.pbf -o FILE.osm`)", source=str(path)) from None
    ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    ways: list[RawWay] = []
    controls: dict[int, str] = {}
    places: list[tuple[int, str]] = []
    areas: list[tuple[str, list[int]]] = []
    try:
        for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node():
                if obj.location.valid():
                    ids.append(obj.id)
                    lats.append(obj.location.lat)
                    lons.append(obj.location.lon)
                    if len(obj.tags):
                        hw, place = obj.tags.get("highway"), obj.tags.get("place")
                        if hw in NODE_HIGHWAY:
                            controls[obj.id] = hw
                        if place in BUILT_UP_PLACE:
                            places.append((obj.id, place))
            elif obj.is_way():
                if "highway" in obj.tags and len(obj.nodes) >= 2:
                    tags = {k: obj.tags[k] for k in KEPT_TAGS if k in obj.tags}
                    ways.append(RawWay(obj.id, [n.ref for n in obj.nodes], tags))
                elif "landuse" in obj.tags or "place" in obj.tags:
                    area = _area_kind({k: obj.tags.get(k, "") for k in ("landuse", "place")})
                    refs = [n.ref for n in obj.nodes]
                    if area and len(refs) >= 4 and refs[0] == refs[-1]:
                        areas.append((area, refs))
    except RuntimeError as exc:
        raise InputError(f"not a readable OpenStreetMap PBF file ({exc})", source=str(path)) from None
    return raw_osm(ids, lats, lons, ways, controls, places, areas)


def raw_osm(ids, lats, lons, ways, controls=None, places=None, areas=None) -> RawOsm:
    """RawOsm from parallel node lists (any order) and ways; nodes end up sorted by id for lookups."""
    node_ids = np.asarray(ids, dtype=np.int64)
    order = np.argsort(node_ids, kind="stable")
    return RawOsm(node_ids[order], np.asarray(lats, dtype=float)[order], np.asarray(lons, dtype=float)[order], ways,
                  dict(controls or {}), list(places or []), list(areas or []))

"""Offline place search for town halls and planners: "rue de la Mairie, Baby" or "Salle des fêtes de Jouy"
found without any online service, from the road network's street names and the territory's communes.

The drive extracts carry street names but no house numbers, so an address resolves to the middle of the
named street's part nearest to the commune's town hall; a commune name resolves to its town hall. Each
candidate says which ("rue", "mairie") so the clerk then moves the marker to the door.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from maps.network import RoadNetwork

STREET_WORDS = {"rue", "route", "chemin", "avenue", "av", "boulevard", "bd", "place", "impasse", "allee",
                "allée", "grande", "rd", "d", "quai", "sentier", "voie", "ruelle", "square", "cours", "hameau"}
MAX_KM_FROM_TOWNHALL = 6.0  # a street matched for a commune lies within this distance of its town hall


@dataclass(frozen=True)
class Place:
    label: str
    kind: str  # "mairie" | "rue"
    lat: float
    lon: float
    insee: str
    commune: str


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    lat: float
    lon: float
    address: str = ""


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, no post code or house number: 'Rue  de l'Église, 77160' ->
    'rue de l eglise'."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(w for w in text.split() if not re.fullmatch(r"\d+(bis|ter)?|bis|ter", w))


@dataclass
class Index:
    """Street pieces by normalised name (their mid-points) and the communes."""

    streets: dict[str, tuple[str, np.ndarray, np.ndarray]]  # key -> (name as written, lats, lons)
    communes: list[Commune]


def build_index(net: RoadNetwork | None, communes: list[Commune]) -> Index:
    streets: dict[str, tuple[str, list, list]] = {}
    if net is not None:
        mid_lat = (net.lat[net.u] + net.lat[net.v]) / 2
        mid_lon = (net.lon[net.u] + net.lon[net.v]) / 2
        for code in np.unique(net.name_code):
            name = net.names[int(code)]
            if not name:
                continue
            sel = net.name_code == code
            key = normalise(name)
            if key:
                _, la, lo = streets.setdefault(key, (name, [], []))
                la.append(mid_lat[sel])
                lo.append(mid_lon[sel])
    return Index({k: (n, np.concatenate(la), np.concatenate(lo)) for k, (n, la, lo) in streets.items()}, communes)


def _km(lat1, lon1, lat2, lon2):
    dlat, dlon = np.radians(lat2 - lat1), np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(np.radians(lat1)) * np.cos(np.radians(lat2)) * np.sin(dlon / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def _score(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _townhall(c: Commune) -> Place:
    return Place(f"Mairie de {c.name}" + (f", {c.address}" if c.address else ""), "mairie", c.lat, c.lon, c.insee,
                 c.name)


def _streets(index: Index, street_q: str, around: list[Commune]) -> list[tuple[float, Place]]:
    out = []
    for key, (name, la, lo) in index.streets.items():
        s = _score(key, street_q)
        if s < 0.75:
            continue
        for c in around:
            d = _km(c.lat, c.lon, la, lo)
            k = int(np.argmin(d))
            if d[k] <= MAX_KM_FROM_TOWNHALL:
                out.append((s - d[k] / 100, Place(f"{name}, {c.name} (milieu de la rue : placez le repère devant "
                                                  "l'entrée)", "rue", float(la[k]), float(lo[k]), c.insee, c.name)))
    return out


def search(index: Index, query: str, *, limit: int = 8) -> list[Place]:
    """Candidates for `query`, best first: communes by name, streets by name near the commune named in the
    query (or near any commune of the territory)."""
    q = normalise(query)
    if len(q) < 2:
        return []
    out: list[tuple[float, Place]] = []
    named = [c for c in index.communes if normalise(c.name) and f" {normalise(c.name)} " in f" {q} "]
    for c in named:
        rest = f" {q} ".replace(f" {normalise(c.name)} ", " ").strip()
        if not rest:
            out.append((2.0, _townhall(c)))
        elif not set(rest.split()) & STREET_WORDS:
            out.append((1.5, _townhall(c)))
        else:
            out += _streets(index, rest, [c])
    if not named and set(q.split()) & STREET_WORDS:
        out = _streets(index, q, index.communes)
    elif not named:
        for c in index.communes:
            s = _score(normalise(c.name), q)
            if s >= 0.6:
                out.append((1.0 + s, _townhall(c)))
    out.sort(key=lambda x: -x[0])
    seen, best = set(), []
    for _, p in out:
        key = (p.kind, round(p.lat, 4), round(p.lon, 4))
        if key not in seen and not math.isnan(p.lat):
            seen.add(key)
            best.append(p)
    return best[:limit]

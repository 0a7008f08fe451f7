"""Geographic points with named fields, and great-circle distance.

Coordinates are always named `lat`/`lon` (degrees, WGS84), never bare pairs: folium wants (lat, lon),
osmnx wants x=lon, y=lat, and a swapped pair silently puts Provins in Somalia.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Location:
    """A point on Earth, in degrees (WGS84)."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        for name, value, bound in (("lat", self.lat, 90.0), ("lon", self.lon, 180.0)):
            if not isinstance(value, (int, float)) or math.isnan(value) or not -bound <= value <= bound:
                raise ValueError(f"{name} must be a number between -{bound:g} and {bound:g}, got {value!r}")

    def to_dict(self) -> dict[str, float]:
        return {"lat": self.lat, "lon": self.lon}


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres; works on scalars or numpy arrays (broadcasting)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_m(a: Location, b: Location) -> float:
    """Great-circle distance between two locations, in metres."""
    return float(haversine_m(a.lat, a.lon, b.lat, b.lon))

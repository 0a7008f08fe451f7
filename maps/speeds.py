"""Car speeds on French roads: OSM `maxspeed` where tagged, a documented default per road class elsewhere.

Only about 15-20 % of French rural roads carry a `maxspeed` tag, so the per-class table decides most
travel times. The table also decides which roads are drivable at all: a `highway` class absent from it
(track, path, footway, cycleway...) is left out of the network.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping

# Default speeds in km/h per OSM `highway` class, from the French highway code (Code de la route,
# art. R413-2 and following) with rural defaults where a class usually lies outside built-up areas:
# - motorway 130 (dry weather limit), trunk 110 (dual carriageway "route express"),
# - primary / secondary / tertiary 80 (two-lane rural roads since 1 July 2018),
# - unclassified 70 (narrow rural lanes driven below the 80 limit), road (unknown class) 50,
# - residential 40 (built-up area, 50 limit, many 30 zones), living_street 20 ("zone de rencontre"),
# - service 20 (car parks, yards, private accesses),
# - *_link slip roads slower than the road they serve.
# Tracks, paths, footways, cycleways, steps, bridleways, pedestrian streets and roads under construction
# are not in the table, so they are not part of the drivable network.
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "motorway": 130.0,
    "motorway_link": 70.0,
    "trunk": 110.0,
    "trunk_link": 60.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 80.0,
    "secondary_link": 50.0,
    "tertiary": 80.0,
    "tertiary_link": 40.0,
    "unclassified": 70.0,
    "road": 50.0,
    "residential": 40.0,
    "living_street": 20.0,
    "service": 20.0,
}

# Implicit French limits written as "FR:<context>" in `maxspeed` (and `source:maxspeed`).
FR_ZONE_SPEEDS_KPH: dict[str, float] = {
    "urban": 50.0,
    "rural": 80.0,
    "motorway": 130.0,
    "trunk": 110.0,
    "expressway": 110.0,
    "zone30": 30.0,
    "zone:30": 30.0,
    "zone20": 20.0,
    "zone:20": 20.0,
    "living_street": 20.0,
    "walk": 6.0,
}

MPH_TO_KPH = 1.609344
MIN_PLAUSIBLE_KPH = 5.0
MAX_PLAUSIBLE_KPH = 150.0

_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: str | None) -> float | None:
    """km/h from an OSM `maxspeed` value, or None when it gives no usable number.

    Understands "50", "50 km/h", "30 mph", "FR:urban", "FR:rural", "FR:zone30", lists "50;70" (the
    lowest value, which is the safe choice for planning visits on time); "none", "signals", "variable"
    and implausible numbers give None, so the class default applies.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if ";" in text or "|" in text:
        parts = [parse_maxspeed(p) for p in re.split(r"[;|]", text)]
        found = [p for p in parts if p is not None]
        return min(found) if found else None
    low = text.lower()
    if ":" in low:
        country, _, zone = low.partition(":")
        if country == "fr":
            return FR_ZONE_SPEEDS_KPH.get(zone)
        return None
    match = _NUMBER_UNIT.match(low)
    if not match:
        return None
    kph = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or "").lower()
    if unit == "mph":
        kph *= MPH_TO_KPH
    elif unit == "knots":
        kph *= 1.852
    if not math.isfinite(kph) or not MIN_PLAUSIBLE_KPH <= kph <= MAX_PLAUSIBLE_KPH:
        return None
    return kph


@dataclass(frozen=True)
class SpeedModel:
    """How fast a car goes on each road: tagged limits, class defaults (overridable), a driving factor.

    `driving_factor` scales every limit to what is really driven (0.9 = 10 % below the limit on
    average); it applies to tagged and default speeds alike.
    """

    defaults_kph: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KPH))
    driving_factor: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.driving_factor, (int, float)) and 0 < self.driving_factor <= 2):
            raise ValueError(f"driving_factor must be in (0, 2], got {self.driving_factor!r}")
        for key, kph in self.defaults_kph.items():
            if kph is not None and not (isinstance(kph, (int, float)) and kph > 0):
                raise ValueError(f"speed for highway={key} must be a positive number of km/h, got {kph!r}")

    @classmethod
    def build(cls, speeds: Mapping[str, float | None] | None = None, driving_factor: float = 1.0) -> "SpeedModel":
        """The French defaults, with `speeds` overriding or adding classes (None removes a class)."""
        table = dict(DEFAULT_SPEEDS_KPH)
        for key, kph in (speeds or {}).items():
            if kph is None:
                table.pop(key, None)
            else:
                table[key] = kph
        return cls(table, driving_factor)

    def drivable(self, highway: str | None) -> bool:
        return highway is not None and highway in self.defaults_kph

    def speed_kph(self, highway: str, maxspeed: str | None = None) -> tuple[float, bool]:
        """(driven speed in km/h, True if it comes from a `maxspeed` tag) for one road."""
        tagged = parse_maxspeed(maxspeed)
        limit = tagged if tagged is not None else float(self.defaults_kph[highway])
        return limit * self.driving_factor, tagged is not None

    def key(self) -> str:
        """A stable text naming these settings, for cache keys and matrix sources."""
        table = ",".join(f"{k}={float(v):g}" for k, v in sorted(self.defaults_kph.items()))
        return f"speeds[{table}]x{self.driving_factor:g}"

"""How fast a car really drives on French roads: limits, the share of the limit driven, towns, junctions.

The travel-time model (documented with its sources in docs/network.md):
- the **limit** of a road: its OSM `maxspeed` where tagged, else a default per road class (the legal
  limits of the Code de la route, `DEFAULT_SPEEDS_KPH`); only about 15-20 % of French rural roads carry a
  tag, so the table decides most times. It also decides which roads are drivable at all: a `highway`
  class absent from it (track, path, footway...) is left out of the network;
- the **share of the limit really driven** per class on open road (`OPEN_ROAD_FACTOR`: bends, slopes,
  overtaking impossible behind tractors, the way OSRM's car profile drives 0.8 of a tagged limit and
  Valhalla's auto costing uses class speeds well below the limits);
- **built-up areas** (OSM place/landuse where the file has them, else road density, see maps.network):
  an untagged road through a town or village is limited to 50 km/h (Code de la route R413-3) and driven
  at `BUILT_UP_FACTOR` of its limit (parked cars, crossings, priorities to the right);
- **delays at nodes** (`NODE_DELAY_S`): traffic signals, stop and give-way signs, crossings where tagged;
  and at every junction a delay for entering it (`JUNCTION_DELAY_S`), larger when one comes from a road of
  lower class than the best one there (a stop, a give-way or a turn onto the main road) than when one
  drives through on the main road. These are per-node delays on the junction graph, not the expanded
  (turn) graph, so the compiled matrix stays as fast as before.
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

# Share of the limit driven on open road, per class (what OSRM's car profile and Valhalla's auto costing
# do with their class speeds, set for French two-lane roads): a primary at 80 is driven at 68 km/h, a
# tertiary at 62, an unclassified lane (70) at 45, a residential street (40) at 28.
OPEN_ROAD_FACTOR: dict[str, float] = {
    "motorway": 0.88, "motorway_link": 0.8, "trunk": 0.85, "trunk_link": 0.8,
    "primary": 0.85, "primary_link": 0.75, "secondary": 0.82, "secondary_link": 0.75,
    "tertiary": 0.78, "tertiary_link": 0.75, "unclassified": 0.65, "road": 0.65,
    "residential": 0.7, "living_street": 0.6, "service": 0.6,
}
MODEL_VERSION = 2  # 1 was "the legal limit everywhere"
DEFAULT_OPEN_ROAD_FACTOR = 0.7  # a class added by an override
BUILT_UP_LIMIT_KPH = 50.0  # R413-3: "en agglomération"
BUILT_UP_FACTOR = 0.6  # 50 -> 30 km/h driven through towns and villages
# Classes that keep their limit and open-road factor in built-up areas (bypasses, dual carriageways).
THROUGH_CLASSES = frozenset({"motorway", "motorway_link", "trunk", "trunk_link"})

# Seconds lost at a tagged traffic-control node (each direction that passes it): an average wait at
# signals with a third of the cycle red, a full stop, a slow-down.
NODE_DELAY_S: dict[str, float] = {"traffic_signals": 12.0, "stop": 6.0, "give_way": 3.0, "crossing": 1.0,
                                  "mini_roundabout": 4.0}
# Seconds for entering a junction (3 or more roads), by whether one arrives on the best road there.
JUNCTION_DELAY_S: dict[str, float] = {"through": 1.5, "from_minor": 6.0}
# Road class rank for junction priority (higher = main road).
CLASS_RANK: dict[str, int] = {
    "motorway": 9, "trunk": 8, "primary": 7, "secondary": 6, "tertiary": 5, "unclassified": 4, "road": 4,
    "residential": 3, "living_street": 2, "service": 1,
    "motorway_link": 8, "trunk_link": 7, "primary_link": 6, "secondary_link": 5, "tertiary_link": 4,
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
    """How fast a car goes on each road: limits (tagged, else class defaults, overridable), the share
    of the limit driven per class, built-up areas, and delays at nodes (see the module docstring).

    `driving_factor` scales every driven speed on top of the model (0.9 = 10 % slower again; 1.0 keeps
    the documented model); it applies to tagged and default limits alike.
    """

    defaults_kph: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KPH))
    driving_factor: float = 1.0
    open_road_factor: Mapping[str, float] = field(default_factory=lambda: dict(OPEN_ROAD_FACTOR))
    built_up_factor: float = BUILT_UP_FACTOR
    node_delay_s: Mapping[str, float] = field(default_factory=lambda: dict(NODE_DELAY_S))
    junction_delay_s: Mapping[str, float] = field(default_factory=lambda: dict(JUNCTION_DELAY_S))
    built_up_limit_kph: float | None = BUILT_UP_LIMIT_KPH  # None: no cap in built-up areas

    @classmethod
    def legal_limits(cls) -> "SpeedModel":
        """The model before v2, for comparisons: every road at its limit, no town, no delay."""
        return cls(open_road_factor={k: 1.0 for k in OPEN_ROAD_FACTOR}, built_up_factor=1.0,
                   node_delay_s={}, junction_delay_s={}, built_up_limit_kph=None)

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

    def limit_kph(self, highway: str, maxspeed: str | None = None, built_up: bool = False) -> tuple[float, bool]:
        """(speed limit in km/h, True if it comes from a `maxspeed` tag) for one road."""
        tagged = parse_maxspeed(maxspeed)
        if tagged is not None:
            return tagged, True
        limit = float(self.defaults_kph[highway])
        if built_up and highway not in THROUGH_CLASSES and self.built_up_limit_kph is not None:
            limit = min(limit, float(self.built_up_limit_kph))
        return limit, False

    def factor(self, highway: str, built_up: bool = False) -> float:
        """Share of the limit driven on this class, in or out of a built-up area."""
        open_road = float(self.open_road_factor.get(highway, DEFAULT_OPEN_ROAD_FACTOR))
        if built_up and highway not in THROUGH_CLASSES:
            return min(open_road, self.built_up_factor)
        return open_road

    def speed_kph(self, highway: str, maxspeed: str | None = None, built_up: bool = False) -> tuple[float, bool]:
        """(driven speed in km/h, True if the limit comes from a `maxspeed` tag) for one road."""
        limit, tagged = self.limit_kph(highway, maxspeed, built_up)
        return limit * self.factor(highway, built_up) * self.driving_factor, tagged

    def key(self) -> str:
        """A short stable name of these settings, for cache keys and matrix sources ("car model" + a hash
        of every table, so any override gives another key)."""
        import hashlib

        digest = hashlib.sha1(self.full_key().encode()).hexdigest()[:10]
        factor = "" if self.driving_factor == 1.0 else f" x{self.driving_factor:g}"
        changed = [f"{k}={float(v):g}" for k, v in sorted(self.defaults_kph.items())
                   if DEFAULT_SPEEDS_KPH.get(k) != v]
        changed += [f"-{k}" for k in sorted(set(DEFAULT_SPEEDS_KPH) - set(self.defaults_kph))]
        limits = f" limits {','.join(changed)}" if changed else ""
        return f"car model v{MODEL_VERSION} #{digest}{limits}{factor}"

    def full_key(self) -> str:
        """Every setting as text."""
        table = ",".join(f"{k}={float(v):g}" for k, v in sorted(self.defaults_kph.items()))
        factors = ",".join(f"{k}={float(v):g}" for k, v in sorted(self.open_road_factor.items()))
        delays = ",".join(f"{k}={float(v):g}" for k, v in sorted({**self.node_delay_s,
                                                                   **self.junction_delay_s}.items()))
        return (f"speeds[{table}]x{self.driving_factor:g};driven[{factors}];built_up=x{self.built_up_factor:g}"
                f"<={self.built_up_limit_kph};delays[{delays}]")

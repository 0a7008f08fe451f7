"""Travel times without a road network: great-circle distance x circuity, at a fixed speed.

Used offline when no network is at hand. Every matrix it makes is flagged `approximate=True`, and every
output built on it says "approximate travel times".
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from planner.core.geo import Location, haversine_m
from planner.core.travel import APPROXIMATE_NOTE, TravelMatrix, to_int

DEFAULT_SPEED_KPH = 50.0  # average door-to-door speed on rural French roads, villages included
DEFAULT_CIRCUITY = 1.3  # road distance / great-circle distance, typical of rural road networks


def approximate_matrix(ids: Sequence[str], locations: Sequence[Location], *,
                       speed_kph: float = DEFAULT_SPEED_KPH, circuity: float = DEFAULT_CIRCUITY) -> TravelMatrix:
    """All-pairs approximate matrix: metres = great-circle x circuity; seconds = metres / speed."""
    if len(ids) != len(locations):
        raise ValueError("ids and locations must have the same length")
    if speed_kph <= 0 or circuity < 1:
        raise ValueError("speed must be positive and circuity at least 1")
    lat = np.array([p.lat for p in locations], dtype=float)
    lon = np.array([p.lon for p in locations], dtype=float)
    metres = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :]) * circuity
    seconds = metres / (speed_kph / 3.6)
    source = f"{APPROXIMATE_NOTE}: x{circuity:g} at {speed_kph:g} km/h"
    return TravelMatrix(tuple(ids), to_int(seconds), to_int(metres), approximate=True, source=source)

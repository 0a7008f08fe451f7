"""The one entry point from places to a travel matrix: over a road network when there is one, else the
approximate model, labelled either way (`TravelMatrix.label`, `.approximate`) so every output can say which."""

from __future__ import annotations

from typing import Mapping

from maps.approx import approximate_matrix
from maps.matrix import travel_matrix
from maps.network import RoadNetwork
from planner.core.geo import Location
from planner.core.travel import TravelMatrix


def places_matrix(places: Mapping[str, Location], network: RoadNetwork | None = None, *,
                  door_seconds: Mapping[str, float] | None = None, source: str | None = None,
                  progress=None) -> TravelMatrix:
    """All-pairs travel times between `places` (id -> location), in id order as given. `door_seconds`: per
    place door times (the others: the default by density); ignored by the approximate model."""
    ids, locs = list(places), list(places.values())
    if network is not None:
        return travel_matrix(network, ids, locs, door_seconds=door_seconds or None, source=source, progress=progress)
    return approximate_matrix(ids, locs)

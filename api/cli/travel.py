"""The travel matrix a plan command works on: by road when given a network, else the approximate model."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from planner.geo import Location
from planner.travel import TravelMatrix


def places_matrix(places: dict[str, Location], network: Path | None, console: Console,
                  door_seconds: dict[str, float] | None = None) -> TravelMatrix:
    """Matrix between `places` over `network` (with progress), or great-circle times said plainly.
    `door_seconds`: door times given per place (the others: the default by density, maps.matrix)."""
    ids, locs = list(places), list(places.values())
    if network is not None:
        from maps.matrix import travel_matrix
        from maps.network import load_network

        with console.status(f"Chargement du réseau routier {network.name}…"):
            net = load_network(network)
        with console.status(f"Matrice de temps de trajet ({len(places)} lieux)…"):
            return travel_matrix(net, ids, locs, door_seconds=door_seconds or None)
    from maps.approx import approximate_matrix

    return approximate_matrix(ids, locs)


def print_travel(console: Console, approximate: bool, network: str) -> None:
    """The console's one line on the travel model and the road network a plan used."""
    from planner.travel import travel_fr

    console.print(f"[yellow]{travel_fr(approximate, network)}[/]" if approximate else travel_fr(approximate, network),
                  highlight=False)

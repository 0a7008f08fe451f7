"""`planner export SOLUTION --format … --out DIR`: maps, day sheets, tables, calendars, GPX, public schedules
and the summary page of a plan, from a solution of either planner (with its problem) or a saved plan view."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from api.cli.travel import print_travel
from api.outputs import FORMAT_FR, FORMATS, write_all
from api.outputs.viewjson import FORMAT_KIND, view_from_dict
from planner import kinds
from planner.core.errors import InputError, read_json_file
from planner.core.itinerary import PlanView
from planner.core.travel import TravelMatrix

CLI_FORMATS = (*FORMATS, "all")
DEFAULT_OUTLINES = Path(__file__).resolve().parents[2] / "data" / "provinois" / "outlines.geojson"


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def load_plan_view(solution: Path, problem: Path | None = None) -> PlanView:
    """A PlanView from a plan-view JSON, or from a planner's solution JSON and its problem JSON."""
    data = read_json_file(solution)
    if data.get("kind") == FORMAT_KIND:
        return view_from_dict(data, source=str(solution))
    kinds.get(data.get("kind"), source=str(solution))
    if problem is None and isinstance(data.get("problem"), str):
        problem = (solution.parent / data["problem"]).resolve()
    if problem is None:
        raise InputError("a solution needs its problem file: add --problem PROBLEM.json", source=str(solution))
    if not problem.exists():
        raise InputError("file not found", source=str(problem))
    kind, prob, sol = kinds.read_plan(problem, solution)
    ref = kind.matrix_file(prob, problem)
    return kind.view(prob, sol, TravelMatrix.load(ref) if ref is not None and ref.exists() else None)


def export(solution: Path = typer.Argument(..., help="Solution JSON (home visits or rotation) or plan-view JSON"),
           fmt: list[str] = typer.Option(["all"], "--format", "-f",
                                         help="map|sheet|csv|xlsx|ics|gpx|public|summary|json|all (repeatable)"),
           out: Path = typer.Option(Path("exports"), "--out", "-o", help="Output folder"),
           problem: Path | None = typer.Option(None, "--problem", "-p", help="Problem JSON of the solution"),
           network: Path | None = typer.Option(None, "--network", help="Road network (.osm/.pbf/.graphml) for "
                                                                      "routes along the roads"),
           outlines: Path | None = typer.Option(None, "--outlines", help="Commune outlines GeoJSON "
                                                                        "(default: the demo territory's)")) -> None:
    """Write the plan's maps, day sheets, tables, calendars, GPX tracks, public schedules and summary."""
    console = Console()
    wanted = {f.strip() for x in fmt for f in x.split(",") if f.strip()}
    bad = wanted - set(CLI_FORMATS)
    if bad:
        raise InputError(f"unknown format(s) {', '.join(sorted(bad))}; expected {'|'.join(CLI_FORMATS)}",
                         field="--format")
    formats = list(FORMATS) if "all" in wanted else sorted(wanted)
    view = load_plan_view(solution, problem)
    net = None
    if network is not None:
        if not network.exists():
            raise InputError("file not found", source=str(network))
        from maps.network import load_network

        with console.status(f"Chargement du réseau routier {network.name}…"):
            net = load_network(network)
    outline_path = outlines or (DEFAULT_OUTLINES if DEFAULT_OUTLINES.exists() else None)
    if outlines is not None and not outlines.exists():
        raise InputError("file not found", source=str(outlines))
    with console.status("Écriture des exports…"):
        written = write_all(view, out, network=net, outlines=outline_path, formats=formats)
    for f, paths in written.items():
        console.print(f"[green]✓[/] {FORMAT_FR.get(f, f)} : {len(paths)} fichier(s)", highlight=False)
    print_travel(console, view.approximate, view.network)
    if net is None and not view.approximate and wanted & {"map", "gpx", "all"}:
        console.print("Tracés des cartes et GPX en ligne droite entre les arrêts : ajoutez --network FICHIER pour "
                      "les tracer sur les routes.", highlight=False)
    console.print(f"Exports écrits dans {out}")

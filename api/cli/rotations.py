"""`planner plan rotation`: a multi-day rotation of mobile units over municipal premises."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console

from planner.errors import InputError
from planner.geo import Location
from planner.rotations import io
from planner.rotations.check import check
from planner.rotations.model import RotationProblem
from planner.rotations.proposals import rank_proposals, write_proposals_csv
from planner.rotations.reach import check_matrix
from planner.rotations.solver_ortools import solve
from planner.rotations.view import to_plan_view
from planner.travel import TravelMatrix

from api.cli.travel import places_matrix, print_travel

console = Console()


def register(app: typer.Typer) -> None:
    from api.cli import plan_app

    plan_app.command("rotation")(rotation)


def problem_places(problem: RotationProblem) -> dict[str, Location]:
    """Every place of the problem with a known position, by matrix id."""
    places: dict[str, Location] = {}
    for u in problem.units:
        if u.base_location is not None:
            places[u.base_id] = u.base_location
        for lg in u.lodging:
            if lg.location is not None:
                places[lg.id] = lg.location
    for p in problem.premises:
        if p.location is not None:
            places[p.id] = p.location
    for c in problem.communes:
        if c.location is not None:
            places[c.place_id] = c.location
    return places


def _matrix(problem: RotationProblem, problem_file: Path, matrix: Path | None, network: Path | None) -> TravelMatrix:
    if matrix is None and network is None and problem.matrix_ref:
        matrix = Path(problem.matrix_ref)
        if not matrix.is_absolute():
            matrix = (problem_file if problem_file.is_dir() else problem_file.parent) / matrix
    if matrix is not None:
        tm = TravelMatrix.load(matrix)
        check_matrix(problem, tm, source=str(matrix))
        return tm
    places = problem_places(problem)
    from planner.rotations.reach import required_places

    for place, record, field in required_places(problem):
        if place not in places:
            raise InputError(f"{record}: no position for '{place}' (give lat/lon, or --matrix)", field=field)
    tm = places_matrix(places, network, console)
    check_matrix(problem, tm, source="matrix")
    return tm


def rotation(
    problem_file: Path = typer.Option(..., "--problem", help="Problème JSON, ou dossier de CSV (units.csv, "
                                                             "members.csv, premises.csv, communes.csv)"),
    network: Path = typer.Option(None, "--network", help="Réseau routier OSM (.osm, .pbf, .graphml)"),
    matrix: Path = typer.Option(None, "--matrix", help="Matrice de temps de trajet JSON"),
    out: Path = typer.Option(Path("rotation"), "--out", help="Dossier de sortie"),
    time_limit: float = typer.Option(30.0, "--time-limit", help="Temps de calcul maximal (s)"),
    seed: int = typer.Option(0, "--seed", help="Graine du solveur"),
    workers: int = typer.Option(2, "--workers", help="Nombre de fils de calcul"),
    deterministic: bool = typer.Option(False, "--deterministic",
                                       help="Un seul fil et limite de temps déterministe : même graine, même plan"),
    max_driving_hours: float = typer.Option(None, "--max-driving-hours",
                                            help="Conduite totale maximale du plan (h)"),
    lexicographic: bool = typer.Option(False, "--lexicographic",
                                       help="D'abord demande et équité, puis le moins de conduite (à 99 %)"),
) -> None:
    """Planifie la rotation des unités mobiles (3 à 15 jours) sur les locaux des communes."""
    if time_limit <= 0:
        raise InputError("time limit must be positive", field="--time-limit")
    if max_driving_hours is not None and max_driving_hours < 0:
        raise InputError("the driving cap cannot be negative", field="--max-driving-hours")
    problem = io.read_problem(problem_file)
    for w in problem.warnings:
        console.print(f"[yellow]Attention :[/] {w}", highlight=False)
    tm = _matrix(problem, problem_file, matrix, network)
    out.mkdir(parents=True, exist_ok=True)
    with console.status("Calcul de la rotation…") as status:
        solution = solve(problem, tm, time_limit_s=time_limit, seed=seed, num_workers=workers,
                         deterministic=deterministic, lexicographic=lexicographic,
                         max_driving_s=None if max_driving_hours is None else int(max_driving_hours * 3600),
                         progress=lambda o, b, t: status.update(f"Calcul de la rotation… {t:.0f} s"))
    tm.save(out / "matrix.json")
    io.write_problem(replace(problem, matrix_ref="matrix.json"), out / "problem.json")
    io.write_solution(solution, out / "solution.json")
    io.write_solution_csvs(problem, solution, out)
    write_proposals_csv(rank_proposals(problem, tm, solution), out / "proposals.csv")
    violations = check(problem, tm, solution)
    print_travel(console, tm.approximate, solution.travel.get("network", ""))
    view = to_plan_view(problem, solution, approximate=tm.approximate)
    for label, value in view.indicators:
        console.print(f"  {label} : {value}", highlight=False)
    for u in solution.unserved[:20]:
        console.print(f"  [yellow]Commune non desservie[/] {u.name} ({u.insee}, {u.period}) : {u.reason}",
                      highlight=False)
    if violations:
        for v in violations[:10]:
            console.print(f"[red]✗[/] {v}", highlight=False)
        raise typer.Exit(1)
    if not solution.sessions and solution.status not in ("OPTIMAL", "FEASIBLE"):
        console.print(f"[red]Aucun plan trouvé ({solution.status}).[/]")
        raise typer.Exit(1)
    console.print(f"[green]✓ Rotation vérifiée, écrite dans[/] {out}", highlight=False)

"""`planner plan visits`: alternating doctor/nurse home-visit rounds from CSV files or a problem JSON."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from planner.errors import InputError
from planner.home_visits import io
from planner.home_visits.check import check
from planner.home_visits.model import HomeVisitProblem, Horizon
from planner.home_visits.solver import check_matrix_covers, solve
from planner.home_visits.view import french_indicators
from planner.travel import TravelMatrix

from api.commands.travel import places_matrix, print_travel

console = Console()


def register(app: typer.Typer) -> None:
    from api.cli import plan_app

    plan_app.command("visits")(visits)


def _problem(problem_file: Path | None, patients: Path | None, staff: Path | None, start: str | None,
             days: int | None) -> HomeVisitProblem:
    if problem_file is not None:
        return io.load_problem(problem_file)
    missing = [n for n, v in (("--patients", patients), ("--staff", staff), ("--start", start)) if v is None]
    if missing:
        raise InputError(f"missing {', '.join(missing)} (or give --problem FILE)", field=missing[0])
    try:
        d0 = date.fromisoformat(start)
    except ValueError:
        raise InputError(f"not a date (YYYY-MM-DD): {start!r}", field="--start") from None
    try:
        horizon = Horizon(d0, days if days is not None else 28)
    except InputError as exc:
        raise InputError(exc.message, field="--days") from None
    return io.problem_from_csv(patients, staff, horizon, name=f"Visites à domicile depuis {patients.name}")


def _matrix(problem: HomeVisitProblem, problem_file: Path | None, matrix: Path | None,
            network: Path | None) -> TravelMatrix:
    places = problem.places()
    if matrix is None and network is None and problem_file is not None and problem.matrix:
        matrix = io.problem_matrix_path(problem, problem_file)
    if matrix is not None:
        tm = TravelMatrix.load(matrix)
        check_matrix_covers(problem, tm)
        return tm.sub(list(places))
    return places_matrix(places, network, console, problem.door_seconds())


def visits(
    patients: Path = typer.Option(None, "--patients", help="patients.csv (voir docs/home_visits_format.md)"),
    staff: Path = typer.Option(None, "--staff", help="staff.csv : médecins et infirmières"),
    start: str = typer.Option(None, "--start", help="Premier jour planifié (AAAA-MM-JJ)"),
    days: int = typer.Option(None, "--days", help="Nombre de jours (1 à 56, 28 par défaut)"),
    problem_file: Path = typer.Option(None, "--problem", help="Problème JSON (au lieu des CSV)"),
    network: Path = typer.Option(None, "--network", help="Réseau routier OSM (.osm, .pbf, .graphml)"),
    matrix: Path = typer.Option(None, "--matrix", help="Matrice de temps de trajet JSON (planner matrix)"),
    out: Path = typer.Option(Path("visites"), "--out", help="Dossier de sortie"),
    time_limit: float = typer.Option(20.0, "--time-limit", help="Temps de calcul maximal (s)"),
    seed: int = typer.Option(0, "--seed", help="Graine de la recherche"),
    deterministic: bool = typer.Option(True, "--deterministic/--no-deterministic",
                                       help="Recherche reproductible (par défaut) : même graine, même plan sur "
                                            "toute machine ; --no-deterministic utilise tout le temps donné"),
) -> None:
    """Planifie les visites à domicile alternées médecin / infirmière."""
    if time_limit <= 0:
        raise InputError("time limit must be positive", field="--time-limit")
    problem = _problem(problem_file, patients, staff, start, days)
    tm = _matrix(problem, problem_file, matrix, network)
    out.mkdir(parents=True, exist_ok=True)
    with console.status("Calcul des tournées…") as status:
        solution = solve(problem, tm, time_limit_s=time_limit, seed=seed, deterministic=deterministic,
                         progress=lambda what, frac: status.update(f"Calcul : {what} ({frac:.0%})"))
    tm.save(out / "matrix.json")
    io.save_problem(replace(problem, matrix="matrix.json"), out / "problem.json")
    io.save_solution(solution, out / "solution.json")
    io.write_solution_csv(problem, solution, out)
    violations = check(problem, tm, solution)
    print_travel(console, tm.approximate, solution.travel.get("network", ""))
    for label, value in french_indicators(problem, solution):
        console.print(f"  {label} : {value}", highlight=False)
    names = {p.id: p.name for p in problem.patients}
    for u in solution.unscheduled[:20]:
        console.print(f"  [yellow]Non planifiée[/] {names.get(u.patient_id, u.patient_id)} "
                      f"(visite n°{u.visit_index}) : {u.reason}", highlight=False)
    if len(solution.unscheduled) > 20:
        console.print(f"  … et {len(solution.unscheduled) - 20} autres (voir calendar.csv)")
    if violations:
        for v in violations[:10]:
            console.print(f"[red]✗[/] {v}", highlight=False)
        raise typer.Exit(1)
    console.print(f"[green]✓ Plan vérifié, écrit dans[/] {out}", highlight=False)

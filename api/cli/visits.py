"""`planner plan visits`: alternating doctor/nurse home-visit rounds from CSV files or a problem JSON."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from planner import kinds
from planner.core.errors import InputError
from planner.core.solving import SolveParams
from planner.home_visits import io
from planner.home_visits.model import HomeVisitProblem, Horizon

from api.cli.travel import plan_matrix, solve_and_write

console = Console()


def register(app: typer.Typer) -> None:
    from api.cli import plan_app

    plan_app.command("visits")(visits)


def _problem(problem_file: Path | None, patients: Path | None, staff: Path | None, start: str | None,
             days: int | None) -> HomeVisitProblem:
    if problem_file is not None:
        return io.read_problem(problem_file)
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
    params = SolveParams(time_limit_s=time_limit, seed=seed, deterministic=deterministic)
    kind = kinds.get("home_visits")
    solve_and_write(kind, problem, plan_matrix(kind, problem, problem_file, matrix, network, console), params, out,
                    console)

"""`planner plan rotation`: a multi-day rotation of mobile units over municipal premises."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from planner import kinds
from planner.core.errors import InputError
from planner.core.solving import SolveParams

from api.cli.travel import plan_matrix, solve_and_write

console = Console()


def register(app: typer.Typer) -> None:
    from api.cli import plan_app

    plan_app.command("rotation")(rotation)


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
    params = SolveParams(time_limit_s=time_limit, seed=seed, deterministic=deterministic, workers=workers,
                         options={"lexicographic": lexicographic,
                                  "max_driving_s": None if max_driving_hours is None else int(max_driving_hours * 3600)})
    kind = kinds.get("rotation")
    problem = kind.read_problem(problem_file)
    for w in problem.warnings:
        console.print(f"[yellow]Attention :[/] {w}", highlight=False)
    solve_and_write(kind, problem, plan_matrix(kind, problem, problem_file, matrix, network, console), params, out,
                    console)

"""What the plan commands share: the travel matrix a plan works on (a given matrix file, the one the
problem file refers to, or one computed by road or by the approximate model), and the end of a plan
command (files written, checked, indicators and what was left out printed), the same for every kind."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from planner.core.solving import Kind, SolveParams
from planner.core.travel import TravelMatrix


def plan_matrix(kind: Kind, problem, problem_file: Path | None, matrix: Path | None, network: Path | None,
                console: Console) -> TravelMatrix:
    """The matrix for `problem`: `matrix` if given, else over `network`, else the problem file's own matrix,
    else the approximate model; checked to cover the problem either way."""
    if matrix is None and network is None and problem_file is not None:
        matrix = kind.matrix_file(problem, problem_file)
    if matrix is not None:
        tm = TravelMatrix.load(matrix)
        kind.check_matrix(problem, tm, source=str(matrix))
        return tm
    from maps.travel import places_matrix

    places = kind.places(problem)
    net = None
    if network is not None:
        from maps.network import load_network

        with console.status(f"Chargement du réseau routier {network.name}…"):
            net = load_network(network)
    with console.status(f"Matrice de temps de trajet ({len(places)} lieux)…"):
        tm = places_matrix(places, net, door_seconds=kind.door_seconds(problem))
    kind.check_matrix(problem, tm, source="matrix")
    return tm


def solve_and_write(kind: Kind, problem, tm: TravelMatrix, params: SolveParams, out: Path,
                    console: Console) -> None:
    """Solve, write the plan's files into `out`, print the travel model, indicators, what was left out
    and any broken rule (exit code 1 then)."""
    with console.status(f"{kind.label_fr} : calcul…") as status:
        solution = kind.solve(problem, tm, params,
                              lambda e: status.update(f"{kind.label_fr} : {e.message} ({e.fraction:.0%})"))
    kind.write_files(problem, solution, tm, out)
    violations = kind.check(problem, tm, solution)
    print_travel(console, tm.approximate, solution.travel.get("network", ""))
    for label, value in kind.view(problem, solution, tm).indicators:
        console.print(f"  {label} : {value}", highlight=False)
    left = kind.left_out(problem, solution)
    for line in left[:20]:
        console.print(f"  [yellow]{line}[/]", highlight=False)
    if len(left) > 20:
        console.print(f"  … et {len(left) - 20} autres (voir les tableaux CSV)")
    if violations:
        for v in violations[:10]:
            console.print(f"[red]✗[/] {v}", highlight=False)
        raise typer.Exit(1)
    failed = kind.no_plan(solution)
    if failed:
        console.print(f"[red]{failed}[/]", highlight=False)
        raise typer.Exit(1)
    console.print(f"[green]✓ Plan vérifié, écrit dans[/] {out}", highlight=False)


def print_travel(console: Console, approximate: bool, network: str) -> None:
    """The console's one line on the travel model and the road network a plan used."""
    from planner.core.travel import travel_fr

    console.print(f"[yellow]{travel_fr(approximate, network)}[/]" if approximate else travel_fr(approximate, network),
                  highlight=False)

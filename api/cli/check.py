"""`planner check PROBLEM SOLUTION`: re-verify a solution, whatever planner made it."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer
from rich.console import Console

from planner.errors import InputError, read_json_file

# JSON "kind" of a problem file -> module with check_files(problem_path, solution_path) -> list[str]
CHECKERS = {"home_visits": "planner.home_visits.check", "rotation": "planner.rotations.check"}


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def problem_kind(path: Path) -> str:
    """The `kind` field of a problem JSON file, with a clear error when it is missing or unknown."""
    data = read_json_file(path, expect_object=False)
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind not in CHECKERS:
        raise InputError(f"unknown problem kind {kind!r}; expected one of {sorted(CHECKERS)}",
                         source=str(path), field="kind")
    return kind


def check(problem: Path = typer.Argument(..., help="Problem JSON file"),
          solution: Path = typer.Argument(..., help="Solution JSON file")) -> None:
    """List every rule the solution breaks; exit code 1 if any."""
    console = Console()
    kind = problem_kind(problem)
    solution_kind = read_json_file(solution).get("kind")
    if solution_kind != kind:
        raise InputError(f"these files do not belong together: {problem.name} is a {kind!r} problem but "
                         f"{solution.name} is a {solution_kind!r} solution", source=str(solution), field="kind")
    checker = importlib.import_module(CHECKERS[kind])
    violations = checker.check_files(problem, solution)
    if violations:
        for v in violations:
            console.print(f"[red]✗[/] {v}", highlight=False)
        console.print(f"[bold red]{len(violations)} violation(s)[/]")
        raise typer.Exit(1)
    console.print("[green]✓ Solution conforme : aucune règle enfreinte.[/]")

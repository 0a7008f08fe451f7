"""`planner check PROBLEM SOLUTION`: re-verify a solution, whatever planner made it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from planner.kinds import check_files


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def check(problem: Path = typer.Argument(..., help="Problem JSON file"),
          solution: Path = typer.Argument(..., help="Solution JSON file")) -> None:
    """List every rule the solution breaks; exit code 1 if any."""
    console = Console()
    violations = check_files(problem, solution)
    if violations:
        for v in violations:
            console.print(f"[red]✗[/] {v}", highlight=False)
        console.print(f"[bold red]{len(violations)} violation(s)[/]")
        raise typer.Exit(1)
    console.print("[green]✓ Solution conforme : aucune règle enfreinte.[/]")

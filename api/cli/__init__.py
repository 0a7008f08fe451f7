"""The `planner` command line. Each group of commands lives in its own module under api/cli/."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

from planner.core.errors import PlannerError

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
                  help="Plan mobile care units and home visits over real roads.")
err = Console(stderr=True)
plan_app = typer.Typer(no_args_is_help=True, help="Plan home-visit rounds or unit rotations from files.")
_registered = False



@app.callback()
def _root() -> None:
    """Plan mobile care units and home visits over real roads."""


def _register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    from api.cli import batch, check, demo, export, network, rotations, serve, users, visits

    app.add_typer(plan_app, name="plan")
    # One module per group of commands; each has register(app) and may add to plan_app.
    for module in (demo, network, check, visits, rotations, batch, export, serve, users):
        module.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs a command; bad input ends with a plain message and exit code 2, no traceback."""
    _register()
    try:
        app(args=argv, prog_name="planner", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except PlannerError as exc:
        err.print(f"[bold red]Erreur :[/] {exc}", highlight=False)
        return 2
    except KeyboardInterrupt:
        err.print("Interrompu.")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last guard before a user sees a traceback
        if os.environ.get("PLANNER_DEBUG"):
            raise
        err.print(f"[bold red]Erreur interne :[/] {type(exc).__name__}: {exc} "
                  "(relancez avec PLANNER_DEBUG=1 pour le détail)", highlight=False)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

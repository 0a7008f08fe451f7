"""`planner network ...` and `planner matrix`: road networks and travel matrices."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass

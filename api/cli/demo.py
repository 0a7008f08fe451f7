"""`planner demo`: the whole product on the bundled Provinois-Montois territory, offline."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(out: Path = typer.Option(Path("demo-out"), "--out", help="Output folder"),
         network: Path | None = typer.Option(None, "--network", help="OSM road network file")) -> None:
    """Run the demo on the bundled territory and write everything it produces to OUT."""
    from api.cli.demo_job import run_demo

    run_demo(out, network=network)

"""`planner plan batch`: plan many territories of a service database at once, one Ray task per territory.

The plans are stored as drafts of their territories, as if each planner had asked; a territory whose data
the planner refuses fails alone with its reason, the others finish.
"""

from __future__ import annotations

import time
from datetime import date
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from planner.core.errors import InputError


def register(app: typer.Typer) -> None:
    from api.cli import plan_app

    plan_app.command("batch")(batch)


def run_batch(database_url: str, params: dict, territories: list[str] | None, *, workers: int = 2,
              ray_address: str | None = None, network: str | None = None, timeout_s: float = 3600,
              on_progress=None) -> list[dict]:
    """Create and run one job per territory; returns one row per territory when all have ended."""
    from api.service.batch import batch_jobs, create_batch
    from api.service.db.session import make_engine, migrate, session_factory
    from api.service.jobs import FINAL, JobRunner

    engine = make_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    runner = JobRunner(sessions, workers=workers, ray_address=ray_address, network_path=network)
    runner.start()
    with sessions() as db:
        batch, jobs = create_batch(db, params, territories)
        ids = [j.id for j in jobs]
    runner.watch(take_over=False)
    for jid in ids:
        runner.submit(jid)
    end = time.monotonic() + timeout_s
    try:
        while True:
            with sessions() as db:
                rows = batch_jobs(db, batch)
                finished = sum(j.status in FINAL for j, _ in rows)
                out = [{"batch": batch, "territory": code, "job": j.id, "status": j.status, "message": j.message,
                        "plan_id": j.plan_id, "worker": j.worker, "attempts": j.attempts} for j, code in rows]
            if on_progress:
                on_progress(finished, len(rows))
            if finished == len(rows) and runner.pending() == 0:
                return out
            if time.monotonic() > end:
                raise InputError(f"lot {batch} inachevé après {timeout_s:.0f} s", field="timeout")
            time.sleep(0.2)
    finally:
        runner.shutdown()
        engine.dispose()


def batch(kind: str = typer.Option(..., "--kind", help="rotation | home_visits"),
          start: str = typer.Option(..., "--start", help="premier jour (AAAA-MM-JJ)"),
          days: int = typer.Option(5, "--days", min=1, max=56),
          territory: Optional[List[str]] = typer.Option(None, "--territory", help="code d'un territoire "
                                                         "(répétable ; défaut : tous)"),
          time_limit: float = typer.Option(10, "--time-limit", min=1, max=600, help="secondes par territoire"),
          seed: int = typer.Option(1, "--seed"),
          db: Optional[str] = typer.Option(None, "--db", help="URL SQLAlchemy (défaut : DATABASE_URL ou "
                                                               "sqlite:///planner.db)"),
          workers: int = typer.Option(2, "--workers", min=1, max=64, help="processus de calcul du Ray intégré"),
          ray_address: Optional[str] = typer.Option(None, "--ray-address", help="cluster Ray (hôte:port)")) -> None:
    """Planifier plusieurs territoires d'un coup (un calcul Ray par territoire)."""
    from api.service.settings import Settings

    if kind not in ("rotation", "home_visits"):
        raise InputError(f"type de plan inconnu {kind!r} ; attendu : rotation, home_visits", field="--kind")
    try:
        date.fromisoformat(start)
    except ValueError:
        raise InputError(f"date illisible (AAAA-MM-JJ) : {start!r}", field="--start") from None
    overrides = {"database_url": db} if db else {}
    if ray_address:
        overrides["ray_address"] = ray_address
    settings = Settings.from_env(**overrides)
    params = {"kind": kind, "start": start, "days": days, "time_limit_s": time_limit, "seed": seed, "title": ""}
    console = Console()
    t0 = time.monotonic()
    rows = run_batch(settings.database_url, params, list(territory or []) or None, workers=workers,
                     ray_address=settings.ray_address,
                     network=str(settings.network_path) if settings.network_path else None)
    table = Table(title=f"Lot {rows[0]['batch']} : {len(rows)} territoire(s) en {time.monotonic() - t0:.1f} s")
    for col in ("Territoire", "Tâche", "État", "Plan", "Message"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["territory"], str(r["job"]), r["status"], str(r["plan_id"] or "—"), r["message"])
    console.print(table)
    if any(r["status"] != "done" for r in rows):
        raise typer.Exit(1)

"""`planner serve`: run the web service (uvicorn) on a database, migrating it first."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def build(db: Optional[str], demo: bool, workers: int, network: Optional[Path] = None,
          ray_address: Optional[str] = None):
    """The app for these options; with demo, the demo territory is filled with synthetic people if empty."""
    from api.service.app import create_app
    from api.service.settings import Settings

    overrides: dict = {"workers": workers}
    if demo and network is None:
        from api.cli.demo_job import find_demo_network

        network = find_demo_network(None)  # the demo territory's OSM extract when it is beside the project
    if network:
        if not network.is_file():
            from planner.core.errors import InputError
            raise InputError("fichier de réseau routier introuvable", source=str(network), field="network")
        overrides["network_path"] = network
    if db:
        overrides["database_url"] = db
    if ray_address:
        overrides["ray_address"] = ray_address
    settings = Settings.from_env(**overrides)
    app = create_app(settings)
    if demo:
        from api.service.db.seed import ensure_territory, seed_demo_people

        with app.state.sessions() as s:
            t = ensure_territory(s, "provinois", settings.communes_path, "Provinois et Montois (démo)")
            seed_demo_people(s, t, settings.communes_path)
    return app


def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
          db: Optional[str] = typer.Option(None, "--db", help="URL SQLAlchemy (défaut : DATABASE_URL ou sqlite:///planner.db)"),
          demo: bool = typer.Option(False, "--demo", help="remplir le territoire de démonstration (personnes fictives)"),
          workers: int = typer.Option(2, "--workers", min=1, max=16,
                                      help="calculs simultanés sur le Ray intégré (un processus chacun)"),
          ray_address: Optional[str] = typer.Option(None, "--ray-address", help="rejoindre un cluster Ray "
                                                    "(hôte:port de sa tête ; défaut : PLANNER_RAY_ADDRESS, "
                                                    "sinon un Ray local intégré)"),
          network: Optional[Path] = typer.Option(None, "--network", help="réseau routier OSM (.osm, .pbf, .graphml) "
                                                 "pour les temps de trajet ; sans lui : modèle approché"),
          processes: int = typer.Option(1, "--processes", min=1, max=32,
                                        help="processus du service web sur le même port (plusieurs : ils "
                                             "partagent la base et le Ray démarré ici)")) -> None:
    """Lancer le service web et ses pages."""
    import uvicorn

    app = build(db, demo, workers, network, ray_address)
    c = app.state.jobs.cluster
    where = "Ray intégré" if c.get("address") == "local" else f"cluster Ray {c.get('address')}"
    Console().print(f"Service sur http://{host}:{port}/ (documentation : /docs) ; calculs sur {where} : "
                    f"{c.get('nodes', 0)} nœud(s), {c.get('cpus', 0)} CPU"
                    + (f" ; {processes} processus web" if processes > 1 else ""))
    if processes == 1:
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    # Several processes: this one keeps the embedded Ray (or the cluster's address) and the migrated, seeded
    # database; each web process builds its own app from the environment and joins that Ray.
    s = app.state.settings
    os.environ.update({"PLANNER_DATABASE_URL": s.database_url, "PLANNER_WORKERS": str(s.workers),
                       "PLANNER_RAY_ADDRESS": ray_address or _gcs_address()})
    if s.network_path:
        os.environ["PLANNER_NETWORK"] = str(s.network_path)
    uvicorn.run("api.cli.serve:process_app", factory=True, workers=processes, host=host, port=port,
                log_level="info")


def _gcs_address() -> str:
    """host:port of the Ray this process started, for the web processes to join."""
    import ray

    return ray.get_runtime_context().gcs_address


def process_app():
    """The app of one web process of a multi-process `planner serve` (settings from the environment)."""
    from api.service.app import create_app
    from api.service.settings import Settings

    return create_app(Settings.from_env())

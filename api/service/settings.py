"""Settings of the web service, read once from the environment (PLANNER_*) or given by tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to start; a SQLite file by default so nothing has to be set up."""

    database_url: str = "sqlite:///planner.db"
    secret_key: str | None = None  # None: the key generated once and kept in the database (auth.signing_key)
    token_minutes: int = 12 * 60
    max_upload_bytes: int = 5 * 1024 * 1024
    max_body_bytes: int = 8 * 1024 * 1024
    workers: int = 2  # CPUs of the embedded Ray (planning jobs running at once); unused on a cluster
    ray_address: str | None = None  # host:port of a Ray cluster's head; None: the embedded local Ray
    outlines_path: Path = REPO / "data" / "provinois" / "outlines.geojson"
    communes_path: Path = REPO / "data" / "provinois" / "communes.csv"
    network_path: Path | None = None  # OSM road network for travel times; None: the approximate model
    start_workers: bool = True
    smtp_host: str | None = None  # e-mail server telling people their published day changed; None: none
    smtp_port: int = 25
    smtp_sender: str = "planning@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False

    def mailer(self):
        from api.service.notify import Mailer

        return Mailer(self.smtp_host, self.smtp_port, self.smtp_sender, self.smtp_user, self.smtp_password,
                      self.smtp_starttls)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """DATABASE_URL (or PLANNER_DATABASE_URL), PLANNER_SECRET_KEY, PLANNER_TOKEN_MINUTES, PLANNER_WORKERS,
        PLANNER_NETWORK (an OSM road network file for travel times), PLANNER_SMTP_HOST, PLANNER_SMTP_PORT,
        PLANNER_SMTP_SENDER, PLANNER_SMTP_USER, PLANNER_SMTP_PASSWORD, PLANNER_SMTP_STARTTLS (1), PLANNER_RAY_ADDRESS (a Ray cluster)."""
        env = os.environ
        values: dict = {}
        url = env.get("PLANNER_DATABASE_URL") or env.get("DATABASE_URL")
        if url:
            values["database_url"] = url
        if env.get("PLANNER_SECRET_KEY"):
            values["secret_key"] = env["PLANNER_SECRET_KEY"]
        if env.get("PLANNER_TOKEN_MINUTES"):
            values["token_minutes"] = int(env["PLANNER_TOKEN_MINUTES"])
        if env.get("PLANNER_WORKERS"):
            values["workers"] = int(env["PLANNER_WORKERS"])
        if env.get("PLANNER_NETWORK"):
            values["network_path"] = Path(env["PLANNER_NETWORK"])
        for key in ("host", "sender", "user", "password"):
            if env.get(f"PLANNER_SMTP_{key.upper()}"):
                values[f"smtp_{key}"] = env[f"PLANNER_SMTP_{key.upper()}"]
        if env.get("PLANNER_SMTP_PORT"):
            values["smtp_port"] = int(env["PLANNER_SMTP_PORT"])
        values["smtp_starttls"] = env.get("PLANNER_SMTP_STARTTLS", "") in ("1", "true", "yes")
        if env.get("PLANNER_RAY_ADDRESS"):
            values["ray_address"] = env["PLANNER_RAY_ADDRESS"]
        values.update(overrides)
        return cls(**values)

"""`planner users add`: create an account (planner, field staff, municipality) in the service's database."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from sqlalchemy import select

from api.service.auth import ACCOUNT_ROLES, hash_password, password_problem
from api.service.db.models import Commune, Staff, User
from api.service.db.seed import ensure_territory
from api.service.db.session import make_engine, migrate, session_factory
from api.service.settings import Settings
from planner.core.errors import InputError

users_app = typer.Typer(no_args_is_help=True, help="Comptes du service web.")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


def add_user(database_url: str, *, email: str, role: str, password: str, territory: str = "provinois",
             commune: str | None = None, staff_id: str | None = None, communes_csv: Path | None = None,
             engine=None) -> int:
    """Create the account (and its territory if new); returns its id. Bad options raise InputError.

    `engine`: an already migrated engine to reuse (the service's own), else one is opened on the URL."""
    email = email.strip().lower()
    if role not in ACCOUNT_ROLES:
        raise InputError(f"rôle inconnu {role!r} ; attendu : {', '.join(ACCOUNT_ROLES)}", field="role")
    if "@" not in email:
        raise InputError("adresse email invalide", field="email")
    refused = password_problem(password, email)
    if refused:
        raise InputError(refused, field="password")
    if role == "municipality" and not commune:
        raise InputError("un compte commune a besoin de --commune (code INSEE)", field="commune")
    if role == "field" and not staff_id:
        raise InputError("un compte soignant a besoin de --staff-id (identifiant du soignant)", field="staff-id")
    own = engine is None
    if own:
        engine = make_engine(database_url)
        migrate(engine)
    with session_factory(engine)() as db:
        if db.scalars(select(User).where(User.email == email)).first():
            raise InputError(f"le compte {email} existe déjà", field="email")
        if communes_csv is None and territory == "provinois":
            communes_csv = Settings().communes_path
        t = ensure_territory(db, territory, communes_csv)
        if commune and db.scalars(select(Commune).where(Commune.territory_id == t.id,
                                                        Commune.insee == commune)).first() is None:
            raise InputError(f"commune {commune} absente du territoire {territory}", field="commune")
        staff_pk = None
        if staff_id:
            staff = db.scalars(select(Staff).where(Staff.territory_id == t.id, Staff.code == staff_id)).first()
            if staff is None:
                raise InputError(f"soignant {staff_id} inconnu dans {territory} (importez d'abord le personnel)",
                                 field="staff-id")
            staff_pk = staff.id
        user = User(email=email, password_hash=hash_password(password), role=role,
                    territory_id=None if role == "coordinator" else t.id,
                    commune_insee=commune if role == "municipality" else None,
                    staff_id=staff_pk if role == "field" else None)
        db.add(user)
        db.commit()
        uid = user.id
    if own:
        engine.dispose()
    return uid


@users_app.command("add")
def add(email: str = typer.Option(..., "--email"),
        role: str = typer.Option(..., "--role", help="planner | field | municipality | coordinator"),
        password: str = typer.Option(..., "--password", prompt=True, hide_input=True),
        territory: str = typer.Option("provinois", "--territory"),
        commune: Optional[str] = typer.Option(None, "--commune", help="code INSEE (compte commune)"),
        staff_id: Optional[str] = typer.Option(None, "--staff-id", help="identifiant du soignant (compte terrain)"),
        communes_csv: Optional[Path] = typer.Option(None, "--communes", help="CSV des communes d'un nouveau territoire"),
        db: Optional[str] = typer.Option(None, "--db", help="URL de la base (défaut : DATABASE_URL ou sqlite)")) -> None:
    """Créer un compte."""
    url = db or Settings.from_env().database_url
    uid = add_user(url, email=email, role=role, password=password, territory=territory, commune=commune,
                   staff_id=staff_id, communes_csv=communes_csv)
    Console().print(f"Compte {email} créé (n° {uid}, rôle {role}).")

"""Health, login, tokens, migrations and the `planner users add` function."""

from datetime import datetime, timedelta, timezone

import jwt
import pytest
from sqlalchemy import inspect

from api.cli.users import add_user
from planner.core.errors import InputError


def test_health_and_schema_migrated(app, client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    tables = set(inspect(app.state.engine).get_table_names())
    assert {"alembic_version", "patients", "plans", "jobs", "audit_log", "users"} <= tables
    spec = client.get("/openapi.json").json()
    ops = [op for path in spec["paths"].values() for op in path.values()]
    assert len(ops) > 40 and all(op.get("summary") for op in ops)
    schemas = spec["components"]["schemas"]
    for name in ("PatientIn", "StaffIn", "UnitIn", "PremisesIn", "PlanRequest", "Change"):
        assert schemas[name].get("examples"), name
    from api.service.routers import plans, schemas as bodies
    models = {"PatientIn": bodies.PatientIn, "StaffIn": bodies.StaffIn, "UnitIn": bodies.UnitIn,
              "PremisesIn": bodies.PremisesIn, "Change": plans.Change}
    for name, model in models.items():  # the documented examples are valid requests
        for example in schemas[name]["examples"]:
            model.model_validate(example)


def test_login_token_and_me(client, world):
    r = client.get("/auth/me", headers=world.headers("field"))
    assert r.status_code == 200 and r.json()["role"] == "field" and r.json()["staff_code"] == "N1"
    bad = client.post("/auth/token", json={"email": "field@example.org", "password": "faux"})
    assert bad.status_code == 401


def test_expired_and_forged_tokens_refused(client, world, app):
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    claims = jwt.decode(world.tokens["planner"], options={"verify_signature": False})
    expired = jwt.encode({**claims, "exp": past}, app.state.settings.secret_key, "HS256")
    r = client.get("/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "expiré" in r.json()["detail"]
    forged = jwt.encode({**claims, "exp": past + timedelta(days=1)}, "autre-secret-assez-long-pour-hs256-0123456789", "HS256")
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_passwords_are_hashed(app, world):
    from api.service.db.models import User
    with app.state.sessions() as db:
        u = db.query(User).filter_by(email="planner@example.org").one()
        assert u.password_hash.startswith("$argon2") and "motdepasse" not in u.password_hash


def test_users_add_validates_options(db_url, world):
    with pytest.raises(InputError) as e:
        add_user(db_url, email="x@example.org", role="admin", password="longenough")
    assert e.value.field == "role"
    with pytest.raises(InputError) as e:
        add_user(db_url, email="x@example.org", role="field", password="longenough", territory="t1", staff_id="ZZ")
    assert e.value.field == "staff-id"
    with pytest.raises(InputError) as e:
        add_user(db_url, email="planner@example.org", role="planner", password="longenough", territory="t1")
    assert e.value.field == "email"


def test_users_cli_through_typer(tmp_path):
    import typer
    from typer.testing import CliRunner

    from api.cli import users

    app = typer.Typer()
    users.register(app)
    app.command("noop")(lambda: None)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    r = CliRunner().invoke(app, ["users", "add", "--email", "A@Example.org", "--role", "planner",
                                 "--password", "longenough", "--db", url])
    assert r.exit_code == 0, r.output
    assert "créé" in r.output


def test_serve_builds_demo_app(tmp_path):
    from fastapi.testclient import TestClient

    from api.cli.serve import build

    app = build(f"sqlite:///{tmp_path / 'serve.db'}", demo=True, workers=1)
    with TestClient(app) as c:
        assert c.get("/health").json()["status"] == "ok"
        assert c.get("/public/communes").json()  # the demo territory's communes
    with app.state.sessions() as db:
        from api.service.db.models import Patient
        assert db.query(Patient).count() > 0
    app.state.engine.dispose()


def test_migrations_upgrade_existing_data(db_url):
    """A database at revision 0002 with staff keeps them, with default working days, after the upgrade."""
    from alembic import command
    from sqlalchemy import text

    from api.service.db.session import alembic_config, make_engine, migrate

    engine = make_engine(db_url)
    cfg = alembic_config(db_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    with engine.begin() as conn:
        conn.execute(text("insert into territories (id, code, name) values (1, 'x', 'X')"))
        conn.execute(text("insert into staff (territory_id, code, name, role, base_name, base_lat, base_lon, phone) "
                          "values (1, 'N1', 'N', 'nurse', '', 48.5, 3.2, '')"))
    migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(text("select work_hours, work_days from staff")).one()
        rev = conn.execute(text("select version_num from alembic_version")).scalar()
    from alembic.script import ScriptDirectory

    assert row[0] == "08:30-17:30" and "lundi" in str(row[1]) and rev == ScriptDirectory.from_config(cfg).get_current_head()
    engine.dispose()


def test_models_match_migrations(app):
    """Every model change comes with its migration (alembic check finds nothing to generate)."""
    from alembic import command

    from api.service.db.session import alembic_config

    engine = app.state.engine
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)

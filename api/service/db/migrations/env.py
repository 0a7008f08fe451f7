"""Alembic environment: uses the connection handed over by api.service.db.session.migrate, or the configured URL."""

from alembic import context
from sqlalchemy import create_engine

from api.service.db.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:
        url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
        engine = create_engine(url)
        with engine.begin() as conn:
            _run(conn)
        return
    _run(conn)


def _run(conn) -> None:  # noqa: ANN001
    context.configure(connection=conn, target_metadata=target_metadata,
                      render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run()

"""The service's database: SQLAlchemy 2 models, sessions, Alembic migrations run at startup."""

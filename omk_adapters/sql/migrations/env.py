"""Alembic environment: one set of migrations for SQLite (batch mode) and PostgreSQL.

`omk_adapters.sql.migrate.upgrade()` passes its open connection in `config.attributes`; the
alembic command line (`alembic -c omk_adapters/sql/migrations/alembic.ini upgrade head`) uses
`sqlalchemy.url` from the ini file or the OMK_DATABASE_URL environment variable.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from omk_adapters.sql.engine import make_engine
from omk_adapters.sql.tables import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    url = os.environ.get("OMK_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set OMK_DATABASE_URL (or sqlalchemy.url) to the database to migrate")
    return url


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    url = _url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"),
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

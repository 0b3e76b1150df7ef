"""The Alembic migrations: one set that builds exactly the schema of tables.py on SQLite and
PostgreSQL, and that can be run again (or by several workers at once) without harm."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from omk_adapters.sql.engine import make_engine
from omk_adapters.sql.migrate import current, head, upgrade
from omk_adapters.sql.tables import metadata

pytestmark = pytest.mark.integration

EXPECTED_INDEXES = {
    ("lots", ("auction_id",)), ("lots", ("status", "closes_at")), ("bids", ("lot_id",)),
    ("bids", ("organization_id",)), ("offers", ("lot_id",)), ("outbox", ("published_at", "seq")),
    ("auctions", ("status", "starts_at")),
}
EXPECTED_UNIQUE = {
    ("journal", ("lot_id", "seq")), ("idempotency", ("organization_id", "key")),
    ("inbox", ("consumer", "message_id")), ("auctions", ("number",)), ("organizations", ("inn",)),
    ("users", ("email",)),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture()
def engine(empty_database: str) -> Iterator[sa.Engine]:
    made = make_engine(empty_database)
    yield made
    made.dispose()


def schema_differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return list(compare_metadata(context, metadata))


def test_an_empty_database_is_migrated_to_head(engine: sa.Engine) -> None:
    assert current(engine) is None

    upgrade(engine)

    assert current(engine) == head()
    assert set(metadata.tables) <= set(sa.inspect(engine).get_table_names())


def test_the_migrated_schema_is_exactly_the_one_the_adapter_maps(engine: sa.Engine) -> None:
    upgrade(engine)

    assert schema_differences(engine) == []


def test_the_schema_has_the_indexes_and_unique_keys_the_queries_rely_on(engine: sa.Engine) -> None:
    upgrade(engine)
    inspector = sa.inspect(engine)

    indexes = {(table, tuple(ix["column_names"])) for table in metadata.tables
               for ix in inspector.get_indexes(table)}
    unique = {(table, tuple(uq["column_names"])) for table in metadata.tables
              for uq in inspector.get_unique_constraints(table)}
    unique |= {(table, tuple(inspector.get_pk_constraint(table)["constrained_columns"])) for table in metadata.tables}
    assert indexes >= EXPECTED_INDEXES
    assert unique >= EXPECTED_UNIQUE


def test_upgrading_a_database_at_head_changes_nothing(engine: sa.Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO inbox (consumer, message_id, handled_at) "
                             "VALUES ('c', 'm', CURRENT_TIMESTAMP)"))

    upgrade(engine)

    assert current(engine) == head()
    assert schema_differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM inbox")).scalar_one() == 1


def test_upgrade_accepts_a_database_url(empty_database: str) -> None:
    upgrade(empty_database)

    engine = make_engine(empty_database)
    try:
        assert current(engine) == head()
    finally:
        engine.dispose()


def test_workers_booting_together_migrate_the_database_once(empty_database: str) -> None:
    engines = [make_engine(empty_database) for _ in range(3)]
    failures: list[BaseException] = []
    barrier = threading.Barrier(len(engines))

    def boot(engine: sa.Engine) -> None:
        try:
            barrier.wait()
            upgrade(engine)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=boot, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert failures == []
        assert current(engines[0]) == head()
        assert schema_differences(engines[0]) == []
    finally:
        for e in engines:
            e.dispose()

"""What the SQL engines promise beyond the repository contract: SQLite in WAL mode with foreign
keys, a busy timeout, Unicode case folding and write-serialising transactions; an in-memory SQLite
shared by every thread; PostgreSQL through psycopg 3 with a pool sized for concurrent bidders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from omk_adapters.sql.engine import make_engine
from omk_domain.app.auctions import PlaceBid
from omk_domain.auctions import errors
from omk_domain.shared.money import Money
from tests.contract.backends import sql_backend
from tests.contract.builders import all_at_once, open_market

pytestmark = pytest.mark.contract


@pytest.fixture()
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'omk.sqlite3'}")
    yield engine
    engine.dispose()


def test_a_sqlite_file_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(sqlite_engine: sa.Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 10_000


def test_every_sqlite_transaction_begins_immediate(sqlite_engine: sa.Engine) -> None:
    statements: list[str] = []
    sa.event.listen(sqlite_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    with sqlite_engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")

    assert statements[0] == "BEGIN IMMEDIATE"


def test_sqlite_folds_the_case_of_russian_text(sqlite_engine: sa.Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.lower("ТРУБЫ Ё"), sa.func.upper("сталь"))).one() == ("трубы ё", "СТАЛЬ")


def test_an_in_memory_sqlite_is_one_database_shared_and_serialised_across_threads() -> None:
    backend = sql_backend("sqlite-memory", "sqlite://")
    try:
        market = open_market(backend.uow_factory, bidders=6)

        outcomes = all_at_once([lambda a=a: market.bus.handle(
            PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("85000")), a) for a in market.bidders])

        assert sum(not isinstance(o, Exception) for o in outcomes) == 1
        assert all(isinstance(o, errors.BidBelowStep) for o in outcomes if isinstance(o, Exception))
    finally:
        backend.close()


@pytest.mark.parametrize("url", ["postgresql://omk@db.example/omk", "postgresql+psycopg://omk@db.example/omk"])
def test_postgresql_goes_through_psycopg_3_with_a_pool_for_many_bidders(url: str) -> None:
    engine = make_engine(url)  # engines connect lazily: no server needed
    try:
        assert engine.dialect.driver == "psycopg"
        assert engine.pool.size() >= 10  # type: ignore[attr-defined]
        assert engine.pool._max_overflow >= 32  # type: ignore[attr-defined]
        assert engine.pool._pre_ping  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_an_unknown_database_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        make_engine("mysql://root@localhost/omk")

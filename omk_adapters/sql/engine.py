"""Engines for SQLite (embedded) and PostgreSQL (production), configured for correctness first."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_S = 30.0
#: the execution option a reading unit of work sets on its connection (SQLite: BEGIN, not BEGIN IMMEDIATE)
READ_ONLY = "omk_read_only"
POOL_SIZE = 10  # with MAX_OVERFLOW: room for 32+ concurrent bidder threads
MAX_OVERFLOW = 40


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _unicode_upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _enable_wal(cursor: Any) -> None:
    """Switch the database file to WAL once. Switching needs a moment alone with the file and
    SQLite does not wait for it (no busy handler), so several processes opening a fresh
    database at once retry here."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for `url`: `sqlite:///path` or `postgresql[+psycopg]://…`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": POOL_SIZE,
                                   "max_overflow": MAX_OVERFLOW, "pool_timeout": 30}
        options.update(kwargs)
        return sa.create_engine(parsed, **options)
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}")


def _sqlite_engine(url: str, **kwargs: Any) -> sa.Engine:
    """SQLite in WAL mode with foreign keys, a busy timeout, and write-serialising transactions.

    Every transaction that may write starts with BEGIN IMMEDIATE (SQLAlchemy's documented pysqlite recipe:
    the driver's own BEGIN is switched off and the engine's `begin` event emits ours). The
    write lock is taken at the start, so a unit of work that loads a lot "for update" really is
    serialised with every other writer, and no transaction ever fails upgrading a read lock.
    """
    parsed = make_url(url)
    in_memory = parsed.database in (None, "", ":memory:") or "mode=memory" in str(parsed)
    options: dict[str, Any] = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}}
    if in_memory:
        # one connection, or every connection would open its own empty database; units of work
        # queue for it, so they stay serialised and isolated as with a file
        options.update(poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=120)
    else:
        options.update(pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, pool_timeout=60)
    options.update(kwargs)
    engine = sa.create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # stop pysqlite from emitting BEGIN itself (and from committing before DDL)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                _enable_wal(cursor)
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()
        # SQLite's lower()/upper() fold ASCII only; Russian text needs Python's Unicode folding
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        dbapi_connection.create_function("upper", 1, _unicode_upper, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # a reading unit of work (UnitOfWork.reading) reads a snapshot without the write lock
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine

"""The persistence adapters under test, and how each is opened: in memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import sqlalchemy as sa

from omk_adapters.memory.uow import MemoryOutboxStore, MemoryStore, MemoryUnitOfWork
from omk_adapters.sql.cache import LotCache
from omk_adapters.sql.engine import make_engine
from omk_adapters.sql.migrate import upgrade
from omk_adapters.sql.outbox import SqlAlchemyOutboxStore
from omk_adapters.sql.uow import SqlAlchemyUnitOfWork, make_session_factory
from omk_domain.ports import OutboxStore, UnitOfWork


@attrs.define
class Backend:
    """One persistence adapter under test: how to open units of work and read its outbox."""

    name: str
    uow_factory: Callable[[], UnitOfWork]
    outbox: OutboxStore
    url: str | None = None
    engines: list[sa.Engine] = attrs.field(factory=list)

    @property
    def is_sql(self) -> bool:
        return self.url is not None

    def another_process(self) -> Callable[[], UnitOfWork]:
        """Units of work through a separate engine (own pool), as a second worker process has."""
        if self.url is None:
            return self.uow_factory
        engine = make_engine(self.url)
        self.engines.append(engine)
        session_factory, cache = make_session_factory(engine), LotCache()
        return lambda: SqlAlchemyUnitOfWork(session_factory, lot_cache=cache)

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()


def memory_backend() -> Backend:
    store = MemoryStore()
    return Backend(name="memory", uow_factory=lambda: MemoryUnitOfWork(store), outbox=MemoryOutboxStore(store))


def sql_backend(name: str, url: str) -> Backend:
    engine = make_engine(url)
    upgrade(engine)
    session_factory, cache = make_session_factory(engine), LotCache()  # as bootstrap() wires it
    return Backend(name=name, uow_factory=lambda: SqlAlchemyUnitOfWork(session_factory, lot_cache=cache),
                   outbox=SqlAlchemyOutboxStore(engine), url=url, engines=[engine])


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'omk.sqlite3'}"

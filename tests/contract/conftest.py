"""Every adapter of the persistence ports runs the same contract: in memory, SQLite, PostgreSQL.

The PostgreSQL flavour uses the `postgres_url` fixture of tests/conftest.py: it skips visibly when
the server is absent, and fails instead under OMK_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from omk_domain.ports import OutboxStore, UnitOfWork
from tests.contract.backends import Backend, memory_backend, sql_backend, sqlite_url

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "memory":
        made = memory_backend()
    elif request.param == "sqlite":
        made = sql_backend("sqlite", sqlite_url(tmp_path))
    else:
        made = sql_backend("postgres", request.getfixturevalue("postgres_url"))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture()
def uow_factory(backend: Backend) -> Callable[[], UnitOfWork]:
    return backend.uow_factory


@pytest.fixture()
def outbox_store(backend: Backend) -> OutboxStore:
    return backend.outbox

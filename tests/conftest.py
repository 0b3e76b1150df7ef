"""Top-level fixtures: real services (PostgreSQL, RabbitMQ) that skip visibly when absent.

With OMK_REQUIRE_SERVICES=1 (set by .ci/run) an unreachable service fails the test instead.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

pytest_plugins = ["tests.bdd.steps"]

POSTGRES_ADMIN_URL = os.environ.get("OMK_TEST_POSTGRES_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("OMK_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def services_required() -> bool:
    return os.environ.get("OMK_REQUIRE_SERVICES") == "1"


def service_unavailable(name: str, reason: str) -> None:
    """Skip with a visible reason — or fail when services are required."""
    message = f"{name} unreachable ({reason}); set OMK_REQUIRE_SERVICES=1 to make this a failure"
    if services_required():
        pytest.fail(f"{name} is required (OMK_REQUIRE_SERVICES=1) but unreachable: {reason}")
    pytest.skip(message)


def _port_open(url: str, default_port: int) -> str | None:
    parsed = urlparse(url.replace("+psycopg", ""))
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return None
    except OSError as exc:
        return f"{host}:{port}: {exc.strerror or exc}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server."""
    problem = _port_open(POSTGRES_ADMIN_URL, 5432)
    if problem:
        service_unavailable("PostgreSQL", problem)
    return POSTGRES_ADMIN_URL


@pytest.fixture()
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    name = f"omk_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a server that accepts TCP but refuses us
        admin.dispose()
        service_unavailable("PostgreSQL", str(exc).splitlines()[0])
    base = postgres_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """The URL of a reachable RabbitMQ broker."""
    problem = _port_open(AMQP_URL, 5672)
    if problem:
        service_unavailable("RabbitMQ", problem)
    return AMQP_URL

"""Liveness and readiness: for load balancers and orchestrators (no authentication, no CSRF)."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from omk_web.auth import services_of


@get("/health", operation_id="health", tags=["Служебное"], summary="Процесс жив", sync_to_thread=False)
def health() -> dict[str, str]:
    """200 while the process answers at all; says nothing about the database or the broker."""
    return {"status": "ok"}


@get("/ready", operation_id="readiness", tags=["Служебное"], summary="Готов принимать запросы",
     sync_to_thread=True, responses={})
def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """200 when the database answers and the schema is current (and the broker, when one is configured);
    503 naming what is not ready otherwise."""
    from omk_adapters.sql.migrate import current

    services = services_of(request)
    checks: dict[str, str] = {}
    try:
        with services.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        checks["database"] = "ok" if current(services.engine) == _head() else "schema outdated: run omk db upgrade"
    except Exception as exc:  # readiness reports, it never raises
        checks["database"] = f"unavailable: {type(exc).__name__}"
    if services.settings.amqp_url:
        checks["broker"] = "ok" if _broker_ok(services) else "unavailable"
    ok = all(v == "ok" for v in checks.values())
    return Response({"status": "ok" if ok else "unavailable", "checks": checks},
                    status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE)


@functools.cache
def _head() -> str:
    """The migrations' head revision: read from the scripts once per process."""
    from omk_adapters.sql.migrate import head

    return head()


def _broker_ok(services: Any) -> bool:
    from omk_adapters.messaging.rabbitmq import broker_reachable

    return broker_reachable(services.settings.amqp_url)

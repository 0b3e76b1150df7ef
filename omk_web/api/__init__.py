"""The JSON API for client systems: `/api/v1`, documented at `/schema`."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get

from omk_domain.app.portal import Identity, WhoAmI
from omk_web.api.admin import AdminAuctionsApi, AdminLotsApi
from omk_web.api.browse import BrowseApi
from omk_web.api.common import run
from omk_web.api.health import health, ready
from omk_web.api.requests import RequestsApi
from omk_web.api.trading import AuctionsApi, LotsApi
from omk_web.auth import CurrentActor


@get("/me", operation_id="whoAmI", summary="Кто я", tags=["Учётная запись"], sync_to_thread=True)
def me(request: Request[Any, Any, Any], actor: CurrentActor) -> Identity:
    """The caller: a person (name, organisation, roles, permissions) or a client system's API token."""
    return run(request, WhoAmI(), actor)  # type: ignore[no-any-return]


V1 = Router(path="/api/v1", route_handlers=[me, AuctionsApi, LotsApi, AdminAuctionsApi, AdminLotsApi, BrowseApi,
                                               RequestsApi])
ROUTERS: list[Any] = [V1, health, ready]

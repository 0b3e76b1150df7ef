"""ASGI middleware: request ids, structured access logs, security headers, CSRF for browsers."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("omk.web.access")

#: no inline script or style anywhere in the portal's pages: scripts and styles come from /static
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
#: the bundled Swagger UI boots from an inline script; everything it loads still comes from this server
CSP_DOCS = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class FrameMiddleware:
    """Give every HTTP request an id, log one line per request, add the security headers.

    The log line names the route template (e.g. `/invitation/{token}`), never the raw path or the
    query string, so a token in a link never reaches the logs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        status = 500
        path = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableScopeHeaders.from_message(message)
                headers["x-request-id"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", CSP_DOCS if path.startswith("/schema") else CSP)
                if https:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
                if scope.get("omk_clear_session"):  # type: ignore[typeddict-item]
                    headers.add("set-cookie", "omk_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("path_template") or "(unmatched)"  # type: ignore[typeddict-item]
            client = scope.get("client")
            log.info("request", method=scope.get("method"), route=route, status=status,
                     duration_ms=round((time.perf_counter() - started) * 1000, 2),
                     client=client[0] if client else None)
            structlog.contextvars.unbind_contextvars("request_id")


class BrowserCsrfMiddleware(CSRFMiddleware):
    """Litestar's double-submit CSRF check, for requests a browser sends with its cookies.

    A request carrying `Authorization` authenticates by that header alone (the session cookie is
    then ignored), and a cross-site page cannot set it, so CSRF does not apply to it.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and any(name == b"authorization" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def csrf_middleware_factory(config: Any) -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        return BrowserCsrfMiddleware(app=app, config=config)

    return factory

"""Who is asking: a bearer API token or the session cookie, resolved by the identity use cases.

The web app never decides permissions: it only finds the actor and hands it to the use case.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import SkipValidation

from omk_adapters.bootstrap import Services
from omk_domain.app.signin import ResolveSession
from omk_domain.app.tokens import ResolveToken
from omk_domain.identity.model import Actor
from omk_domain.identity.signin import Unauthenticated

SESSION_COOKIE = "omk_session"
#: handler parameters: the signed-in actor (or a 401 / a redirect to sign-in), or the actor if any
CurrentActor = SkipValidation[NamedDependency[Actor]]
MaybeActor = SkipValidation[NamedDependency[Actor | None]]
#: the scope key where the resolved actor is cached for the rest of the request
_ACTOR_KEY = "omk_actor"
_MISSING = object()


class SignInRequired(NotAuthorizedException):
    """A page needs a signed-in person: people are sent to the sign-in page, clients get a 401."""


def services_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Services:
    services: Services = connection.app.state.services
    return services


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    return connection.client.host if connection.client else None


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an `Authorization: Bearer …` header; a malformed header is a 401, not ignored."""
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("Authorization: ожидается «Bearer <токен>».")
    return token.strip()


def current_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    """The actor of this request (resolved once): the API token's, else the session's, else None.

    A bearer token that does not resolve is an error (a client system must know); a stale session
    cookie just means "not signed in" (and the cookie is cleared on the way out).
    """
    cached = connection.scope.get(_ACTOR_KEY, _MISSING)  # type: ignore[typeddict-item]
    if cached is not _MISSING:
        return cached  # type: ignore[no-any-return]
    bus = services_of(connection).bus
    actor: Actor | None = None
    token = bearer_token(connection)
    if token is not None:
        actor = bus.handle(ResolveToken(token=token), None)
    else:
        cookie = connection.cookies.get(SESSION_COOKIE)
        if cookie:
            try:
                actor = bus.handle(ResolveSession(token=cookie), None)
            except Unauthenticated:
                connection.scope["omk_clear_session"] = True  # type: ignore[typeddict-unknown-key]
    connection.scope[_ACTOR_KEY] = actor  # type: ignore[typeddict-unknown-key]
    return actor


def provide_optional_actor(request: Request[Any, Any, Any]) -> Actor | None:
    return current_actor(request)


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    actor = current_actor(request)
    if actor is None:
        raise SignInRequired("Требуется вход.")
    return actor


def session_token(request: Request[Any, Any, Any]) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


def is_https(request: Request[Any, Any, Any]) -> bool:
    return request.url.scheme == "https" or services_of(request).settings.public_url.startswith("https://")


def session_cookie(request: Request[Any, Any, Any], token: str, *, max_age: int) -> Cookie:
    """HttpOnly, SameSite=Lax, Secure when served over HTTPS: the browser's copy of the session token."""
    return Cookie(key=SESSION_COOKIE, value=token, httponly=True, samesite="lax", secure=is_https(request),
                  path="/", max_age=max_age)


def clear_session_cookie(request: Request[Any, Any, Any], response: Response[Any]) -> Response[Any]:
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response

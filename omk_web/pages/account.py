"""The portal's front door: home page, sign-in with the second factor, sign-out, organisation switcher."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Template

from omk_domain.app import auctions as A
from omk_domain.app.portal import SwitchSessionOrganization
from omk_domain.app.signin import CompleteSignIn, ResendCode, SignOut, StartSignIn
from omk_domain.auctions.values import AuctionStatus
from omk_domain.identity.signin import Channel, SecondFactor
from omk_domain.ports import AuctionFilter
from omk_web.auth import CurrentActor, MaybeActor, client_address, services_of, session_cookie, session_token
from omk_web.pages.common import attempt, handle, render, safe_next, see_other
from omk_web.problems import status_of


class HomePage(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], maybe_actor: MaybeActor) -> Template:
        """Signed out: what the portal is and (with demo data) whom to sign in as. Signed in: running and
        upcoming auctions of the current organisation."""
        if maybe_actor is None:
            from omk_adapters.demo import demo_hint

            return render(request, "home.html", None, demo=demo_hint(services_of(request)))
        running = handle(request, A.BrowseAuctions(filter=AuctionFilter(status=AuctionStatus.RUNNING, limit=20)),
                         maybe_actor)
        upcoming = handle(request, A.BrowseAuctions(filter=AuctionFilter(status=AuctionStatus.SCHEDULED,
                                                                        limit=20)), maybe_actor)
        return render(request, "dashboard.html", maybe_actor, running=running, upcoming=upcoming)


class SignInPages(Controller):
    include_in_schema = False

    @get("/signin", sync_to_thread=True)
    def form(self, request: Request[Any, Any, Any], maybe_actor: MaybeActor,
             next: FromQuery[str | None] = None) -> Any:
        if maybe_actor is not None:
            return see_other(safe_next(next))
        return render(request, "signin.html", None, next=safe_next(next), email="", error=None)

    @post("/signin", sync_to_thread=True)
    def start(self, request: Request[Any, Any, Any],
              data: URLEncodedBody[dict[str, str]]) -> Template:
        """Email and password → a one-time code goes out; the same answer for a wrong email or password."""
        email = (data.get("email") or "").strip()
        target = safe_next(data.get("next"))
        factor = _factor(data.get("factor"))
        issued, error = attempt(request, StartSignIn(email=email, password=data.get("password") or "",
                                                     source_address=client_address(request), factor=factor), None)
        if error is not None:
            return render(request, "signin.html", None, status_code=status_of(error), next=target, email=email,
                          error=error)
        return self._code_form(request, issued.challenge_id, issued.channel, expires_at=issued.expires_at,
                               target=target, error=None, factors=issued.factors)

    @post("/signin/code", sync_to_thread=True)
    def complete(self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, str]]) -> Any:
        """The code answers the challenge: a new session (new id) begins, its token in an HttpOnly cookie."""
        challenge_id = data.get("challenge_id") or ""
        target = safe_next(data.get("next"))
        factor = _factor(data.get("factor"))
        signed_in, error = attempt(request, CompleteSignIn(challenge_id=challenge_id, code=data.get("code") or "",
                                                           source_address=client_address(request), factor=factor),
                                   None)
        if error is not None:
            return self._code_form(request, challenge_id, _channel(data.get("channel")), expires_at=None,
                                   target=target, error=error, status_code=status_of(error),
                                   factors=_factors(data.get("factors")), chosen=factor)
        left = signed_in.recovery_codes_left
        response: Response[Any] = see_other(target, "signed_in" if left is None else "recovery_code_used")
        max_age = services_of(request).settings.session_absolute_hours * 3600
        response.set_cookie(session_cookie(request, signed_in.token, max_age=max_age))
        return response

    @post("/signin/resend", sync_to_thread=True)
    def resend(self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, str]]) -> Template:
        challenge_id = data.get("challenge_id") or ""
        target = safe_next(data.get("next"))
        issued, error = attempt(request, ResendCode(challenge_id=challenge_id,
                                                    source_address=client_address(request)), None)
        if error is not None:
            return self._code_form(request, challenge_id, _channel(data.get("channel")), expires_at=None,
                                   target=target, error=error, status_code=status_of(error))
        return self._code_form(request, issued.challenge_id, issued.channel, expires_at=issued.expires_at,
                               target=target, error=None, resent=True, factors=issued.factors)

    @staticmethod
    def _code_form(request: Request[Any, Any, Any], challenge_id: str, channel: Channel | None, *,
                   expires_at: datetime | None, target: str, error: Any, status_code: int = 200,
                   resent: bool = False, factors: tuple[SecondFactor, ...] = (SecondFactor.CODE,),
                   chosen: SecondFactor | None = None) -> Template:
        """The second step: the sent code, or (when enrolled) the app's code or a recovery code."""
        if chosen is None:
            chosen = SecondFactor.APP if channel is Channel.APP else SecondFactor.CODE
        return render(request, "signin_code.html", None, status_code=status_code, challenge_id=challenge_id,
                      channel=channel, expires_at=expires_at, next=target, error=error, resent=resent,
                      factors=factors, chosen=chosen)

    @post("/signout", sync_to_thread=True)
    def sign_out(self, request: Request[Any, Any, Any]) -> Response[Any]:
        token = session_token(request)
        if token:
            handle(request, SignOut(token=token, source_address=client_address(request)), None)
        response: Response[Any] = see_other("/signin", "signed_out")
        response.delete_cookie("omk_session", path="/")
        return response

    @post("/organization", sync_to_thread=True)
    def switch(self, request: Request[Any, Any, Any], actor: CurrentActor,
               data: URLEncodedBody[dict[str, str]]) -> Response[Any]:
        """Act for another organisation of the same user from now on (a stranger's id: not found)."""
        handle(request, SwitchSessionOrganization(token=session_token(request) or "",
                                                  organization_id=data.get("organization_id") or ""), actor)
        return see_other(safe_next(data.get("next")), "switched")


def _factor(value: str | None) -> SecondFactor | None:
    try:
        return SecondFactor(value) if value else None
    except ValueError:
        return None


def _factors(value: str | None) -> tuple[SecondFactor, ...]:
    found = tuple(f for f in (_factor(v) for v in (value or "").split(",")) if f is not None)
    return found or (SecondFactor.CODE,)


def _channel(value: str | None) -> Channel | None:
    try:
        return Channel(value) if value else None
    except ValueError:
        return None

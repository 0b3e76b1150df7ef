"""Getting in: self-registration with both codes, applying for an organisation, accepting an invitation,
resetting a forgotten password. Pages only; every rule lives in the identity use cases."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from omk_domain.app.invitations import AcceptInvitation
from omk_domain.app.registration import (
    ApplyForOrganization,
    ResendRegistrationCodes,
    StartRegistration,
    VerifyRegistration,
)
from omk_domain.app.reset import RequestPasswordReset, ResetPassword
from omk_web.auth import MaybeActor, client_address
from omk_web.pages.common import attempt, render, see_other
from omk_web.problems import status_of

Form = URLEncodedBody[dict[str, str]]


def _field(data: dict[str, str], name: str) -> str:
    return (data.get(name) or "").strip()


def _optional(data: dict[str, str], name: str) -> str | None:
    return _field(data, name) or None


class RegistrationPages(Controller):
    include_in_schema = False

    @get("/register", sync_to_thread=True)
    def form(self, request: Request[Any, Any, Any], *, maybe_actor: MaybeActor) -> Any:
        if maybe_actor is not None:
            return see_other("/")
        return render(request, "register.html", None, values={}, error=None)

    @post("/register", sync_to_thread=True)
    def start(self, request: Request[Any, Any, Any], *, data: Form) -> Template:
        """Email, phone, name and password → a code to the email AND a code by SMS."""
        values = {k: _field(data, k) for k in ("full_name", "email", "phone")}
        started, error = attempt(request, StartRegistration(
            email=values["email"], phone=values["phone"], full_name=values["full_name"],
            password=data.get("password") or "", source_address=client_address(request)), None)
        if error is not None:
            return render(request, "register.html", None, status_code=status_of(error), values=values, error=error)
        return render(request, "register_verify.html", None, registration_id=started.registration_id,
                      expires_at=started.expires_at, error=None, resent=False)

    @post("/register/verify", sync_to_thread=True)
    def verify(self, request: Request[Any, Any, Any], *, data: Form) -> Template:
        registration_id = _field(data, "registration_id")
        user, error = attempt(request, VerifyRegistration(
            registration_id=registration_id, email_code=_field(data, "email_code"),
            sms_code=_field(data, "sms_code"), source_address=client_address(request)), None)
        if error is not None:
            return render(request, "register_verify.html", None, status_code=status_of(error),
                          registration_id=registration_id, expires_at=None, error=error, resent=False)
        return render(request, "register_apply.html", None, registration_id=registration_id, email=user.email,
                      values={}, error=None)

    @post("/register/resend", sync_to_thread=True)
    def resend(self, request: Request[Any, Any, Any], *, data: Form) -> Template:
        registration_id = _field(data, "registration_id")
        started, error = attempt(request, ResendRegistrationCodes(
            registration_id=registration_id, source_address=client_address(request)), None)
        return render(request, "register_verify.html", None, status_code=status_of(error) if error else 200,
                      registration_id=registration_id, expires_at=started.expires_at if started else None,
                      error=error, resent=error is None)

    @post("/register/apply", sync_to_thread=True)
    def apply(self, request: Request[Any, Any, Any], *, data: Form) -> Template:
        """A new organisation as an application: OMK staff approve it, the applicant becomes its administrator."""
        registration_id = _field(data, "registration_id")
        values = {k: _field(data, k) for k in ("name", "inn", "kpp", "ogrn", "ogrnip")}
        org, error = attempt(request, ApplyForOrganization(
            registration_id=registration_id, name=values["name"], inn=values["inn"],
            kpp=_optional(data, "kpp"), ogrn=_optional(data, "ogrn"), ogrnip=_optional(data, "ogrnip"),
            source_address=client_address(request)), None)
        if error is not None:
            return render(request, "register_apply.html", None, status_code=status_of(error),
                          registration_id=registration_id, email=None, values=values, error=error)
        return render(request, "register_done.html", None, organization=org)


class InvitationPages(Controller):
    include_in_schema = False

    @get("/invitation", sync_to_thread=True)
    def form(self, request: Request[Any, Any, Any], *, maybe_actor: MaybeActor,
             token: FromQuery[str] = "") -> Template:
        """The link from the invitation email: a signed-in person accepts with one button, a new one
        gives a name and a password."""
        return render(request, "invitation.html", maybe_actor, token=token, values={}, error=None)

    @post("/invitation", sync_to_thread=True)
    def accept(self, request: Request[Any, Any, Any], *, maybe_actor: MaybeActor, data: Form) -> Any:
        token = _field(data, "token")
        values = {k: _field(data, k) for k in ("full_name", "phone")}
        _, error = attempt(request, AcceptInvitation(
            token=token, full_name=_optional(data, "full_name"), phone=_optional(data, "phone"),
            password=(data.get("password") or None) if maybe_actor is None else None,
            source_address=client_address(request)), maybe_actor)
        if error is not None:
            return render(request, "invitation.html", maybe_actor, status_code=status_of(error), token=token,
                          values=values, error=error)
        if maybe_actor is None:
            return see_other("/signin", "invitation_accepted")
        return see_other("/", "invitation_accepted")


class PasswordResetPages(Controller):
    include_in_schema = False

    @get("/password-reset", sync_to_thread=True)
    def form(self, request: Request[Any, Any, Any], *, maybe_actor: MaybeActor,
             token: FromQuery[str] = "") -> Template:
        """Without a token: ask for the link. With the token from the email: choose the new password."""
        if token:
            return render(request, "password_new.html", maybe_actor, token=token, error=None)
        return render(request, "password_reset.html", maybe_actor, sent=False, email="", error=None)

    @post("/password-reset", sync_to_thread=True)
    def request_link(self, request: Request[Any, Any, Any], *, maybe_actor: MaybeActor, data: Form) -> Template:
        """The same answer whether or not the address belongs to someone."""
        email = _field(data, "email")
        _, error = attempt(request, RequestPasswordReset(email=email, source_address=client_address(request)),
                           None)
        if error is not None:
            return render(request, "password_reset.html", maybe_actor, status_code=status_of(error), sent=False,
                          email=email, error=error)
        return render(request, "password_reset.html", maybe_actor, sent=True, email=email, error=None)

    @post("/password-reset/new", sync_to_thread=True)
    def choose(self, request: Request[Any, Any, Any], *, maybe_actor: MaybeActor, data: Form) -> Template | Redirect:
        token = _field(data, "token")
        _, error = attempt(request, ResetPassword(token=token, new_password=data.get("password") or "",
                                                  source_address=client_address(request)), None)
        if error is not None:
            return render(request, "password_new.html", maybe_actor, status_code=status_of(error), token=token,
                          error=error)
        return see_other("/signin", "password_changed")

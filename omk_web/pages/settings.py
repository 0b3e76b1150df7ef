"""The signed-in person's own settings: profile, sessions, and the organisation's API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from omk_domain.app.account import ChangePassword, ConfirmEmailChange, RequestEmailChange
from omk_domain.app.signin import SignOutEverywhere
from omk_domain.app.tokens import IssueToken, ListTokens, RevokeToken
from omk_domain.app.two_factor import (
    ConfirmTwoFactorEnrolment,
    DisableTwoFactor,
    RegenerateRecoveryCodes,
    ShowTwoFactor,
    StartTwoFactorEnrolment,
)
from omk_domain.identity.policy import Permission, grantable
from omk_domain.identity.tokens import MAX_TOKEN_LIFETIME
from omk_domain.shared.errors import DomainError, InvalidValue
from omk_web.auth import CurrentActor, client_address, services_of
from omk_web.pages.common import attempt, handle, identity_of, render, see_other
from omk_web.problems import status_of

#: how the pages name permissions (the policy names them by code)
PERMISSION_RU: dict[Permission, str] = {
    Permission.AUCTION_VIEW: "просмотр аукционов и лотов",
    Permission.AUCTION_BID: "ставки и ценовые предложения",
    Permission.AUCTION_MANAGE: "управление аукционами",
    Permission.AUCTION_BID_ON_BEHALF: "ставки от имени клиента",
    Permission.BID_ANNUL: "аннулирование ставок",
    Permission.RESULTS_APPROVE: "утверждение итогов",
    Permission.ORGANIZATIONS_VIEW: "просмотр сведений об организации",
    Permission.ORGANIZATIONS_MANAGE: "управление организациями",
    Permission.USERS_MANAGE: "управление пользователями",
    Permission.ROLES_MANAGE: "управление ролями",
    Permission.AUDIT_VIEW: "журнал безопасности",
    Permission.FINANCE_VIEW: "финансы",
    Permission.ORDERS_VIEW: "просмотр заказов",
    Permission.ORDERS_PLACE: "размещение заказов",
    Permission.DOCUMENTS_VIEW: "просмотр документов",
    Permission.DOCUMENTS_DOWNLOAD: "скачивание документов",
    Permission.REQUESTS_SEND: "обращения в службы ОМК",
    Permission.TOKENS_MANAGE: "управление API-токенами",
}
MAX_TOKEN_DAYS = MAX_TOKEN_LIFETIME.days  # the form's bound; the domain decides


class TokenLifetimeInvalid(InvalidValue):
    code = "token_lifetime_invalid"
    message_ru = "Срок действия токена — целое число дней."


class PermissionUnknown(InvalidValue):
    code = "permission_unknown"
    message_ru = "Неизвестное право доступа."


def _permissions(values: list[str]) -> frozenset[Permission]:
    try:
        return frozenset(Permission(v) for v in values)
    except ValueError:
        raise PermissionUnknown() from None


class SettingsPages(Controller):
    include_in_schema = False
    path = "/account"

    @get("/", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], *, actor: CurrentActor) -> Template:
        return self._page(request, actor)

    def _page(self, request: Request[Any, Any, Any], actor: Any, *, status_code: int = 200,
              error: DomainError | None = None, issued: Any = None, **extra: Any) -> Template:
        me = identity_of(request, actor)
        two_factor = None if actor.user_id.startswith("token:") else handle(request, ShowTwoFactor(), actor)
        tokens = None
        choices: list[tuple[str, str]] = []
        if me is not None and Permission.TOKENS_MANAGE.value in me.permissions and actor.organization_id:
            tokens = handle(request, ListTokens(organization_id=actor.organization_id), actor)
            choices = [(p.value, PERMISSION_RU.get(p, p.value))
                       for p in sorted(grantable(actor), key=lambda p: p.value)]
        return render(request, "account.html", actor, status_code=status_code, tokens=tokens, choices=choices,
                      error=error, issued=issued, now=services_of(request).clock.now(), labels=PERMISSION_RU,
                      max_days=MAX_TOKEN_DAYS, two_factor=two_factor, **extra)

    def _after(self, request: Request[Any, Any, Any], actor: Any, result: tuple[Any, DomainError | None],
               **shown: Any) -> Template:
        """The settings page again: the refusal beside the form, or what the action produced."""
        value, error = result
        if error is not None:
            return self._page(request, actor, status_code=status_of(error), error=error)
        return self._page(request, actor, **{k: (value if v is None else v) for k, v in shown.items()})

    # --- password and email ---------------------------------------------------------------------

    @post("/password", sync_to_thread=True)
    def change_password(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                        data: URLEncodedBody[dict[str, str]]) -> Any:
        """The current password and a new one; every session ends, this one too: sign in again."""
        _, error = attempt(request, ChangePassword(current_password=data.get("current_password") or "",
                                                   new_password=data.get("new_password") or "",
                                                   source=client_address(request)), actor)
        if error is not None:
            return self._page(request, actor, status_code=status_of(error), error=error)
        response: Response[Any] = see_other("/signin", "password_changed")
        response.delete_cookie("omk_session", path="/")
        return response

    @post("/email", sync_to_thread=True)
    def request_email_change(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                             data: URLEncodedBody[dict[str, str]]) -> Template:
        """A code goes to the new address; the address changes only when that code comes back."""
        return self._after(request, actor, attempt(request, RequestEmailChange(
            new_email=(data.get("new_email") or "").strip(), current_password=data.get("current_password") or "",
            source=client_address(request)), actor), email_change=None)

    @post("/email/confirm", sync_to_thread=True)
    def confirm_email_change(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                             data: URLEncodedBody[dict[str, str]]) -> Any:
        _, error = attempt(request, ConfirmEmailChange(change_id=data.get("change_id") or "",
                                                       code=(data.get("code") or "").strip(),
                                                       source=client_address(request)), actor)
        if error is not None:
            return self._page(request, actor, status_code=status_of(error), error=error)
        return see_other("/account", "email_changed")

    # --- the authenticator app and recovery codes -----------------------------------------------

    @post("/two-factor/start", sync_to_thread=True)
    def start_enrolment(self, request: Request[Any, Any, Any], *, actor: CurrentActor) -> Template:
        """The QR code to scan and the secret to type: shown on this page only."""
        return self._after(request, actor, attempt(request, StartTwoFactorEnrolment(
            source_address=client_address(request)), actor), enrolment=None)

    @post("/two-factor/confirm", sync_to_thread=True)
    def confirm_enrolment(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                          data: URLEncodedBody[dict[str, str]]) -> Template:
        """The app's first code turns it on; the recovery codes are shown once."""
        return self._after(request, actor, attempt(request, ConfirmTwoFactorEnrolment(
            code=(data.get("code") or "").strip(), source_address=client_address(request)), actor),
            recovery=None)

    @post("/two-factor/recovery-codes", sync_to_thread=True)
    def regenerate(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                   data: URLEncodedBody[dict[str, str]]) -> Template:
        return self._after(request, actor, attempt(request, RegenerateRecoveryCodes(
            code=(data.get("code") or "").strip() or None, password=data.get("password") or None,
            source_address=client_address(request)), actor), recovery=None)

    @post("/two-factor/disable", sync_to_thread=True)
    def disable(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                data: URLEncodedBody[dict[str, str]]) -> Any:
        _, error = attempt(request, DisableTwoFactor(
            code=(data.get("code") or "").strip() or None, password=data.get("password") or None,
            source_address=client_address(request)), actor)
        if error is not None:
            return self._page(request, actor, status_code=status_of(error), error=error)
        return see_other("/account", "two_factor_disabled")

    @post("/signout-everywhere", sync_to_thread=True)
    def sign_out_everywhere(self, request: Request[Any, Any, Any], *, actor: CurrentActor) -> Response[Any]:
        handle(request, SignOutEverywhere(user_id=actor.user_id, source=client_address(request)), actor)
        response: Response[Any] = see_other("/signin", "signed_out")
        response.delete_cookie("omk_session", path="/")
        return response

    @post("/tokens", sync_to_thread=True)
    def issue(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
              data: URLEncodedBody[dict[str, Any]]) -> Template:
        """A token for a client system of the current organisation; its secret is shown on this page once."""
        wanted = data.get("permissions") or []
        if isinstance(wanted, str):
            wanted = [wanted]
        try:
            days = int(str(data.get("days") or "90"))
            lifetime = timedelta(days=days)
        except (ValueError, OverflowError):
            return self._page(request, actor, status_code=422, error=TokenLifetimeInvalid())
        try:
            permissions = _permissions([str(v) for v in wanted])
        except PermissionUnknown as unknown:
            return self._page(request, actor, status_code=422, error=unknown)
        issued, error = attempt(request, IssueToken(
            organization_id=actor.organization_id or "", name=str(data.get("name") or "").strip(),
            permissions=permissions, expires_at=services_of(request).clock.now() + lifetime,
            source=client_address(request)), actor)
        if error is not None:
            return self._page(request, actor, status_code=status_of(error), error=error)
        return self._page(request, actor, issued=issued)

    @post("/tokens/{token_id:str}/revoke", sync_to_thread=True)
    def revoke(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
               token_id: FromPath[str]) -> Response[Any]:
        handle(request, RevokeToken(token_id=token_id, source=client_address(request)), actor)
        return see_other("/account", "token_revoked")

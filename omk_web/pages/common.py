"""What every page shares: the frame's context (who is signed in), forms, safe redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import MediaType, Request
from litestar.response import Redirect, Template

from omk_domain.app.portal import Identity, WhoAmI
from omk_domain.identity.model import Actor
from omk_domain.shared.errors import DomainError
from omk_domain.shared.messages import Command
from omk_web.auth import services_of


def identity_of(request: Request[Any, Any, Any], actor: Actor | None) -> Identity | None:
    if actor is None:
        return None
    cached = request.scope.get("omk_identity")  # type: ignore[typeddict-item]
    if cached is None:
        cached = services_of(request).bus.handle(WhoAmI(), actor)
        request.scope["omk_identity"] = cached  # type: ignore[typeddict-unknown-key]
    return cached  # type: ignore[no-any-return]


def render(request: Request[Any, Any, Any], template: str, actor: Actor | None, *, status_code: int = 200,
           **context: Any) -> Template:
    """A page inside the portal's frame (menu, organisation switcher, flash message)."""
    me = identity_of(request, actor)
    # the media type said out loud: a handler annotated `-> Any` would otherwise default it to JSON
    return Template(template_name=template, status_code=status_code, media_type=MediaType.HTML,
                    context={"me": me, "path": request.url.path,
                             "flash": FLASH.get(request.query_params.get("flash") or ""), **context})


def handle(request: Request[Any, Any, Any], command: Command, actor: Actor | None) -> Any:
    return services_of(request).bus.handle(command, actor)


def attempt(request: Request[Any, Any, Any], command: Command, actor: Actor | None) -> tuple[Any, DomainError | None]:
    """Run a use case for a form: its result, or the refusal to show beside the form (nothing changed)."""
    try:
        return handle(request, command, actor), None
    except DomainError as error:
        return None, error


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: `next=https://evil.example` or `//evil.example` goes home instead."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


#: messages shown once after a redirect, named by a key in the URL (never text from the URL itself)
FLASH: dict[str, str] = {
    "signed_in": "Вы вошли в систему.",
    "recovery_code_used": ("Вы вошли по резервному коду; он больше не действует. Если кодов осталось мало — "
                           "создайте новые в настройках."),
    "signed_out": "Вы вышли из системы.",
    "switched": "Организация переключена.",
    "bid_placed": "Ставка принята.",
    "offer_saved": "Ценовое предложение сохранено.",
    "offer_withdrawn": "Ценовое предложение отозвано.",
    "request_sent": "Обращение отправлено. Подтверждение с его номером ушло вам на почту.",
    "request_sent_no_mail": "Обращение отправлено, но письмо с подтверждением сейчас отправить не удалось.",
    "request_taken": "Обращение взято в работу.",
    "request_answered": "Ответ отправлен: автор обращения получит его письмом.",
    "request_closed": "Обращение закрыто.",
    "offer_replaced": "Ценовое предложение заменено ставкой.",
    "auction_saved": "Аукцион сохранён.",
    "auction_published": "Аукцион опубликован: участники видят его в календаре.",
    "auction_cancelled": "Аукцион отменён.",
    "lots_added": "Лоты загружены.",
    "admitted": "Организация допущена к аукциону.",
    "admission_revoked": "Допуск отозван.",
    "bid_annulled": "Ставка аннулирована.",
    "winner_declined": "Отказ победителя оформлен.",
    "results_approved": "Итоги утверждены.",
    "invitation_accepted": "Приглашение принято. Войдите, чтобы работать от имени организации.",
    "password_changed": "Пароль изменён. Войдите с новым паролем.",
    "email_changed": "Адрес электронной почты изменён.",
    "two_factor_disabled": "Приложение-аутентификатор отключено; вход подтверждается кодом из SMS или письма.",
    "token_revoked": "Токен отозван: системы, которые им пользовались, больше не получат доступ.",
}


def see_other(path: str, flash: str | None = None) -> Redirect:
    """Post/redirect/get; `flash` is a key of FLASH."""
    if flash:
        assert flash in FLASH, flash
        path += ("&" if "?" in path else "?") + "flash=" + flash
    return Redirect(path=path, status_code=303)

"""A signed-in user's own account: change its password (every other session ends) and change its email
address, re-verified by a one-time code sent to the new address (the old one gets a notice). The policy's
account.self: any person for itself — with or without an organisation — never an API token.

A password or a code is never put in an error, an audit entry or a log line.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from omk_domain.app.bus import handles
from omk_domain.identity import audit
from omk_domain.identity.account import (
    CurrentPasswordWrong,
    EmailChange,
    EmailChangeNotFound,
    EmailTaken,
    EmailUnchanged,
)
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.model import Actor, User, normalize_email
from omk_domain.identity.otp import CodePurpose, OneTimeCode, check_resend
from omk_domain.identity.passwords import PasswordPolicy
from omk_domain.identity.policy import Permission, require
from omk_domain.notifications.messages import EmailMessage
from omk_domain.ports import CodeGenerator, Mailer, PasswordHasher, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import DomainError
from omk_domain.shared.messages import Command


@attrs.frozen(kw_only=True)
class ChangePassword(Command):
    """The acting user changes its own password; the session `keep_session_id` (the one it acts in) stays."""

    current_password: str = attrs.field(repr=False)
    new_password: str = attrs.field(repr=False)
    keep_session_id: str | None = None
    source: str | None = None


@attrs.frozen(kw_only=True)
class RequestEmailChange(Command):
    """A code goes to the new address; asking again after the cooldown replaces the code."""

    new_email: str
    current_password: str = attrs.field(repr=False)
    source: str | None = None


@attrs.frozen(kw_only=True)
class ConfirmEmailChange(Command):
    """The code from the new address's mailbox switches the user's email to it."""

    change_id: str
    code: str = attrs.field(repr=False)
    source: str | None = None


@attrs.frozen(kw_only=True)
class EmailChangeRequested:
    change_id: str
    new_email: str
    expires_at: datetime


@handles(ChangePassword)
def change_password(cmd: ChangePassword, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                    password_hasher: PasswordHasher, password_policy: PasswordPolicy | None = None) -> int:
    """Check the current password and the policy, keep the new Argon2id hash, end every other session of the
    user; return how many ended. A wrong current password is audited and changes nothing else."""
    require(actor, Permission.ACCOUNT_SELF)
    now = clock.now()
    with uow:
        user = uow.users.get(actor.user_id)
        _require_current_password(uow, actor, user, cmd.current_password, password_hasher, now=now,
                                  source=cmd.source, action=audit.PASSWORD_CHANGED)
        (password_policy or PasswordPolicy()).check(cmd.new_password, email=user.email, full_name=user.full_name)
        user.password_hash = password_hasher.hash(cmd.new_password)
        ended = 0
        for session in uow.sessions.of_user(user.id):
            if session.id != cmd.keep_session_id and session.revoke(now):
                uow.sessions.save(session)
                ended += 1
        _audit(uow, actor, audit.PASSWORD_CHANGED, user, now=now, source=cmd.source,
               detail={"by": "self", "sessions_ended": ended})
        uow.commit()
    return ended


@handles(RequestEmailChange)
def request_email_change(cmd: RequestEmailChange, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                         password_hasher: PasswordHasher, codes: CodeGenerator,
                         mailer: Mailer) -> EmailChangeRequested:
    """An address that is another user's is refused without saying whose (EmailTaken). A new request within
    the resend cooldown of the last one: CodeResendTooSoon; otherwise the last request's code stops working."""
    require(actor, Permission.ACCOUNT_SELF)
    now = clock.now()
    new_email = normalize_email(cmd.new_email)
    with uow:
        user = uow.users.get(actor.user_id)
        _require_current_password(uow, actor, user, cmd.current_password, password_hasher, now=now,
                                  source=cmd.source, action=audit.EMAIL_CHANGE_REQUESTED)
        if new_email == user.email:
            raise EmailUnchanged()
        if uow.users.by_email(new_email) is not None:
            raise EmailTaken()
        last = uow.email_changes.latest_of_user(user.id)
        if last is not None:
            check_resend(last.code, now)
            if last.code.used_at is None:
                last.code.used_at = now  # superseded: its code no longer works
                uow.email_changes.save(last)
        code = codes.new_code()
        change = EmailChange(user_id=user.id, source=(cmd.source or "")[:200] or None,
                             code=OneTimeCode.issue(purpose=CodePurpose.CHANGE_EMAIL, recipient=new_email,
                                                    code=code, now=now))
        uow.email_changes.add(change)
        minutes = int((change.code.expires_at - now) / timedelta(minutes=1))
        mailer.send(EmailMessage(to=new_email, subject="Код подтверждения нового адреса", text=(
            f"Код для подтверждения нового адреса в ОМК Цифровые сервисы: {code}. Действует {minutes} мин. "
            "Никому его не сообщайте. Если вы не меняли адрес, просто удалите это письмо.")))
        mailer.send(EmailMessage(to=user.email, subject="Смена адреса электронной почты", text=(
            f"Для вашей учётной записи в ОМК Цифровые сервисы запрошена смена адреса на {_masked(new_email)}. "
            "Адрес сменится, когда код из письма на новый адрес будет введён. Если это были не вы, "
            "смените пароль и обратитесь к администратору.")))
        _audit(uow, actor, audit.EMAIL_CHANGE_REQUESTED, user, now=now, source=cmd.source,
               detail={"change_id": change.id, "new_email": new_email})
        uow.commit()
    return EmailChangeRequested(change_id=change.id, new_email=new_email, expires_at=change.code.expires_at)


@handles(ConfirmEmailChange)
def confirm_email_change(cmd: ConfirmEmailChange, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> User:
    """Accept the code once (limited attempts, short-lived), then switch the address. An unknown change, or
    another user's: EmailChangeNotFound. A refused code keeps its spent attempt (committed before the error
    is raised). An address taken meanwhile: EmailTaken, and the code is spent."""
    require(actor, Permission.ACCOUNT_SELF)
    now = clock.now()
    with uow:
        change = uow.email_changes.get(cmd.change_id)
        if change is None or change.user_id != actor.user_id:
            raise EmailChangeNotFound(change_id=cmd.change_id)
        user = uow.users.get(change.user_id)
        try:
            change.code.verify(cmd.code or "", now)
        except DomainError as refused:
            uow.email_changes.save(change)
            _audit(uow, actor, audit.CODE_FAILED, user, now=now, source=cmd.source,
                   detail={"reason": refused.code, "change_id": change.id,
                           "attempts_left": change.code.attempts_left})
            uow.commit()
            raise
        uow.email_changes.save(change)
        holder = uow.users.by_email(change.new_email)
        if holder is not None and holder.id != user.id:
            uow.commit()
            raise EmailTaken()
        old = user.email
        user.email = change.new_email
        _audit(uow, actor, audit.EMAIL_CHANGED, user, now=now, source=cmd.source,
               detail={"change_id": change.id, "old_email": old, "new_email": user.email})
        uow.commit()
    return user


def _require_current_password(uow: UnitOfWork, actor: Actor, user: User, password: str, hasher: PasswordHasher,
                              *, now: datetime, source: str | None, action: str) -> None:
    """CurrentPasswordWrong, audited (committed before it is raised), unless `password` is the user's."""
    if user.password_hash is not None and hasher.verify(user.password_hash, password or ""):
        return
    _audit(uow, actor, audit.CURRENT_PASSWORD_WRONG, user, now=now, source=source, detail={"for": action})
    uow.commit()
    raise CurrentPasswordWrong()


def _masked(email: str) -> str:
    """«a***@example.ru»: enough for the owner to recognise, not to read off a stolen mailbox."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _audit(uow: UnitOfWork, actor: Actor, action: str, user: User, *, now: datetime, source: str | None,
           detail: dict[str, Any]) -> None:
    uow.audit.record(AuditEntry.of(actor, action, target_type="user", target_id=user.id,
                                   organization_id=actor.organization_id or user.organization_id, now=now,
                                   source=source, detail=detail))

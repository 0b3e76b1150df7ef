"""Password reset by an emailed single-use link. Asking for one gives the same answer whether or not the
email belongs to a user; using one sets the new password, spends the link, ends every session of the
user and is audited. The link's secret is never put in an error, an audit entry or a log line.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from omk_domain.app.bus import handles
from omk_domain.app.signin import _address, _entry
from omk_domain.identity import audit
from omk_domain.identity.model import Actor
from omk_domain.identity.passwords import PasswordPolicy
from omk_domain.identity.reset import (
    RESETS_PER_ADDRESS,
    RESETS_PER_EMAIL,
    PasswordReset,
    RequestQuota,
    ResetLinkInvalid,
    ResetLinksExhausted,
    TooManyResetRequests,
)
from omk_domain.identity.signin import AttemptKind, AttemptScope, SignInAttempt, hash_token
from omk_domain.notifications.messages import EmailMessage
from omk_domain.ports import Mailer, PasswordHasher, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.messages import Command

#: where the emailed link points when the bus is not given `reset_link_base`
DEFAULT_RESET_LINK_BASE = "http://127.0.0.1:8000/password-reset"


@attrs.frozen(kw_only=True)
class RequestPasswordReset(Command):
    """Email a single-use link for setting a new password to the user with this email, if there is one."""

    email: str
    source_address: str | None = None


@attrs.frozen(kw_only=True)
class ResetPassword(Command):
    """Set a new password with the secret of an emailed link."""

    token: str = attrs.field(repr=False)
    new_password: str = attrs.field(repr=False)
    source_address: str | None = None


@handles(RequestPasswordReset, public=True)
def request_password_reset(cmd: RequestPasswordReset, *, actor: Actor | None, uow: UnitOfWork, clock: Clock,
                           mailer: Mailer, reset_link_base: str | None = None) -> None:
    """Nothing is returned either way: an unknown or blocked account gets no email and the same answer."""
    now = clock.now()
    email = (cmd.email or "").strip().lower()
    address = _address(cmd.source_address)
    with uow:
        if actor is None:  # a visitor (the web); OMK staff sending a link from the CLI are not throttled by address
            _count(uow, AttemptScope.RESET_ADDRESS, address, RESETS_PER_ADDRESS, now, refuse=True)
        user = uow.users.by_email(email) if email else None
        if user is None or user.blocked:
            uow.audit.record(_entry(audit.PASSWORD_RESET_REQUESTED, user=user, target_id=email or None, now=now,
                                    source=address, detail={"sent": False}))
            uow.commit()
            return
        wait = _count(uow, AttemptScope.RESET_EMAIL, email, RESETS_PER_EMAIL, now, refuse=False)
        if wait:
            if actor is not None:  # OMK staff know the account exists: they are told why nothing was sent
                raise ResetLinksExhausted(seconds_left=wait)
            uow.audit.record(_entry(audit.PASSWORD_RESET_REQUESTED, user=user, now=now, source=address,
                                    detail={"sent": False, "throttled": True}))
            uow.commit()  # the same answer as a sent link: the person behind the form learns nothing
            return
        reset, secret = PasswordReset.issue(user_id=user.id, now=now)
        uow.password_resets.add(reset)
        link = f"{(reset_link_base or DEFAULT_RESET_LINK_BASE).rstrip('/')}?token={secret}"
        minutes = int((reset.expires_at - now) / timedelta(minutes=1))
        mailer.send(EmailMessage(to=user.email, subject="Смена пароля", text=(
            "Чтобы задать новый пароль в ОМК Цифровые сервисы, откройте ссылку:\n\n"
            f"{link}\n\nСсылка действует {minutes} мин. и работает один раз. "
            "Если вы не запрашивали смену пароля, просто удалите это письмо.")))
        uow.audit.record(_entry(audit.PASSWORD_RESET_REQUESTED, user=user, now=now, source=address,
                                detail={"sent": True, "reset_id": reset.id}))
        uow.commit()


def _count(uow: UnitOfWork, scope: AttemptScope, key: str, quota: RequestQuota, now: datetime, *,
           refuse: bool) -> int:
    """Count one more request of `key` against `quota` and return 0; when the quota is used up return
    the seconds until it frees (or, with `refuse`, raise TooManyResetRequests) — and count nothing."""
    recent = [a.at for a in uow.signin_attempts.since(scope, key, now - quota.window)
              if a.kind is AttemptKind.REQUEST]
    left = quota.seconds_until_free(recent, now)
    if left:
        if refuse:
            raise TooManyResetRequests(seconds_left=left)
        return left
    uow.signin_attempts.record(SignInAttempt(scope=scope, key=key, kind=AttemptKind.REQUEST, at=now))
    return 0


@handles(ResetPassword, public=True)
def reset_password(cmd: ResetPassword, *, actor: Actor | None, uow: UnitOfWork, clock: Clock,
                   password_hasher: PasswordHasher, password_policy: PasswordPolicy | None = None) -> int:
    """Check the policy, set the Argon2 hash, spend the link, end every session; return how many ended.

    An unknown, used or expired link, or a blocked user: ResetLinkInvalid. A password the policy refuses
    leaves the link unspent."""
    now = clock.now()
    with uow:
        reset = uow.password_resets.by_token_hash(hash_token(cmd.token or ""))
        if reset is None or reset.used_at is not None or now >= reset.expires_at:
            raise ResetLinkInvalid()
        user = uow.users.get(reset.user_id)
        if user.blocked:
            raise ResetLinkInvalid()
        (password_policy or PasswordPolicy()).check(cmd.new_password, email=user.email, full_name=user.full_name)
        reset.use(now)
        uow.password_resets.save(reset)
        user.password_hash = password_hasher.hash(cmd.new_password)
        ended = 0
        for session in uow.sessions.of_user(user.id):
            if session.revoke(now):
                uow.sessions.save(session)
                ended += 1
        uow.audit.record(_entry(audit.PASSWORD_RESET, user=user, now=now, source=_address(cmd.source_address),
                                detail={"reset_id": reset.id, "sessions_ended": ended}))
        uow.commit()
    return ended

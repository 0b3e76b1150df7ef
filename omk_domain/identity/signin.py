"""Sign-in: the challenge a one-time code answers, server-side sessions and the brute-force throttle.

A session token exists in clear only in the answer to the person who signed in; the store keeps
its SHA-256. A challenge keeps its code only as the salted hash of `otp.OneTimeCode`.
"""

from __future__ import annotations

import enum
import hashlib
import math
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from omk_domain.identity.otp import OneTimeCode
from omk_domain.shared.clock import ensure_utc
from omk_domain.shared.errors import DomainError, Forbidden, InvalidValue, NotFound, TooManyRequests
from omk_domain.shared.ids import new_id

SESSION_IDLE = timedelta(minutes=30)
SESSION_ABSOLUTE = timedelta(hours=12)
#: failures of one account (by email, known or not) in the window that lock it for `lockout`
ACCOUNT_FAILURES = 5
#: failures from one source address in the window that throttle it for `lockout`
ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)


class Unauthenticated(DomainError):
    """Base of the sign-in refusals: the person is not (or no longer) signed in."""

    code = "unauthenticated"
    message_ru = "Требуется вход."
    kind = "forbidden"


class WrongEmailOrPassword(Unauthenticated):
    """The same answer for an unknown email, a wrong password and a user without a password."""

    code = "wrong_email_or_password"
    message_ru = "Неверный адрес электронной почты или пароль."


class AccountBlocked(Forbidden):
    code = "account_blocked"
    message_ru = "Учётная запись заблокирована. Обратитесь к администратору."


class ChallengeNotFound(NotFound):
    code = "signin_challenge_not_found"
    message_ru = "Вход не начат или устарел. Введите адрес и пароль снова."


class AccountTemporarilyLocked(TooManyRequests):
    code = "account_temporarily_locked"
    message_ru = "Слишком много неудачных попыток входа: учётная запись временно заблокирована."


class TooManyAttemptsFromAddress(TooManyRequests):
    code = "too_many_attempts_from_address"
    message_ru = "Слишком много неудачных попыток входа с этого адреса."


class SessionInvalid(Unauthenticated):
    """Unknown, revoked or expired: one answer, so a probe learns nothing about a token."""

    code = "session_invalid"
    message_ru = "Сеанс завершён или истёк. Войдите снова."


def hash_token(token: str) -> str:
    """What the store keeps of a session token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh session token: 256 bits from `secrets`."""
    return secrets.token_urlsafe(32)


class Channel(enum.Enum):
    """Where the challenge's code went; APP: nowhere — it is answered from the authenticator app (or a
    recovery code), and its record keeps only the lifetime, the attempts and the single use."""

    SMS = "sms"
    EMAIL = "email"
    APP = "app"


class SecondFactor(enum.Enum):
    """How a person answers the second step of a sign-in."""

    #: the one-time code sent by SMS (when the user has a phone) or email
    CODE = "code"
    #: the current code of the authenticator app (TOTP)
    APP = "app"
    #: one of the recovery codes shown when the app was enrolled
    RECOVERY = "recovery"

    @property
    def label_ru(self) -> str:
        return {"code": "код из SMS или письма", "app": "код из приложения-аутентификатора",
                "recovery": "резервный код"}[self.value]


class SecondFactorUnavailable(InvalidValue):
    code = "second_factor_unavailable"
    message_ru = "Этот способ подтверждения входа недоступен для учётной записи."


@attrs.define(kw_only=True)
class SignInChallenge:
    """The second step of a sign-in: a code sent to the user, answered once with `CompleteSignIn`."""

    user_id: str
    channel: Channel
    code: OneTimeCode
    source: str | None = None

    @property
    def id(self) -> str:
        return self.code.id


@attrs.define(kw_only=True)
class UserSession:
    """A server-side session: revocable, with an idle and an absolute timeout."""

    id: str
    token_hash: str = attrs.field(repr=False, metadata={"secret": True})
    user_id: str
    organization_id: str | None
    created_at: datetime = attrs.field(converter=ensure_utc)
    last_seen_at: datetime = attrs.field(converter=ensure_utc)
    idle_timeout: timedelta = SESSION_IDLE
    absolute_timeout: timedelta = SESSION_ABSOLUTE
    source: str | None = None
    revoked_at: datetime | None = None

    @classmethod
    def start(cls, *, user_id: str, organization_id: str | None, now: datetime, source: str | None,
              idle_timeout: timedelta = SESSION_IDLE,
              absolute_timeout: timedelta = SESSION_ABSOLUTE) -> tuple[UserSession, str]:
        """A new session and its token in clear (to hand to the person once)."""
        token = new_token()
        return cls(id=new_id(), token_hash=hash_token(token), user_id=user_id, organization_id=organization_id,
                   created_at=now, last_seen_at=now, idle_timeout=idle_timeout,
                   absolute_timeout=absolute_timeout, source=source), token

    def expires_at(self) -> datetime:
        return min(self.last_seen_at + self.idle_timeout, self.created_at + self.absolute_timeout)

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and ensure_utc(now) < self.expires_at()

    def touch(self, now: datetime) -> None:
        """Seen now: refuse (SessionInvalid) a revoked or expired session, else push the idle timeout."""
        if not self.is_active(now):
            raise SessionInvalid()
        self.last_seen_at = ensure_utc(now)

    def revoke(self, now: datetime) -> bool:
        """End the session; False when it had already ended."""
        if self.revoked_at is not None:
            return False
        self.revoked_at = ensure_utc(now)
        return True


class AttemptScope(enum.Enum):
    ACCOUNT = "account"
    ADDRESS = "address"
    RESET_EMAIL = "reset_mail"  # password-reset links asked for one email (see identity/reset.py)
    RESET_ADDRESS = "reset_addr"  # password-reset requests from one source address


class AttemptKind(enum.Enum):
    FAILURE = "failure"
    LOCK = "lock"
    REQUEST = "request"  # a request counted against a quota (password-reset links)


@attrs.frozen(kw_only=True)
class SignInAttempt:
    """A failed password or code, or the lock it triggered, for one account (email) or one address."""

    scope: AttemptScope
    key: str
    kind: AttemptKind
    at: datetime = attrs.field(converter=ensure_utc)
    id: str = attrs.field(factory=new_id)


@attrs.frozen(kw_only=True)
class ThrottleRule:
    """`limit` failures within `window` lock the key for `lockout`; counting starts over after a lock."""

    limit: int
    window: timedelta = WINDOW
    lockout: timedelta = LOCKOUT

    def seconds_locked(self, recent: Sequence[SignInAttempt], now: datetime) -> int:
        """Seconds the key stays locked (0: not locked), from its attempts of the last window or lockout."""
        now = ensure_utc(now)
        locks = [a.at for a in recent if a.kind is AttemptKind.LOCK]
        if not locks:
            return 0
        left = (max(locks) + self.lockout - now).total_seconds()
        return max(0, math.ceil(left))

    def should_lock(self, recent: Sequence[SignInAttempt], now: datetime) -> bool:
        """After a new failure: do the failures since the window began (and since the last lock) reach the limit?"""
        now = ensure_utc(now)
        locks = [a.at for a in recent if a.kind is AttemptKind.LOCK]
        last_lock = max(locks) if locks else None
        failures = [a for a in recent if a.kind is AttemptKind.FAILURE and a.at >= now - self.window
                    and (last_lock is None or a.at > last_lock)]
        return len(failures) >= self.limit

    @property
    def lookback(self) -> timedelta:
        return max(self.window, self.lockout)


ACCOUNT_RULE = ThrottleRule(limit=ACCOUNT_FAILURES)
ADDRESS_RULE = ThrottleRule(limit=ADDRESS_FAILURES)


@attrs.frozen(kw_only=True)
class SessionTimeouts:
    """How long a session lives without use (idle) and at most (absolute); from settings."""

    idle: timedelta = SESSION_IDLE
    absolute: timedelta = SESSION_ABSOLUTE

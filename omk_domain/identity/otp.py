"""One-time codes (sent by SMS or email) and recovery codes, kept only as salted hashes; the
authenticator-app credential (TOTP) with its replay guard.

A code in clear exists twice: when it is made (to be sent) and when a person types it back.
The record keeps an HMAC-SHA256 of it under a random per-code salt, bound to the purpose and
the recipient, and compares with `hmac.compare_digest`.

Why a short code is safe despite being hashable offline: a six-digit code has a million values,
so the hash alone does not hide it from someone who stole the table; what protects it is that
it lives five minutes, allows five attempts and works once.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from omk_domain.shared.clock import ensure_utc
from omk_domain.shared.errors import Conflict, DomainError, Forbidden, InvalidValue
from omk_domain.shared.ids import new_id

__all__ = [
    "CODE_ATTEMPTS",
    "CODE_TTL",
    "RECOVERY_CODE_COUNT",
    "RESEND_COOLDOWN",
    "CodeAlreadyUsed",
    "CodeAttemptsExhausted",
    "CodeExpired",
    "CodePurpose",
    "CodeResendTooSoon",
    "CodeWrong",
    "CurrentPasswordWrong",
    "OneTimeCode",
    "RecoveryCode",
    "RecoveryCodeAlreadyUsed",
    "RecoveryCodeWrong",
    "RecoveryCodes",
    "TotpCodeReplayed",
    "TotpCodeWrong",
    "TotpCredential",
    "TwoFactorAlreadyEnabled",
    "TwoFactorConfirmationRequired",
    "TwoFactorEnrolmentNotStarted",
    "TwoFactorNotEnabled",
    "check_resend",
    "new_recovery_code",
]

CODE_TTL = timedelta(minutes=5)
CODE_ATTEMPTS = 5
RESEND_COOLDOWN = timedelta(seconds=60)
RECOVERY_CODE_COUNT = 10
#: 32 letters and digits without the look-alikes 0/O, 1/I/L: 5 bits each, 10 characters = 50 bits
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECOVERY_CODE_LENGTH = 10


class CodePurpose(enum.Enum):
    """What a one-time code proves; a code made for one purpose never passes for another."""

    SIGN_IN = "sign_in"
    VERIFY_EMAIL = "verify_email"
    VERIFY_PHONE = "verify_phone"
    RESET_PASSWORD = "reset_password"
    CHANGE_EMAIL = "change_email"

    @property
    def label_ru(self) -> str:
        return {"sign_in": "вход", "verify_email": "подтверждение почты", "verify_phone": "подтверждение телефона",
                "reset_password": "восстановление пароля", "change_email": "смена адреса почты"}[self.value]


class CodeWrong(InvalidValue):
    code = "code_wrong"
    message_ru = "Код неверный."


class CodeExpired(InvalidValue):
    code = "code_expired"
    message_ru = "Срок действия кода истёк. Запросите новый код."


class CodeAlreadyUsed(Conflict):
    code = "code_already_used"
    message_ru = "Этот код уже использован. Запросите новый код."


class CodeAttemptsExhausted(Forbidden):
    code = "code_attempts_exhausted"
    message_ru = "Попытки ввода кода исчерпаны. Запросите новый код."


class CodeResendTooSoon(Conflict):
    code = "code_resend_too_soon"
    message_ru = "Новый код можно запросить чуть позже."


class RecoveryCodeWrong(InvalidValue):
    code = "recovery_code_wrong"
    message_ru = "Резервный код неверный."


class RecoveryCodeAlreadyUsed(Conflict):
    code = "recovery_code_already_used"
    message_ru = "Этот резервный код уже использован; каждый действует один раз."


def _digest(salt: bytes, *parts: str) -> str:
    return hmac.new(salt, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


def _typed_code(code: str) -> str:
    """What a person typed, without the spaces and dashes phones and mail clients add."""
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


@attrs.define(kw_only=True)
class OneTimeCode:
    """A code issued for one purpose to one recipient: short-lived, limited attempts, single use.

    `verify` changes the record before it raises (an attempt is spent even when wrong), so the
    caller keeps the record whatever the outcome.
    """

    purpose: CodePurpose
    #: a normalised email address or phone number
    recipient: str
    issued_at: datetime = attrs.field(converter=ensure_utc)
    expires_at: datetime = attrs.field(converter=ensure_utc)
    attempts_left: int
    salt: str = attrs.field(repr=False)
    code_hash: str = attrs.field(repr=False)
    used_at: datetime | None = None
    id: str = attrs.field(factory=new_id)

    @classmethod
    def issue(cls, *, purpose: CodePurpose, recipient: str, code: str, now: datetime,
              ttl: timedelta = CODE_TTL, attempts: int = CODE_ATTEMPTS, salt: bytes | None = None) -> OneTimeCode:
        """Record a freshly generated code; the code itself is not kept."""
        if ttl <= timedelta(0) or attempts < 1:
            raise ValueError("a code needs a positive lifetime and at least one attempt")
        salt = salt if salt is not None else secrets.token_bytes(16)
        now = ensure_utc(now)
        return cls(purpose=purpose, recipient=recipient, issued_at=now, expires_at=now + ttl,
                   attempts_left=attempts, salt=salt.hex(),
                   code_hash=_digest(salt, purpose.value, recipient, _typed_code(code)))

    def is_expired(self, now: datetime) -> bool:
        """Expired from `expires_at` on, inclusive."""
        return ensure_utc(now) >= self.expires_at

    def matches(self, code: str) -> bool:
        """Whether `code` is this code, in constant time; changes nothing."""
        candidate = _digest(bytes.fromhex(self.salt), self.purpose.value, self.recipient, _typed_code(code))
        return hmac.compare_digest(candidate, self.code_hash)

    def verify(self, code: str, now: datetime) -> None:
        """Accept the code once, or raise why not. A wrong code spends an attempt; the last one exhausts them."""
        self.settle(self.matches(code), now)

    def ensure_open(self, now: datetime) -> None:
        """Raise why this record takes no answer any more: used, out of attempts or expired."""
        if self.used_at is not None:
            raise CodeAlreadyUsed()
        if self.attempts_left <= 0:
            raise CodeAttemptsExhausted()
        if self.is_expired(now):
            raise CodeExpired()

    def settle(self, correct: bool, now: datetime, *,
               wrong: Callable[[int], DomainError] | None = None) -> None:
        """Take an answer checked elsewhere (an authenticator code, a recovery code) under this record's
        lifetime, attempts and single use: a wrong one spends an attempt and raises `wrong(attempts_left)`
        (CodeWrong by default); the last one exhausts them."""
        now = ensure_utc(now)
        self.ensure_open(now)
        if not correct:
            self.attempts_left -= 1
            if self.attempts_left == 0:
                raise CodeAttemptsExhausted()
            if wrong is not None:
                raise wrong(self.attempts_left)
            raise CodeWrong(f"Осталось попыток: {self.attempts_left}.", attempts_left=self.attempts_left)
        self.used_at = now

    def resend_allowed_at(self, cooldown: timedelta = RESEND_COOLDOWN) -> datetime:
        return self.issued_at + cooldown


def check_resend(last: OneTimeCode | None, now: datetime, cooldown: timedelta = RESEND_COOLDOWN) -> None:
    """Allow a new code for the same purpose and recipient once `cooldown` has passed since the last one."""
    if last is None:
        return
    wait = (last.resend_allowed_at(cooldown) - ensure_utc(now)).total_seconds()
    if wait > 0:
        seconds = math.ceil(wait)
        raise CodeResendTooSoon(f"Подождите {seconds} с.", seconds_left=seconds)


def new_recovery_code() -> str:
    """A random recovery code, shown as «ABCDE-FGHJK»: 50 bits from `secrets`."""
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    half = RECOVERY_CODE_LENGTH // 2
    return f"{chars[:half]}-{chars[half:]}"


def _recovery_typed(code: str) -> str:
    return _typed_code(code).upper()


@attrs.define(kw_only=True)
class RecoveryCode:
    """One stored recovery code: its hash, and when it was used."""

    code_hash: str = attrs.field(repr=False)
    used_at: datetime | None = None


@attrs.define(kw_only=True)
class RecoveryCodes:
    """A user's set of one-time recovery codes; only hashes are kept, each code works once."""

    generated_at: datetime = attrs.field(converter=ensure_utc)
    salt: str = attrs.field(repr=False)
    codes: list[RecoveryCode]

    @classmethod
    def generate(cls, *, now: datetime, count: int = RECOVERY_CODE_COUNT,
                 salt: bytes | None = None) -> tuple[RecoveryCodes, list[str]]:
        """A new set and its codes in clear — to be shown once and then forgotten."""
        if count < 1:
            raise ValueError("at least one recovery code")
        salt = salt if salt is not None else secrets.token_bytes(16)
        clear: list[str] = []
        while len(clear) < count:
            code = new_recovery_code()
            if code not in clear:
                clear.append(code)
        stored = [RecoveryCode(code_hash=_digest(salt, "recovery", _recovery_typed(c))) for c in clear]
        return cls(generated_at=now, salt=salt.hex(), codes=stored), clear

    @property
    def remaining(self) -> int:
        return sum(1 for c in self.codes if c.used_at is None)

    def consume(self, code: str, now: datetime) -> int:
        """Spend one recovery code and return its position, or raise RecoveryCodeWrong / RecoveryCodeAlreadyUsed."""
        candidate = _digest(bytes.fromhex(self.salt), "recovery", _recovery_typed(code))
        found: int | None = None
        for position, stored in enumerate(self.codes):  # all compared: the time taken does not tell which
            if hmac.compare_digest(candidate, stored.code_hash):
                found = position
        if found is None:
            raise RecoveryCodeWrong()
        if self.codes[found].used_at is not None:
            raise RecoveryCodeAlreadyUsed()
        self.codes[found].used_at = ensure_utc(now)
        return found


class TotpCodeWrong(InvalidValue):
    code = "totp_code_wrong"
    message_ru = "Код из приложения-аутентификатора неверный."


class TotpCodeReplayed(Conflict):
    code = "totp_code_replayed"
    message_ru = "Этот код из приложения уже использован. Дождитесь следующего кода."


class TwoFactorAlreadyEnabled(Conflict):
    code = "two_factor_already_enabled"
    message_ru = "Приложение-аутентификатор уже подключено. Чтобы подключить другое, сначала отключите его."


class TwoFactorNotEnabled(Conflict):
    code = "two_factor_not_enabled"
    message_ru = "Приложение-аутентификатор не подключено."


class TwoFactorEnrolmentNotStarted(Conflict):
    code = "two_factor_enrolment_not_started"
    message_ru = "Подключение приложения не начато. Начните его снова и отсканируйте QR-код."


class TwoFactorConfirmationRequired(InvalidValue):
    code = "two_factor_confirmation_required"
    message_ru = "Подтвердите действие текущим кодом из приложения или паролем."


class CurrentPasswordWrong(InvalidValue):
    code = "current_password_wrong"
    message_ru = "Пароль неверный."


@attrs.define(kw_only=True)
class TotpCredential:
    """A user's authenticator app: the shared secret (readable, a code is computed from it — never shown
    again after enrolment, never logged) and the last time step accepted, so a code works once.

    Pending until confirmed with a first valid code; only an active credential answers a sign-in.
    """

    user_id: str
    secret: str = attrs.field(repr=False, metadata={"secret": True})
    created_at: datetime = attrs.field(converter=ensure_utc)
    confirmed_at: datetime | None = None
    last_used_step: int | None = None

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None

    def fresh(self, step: int | None) -> bool:
        """Whether a matched time step may still be used: later than the last one accepted."""
        return step is not None and (self.last_used_step is None or step > self.last_used_step)

    def accept(self, step: int | None) -> None:
        """Use the code of time `step` (None: the code matched no step): TotpCodeWrong, TotpCodeReplayed for
        this or an earlier step already used."""
        if step is None:
            raise TotpCodeWrong()
        if not self.fresh(step):
            raise TotpCodeReplayed()
        self.last_used_step = step

    def confirm(self, step: int | None, now: datetime) -> None:
        """Activate with the first valid code."""
        if self.active:
            raise TwoFactorAlreadyEnabled()
        self.accept(step)
        self.confirmed_at = ensure_utc(now)

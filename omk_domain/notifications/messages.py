"""Email and SMS messages as frozen values, validated when made, and the errors of their delivery.

An address or a phone number that reaches a Mailer or an SmsSender is already normalised: the
adapters never see a malformed recipient, a multi-line subject or an empty text.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import attrs

from omk_domain.identity.model import EmailInvalid
from omk_domain.shared.errors import DomainError, InvalidValue

__all__ = [
    "DeliveryFailed",
    "EmailInvalid",
    "EmailMessage",
    "EmailSubjectInvalid",
    "MessageTextMissing",
    "PhoneInvalid",
    "RecipientRefused",
    "SmsMessage",
    "SmsTextTooLong",
    "normalize_email",
    "normalize_phone",
]

EMAIL_MAX = 254  # RFC 5321: a forward path is at most 256 octets including the angle brackets
SUBJECT_MAX = 200
SMS_TEXT_MAX = 536  # 8 concatenated SMS parts of 67 Cyrillic characters: the longest a gateway takes


class PhoneInvalid(InvalidValue):
    code = "phone_invalid"
    message_ru = ("Номер телефона указан неверно: нужен российский номер (+7 912 345-67-89, 8 912 345-67-89) "
                  "или международный в формате +<код страны><номер>.")


class EmailSubjectInvalid(InvalidValue):
    code = "email_subject_invalid"
    message_ru = f"Тема письма обязательна, пишется в одну строку и не длиннее {SUBJECT_MAX} символов."


class MessageTextMissing(InvalidValue):
    code = "message_text_missing"
    message_ru = "Текст сообщения обязателен."


class SmsTextTooLong(InvalidValue):
    code = "sms_text_too_long"
    message_ru = f"Текст SMS не длиннее {SMS_TEXT_MAX} символов."


class DeliveryFailed(DomainError):
    """The mail server or the SMS gateway refused the message or could not be reached; nothing was sent.

    `transport` names the service ("smtp", "sms.ru", "local-folder"); `gateway_code` is the
    service's own code when it gave one (an SMTP reply code, an SMS.ru status code); `reason` is
    the technical explanation for operators: in `str()` (logs, tracebacks) but not in `as_dict()`,
    which API clients see, since it names servers. None of them ever carries a password or an API key.
    """

    code = "delivery_failed"
    message_ru = "Не удалось отправить сообщение: служба доставки недоступна, попробуйте позже."
    #: like HTTP 503: the request was fine, the service behind it is not available now
    kind: ClassVar[str] = "unavailable"

    def __init__(self, reason: str, *, transport: str, gateway_code: str | int | None = None,
                 **context: Any) -> None:
        self.reason = reason
        self.transport = transport
        self.gateway_code = None if gateway_code is None else str(gateway_code)
        super().__init__(None, transport=transport,
                         **({"gateway_code": self.gateway_code} if self.gateway_code else {}), **context)

    def user_message(self) -> str:
        where = f"{self.transport}, код {self.gateway_code}" if self.gateway_code else self.transport
        return f"{self.message_ru} ({where})"

    def __str__(self) -> str:
        """The person's message and the technical reason (for logs and tracebacks; never a secret)."""
        return f"{self.user_message()} — {self.reason}"


class RecipientRefused(DeliveryFailed):
    """The service refused this recipient for good (no such mailbox, a number it cannot reach)."""

    code = "recipient_refused"
    message_ru = "Служба доставки отклонила получателя: проверьте адрес электронной почты или номер телефона."
    kind: ClassVar[str] = "invalid"


# --- email addresses ----------------------------------------------------------------------------

# RFC 5322 dot-atom local part (ASCII only: not every mail server speaks SMTPUTF8)
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# a host name label: letters (Cyrillic ones too, for .рф domains), digits, inner hyphens
_LABEL = re.compile(r"[^\W_](?:[\w-]{0,61}[^\W_])?")


def normalize_email(value: str) -> str:
    """The address trimmed, its domain in lower case; EmailInvalid unless it is one plain addr-spec.

    Refuses display names, lists, comments, quoted local parts and anything carrying a line break,
    so an address can never smuggle another header or a second recipient into a message.
    """
    address = (value or "").strip() if isinstance(value, str) else ""
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    if (not at or len(address) > EMAIL_MAX or len(local) > 64 or not _LOCAL.fullmatch(local)
            or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels)
            or labels[-1].isdigit()):
        raise EmailInvalid(value=value)
    return f"{local}@{domain.lower()}"


# --- phone numbers ------------------------------------------------------------------------------

_PHONE_CHARS = re.compile(r"\+?[0-9 \t\u00a0().-]+")


def normalize_phone(value: str) -> str:
    """The number in E.164 ("+79123456789"); PhoneInvalid when it is not a dialable number.

    Russian numbers are accepted as people write them: "+7 (912) 345-67-89", "8 912 345 67 89",
    "79123456789" and "912 345 67 89" (ten digits starting with 9, a mobile number without the
    trunk prefix). Any other country must be given in international form with the leading "+".
    """
    text = value.strip() if isinstance(value, str) else ""
    if not _PHONE_CHARS.fullmatch(text) or text.count("(") != text.count(")"):
        raise PhoneInvalid(value=value)
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        if digits.startswith("7"):
            if len(digits) != 11:
                raise PhoneInvalid(value=value)
        elif not 8 <= len(digits) <= 15 or digits.startswith("0"):  # E.164: at most 15 digits
            raise PhoneInvalid(value=value)
        return "+" + digits
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits.startswith("9"):
        return "+7" + digits
    raise PhoneInvalid(value=value)


# --- messages -----------------------------------------------------------------------------------

def _optional_email(value: str | None) -> str | None:
    return None if value is None else normalize_email(value)


def _subject(value: str) -> str:
    subject = value.strip() if isinstance(value, str) else ""
    if not subject or len(subject) > SUBJECT_MAX or any(c in subject for c in "\r\n\x00"):
        raise EmailSubjectInvalid(value=value)
    return subject


def _text(value: str) -> str:
    """Line breaks as "\n", none at the end (MIME adds the final one, so it could not round-trip)."""
    if not isinstance(value, str) or not value.strip():
        raise MessageTextMissing()
    return value.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")


def _optional_text(value: str | None) -> str | None:
    return None if value is None else _text(value)


def _sms_text(value: str) -> str:
    text = _text(value).strip()
    if len(text) > SMS_TEXT_MAX:
        raise SmsTextTooLong(length=len(text))
    return text


@attrs.frozen(kw_only=True)
class EmailMessage:
    """One email to one person: a plain-text body, optionally an HTML alternative and a Reply-To."""

    to: str = attrs.field(converter=normalize_email)
    subject: str = attrs.field(converter=_subject)
    text: str = attrs.field(converter=_text)
    html: str | None = attrs.field(default=None, converter=_optional_text)
    reply_to: str | None = attrs.field(default=None, converter=_optional_email)


@attrs.frozen(kw_only=True)
class SmsMessage:
    """One SMS to one phone number, kept in E.164."""

    to: str = attrs.field(converter=normalize_phone)
    text: str = attrs.field(converter=_sms_text)

"""The password policy: what a new password must be, each refusal explained in Russian.

The policy sees a password only while checking it; it is never kept, logged or put in an error.
Hashing lives behind the `PasswordHasher` port (Argon2id in `omk_adapters.security`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import ClassVar

import attrs

from omk_domain.shared.errors import InvalidValue

__all__ = [
    "PasswordContainsEmail",
    "PasswordContainsName",
    "PasswordPolicy",
    "PasswordRefused",
    "PasswordTooLong",
    "PasswordTooShort",
    "PasswordTooSimple",
    "normalize_password",
]

#: shorter pieces of an email or a name are too common to forbid (ivan, ООО, ru)
_PERSONAL_PIECE_MIN = 4

#: the handful of passwords every guessing list starts with, in both keyboard layouts
_COMMON = frozenset({
    "password", "password1", "password123", "qwerty", "qwerty123", "qwertyuiop", "1q2w3e4r5t",
    "1qaz2wsx3edc", "iloveyou", "admin", "administrator", "letmein", "welcome", "пароль", "пароль123",
    "йцукен", "йцукенгшщз", "qwerty12345", "zaq12wsx", "1234567890", "0987654321",
})


def normalize_password(password: str) -> str:
    """The canonical form hashed and checked: NFKC, so «й» typed on any keyboard is the same password."""
    return unicodedata.normalize("NFKC", password)


class PasswordRefused(InvalidValue):
    """A new password does not meet the policy; nothing was changed."""

    code = "password_refused"
    message_ru = "Пароль не подходит."


class PasswordTooShort(PasswordRefused):
    code = "password_too_short"
    message_ru = "Пароль слишком короткий."


class PasswordTooLong(PasswordRefused):
    code = "password_too_long"
    message_ru = "Пароль слишком длинный."


class PasswordTooSimple(PasswordRefused):
    code = "password_too_simple"
    message_ru = "Пароль слишком простой."


class PasswordContainsEmail(PasswordRefused):
    code = "password_contains_email"
    message_ru = "Пароль не должен содержать адрес электронной почты или его часть до «@»."


class PasswordContainsName(PasswordRefused):
    code = "password_contains_name"
    message_ru = "Пароль не должен содержать ваше имя или фамилию."


def _classes(password: str) -> set[str]:
    """Which character classes occur: lower- and upper-case letters (any alphabet), digits, others."""
    found: set[str] = set()
    for ch in password:
        if ch.isdigit():
            found.add("digit")
        elif ch.isalpha():
            found.add("upper" if ch.isupper() else "lower")
        else:
            found.add("other")
    return found


def _folded(text: str) -> str:
    return normalize_password(text).casefold()


@attrs.frozen(kw_only=True)
class PasswordPolicy:
    """What a new password must be. Length counts characters, so a Cyrillic password is no shorter."""

    min_length: int = attrs.field(default=10, validator=attrs.validators.ge(1))
    max_length: int = attrs.field(default=128)
    #: of lower-case letters, upper-case letters, digits, other characters (spaces, punctuation)
    min_character_classes: int = attrs.field(default=2, validator=[attrs.validators.ge(1),
                                                                    attrs.validators.le(4)])
    min_distinct_characters: int = 5

    CLASSES_RU: ClassVar[str] = "строчные буквы, заглавные буквы, цифры, другие символы"

    @max_length.validator
    def _max_not_below_min(self, _attribute: object, value: int) -> None:
        if value < self.min_length:
            raise ValueError("max_length must not be below min_length")

    def check(self, password: str, *, email: str | None = None, full_name: str | None = None) -> None:
        """Return if the password may be set; otherwise raise the PasswordRefused that says why."""
        password = normalize_password(password)
        length = len(password)
        if length < self.min_length:
            raise PasswordTooShort(f"Нужно не меньше {self.min_length} символов.", min_length=self.min_length)
        if length > self.max_length:
            raise PasswordTooLong(f"Можно не больше {self.max_length} символов.", max_length=self.max_length)
        if len(_classes(password)) < self.min_character_classes:
            raise PasswordTooSimple(
                f"Используйте хотя бы {self.min_character_classes} вида символов из четырёх: {self.CLASSES_RU}.",
                reason="character_classes")
        if len(set(password)) < self.min_distinct_characters:
            raise PasswordTooSimple(
                f"В пароле должно быть хотя бы {self.min_distinct_characters} разных символов.",
                reason="repeated_characters")
        folded = password.casefold()
        if folded in _COMMON or _is_sequence(folded):
            raise PasswordTooSimple("Такой пароль подбирают первым: он есть во всех словарях.",
                                    reason="common")
        if email:
            address = _folded(email.strip())
            local = address.split("@", 1)[0]
            if address in folded or (len(local) >= _PERSONAL_PIECE_MIN and local in folded):
                raise PasswordContainsEmail()
        if full_name:
            pieces = [p for p in re.split(r"[\s\-.,]+", _folded(full_name)) if len(p) >= _PERSONAL_PIECE_MIN]
            if any(p in folded for p in pieces):
                raise PasswordContainsName()


def _is_sequence(folded: str) -> bool:
    """A run of consecutive code points going up or down («1234567890», «abcdefghij»)."""
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(folded)}
    return steps in ({1}, {-1})

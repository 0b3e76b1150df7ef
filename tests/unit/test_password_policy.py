"""The password policy: each refusal says why in Russian, and a good password — Cyrillic too — passes."""

from __future__ import annotations

import pytest

from omk_domain.identity.passwords import (
    PasswordContainsEmail,
    PasswordContainsName,
    PasswordPolicy,
    PasswordRefused,
    PasswordTooLong,
    PasswordTooShort,
    PasswordTooSimple,
    normalize_password,
)
from omk_domain.shared.errors import DomainError

pytestmark = pytest.mark.unit

POLICY = PasswordPolicy()
EMAIL = "ivan.petrov@omk-client.ru"
NAME = "Петров Иван Сергеевич"


def check(password: str) -> None:
    POLICY.check(password, email=EMAIL, full_name=NAME)


@pytest.mark.parametrize("password", [
    "Трубы-стальные-2026",
    "зимний вечер у камина",
    "Correct horse 7",
    "ёжик в тумане 1975",
    "Стальная труба 1420 мм; " * 5,
])
def test_a_good_password_is_accepted_whatever_the_alphabet(password: str) -> None:
    check(password)


def test_a_password_shorter_than_ten_characters_is_too_short() -> None:
    with pytest.raises(PasswordTooShort) as refused:
        check("Пароль-1")
    assert refused.value.code == "password_too_short"
    assert "не меньше 10 символов" in refused.value.user_message()


def test_ten_cyrillic_characters_are_long_enough_although_they_take_twenty_bytes() -> None:
    check("Сталь Трубы")  # 11 characters, 21 bytes
    with pytest.raises(PasswordTooShort):
        check("Сталь-123")  # 9 characters


def test_a_password_longer_than_128_characters_is_too_long() -> None:
    long_enough = ("Стальная труба 1420 мм; " * 6)[:128]
    check(long_enough)
    with pytest.raises(PasswordTooLong) as refused:
        check(long_enough + "!")
    assert "не больше 128 символов" in refused.value.user_message()


@pytest.mark.parametrize("password", ["abcdefghijkl", "ПАРОЛЬПАРОЛЬ", "492817365019", "!!!...,,,???"])
def test_a_password_of_one_character_class_is_too_simple(password: str) -> None:
    with pytest.raises(PasswordTooSimple) as refused:
        check(password)
    assert refused.value.context["reason"] == "character_classes"
    assert "хотя бы 2 вида символов" in refused.value.user_message()


def test_a_password_repeating_few_characters_is_too_simple() -> None:
    with pytest.raises(PasswordTooSimple) as refused:
        check("aaaa1111aaaa")
    assert refused.value.context["reason"] == "repeated_characters"


@pytest.mark.parametrize("password", ["Password123", "QWERTY12345", "Йцукенгшщз", "ПАРОЛЬ123"])
def test_a_password_from_every_guessing_list_is_too_simple(password: str) -> None:
    with pytest.raises(PasswordTooSimple) as refused:
        PasswordPolicy(min_length=8).check(password)
    assert refused.value.context["reason"] == "common"


def test_a_password_containing_the_email_or_its_local_part_is_refused() -> None:
    with pytest.raises(PasswordContainsEmail) as refused:
        check("IVAN.PETROV-2026")
    assert refused.value.code == "password_contains_email"
    with pytest.raises(PasswordContainsEmail):
        check("x ivan.petrov@omk-client.ru x")


@pytest.mark.parametrize("password", ["Петров-1975!", "ИВАНОВ петров 12", "сергеевич-Пароль"])
def test_a_password_containing_a_part_of_the_full_name_is_refused(password: str) -> None:
    with pytest.raises(PasswordContainsName) as refused:
        check(password)
    assert "имя или фамилию" in refused.value.user_message()


def test_a_short_name_part_does_not_forbid_ordinary_words() -> None:
    PasswordPolicy().check("Ива и ель 2026", full_name="Ли Ива")


def test_every_refusal_is_a_domain_error_with_a_code_and_never_shows_the_password() -> None:
    secret = "Петров-секрет-1"
    with pytest.raises(PasswordRefused) as refused:
        check(secret)
    error = refused.value
    assert isinstance(error, DomainError) and error.kind == "invalid"
    assert secret not in str(error) and secret not in repr(error) and secret not in str(error.as_dict())


def test_the_same_password_typed_as_composed_or_decomposed_letters_is_one_password() -> None:
    composed, decomposed = "\u0419од и м\u0451д 2026", "\u0418\u0306од и м\u0435\u0308д 2026"
    assert composed != decomposed
    assert normalize_password(composed) == normalize_password(decomposed)


def test_the_policy_refuses_nonsensical_limits() -> None:
    with pytest.raises(ValueError):
        PasswordPolicy(min_length=20, max_length=10)
    with pytest.raises(ValueError):
        PasswordPolicy(min_character_classes=5)

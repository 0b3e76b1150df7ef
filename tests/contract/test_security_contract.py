"""The security ports: the Argon2id PasswordHasher, the one-time CodeGenerator and the TotpService.

Argon2 runs with the cheapest parameters here (one pass, 8 KiB): the behaviour is the same, the
suite stays fast. TOTP is checked at fixed moments against pyotp's own computation.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from omk_adapters.memory.security import FixedCodeGenerator
from omk_adapters.security.codes import SecretsCodeGenerator
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_adapters.security.totp import PyOtpTotpService
from omk_domain.identity.passwords import PasswordPolicy, PasswordRefused, normalize_password
from omk_domain.ports import CodeGenerator, PasswordHasher, TotpService

pytestmark = pytest.mark.contract

FAST = {"time_cost": 1, "memory_kib": 8, "parallelism": 1}
PASSWORD = "Трубы-стальные-2026"


@pytest.fixture()
def hasher() -> PasswordHasher:
    return Argon2idPasswordHasher(**FAST)


# --- PasswordHasher -----------------------------------------------------------------------------

def test_a_hash_is_argon2id_with_the_configured_parameters(hasher: PasswordHasher) -> None:
    hashed = hasher.hash(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_the_password_verifies_against_its_hash_and_another_does_not(hasher: PasswordHasher) -> None:
    hashed = hasher.hash(PASSWORD)
    assert hasher.verify(hashed, PASSWORD)
    assert not hasher.verify(hashed, PASSWORD + "!")
    assert not hasher.verify(hashed, "")


def test_the_same_password_hashes_differently_each_time(hasher: PasswordHasher) -> None:
    assert hasher.hash(PASSWORD) != hasher.hash(PASSWORD)


def test_the_password_never_appears_in_the_hash_or_the_hashers_repr(hasher: PasswordHasher) -> None:
    hashed = hasher.hash(PASSWORD)
    assert PASSWORD not in hashed and PASSWORD.encode().hex() not in hashed
    assert PASSWORD not in repr(hasher)
    assert repr(hasher) == "Argon2idPasswordHasher(time_cost=1, memory_kib=8, parallelism=1)"


def test_a_password_typed_with_decomposed_letters_verifies(hasher: PasswordHasher) -> None:
    hashed = hasher.hash("\u0419од и м\u0451д 2026")
    assert hasher.verify(hashed, "\u0418\u0306од и м\u0435\u0308д 2026")


@pytest.mark.parametrize("broken", ["", "plain-text", "$argon2id$v=19$m=8,t=1,p=1$garbage",
                                    "$2b$12$KIXQJ0p1r0s8h5xUe3x7UeWbqf2wq6K6o1y5b4a9bT6VZr1aY1Z3e"])
def test_a_malformed_or_foreign_hash_never_verifies_and_needs_a_rehash(hasher: PasswordHasher, broken: str) -> None:
    assert hasher.verify(broken, PASSWORD) is False
    assert hasher.needs_rehash(broken) is True


def test_a_hash_made_with_other_parameters_verifies_and_asks_to_be_rehashed() -> None:
    old = Argon2idPasswordHasher(**FAST)
    new = Argon2idPasswordHasher(time_cost=2, memory_kib=16, parallelism=2)
    old_hash = old.hash(PASSWORD)
    assert not old.needs_rehash(old_hash)
    assert new.verify(old_hash, PASSWORD)  # a sign-in still works with the old hash …
    assert new.needs_rehash(old_hash)  # … and then the password is re-hashed
    new_hash = new.hash(PASSWORD)
    assert new_hash.startswith("$argon2id$v=19$m=16,t=2,p=2$")
    assert not new.needs_rehash(new_hash)


@pytest.mark.parametrize("changed", [{"time_cost": 2}, {"memory_kib": 16}, {"parallelism": 2}])
def test_any_changed_parameter_asks_for_a_rehash(changed: dict[str, int]) -> None:
    old_hash = Argon2idPasswordHasher(**FAST).hash(PASSWORD)
    assert Argon2idPasswordHasher(**{**FAST, "memory_kib": 16, **changed}).needs_rehash(old_hash)


_passwords = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=10, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(password=_passwords, other=_passwords)
def test_any_accepted_password_verifies_against_its_hash_and_a_different_one_does_not(password: str,
                                                                                        other: str) -> None:
    hasher = Argon2idPasswordHasher(**FAST)
    try:
        PasswordPolicy().check(password)
    except PasswordRefused:
        assume(False)
    hashed = hasher.hash(password)
    assert hasher.verify(hashed, password)
    if normalize_password(other) != normalize_password(password):
        assert not hasher.verify(hashed, other)


# --- CodeGenerator ------------------------------------------------------------------------------

GENERATORS: dict[str, Callable[[], CodeGenerator]] = {
    "secrets": SecretsCodeGenerator,
    "fixed": lambda: FixedCodeGenerator(["000042", "123456"]),
}


@pytest.mark.parametrize("make", GENERATORS.values(), ids=GENERATORS.keys())
def test_a_generated_code_is_six_decimal_digits(make: Callable[[], CodeGenerator]) -> None:
    generator = make()
    for _ in range(50):
        assert re.fullmatch(r"\d{6}", generator.new_code())


def test_secret_codes_keep_leading_zeros_and_spread_over_all_values() -> None:
    generator = SecretsCodeGenerator()
    codes = [generator.new_code() for _ in range(2000)]
    assert len(set(codes)) > 1990  # a million values: repeats are rare
    assert {c[0] for c in codes} == set("0123456789")


def test_the_fixed_generator_hands_out_its_codes_in_turn_and_records_them() -> None:
    generator = FixedCodeGenerator(["111111", "222222"])
    assert [generator.new_code() for _ in range(3)] == ["111111", "222222", "111111"]
    assert generator.issued == ["111111", "222222", "111111"]


# --- TotpService --------------------------------------------------------------------------------

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
AT = datetime(2026, 11, 24, 9, 0, 10, tzinfo=UTC)


@pytest.fixture()
def totp() -> TotpService:
    return PyOtpTotpService()


def test_the_code_an_app_shows_at_a_moment_verifies_at_that_moment(totp: TotpService) -> None:
    code = pyotp.TOTP(SECRET).at(AT)
    assert totp.verify(SECRET, code, at=AT)
    assert totp.matched_step(SECRET, code, at=AT) == int(AT.timestamp()) // 30


def test_a_code_one_step_early_or_late_is_accepted_two_steps_is_not(totp: TotpService) -> None:
    step = timedelta(seconds=30)
    assert totp.verify(SECRET, pyotp.TOTP(SECRET).at(AT - step), at=AT)
    assert totp.verify(SECRET, pyotp.TOTP(SECRET).at(AT + step), at=AT)
    assert not totp.verify(SECRET, pyotp.TOTP(SECRET).at(AT - 2 * step), at=AT)
    assert not totp.verify(SECRET, pyotp.TOTP(SECRET).at(AT + 2 * step), at=AT)
    assert not totp.verify(SECRET, pyotp.TOTP(SECRET).at(AT - step), at=AT, valid_window=0)


def test_the_moment_comes_from_the_caller_not_the_system_clock(totp: TotpService) -> None:
    long_ago = datetime(2001, 1, 1, tzinfo=UTC)
    code = pyotp.TOTP(SECRET).at(long_ago)
    assert totp.verify(SECRET, code, at=long_ago)
    assert not totp.verify(SECRET, code, at=AT)


def test_a_wrong_or_malformed_code_is_refused(totp: TotpService) -> None:
    right = pyotp.TOTP(SECRET).at(AT)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for code in (wrong, "", "12345", "abcdef", right + "0"):
        assert not totp.verify(SECRET, code, at=AT)
        assert totp.matched_step(SECRET, code, at=AT) is None


def test_a_new_secret_is_random_base32_of_160_bits(totp: TotpService) -> None:
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second
    assert re.fullmatch(r"[A-Z2-7]{32}", first)


def test_the_provisioning_uri_names_the_issuer_and_the_account(totp: TotpService) -> None:
    uri = totp.provisioning_uri(SECRET, account_name="ivan@omk-client.ru")
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert unquote(parsed.path) == "/ОМК Цифровые сервисы:ivan@omk-client.ru"
    query = parse_qs(parsed.query)
    assert query["secret"] == [SECRET] and query["issuer"] == ["ОМК Цифровые сервисы"]


def test_the_qr_code_is_a_png_and_an_svg_that_parses_as_xml(totp: TotpService) -> None:
    uri = totp.provisioning_uri(SECRET, account_name="ivan@omk-client.ru")
    png = totp.qr_png(uri)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    root = ET.fromstring(totp.qr_svg(uri))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"

"""Email and SMS messages: a recipient that reaches a Mailer or an SmsSender is always well formed."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omk_cli.errors import ExitCode, classify
from omk_domain.notifications.messages import (
    SMS_TEXT_MAX,
    DeliveryFailed,
    EmailInvalid,
    EmailMessage,
    EmailSubjectInvalid,
    MessageTextMissing,
    PhoneInvalid,
    RecipientRefused,
    SmsMessage,
    SmsTextTooLong,
    normalize_email,
    normalize_phone,
)

pytestmark = pytest.mark.unit


# --- phone numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "+7 (912) 345-67-89", "8 912 345 67 89", "79123456789", "+79123456789", "8(912)3456789",
    "912 345-67-89", " +7 912 345 67 89 ", "8-912-345-67-89", "7.912.345.67.89", "+7\u00a0912\u00a0345-67-89",
    "+7 912 345 67 89\n",
])
def test_a_russian_number_is_accepted_however_people_write_it(written: str) -> None:
    assert normalize_phone(written) == "+79123456789"


def test_a_moscow_landline_is_a_russian_number_too() -> None:
    assert normalize_phone("8 (495) 123-45-67") == "+74951234567"


@pytest.mark.parametrize(("written", "e164"), [
    ("+375 29 123-45-67", "+375291234567"),  # Belarus
    ("+49 30 1234567", "+49301234567"),  # Germany, a short landline
    ("+86 138 0013 8000", "+8613800138000"),  # China, 13 digits
])
def test_another_country_is_accepted_in_international_form(written: str, e164: str) -> None:
    assert normalize_phone(written) == e164


@pytest.mark.parametrize("written", [
    "", "   ", "+7 912 345 67 8", "+7 912 345 67 890", "8 912 345 67 8", "912345678",  # too short / long
    "375291234567",  # another country without the +: ambiguous
    "+0 123 456 7890", "+1234567", "+1234567890123456",  # E.164: no leading 0, 8 to 15 digits
    "+7 912 ABC 67 89", "+7 (912 345 67 89", "+7 912 345 67 89 доб. 12", "++79123456789",
    "+7 912\n345 67 89", "tel:+79123456789", "+7 ٩١٢ 345 67 89",
])
def test_anything_else_is_refused_as_an_invalid_phone(written: str) -> None:
    with pytest.raises(PhoneInvalid) as refused:
        normalize_phone(written)
    assert refused.value.code == "phone_invalid"
    assert "Номер телефона" in refused.value.user_message()


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_any_ten_digits_after_plus_seven_stay_the_same_number(digits: str) -> None:
    assert normalize_phone(f"+7 {digits}") == f"+7{digits}"
    assert normalize_phone(f"8{digits}") == f"+7{digits}"
    assert normalize_phone(normalize_phone(f"8{digits}")) == f"+7{digits}"  # idempotent


# --- email addresses ----------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "normal"), [
    ("ivan.petrov@omk.ru", "ivan.petrov@omk.ru"),
    ("  Ivan.Petrov@OMK.RU ", "Ivan.Petrov@omk.ru"),  # the domain is case-insensitive, the mailbox may not be
    ("zakupki+auction@trubny-zavod.ru", "zakupki+auction@trubny-zavod.ru"),
    ("info@пример.рф", "info@пример.рф"),
    ("a@b.co", "a@b.co"),
    ("ivan@omk.ru\r\n", "ivan@omk.ru"),  # what a pasted line brings along is trimmed, never kept
])
def test_a_plain_address_is_accepted_with_its_domain_in_lower_case(written: str, normal: str) -> None:
    assert normalize_email(written) == normal


@pytest.mark.parametrize("written", [
    "", "ivan", "ivan@", "@omk.ru", "ivan@omk", "ivan@@omk.ru", "ivan petrov@omk.ru", "ivan@omk..ru",
    "ivan@-omk.ru", "ivan@omk.ru.", ".ivan@omk.ru", "ivan.@omk.ru", "иван@omk.ru", "ivan@127.0.0.1",
    "Иван <ivan@omk.ru>", "ivan@omk.ru, boss@omk.ru", "ivan@omk.ru\r\nBcc: victim@example.com",
    "ivan\n@omk.ru", '"ivan"@omk.ru', "ivan@omk.ru;x@y.ru", "a" * 65 + "@omk.ru", "a@" + "b" * 250 + ".ru",
])
def test_anything_but_one_plain_address_is_refused(written: str) -> None:
    with pytest.raises(EmailInvalid):
        normalize_email(written)


# --- messages -----------------------------------------------------------------------------------

def an_email(**changes: object) -> EmailMessage:
    values: dict[str, object] = {"to": "ivan.petrov@omk.ru", "subject": "Код подтверждения",
                                 "text": "Ваш код: 123456"}
    return EmailMessage(**(values | changes))  # type: ignore[arg-type]


def test_an_email_keeps_its_parts_normalised() -> None:
    email = an_email(to=" Ivan@OMK.ru ", subject="  Код  ", text="Строка 1\r\nСтрока 2\r\n\r\n",
                     html="<p>Код</p>\n", reply_to="Support@OMK.ru")
    assert (email.to, email.subject, email.text, email.html, email.reply_to) == (
        "Ivan@omk.ru", "Код", "Строка 1\nСтрока 2", "<p>Код</p>", "Support@omk.ru")


@pytest.mark.parametrize(("changes", "error"), [
    ({"to": "not an address"}, EmailInvalid),
    ({"reply_to": "x@y"}, EmailInvalid),
    ({"subject": ""}, EmailSubjectInvalid),
    ({"subject": "Код\r\nBcc: victim@example.com"}, EmailSubjectInvalid),
    ({"subject": "я" * 201}, EmailSubjectInvalid),
    ({"text": "  \n "}, MessageTextMissing),
    ({"html": ""}, MessageTextMissing),
])
def test_a_malformed_email_cannot_be_made(changes: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        an_email(**changes)


def test_an_email_is_frozen_and_a_changed_copy_is_validated_again() -> None:
    email = an_email()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        email.to = "x@y.ru"  # type: ignore[misc]
    with pytest.raises(EmailInvalid):
        attrs.evolve(email, to="broken")


def test_an_sms_keeps_its_number_in_e164() -> None:
    sms = SmsMessage(to="8 (912) 345-67-89", text=" Код: 123456 ")
    assert (sms.to, sms.text) == ("+79123456789", "Код: 123456")


def test_an_sms_text_is_required_and_fits_in_eight_parts() -> None:
    with pytest.raises(MessageTextMissing):
        SmsMessage(to="+79123456789", text=" ")
    assert len(SmsMessage(to="+79123456789", text="я" * SMS_TEXT_MAX).text) == SMS_TEXT_MAX
    with pytest.raises(SmsTextTooLong):
        SmsMessage(to="+79123456789", text="я" * (SMS_TEXT_MAX + 1))


# --- delivery errors ----------------------------------------------------------------------------

def test_a_delivery_failure_is_a_service_outage_to_the_frontends() -> None:
    failed = DeliveryFailed("SMS.ru: request refused: 220 Сервис временно недоступен", transport="sms.ru",
                            gateway_code=220)
    assert failed.kind == "unavailable"
    assert failed.user_message().startswith("Не удалось отправить сообщение")
    assert "(sms.ru, код 220)" in failed.user_message()
    assert failed.as_dict()["context"] == {"transport": "sms.ru", "gateway_code": "220"}  # no server names
    assert str(failed).endswith("— SMS.ru: request refused: 220 Сервис временно недоступен")  # for the logs
    assert classify(failed).exit_code is ExitCode.UNAVAILABLE


def test_a_refused_recipient_is_a_delivery_failure_the_person_can_fix() -> None:
    refused = RecipientRefused("550 User unknown", transport="smtp", gateway_code=550)
    assert isinstance(refused, DeliveryFailed)
    assert refused.kind == "invalid"
    assert refused.code == "recipient_refused"
    assert classify(refused).exit_code is ExitCode.INVALID

"""Russian registration numbers (INN, KPP, OGRN, OGRNIP) by their published checksums, and the SAP
customer number."""

from __future__ import annotations

from omk_domain.shared.errors import InvalidValue


class InnInvalid(InvalidValue):
    code = "inn_invalid"
    message_ru = "ИНН указан неверно: 10 цифр для юрлица или 12 для ИП, с верной контрольной суммой."


class KppInvalid(InvalidValue):
    code = "kpp_invalid"
    message_ru = "КПП должен состоять из 9 символов: 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры."


class OgrnInvalid(InvalidValue):
    code = "ogrn_invalid"
    message_ru = "ОГРН указан неверно: 13 цифр, последняя — контрольная."


class OgrnipInvalid(InvalidValue):
    code = "ogrnip_invalid"
    message_ru = "ОГРНИП указан неверно: 15 цифр, последняя — контрольная."


class SapCustomerNoInvalid(InvalidValue):
    code = "sap_customer_no_invalid"
    message_ru = "Номер клиента SAP — от 1 до 10 цифр."


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    """True when `inn` is a 10-digit (legal entity) or 12-digit (individual) INN with valid checksum."""
    if not isinstance(inn, str) or not inn.isascii() or not inn.isdigit():
        return False
    if len(inn) == 10:
        return _check_digit(inn, _INN10) == int(inn[9])
    if len(inn) == 12:
        return (_check_digit(inn, _INN11) == int(inn[10])
                and _check_digit(inn, _INN12) == int(inn[11]))
    return False


def validate_inn(inn: str) -> str:
    text = (inn or "").strip()
    if not inn_is_valid(text):
        raise InnInvalid(value=inn)
    return text


def validate_kpp(kpp: str) -> str:
    text = (kpp or "").strip().upper()
    ok = (len(text) == 9 and text[:4].isdigit() and text[6:].isdigit()
          and all(c.isdigit() or "A" <= c <= "Z" for c in text[4:6]))
    if not ok:
        raise KppInvalid(value=kpp)
    return text


def _digits(text: object, length: int) -> bool:
    return isinstance(text, str) and len(text) == length and text.isascii() and text.isdigit()


def ogrn_is_valid(ogrn: str) -> bool:
    """True for a 13-digit OGRN whose last digit is (the first 12 as a number mod 11) mod 10."""
    return _digits(ogrn, 13) and int(ogrn[:12]) % 11 % 10 == int(ogrn[12])


def ogrnip_is_valid(ogrnip: str) -> bool:
    """True for a 15-digit OGRNIP whose last digit is (the first 14 as a number mod 13) mod 10."""
    return _digits(ogrnip, 15) and int(ogrnip[:14]) % 13 % 10 == int(ogrnip[14])


def validate_ogrn(ogrn: str) -> str:
    text = (ogrn or "").strip()
    if not ogrn_is_valid(text):
        raise OgrnInvalid(value=ogrn)
    return text


def validate_ogrnip(ogrnip: str) -> str:
    text = (ogrnip or "").strip()
    if not ogrnip_is_valid(text):
        raise OgrnipInvalid(value=ogrnip)
    return text


SAP_CUSTOMER_NO_LENGTH = 10


def validate_sap_customer_no(number: str) -> str:
    """A SAP customer number (KUNNR) of up to 10 digits, in SAP's internal form: zero-padded to 10.

    SAP stores numeric customer numbers left-padded with zeros (the ALPHA conversion), so «12345»
    typed by a person and «0000012345» exported from SAP name the same customer.
    """
    text = (number or "").strip()
    if not (1 <= len(text) <= SAP_CUSTOMER_NO_LENGTH and text.isascii() and text.isdigit()) or not int(text):
        raise SapCustomerNoInvalid(value=number)
    return text.zfill(SAP_CUSTOMER_NO_LENGTH)

"""Checksums of Russian registration numbers (INN, KPP, OGRN, OGRNIP)."""

from __future__ import annotations

from omk_domain.shared.errors import InvalidValue


class InnInvalid(InvalidValue):
    code = "inn_invalid"
    message_ru = "ИНН указан неверно: 10 цифр для юрлица или 12 для ИП, с верной контрольной суммой."


class KppInvalid(InvalidValue):
    code = "kpp_invalid"
    message_ru = "КПП должен состоять из 9 символов: 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры."


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

"""Money and quantities: Decimal with kopecks and a unit, parsed strictly, never float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omk_domain.shared.errors import InvalidValue
from omk_domain.shared.money import (
    MAX_AMOUNT,
    AmountNotANumber,
    AmountNotFinite,
    AmountNotPositive,
    AmountTooLarge,
    AmountTooPrecise,
    CurrencyMismatch,
    Money,
    Quantity,
    QuantityInvalid,
    Unit,
    UnitUnknown,
)

pytestmark = pytest.mark.unit

kopecks = st.integers(min_value=-(10**13), max_value=10**13).map(lambda k: Decimal(k) / 100)


# --- parsing what people and files give ------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("1250", "1250.00"),
    ("1250.5", "1250.50"),
    ("1 250,50", "1250.50"),
    ("1\u00a0250,50", "1250.50"),
    ("  85000  ", "85000.00"),
    ("0,01", "0.01"),
    (85000, "85000.00"),
    (Decimal("12.30"), "12.30"),
])
def test_a_person_s_way_of_writing_an_amount_is_understood(text: object, expected: str) -> None:
    assert Money.parse(text).amount == Decimal(expected)


def test_zero_parses_but_is_not_a_positive_amount() -> None:
    assert Money.parse("0").amount == Decimal("0.00")
    with pytest.raises(AmountNotPositive):
        Money.parse_positive("0")


def test_a_negative_amount_parses_but_is_not_a_positive_amount() -> None:
    assert Money.parse("-5").amount == Decimal("-5.00")
    with pytest.raises(AmountNotPositive):
        Money.parse_positive("-5")


@pytest.mark.parametrize("text", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf"])
def test_not_a_number_and_infinity_are_refused(text: str) -> None:
    with pytest.raises(AmountNotFinite):
        Money.parse(text)


@pytest.mark.parametrize("text", ["abc", "", "   ", "1,250.50", "12 руб", "1.2.3", "--5", None, [], object()])
def test_what_is_not_a_number_is_refused(text: object) -> None:
    with pytest.raises(AmountNotANumber):
        Money.parse(text)


@pytest.mark.parametrize("value", [1250.5, 0.1, 1.0, True, False])
def test_float_and_bool_are_refused_even_when_they_look_harmless(value: object) -> None:
    with pytest.raises(AmountNotANumber):
        Money.parse(value)


@pytest.mark.parametrize("text", ["1.001", "0,005", "85000.999", "0.0001"])
def test_more_precise_than_a_kopeck_is_refused_not_rounded(text: str) -> None:
    with pytest.raises(AmountTooPrecise):
        Money.parse(text)


@pytest.mark.parametrize("text", ["1000000000000000", "1000000000000.01", "-10000000000000",
                                  "99999999999999999999999999999"])
def test_absurdly_large_amounts_are_refused(text: str) -> None:
    with pytest.raises(AmountTooLarge):
        Money.parse(text)


def test_the_largest_sane_amount_is_accepted() -> None:
    assert Money.parse(str(MAX_AMOUNT)).amount == MAX_AMOUNT


def test_every_refusal_is_an_invalid_value_with_a_russian_message() -> None:
    for bad in ("abc", "NaN", "1.001", "1e15"):
        with pytest.raises(InvalidValue) as caught:
            Money.parse(bad)
        assert caught.value.user_message()
        assert caught.value.as_dict()["code"].startswith("amount_")


def test_money_cannot_be_made_from_a_float_or_an_over_precise_decimal() -> None:
    with pytest.raises(AmountNotFinite):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(AmountTooPrecise):
        Money(Decimal("1.005"))


# --- arithmetic and comparison ----------------------------------------------------------------

def test_amounts_add_and_compare_in_the_same_currency() -> None:
    assert Money.rub("85000") + Money.rub("500") == Money.rub("85500")
    assert Money.rub("85500") - Money.rub("500") == Money.rub("85000")
    assert Money.rub("85000") < Money.rub("85000.01") <= Money.rub("85000.01")
    assert Money.rub("85000.01") > Money.rub("85000") >= Money.rub("85000")


def test_different_currencies_are_never_mixed() -> None:
    rub, eur = Money.rub("1"), Money.parse("1", "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = rub + eur
    with pytest.raises(CurrencyMismatch):
        _ = rub < eur
    assert rub != eur


def test_money_does_not_combine_with_plain_numbers() -> None:
    with pytest.raises(TypeError):
        _ = Money.rub("1") + Decimal("1")  # type: ignore[operator]


def test_russian_presentation_groups_thousands_and_shows_kopecks() -> None:
    assert Money.rub("1250000.5").format_ru() == "1\u00a0250\u00a0000,50\u00a0₽"


@given(kopecks)
def test_what_is_written_out_parses_back_to_the_same_amount(amount: Decimal) -> None:
    money = Money(amount)
    assert Money.parse(str(money.amount)) == money
    assert Money.parse(money.format_ru().replace("₽", "")) == money


@given(kopecks, kopecks)
def test_adding_and_subtracting_is_exact(a: Decimal, b: Decimal) -> None:
    assert (Money(a) + Money(b)) - Money(b) == Money(a)


# --- quantities -------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "unit", "shown"), [
    ("100", "т", "100 т"), ("12,5", "t", "12.5 т"), ("0.001", "тн", "0.001 т"),
    ("250", "м", "250 м"), ("40", "шт", "40 шт"), ("40", "шт.", "40 шт"),
])
def test_a_quantity_is_a_positive_number_with_a_unit(value: str, unit: str, shown: str) -> None:
    assert str(Quantity.parse(value, unit)) == shown


@pytest.mark.parametrize("value", ["0", "-1", "abc", "", "1.0001", "NaN", "Infinity", "1000000001", 1.5])
def test_a_quantity_must_be_positive_finite_and_at_most_grams_precise(value: object) -> None:
    with pytest.raises(QuantityInvalid):
        Quantity.parse(value, "т")


def test_pieces_are_counted_whole() -> None:
    with pytest.raises(QuantityInvalid):
        Quantity.parse("2.5", "шт")
    assert Quantity.parse("3", Unit.PIECE).value == Decimal("3")


@pytest.mark.parametrize("unit", ["кг", "", "tonnes", "литр"])
def test_an_unknown_unit_is_refused(unit: str) -> None:
    with pytest.raises(UnitUnknown):
        Quantity.parse("1", unit)


@pytest.mark.parametrize("text", ["1_000", "1e3", "1E+3", "1e15", "1e-3", "١٢٣", "12.", ".5", "0x10", "1.2.3"])
def test_an_amount_must_be_written_in_plain_decimal_notation(text: str) -> None:
    with pytest.raises(AmountNotANumber):
        Money.parse(text)

"""Money in roubles with kopeck precision, and quantities with units. Never float."""

from __future__ import annotations

import enum
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from omk_domain.shared.errors import InvalidValue

KOPECK = Decimal("0.01")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)
#: A sane ceiling for any single amount: one trillion roubles.
MAX_AMOUNT = Decimal("1000000000000")


class AmountNotANumber(InvalidValue):
    code = "amount_not_a_number"
    message_ru = "Сумма должна быть числом."


class AmountNotFinite(InvalidValue):
    code = "amount_not_finite"
    message_ru = "Сумма должна быть конечным числом."


class AmountTooPrecise(InvalidValue):
    code = "amount_too_precise"
    message_ru = "Сумма указывается с точностью до копейки (не более двух знаков после запятой)."


class AmountTooLarge(InvalidValue):
    code = "amount_too_large"
    message_ru = "Сумма слишком велика."


class AmountNotPositive(InvalidValue):
    code = "amount_not_positive"
    message_ru = "Сумма должна быть больше нуля."


class CurrencyMismatch(InvalidValue):
    code = "currency_mismatch"
    message_ru = "Нельзя сравнивать или складывать суммы в разных валютах."


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, (bool, float)):
        # floats carry binary noise; bool is an int by accident
        raise AmountNotANumber(value=value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if text.lower() in ("nan", "snan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"):
            raise AmountNotFinite(value=value)
        if not _PLAIN_NUMBER.fullmatch(text):
            # only plain decimal notation: no exponents, underscores or non-Latin digits
            raise AmountNotANumber(value=value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise AmountNotANumber(value=value) from None
    else:
        raise AmountNotANumber(value=value)
    if not number.is_finite():
        raise AmountNotFinite(value=value)
    return number


@attrs.frozen(order=False)
class Money:
    """An amount of money: a Decimal with kopeck precision and a currency (RUB by default)."""

    amount: Decimal
    currency: str = "RUB"

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise AmountNotFinite(value=self.amount)
        if abs(self.amount) > MAX_AMOUNT:
            raise AmountTooLarge(value=self.amount)
        if self.amount != self.amount.quantize(KOPECK):
            raise AmountTooPrecise(value=self.amount)
        object.__setattr__(self, "amount", self.amount.quantize(KOPECK))

    @classmethod
    def parse(cls, value: Any, currency: str = "RUB") -> Money:
        """Parse what a person or a file gave ("1 250,50", "1250.5", 1250) into Money, strictly."""
        number = _to_decimal(value)
        if abs(number) > MAX_AMOUNT:
            raise AmountTooLarge(value=value)
        if number != number.quantize(KOPECK):
            raise AmountTooPrecise(value=value)
        return cls(number, currency)

    @classmethod
    def parse_positive(cls, value: Any, currency: str = "RUB") -> Money:
        """Parse an amount that must be above zero (a price, a bid, a step)."""
        money = cls.parse(value, currency)
        if money.amount <= 0:
            raise AmountNotPositive(value=value)
        return money

    @classmethod
    def rub(cls, value: str | int | Decimal) -> Money:
        return cls.parse(value)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(left=self.currency, right=other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def format_ru(self) -> str:
        """Russian presentation: «1 250 000,50 ₽»."""
        whole, _, frac = f"{self.amount:,.2f}".partition(".")
        sign = "₽" if self.currency == "RUB" else self.currency
        nbsp = "\u00a0"
        return f"{whole.replace(',', nbsp)},{frac}{nbsp}{sign}"


class Unit(enum.Enum):
    """Units a pipe lot is sold in."""

    TONNE = "t"
    METRE = "m"
    PIECE = "pcs"

    @classmethod
    def parse(cls, value: str) -> Unit:
        text = str(value).strip().lower().rstrip(".")
        aliases = {"t": cls.TONNE, "т": cls.TONNE, "тн": cls.TONNE, "тонн": cls.TONNE,
                   "m": cls.METRE, "м": cls.METRE, "метр": cls.METRE,
                   "pcs": cls.PIECE, "шт": cls.PIECE, "pc": cls.PIECE}
        try:
            return aliases[text]
        except KeyError:
            raise UnitUnknown(value=value) from None

    @property
    def label_ru(self) -> str:
        return {"t": "т", "m": "м", "pcs": "шт"}[self.value]


class UnitUnknown(InvalidValue):
    code = "unit_unknown"
    message_ru = "Единица измерения должна быть одной из: т, м, шт."


class QuantityInvalid(InvalidValue):
    code = "quantity_invalid"
    message_ru = "Количество должно быть положительным числом (не более трёх знаков после запятой)."


@attrs.frozen
class Quantity:
    """A positive amount of goods with its unit (t, m, pcs)."""

    value: Decimal
    unit: Unit

    def __attrs_post_init__(self) -> None:
        v = self.value
        if (not isinstance(v, Decimal) or not v.is_finite() or v <= 0
                or v != v.quantize(Decimal("0.001")) or v > Decimal("1000000000")):
            raise QuantityInvalid(value=v)
        if self.unit is Unit.PIECE and v != v.to_integral_value():
            raise QuantityInvalid("Штуки считаются целыми.", value=v)

    @classmethod
    def parse(cls, value: Any, unit: Any) -> Quantity:
        try:
            number = _to_decimal(value)
        except InvalidValue:
            raise QuantityInvalid(value=value) from None
        return cls(number, unit if isinstance(unit, Unit) else Unit.parse(unit))

    def __str__(self) -> str:
        return f"{self.value.normalize():f} {self.unit.label_ru}"

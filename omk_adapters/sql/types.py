"""Column types that keep the domain's promises on every database: aware UTC time, exact decimals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """`TIMESTAMP WITH TIME ZONE`; naive values are refused, results are always aware UTC.

    SQLite has no time zones: values are stored as UTC text (which sorts chronologically) and
    given their zone back when read.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: every stored moment must carry its time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _SqliteExactNumeric(sa.Numeric):  # type: ignore[type-arg]
    """NUMERIC on SQLite, bound as decimal text and read back through text — never via a float.

    (SQLAlchemy's own SQLite NUMERIC binds floats.) SQLite's NUMERIC affinity keeps 15
    significant digits exactly, which covers every amount the domain allows (up to 10^12 with
    kopecks) and every quantity (up to 10^9 with three decimals).
    """

    def bind_processor(self, dialect: Dialect) -> Any:
        def process(value: Any) -> Any:
            return None if value is None else format(value, "f")
        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        quantum = Decimal(1).scaleb(-(self.scale or 0))

        def process(value: Any) -> Decimal | None:
            return None if value is None else Decimal(str(value)).quantize(quantum)
        return process


class _ExactDecimal(TypeDecorator[Decimal]):
    impl = sa.Numeric
    cache_ok = True
    precision = 18
    scale = 2

    def __init__(self) -> None:
        super().__init__(precision=self.precision, scale=self.scale, asdecimal=True)

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return _SqliteExactNumeric(precision=self.precision, scale=self.scale, asdecimal=True)
        return dialect.type_descriptor(sa.Numeric(precision=self.precision, scale=self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if not isinstance(value, (Decimal, int)) or isinstance(value, bool):
            raise TypeError(f"{value!r}: amounts are stored from Decimal only, never float")
        return Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Amount(_ExactDecimal):
    """Money: NUMERIC(18,2) holding a Decimal."""

    cache_ok = True
    precision = 18
    scale = 2


class QuantityValue(_ExactDecimal):
    """A quantity of goods: NUMERIC(15,3) holding a Decimal."""

    cache_ok = True
    precision = 15
    scale = 3

"""Jinja filters: how the pages print money, Moscow time and statuses in Russian."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from omk_adapters.files.moscow import MOSCOW
from omk_domain.auctions.values import AuctionFormat, AuctionStatus

NARROW_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"


def money(value: Decimal | str | int | None) -> str:
    """1250000.5 → «1 250 000,50 ₽» (thin no-break spaces between thousands)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return whole.replace(",", NARROW_SPACE) + "," + cents + NO_BREAK_SPACE + "₽"


def moscow(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A moment in Moscow time, as people at OMK read it."""
    if value is None:
        return "—"
    return value.astimezone(MOSCOW).strftime(fmt)


def iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def auction_status(value: str) -> str:
    return AuctionStatus(value).label_ru


def auction_format(value: str) -> str:
    return AuctionFormat(value).label_ru


LOT_STATUS_RU = {"open": "торги открыты", "closed": "торги закрыты, итог на проверке", "approved": "итог утверждён"}


def lot_status(value: str) -> str:
    return LOT_STATUS_RU.get(value, value)


def register_filters(engine: Any) -> None:
    env = engine.engine
    env.filters.update(money=money, moscow=moscow, iso=iso, auction_status=auction_status,
                       auction_format=auction_format, lot_status=lot_status)
    env.autoescape = True

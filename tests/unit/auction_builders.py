"""Readable builders for domain-level tests: a running auction with one lot, made through the domain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionFormat, ProductSpec, SoftClose
from omk_domain.shared.ids import new_id
from omk_domain.shared.money import Money, Quantity, Unit

OPENS = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 09:00 Moscow
CLOSES = OPENS + timedelta(hours=2)  # 11:00 Moscow


def rub(amount: int | str) -> Money:
    return Money.rub(str(amount))


def running_auction(*organizations: str, fmt: AuctionFormat = AuctionFormat.MIXED,
                    soft_close: SoftClose | None = None) -> Auction:
    """An auction trading from 09:00 to 11:00 Moscow time, with the organisations admitted in order."""
    auction = Auction.create(number=f"A-{new_id()[:6]}", title="Трубы стальные", format=fmt,
                             starts_at=OPENS, ends_at=CLOSES, now=OPENS - timedelta(days=1),
                             soft_close=soft_close)
    for org in organizations:
        auction.admit(org, OPENS - timedelta(days=1))
    auction.publish(OPENS - timedelta(hours=1), lot_count=1)
    auction.start(OPENS)
    return auction


def pipe_lot(auction: Auction, *, start: int = 85000, step: int = 500, floor: int | None = None) -> Lot:
    return Lot.create(auction, number=1, title="Труба 530×8 К52",
                      product=ProductSpec(product_type="труба", diameter_mm=530, wall_mm=8),
                      quantity=Quantity(Decimal("100"), Unit.TONNE), start_price=rub(start),
                      bid_step=rub(step), floor_price=rub(floor) if floor else None)

"""The public board of a lot: what every admitted organisation sees, and nothing more.

The live channel broadcasts this to every watcher of a lot. It is built from the lot, not from
an organisation's view, so it cannot carry anything private: no organisation ids, no price
offers (not their amounts, not their count), no hidden floor, no winner before approval.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import LotStatus


def public_version(lot: Lot) -> int:
    """A counter of the lot's public facts: bids placed, bids annulled, the close, the approval.

    It is not the journal sequence on purpose: the journal also counts sealed offers, and a
    sequence that jumps would tell a watcher how many offers were made or edited.
    """
    annulled = sum(1 for b in lot.bids if not b.valid)
    return (len(lot.bids) + annulled + (lot.status is not LotStatus.OPEN)
            + (lot.status is LotStatus.APPROVED))


@attrs.frozen(kw_only=True)
class PublicBid:
    alias: str
    amount: Decimal
    placed_at: datetime
    leading: bool


@attrs.frozen(kw_only=True)
class LotBoard:
    """A lot's public state at one `version`: the valid open bids (newest first) under aliases."""

    lot_id: str
    auction_id: str
    version: int
    auction_status: str
    lot_status: str
    starts_at: datetime
    closes_at: datetime
    closes_at_original: datetime
    leading_alias: str | None
    leading_amount: Decimal | None
    next_minimum_bid: Decimal
    offers_open: bool
    bids: tuple[PublicBid, ...]


def lot_board(auction: Auction, lot: Lot) -> LotBoard:
    top = lot.leader
    return LotBoard(
        lot_id=lot.id, auction_id=auction.id, version=public_version(lot),
        auction_status=auction.status.value, lot_status=lot.status.value, starts_at=auction.starts_at,
        closes_at=lot.closes_at, closes_at_original=lot.closes_at_original,
        leading_alias=auction.alias_of(top.organization_id) if top else None,
        leading_amount=top.amount.amount if top else None,
        next_minimum_bid=(top.amount + lot.bid_step).amount if top else lot.start_price.amount,
        offers_open=auction.format.allows_offers and top is None and lot.status is LotStatus.OPEN,
        bids=tuple(PublicBid(alias=auction.alias_of(b.organization_id), amount=b.amount.amount,
                             placed_at=b.placed_at, leading=b is top)
                   for b in reversed(lot.bids) if b.valid),
    )


@attrs.frozen(kw_only=True)
class BoardChange:
    """One public fact between two boards: kind is bid, annulled, extended, closed or status."""

    kind: str
    bid: PublicBid | None = None


def board_changes(before: LotBoard, after: LotBoard) -> tuple[BoardChange, ...]:
    """What happened between two boards of the same lot, oldest first.

    Bids are told apart by alias, amount and time (an organisation cannot place two bids of the
    same amount: each bid must beat the leader by the step)."""
    def key(b: PublicBid) -> tuple[str, Decimal, datetime]:
        return b.alias, b.amount, b.placed_at

    old = {key(b) for b in before.bids}
    new = {key(b) for b in after.bids}
    changes: list[BoardChange] = [BoardChange(kind="annulled", bid=b) for b in before.bids if key(b) not in new]
    changes += [BoardChange(kind="bid", bid=b) for b in reversed(after.bids) if key(b) not in old]
    if after.closes_at != before.closes_at:
        changes.append(BoardChange(kind="extended"))
    if before.lot_status == LotStatus.OPEN.value != after.lot_status:
        changes.append(BoardChange(kind="closed"))
    elif (after.lot_status, after.auction_status, after.starts_at) != (
            before.lot_status, before.auction_status, before.starts_at):
        changes.append(BoardChange(kind="status"))
    return tuple(changes)


__all__ = ["BoardChange", "LotBoard", "PublicBid", "board_changes", "lot_board", "public_version"]

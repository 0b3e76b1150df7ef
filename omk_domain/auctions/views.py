"""Read models: a lot as one organisation may see it, and as the organiser sees it.

`lot_view_for` is the only way a frontend shows a lot to a client. It takes the organisation
and copies out only what that organisation may know: open bids under aliases (its own marked
as its own), its own price offer, and no trace of anyone else's offers — not the amount, not
the count, not the author — nor the organiser's hidden floor.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from omk_domain.auctions import errors
from omk_domain.auctions.board import public_version
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionStatus, LotStatus, ProductSpec


@attrs.frozen(kw_only=True)
class BidLine:
    alias: str
    amount: Decimal
    placed_at: datetime
    mine: bool
    leading: bool


@attrs.frozen(kw_only=True)
class OwnOffer:
    offer_id: str
    amount: Decimal
    submitted_at: datetime
    status: str


@attrs.frozen(kw_only=True)
class LotView:
    """A lot seen by one admitted organisation."""

    auction_id: str
    auction_number: str
    auction_status: str
    format: str
    lot_id: str
    number: int
    title: str
    product: ProductSpec
    quantity: str
    start_price: Decimal
    bid_step: Decimal
    starts_at: datetime
    closes_at: datetime
    closes_at_original: datetime
    lot_status: str
    my_alias: str
    leading_amount: Decimal | None
    leading_alias: str | None
    i_lead: bool
    next_minimum_bid: Decimal
    offers_open: bool
    bids: tuple[BidLine, ...]
    my_offer: OwnOffer | None
    my_result: str | None  # "won" / "lost" once results are known to the organisation
    #: False once the organisation's admission was revoked: it still sees the lot, it may not trade
    admitted: bool = True
    #: the lot's public version (see `board.public_version`): the live channel's event id
    version: int = 0


def lot_view_for(auction: Auction, lot: Lot, organization_id: str) -> LotView:
    """The lot as `organization_id` may see it; not admitted → the lot does not exist for it."""
    if auction.id != lot.auction_id or organization_id not in auction.admissions \
            or auction.status is AuctionStatus.DRAFT:
        raise errors.LotNotFound(lot_id=lot.id)
    top = lot.leader
    lines = tuple(
        BidLine(alias=auction.alias_of(b.organization_id), amount=b.amount.amount,
                placed_at=b.placed_at, mine=b.organization_id == organization_id,
                leading=b is top)
        for b in reversed(lot.bids) if b.valid)
    own = lot.active_offer_of(organization_id) or next(
        (o for o in reversed(lot.offers) if o.organization_id == organization_id), None)
    result = None
    if lot.status is LotStatus.APPROVED and lot.result is not None:
        result = "won" if lot.result.winner_organization_id == organization_id else "lost"
    return LotView(
        auction_id=auction.id, auction_number=auction.number, auction_status=auction.status.value,
        format=auction.format.value, lot_id=lot.id, number=lot.number, title=lot.title,
        product=lot.product, quantity=str(lot.quantity), start_price=lot.start_price.amount,
        bid_step=lot.bid_step.amount, starts_at=auction.starts_at, closes_at=lot.closes_at,
        closes_at_original=lot.closes_at_original, lot_status=lot.status.value,
        my_alias=auction.alias_of(organization_id),
        leading_amount=top.amount.amount if top else None,
        leading_alias=auction.alias_of(top.organization_id) if top else None,
        i_lead=top is not None and top.organization_id == organization_id,
        next_minimum_bid=(top.amount + lot.bid_step).amount if top else lot.start_price.amount,
        offers_open=auction.format.allows_offers and top is None and lot.status is LotStatus.OPEN,
        bids=lines,
        my_offer=OwnOffer(offer_id=own.id, amount=own.amount.amount, submitted_at=own.submitted_at,
                          status=own.status.value) if own else None,
        my_result=result,
        admitted=auction.is_admitted(organization_id),
        version=public_version(lot),
    )


@attrs.frozen(kw_only=True)
class OfferLine:
    offer_id: str
    organization_id: str
    amount: Decimal
    submitted_at: datetime
    status: str
    revisions: int


@attrs.frozen(kw_only=True)
class AdminBidLine:
    bid_id: str
    organization_id: str
    alias: str
    amount: Decimal
    placed_at: datetime
    valid: bool
    annul_reason: str | None


@attrs.frozen(kw_only=True)
class LotAdminView:
    """Everything about a lot, for the organiser's staff only."""

    lot_id: str
    number: int
    title: str
    product: ProductSpec
    quantity: Decimal
    unit: str
    status: str
    start_price: Decimal
    bid_step: Decimal
    floor_price: Decimal | None
    closes_at: datetime
    closes_at_original: datetime
    bids: tuple[AdminBidLine, ...]
    offers: tuple[OfferLine, ...]
    winner_organization_id: str | None
    winning_amount: Decimal | None
    winning_source: str | None
    declined: tuple[str, ...]


def lot_admin_view(auction: Auction, lot: Lot) -> LotAdminView:
    result = lot.result
    return LotAdminView(
        lot_id=lot.id, number=lot.number, title=lot.title, product=lot.product,
        quantity=lot.quantity.value, unit=lot.quantity.unit.value, status=lot.status.value,
        start_price=lot.start_price.amount, bid_step=lot.bid_step.amount,
        floor_price=lot.floor_price.amount if lot.floor_price else None,
        closes_at=lot.closes_at, closes_at_original=lot.closes_at_original,
        bids=tuple(AdminBidLine(bid_id=b.id, organization_id=b.organization_id,
                                alias=auction.alias_of(b.organization_id), amount=b.amount.amount,
                                placed_at=b.placed_at, valid=b.valid, annul_reason=b.annul_reason)
                   for b in lot.bids),
        offers=tuple(OfferLine(offer_id=o.id, organization_id=o.organization_id,
                               amount=o.amount.amount, submitted_at=o.submitted_at,
                               status=o.status.value, revisions=o.revisions)
                     for o in lot.offers),
        winner_organization_id=result.winner_organization_id if result else None,
        winning_amount=result.amount.amount if result and result.amount else None,
        winning_source=result.source.value if result and result.source else None,
        declined=tuple(lot.declined),
    )


__all__ = ["BidLine", "LotAdminView", "LotView", "OwnOffer", "lot_admin_view", "lot_view_for"]


# --- results analytics ------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class Competition:
    """How contested a lot was: its valid open bids, the organisations behind them, its active offers."""

    bids: int
    bidders: frozenset[str]
    offers: int


def competition_of(lot: Lot) -> Competition:
    valid = [b for b in lot.bids if b.valid]
    return Competition(bids=len(valid), bidders=frozenset(b.organization_id for b in valid),
                       offers=sum(1 for o in lot.offers if o.status.value == "active"))


def uplift_percent(final: Decimal, start: Decimal) -> Decimal:
    """(final − start) / start in percent, to the cent: 85 000 → 90 100 is 6.00."""
    return ((final - start) / start * 100).quantize(Decimal("0.01"))

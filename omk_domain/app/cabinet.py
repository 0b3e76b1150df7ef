"""Queries of the organiser's cabinet: every auction (any status) and the uplift analytics.

Both ask the policy for `auction.manage` first, so a client never sees the cabinet's data (and a
client's list of auctions stays `BrowseAuctions`, scoped to what it is admitted to).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from omk_domain.app.auctions import AuctionPage, AuctionSummary, auction_page
from omk_domain.app.bus import handles
from omk_domain.auctions.views import competition_of, uplift_percent
from omk_domain.identity.model import Actor
from omk_domain.identity.policy import Permission, require
from omk_domain.ports import AuctionFilter, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.messages import Command

CENT = Decimal("0.01")


@attrs.frozen(kw_only=True)
class BrowseAllAuctions(Command):
    """The organiser's list: every auction, drafts and cancelled ones too, a page with the total."""

    filter: AuctionFilter = attrs.field(factory=AuctionFilter)


@attrs.frozen(kw_only=True)
class ShowUplift(Command):
    """Final vs start price of every lot of an auction, and the auction's weighted uplift."""

    auction_id: str


@attrs.frozen(kw_only=True)
class LotPrices:
    """What uplift needs of one lot: prices per unit and the quantity they multiply."""

    lot_id: str
    lot_number: int
    title: str
    quantity: Decimal
    unit: str
    start_price: Decimal
    final_price: Decimal | None  # None: not sold (or not closed yet)
    #: how contested the lot was (as the results count it: valid bids, their organisations, active offers)
    bids: int = 0
    bidders: frozenset[str] = frozenset()
    offers: int = 0


@attrs.frozen(kw_only=True)
class LotUplift:
    lot_id: str
    lot_number: int
    title: str
    quantity: Decimal
    unit: str
    start_price: Decimal
    final_price: Decimal | None
    start_value: Decimal
    final_value: Decimal | None
    uplift_percent: Decimal | None
    bids: int = 0
    bidders: int = 0
    offers: int = 0


@attrs.frozen(kw_only=True)
class AuctionUplift:
    """Per lot and for the auction: `weighted_uplift_percent` compares the sold lots' final value
    (price × quantity) with their start value, so a big lot weighs more than a small one."""

    auction: AuctionSummary
    lots: tuple[LotUplift, ...]
    lots_total: int
    lots_sold: int
    start_value_sold: Decimal
    final_value_sold: Decimal
    weighted_uplift_percent: Decimal | None
    mean_uplift_percent: Decimal | None
    #: competition over every lot: valid open bids, the organisations that bid (each once), active offers
    bids_total: int = 0
    bidders_total: int = 0
    offers_total: int = 0


percent = uplift_percent  # the results' uplift and the analytics' are one formula


def lot_uplift(lot: LotPrices) -> LotUplift:
    start_value = (lot.start_price * lot.quantity).quantize(CENT)
    final_value = None if lot.final_price is None else (lot.final_price * lot.quantity).quantize(CENT)
    return LotUplift(lot_id=lot.lot_id, lot_number=lot.lot_number, title=lot.title, quantity=lot.quantity,
                     unit=lot.unit, start_price=lot.start_price, final_price=lot.final_price,
                     start_value=start_value, final_value=final_value,
                     uplift_percent=None if lot.final_price is None else percent(lot.final_price, lot.start_price),
                     bids=lot.bids, bidders=len(lot.bidders), offers=lot.offers)


def summarize_uplift(auction: AuctionSummary, lots: Iterable[LotPrices]) -> AuctionUplift:
    """Per-lot uplift and the auction's: weighted by value over sold lots, and the plain mean of lots;
    beside them the competition — valid bids, the organisations that bid (each counted once), active offers."""
    ordered = sorted(lots, key=lambda x: x.lot_number)
    lines = tuple(lot_uplift(lot) for lot in ordered)
    sold = [line for line in lines if line.final_value is not None]
    start_value = sum((line.start_value for line in sold), Decimal(0))
    final_value = sum((line.final_value or Decimal(0) for line in sold), Decimal(0))
    weighted = percent(final_value, start_value) if sold and start_value > 0 else None
    mean = (sum((line.uplift_percent or Decimal(0) for line in sold), Decimal(0)) / len(sold)).quantize(CENT) \
        if sold else None
    return AuctionUplift(auction=auction, lots=lines, lots_total=len(lines), lots_sold=len(sold),
                         start_value_sold=start_value, final_value_sold=final_value,
                         weighted_uplift_percent=weighted, mean_uplift_percent=mean,
                         bids_total=sum(lot.bids for lot in ordered),
                         bidders_total=len(frozenset[str]().union(*(lot.bidders for lot in ordered))),
                         offers_total=sum(lot.offers for lot in ordered))


@handles(BrowseAllAuctions)
def browse_all_auctions(cmd: BrowseAllAuctions, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionPage:
    require(actor, Permission.AUCTION_MANAGE)
    return auction_page(uow, cmd.filter)


@handles(ShowUplift)
def show_uplift(cmd: ShowUplift, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionUplift:
    require(actor, Permission.AUCTION_MANAGE)
    with uow:
        auction = uow.auctions.get(cmd.auction_id)
        lots = uow.lots.for_auction(auction.id)
        prices = []
        for lot in lots:
            contest = competition_of(lot)
            final = (lot.result.amount.amount if lot.result is not None and lot.result.winner_organization_id
                     is not None and lot.result.amount is not None else None)
            prices.append(LotPrices(lot_id=lot.id, lot_number=lot.number, title=lot.title,
                                    quantity=lot.quantity.value, unit=lot.quantity.unit.value,
                                    start_price=lot.start_price.amount, final_price=final, bids=contest.bids,
                                    bidders=contest.bidders, offers=contest.offers))
        return summarize_uplift(AuctionSummary.of(auction, len(lots)), prices)

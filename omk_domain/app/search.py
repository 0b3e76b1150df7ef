"""Lot search: find lots the actor may see, keep the index current from events, rebuild it.

The index only proposes lot ids. Every proposed lot is loaded through the repositories and shown
through the same read model and policy as a lot page (`lot_view_for`), so a stale or over-broad
index can never show a client a lot of a draft auction, of an auction it is not admitted to, or
anything sealed: a hit carries only public terms, never price offers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import attrs

from omk_domain.app.bus import handles
from omk_domain.auctions.errors import AuctionNotFound, LotNotFound
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionStatus, ProductSpec
from omk_domain.auctions.views import lot_view_for
from omk_domain.identity.model import Actor
from omk_domain.identity.policy import Permission, require
from omk_domain.ports import AuctionFilter, LotSearch, OutboxMessage, UnitOfWork
from omk_domain.search import FacetCount, LotDocument, LotQuery, SearchScope, document_of
from omk_domain.shared.clock import Clock
from omk_domain.shared.messages import Command

#: events after which the indexed lot (lot.*) or all lots of the auction (auction.*) are indexed again
LOT_EVENTS = frozenset({"lot.added", "lot.edited", "lot.closed"})
AUCTION_EVENTS = frozenset({"auction.published", "auction.started", "auction.finished", "auction.cancelled",
                            "auction.results_approved"})
SEARCH_EVENTS = LOT_EVENTS | AUCTION_EVENTS
_PAGE = 500


@attrs.frozen(kw_only=True)
class SearchLots(Command):
    """Find lots by free text and filters, among those the actor may see."""

    query: LotQuery = attrs.field(factory=LotQuery)


@attrs.frozen(kw_only=True)
class ReindexLots(Command):
    """Rebuild the search index from every lot (after a restore, an upgrade, or to be sure)."""


@attrs.frozen(kw_only=True)
class LotHit:
    """A found lot, with only what every admitted participant may see."""

    lot_id: str
    auction_id: str
    auction_number: str
    auction_status: str
    lot_number: int
    title: str
    product: ProductSpec
    quantity: str
    start_price: Decimal
    bid_step: Decimal
    lot_status: str
    closes_at: datetime
    closes_at_original: datetime
    leading_amount: Decimal | None


@attrs.frozen(kw_only=True)
class LotSearchPage:
    """One page of found lots; `total` counts all found; facets count values per filter field."""

    items: tuple[LotHit, ...]
    total: int
    limit: int
    offset: int
    facets: dict[str, tuple[FacetCount, ...]]


@attrs.frozen(kw_only=True)
class ReindexReport:
    indexed: int
    auctions: int


def _hit(auction: Auction, lot: Lot, organization_id: str | None) -> LotHit:
    if organization_id is not None:
        view = lot_view_for(auction, lot, organization_id)  # LotNotFound when it may not see the lot
        leading = view.leading_amount
    else:
        top = lot.leader
        leading = top.amount.amount if top else None
    return LotHit(lot_id=lot.id, auction_id=auction.id, auction_number=auction.number,
                  auction_status=auction.status.value, lot_number=lot.number, title=lot.title,
                  product=lot.product, quantity=str(lot.quantity), start_price=lot.start_price.amount,
                  bid_step=lot.bid_step.amount, lot_status=lot.status.value, closes_at=lot.closes_at,
                  closes_at_original=lot.closes_at_original, leading_amount=leading)


def _auctions(uow: UnitOfWork) -> Iterator[Auction]:
    offset = 0
    while True:
        page = uow.auctions.list(AuctionFilter(limit=_PAGE, offset=offset))
        yield from page
        if len(page) < _PAGE:
            return
        offset += _PAGE


def visible_scope(actor: Actor, uow: UnitOfWork) -> SearchScope:
    """OMK staff: every lot. A client: lots of the published auctions it is admitted to (as `lot_view_for`)."""
    if actor.organization_id is None:
        return SearchScope()
    org = actor.organization_id
    return SearchScope(
        auction_ids=frozenset(a.id for a in _auctions(uow)
                              if a.status is not AuctionStatus.DRAFT and org in a.admissions),
        auction_statuses=frozenset(AuctionStatus) - {AuctionStatus.DRAFT})


@handles(SearchLots)
def search_lots(cmd: SearchLots, *, actor: Actor, uow: UnitOfWork, clock: Clock, search: LotSearch) -> LotSearchPage:
    require(actor, Permission.AUCTION_VIEW)
    # the index is asked between two transactions: an embedded index may share the database file
    # (SQLite lets one transaction at a time write, and ours begin as writers)
    with uow:
        scope = visible_scope(actor, uow)
    found = search.search(cmd.query, scope)
    hits: list[LotHit] = []
    with uow:
        auctions: dict[str, Auction] = {}
        for lot_id in found.lot_ids:
            try:
                lot = uow.lots.get(lot_id)
                auction = auctions.get(lot.auction_id) or uow.auctions.get(lot.auction_id)
                auctions[auction.id] = auction
                hits.append(_hit(auction, lot, actor.organization_id))
            except (LotNotFound, AuctionNotFound):
                continue  # gone, or not this actor's to see: a stale index entry shows nothing
    return LotSearchPage(items=tuple(hits), total=found.total, limit=cmd.query.limit,
                         offset=cmd.query.offset, facets=found.facets)


def all_documents(uow: UnitOfWork) -> Iterator[LotDocument]:
    """A document for every lot of every auction, read one auction per transaction (a unit of work
    keeps every aggregate it loaded, and fifty thousand lots are too many to keep at once)."""
    with uow:
        auctions = list(_auctions(uow))
    for auction in auctions:
        with uow:
            lots = uow.lots.for_auction(auction.id)
        yield from (document_of(auction, lot) for lot in lots)


@handles(ReindexLots)
def reindex_lots(cmd: ReindexLots, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                 search: LotSearch) -> ReindexReport:
    require(actor, Permission.AUCTION_MANAGE)
    documents = list(all_documents(uow))
    indexed = search.replace_all(documents)  # after the read transactions: see search_lots
    return ReindexReport(indexed=indexed, auctions=len({d.auction_id for d in documents}))


def update_lot_index(message: OutboxMessage, *, uow: UnitOfWork, search: LotSearch) -> bool:
    """Index again what an event changed, from the current state (so any order or a redelivery is
    harmless); a lot that is gone leaves the index. False for an event search does not follow."""
    if message.name not in SEARCH_EVENTS:
        return False
    payload = message.payload
    gone: list[str] = []
    documents: list[LotDocument] = []
    with uow:
        if message.name in LOT_EVENTS:
            try:
                lot = uow.lots.get(payload["lot_id"])
                documents.append(document_of(uow.auctions.get(lot.auction_id), lot))
            except (LotNotFound, AuctionNotFound):
                gone.append(payload["lot_id"])
        else:
            try:
                auction = uow.auctions.get(payload["auction_id"])
                documents.extend(document_of(auction, lot) for lot in uow.lots.for_auction(auction.id))
            except AuctionNotFound:
                pass
    # written after the read transaction: see search_lots
    if gone:
        search.remove(gone)
    if documents:
        search.index(documents)
    return True

"""Lot search: find lots the actor may see, keep the index current from events, rebuild it.

The index only proposes lot ids. The page's lots are then read from the repositories in one
batch (`LotRepository.summaries`), scoped for a client by the same rule as a lot page
(`lot_view_for`: no lot of a draft, nor of an auction it was never admitted to) in the query
itself, so a stale or over-broad index can never show a client a lot it may not see. A hit
carries only public terms and the leading open bid, never a price offer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from omk_domain.app.bus import handles
from omk_domain.auctions.errors import AuctionNotFound, LotNotFound
from omk_domain.auctions.model import Auction
from omk_domain.auctions.values import AuctionStatus, ProductSpec
from omk_domain.identity.model import Actor
from omk_domain.identity.policy import Permission, require
from omk_domain.ports import AuctionFilter, LotSearch, LotSummary, OutboxMessage, UnitOfWork
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


def _hit(lot: LotSummary) -> LotHit:
    return LotHit(lot_id=lot.lot_id, auction_id=lot.auction_id, auction_number=lot.auction_number,
                  auction_status=lot.auction_status.value, lot_number=lot.number, title=lot.title,
                  product=lot.product, quantity=str(lot.quantity), start_price=lot.start_price.amount,
                  bid_step=lot.bid_step.amount, lot_status=lot.status.value, closes_at=lot.closes_at,
                  closes_at_original=lot.closes_at_original,
                  leading_amount=lot.leading_amount.amount if lot.leading_amount is not None else None)


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
    return SearchScope(auction_ids=uow.auctions.ids_admitting(actor.organization_id),
                       auction_statuses=frozenset(AuctionStatus) - {AuctionStatus.DRAFT})


@handles(SearchLots)
def search_lots(cmd: SearchLots, *, actor: Actor, uow: UnitOfWork, clock: Clock, search: LotSearch) -> LotSearchPage:
    require(actor, Permission.AUCTION_VIEW)
    # the index is asked between two transactions: an embedded index may share the database file
    # (SQLite lets one transaction at a time write, and ours begin as writers); staff need none first
    scope = SearchScope()
    if actor.organization_id is not None:
        with uow.reading():
            scope = visible_scope(actor, uow)
    found = search.search(cmd.query, scope)
    summaries: Sequence[LotSummary] = ()
    if found.lot_ids:  # nothing to read for an empty page
        with uow.reading():
            # gone, or not this actor's to see (scoped in the query): a stale index entry shows nothing
            summaries = uow.lots.summaries(found.lot_ids, visible_to=actor.organization_id)
    return LotSearchPage(items=tuple(_hit(s) for s in summaries), total=found.total, limit=cmd.query.limit,
                         offset=cmd.query.offset, facets=found.facets)


def all_documents(uow: UnitOfWork) -> Iterator[LotDocument]:
    """A document for every lot of every auction, read one auction per transaction (a unit of work
    keeps every aggregate it loaded, and fifty thousand lots are too many to keep at once)."""
    with uow.reading():
        auctions = list(_auctions(uow))
    for auction in auctions:
        with uow.reading():
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
    with uow.reading():
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

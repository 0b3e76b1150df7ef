"""Batch reads for lists of lots: a page of lot summaries and the auctions admitting an organisation,
each in a few queries, scoped for a client exactly as a lot page (`lot_view_for`) scopes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from omk_adapters.memory.search import InMemoryLotSearch
from omk_adapters.search.sql import sql_lot_search
from omk_domain.app.auctions import (
    AddLots,
    AdmitOrganization,
    AnnulBid,
    CreateAuction,
    PlaceBid,
    PublishAuction,
    RevokeAdmission,
    SubmitOffer,
    ViewLot,
)
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.lot_import import LotDraft
from omk_domain.app.search import ReindexLots, SearchLots
from omk_domain.auctions.errors import LotNotFound
from omk_domain.auctions.values import AuctionFormat, AuctionStatus, LotStatus, ProductSpec
from omk_domain.auctions.views import lot_view_for
from omk_domain.ports import LotSearch, UnitOfWork
from omk_domain.search import LotQuery, SortOrder
from omk_domain.shared.money import Money, Quantity, Unit
from tests.contract.backends import Backend
from tests.contract.builders import STAFF, T0, Market, bidder, inn, open_market

pytestmark = pytest.mark.contract


def _auction(market: Market, number: str, *, admit: tuple[str, ...] = (), publish: bool = True) -> tuple[str, str]:
    """Another auction of the market with one lot, admitting `admit`; (auction id, lot id)."""
    bus = market.bus
    summary = bus.handle(CreateAuction(number=number, title="Трубы", format=AuctionFormat.MIXED,
                                       starts_at=T0 + timedelta(days=5), ends_at=T0 + timedelta(days=5, hours=2)),
                         STAFF)
    (view,) = bus.handle(AddLots(auction_id=summary.id, drafts=(LotDraft(
        row=2, number=1, title=f"Отвод {number}", product=ProductSpec(product_type="отвод", diameter_mm=219.0),
        quantity=Quantity(Decimal("7.5"), Unit.TONNE), start_price=Money.rub("91000.50"),
        bid_step=Money.rub("250"), floor_price=Money.rub("80000")),)), STAFF)
    for org in admit:
        bus.handle(AdmitOrganization(auction_id=summary.id, organization_id=org), STAFF)
    if publish:
        bus.handle(PublishAuction(auction_id=summary.id), STAFF)
    return summary.id, view.lot_id


def _orgs(market: Market) -> tuple[str, str, str]:
    """The market's two bidders, and a stranger registered but admitted nowhere."""
    stranger = market.bus.handle(RegisterOrganization(name="ООО Посторонний", inn=inn(99)), STAFF).id
    first, second = (b.organization_id for b in market.bidders)
    assert first is not None and second is not None
    return first, second, stranger


def test_summaries_come_in_the_order_asked_once_each_and_leave_out_unknown_ids(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    market = open_market(uow_factory, lots=3)
    first, second, third = market.lot_ids
    _, draft_lot = _auction(market, "A-2", publish=False)

    with uow_factory() as uow:
        found = uow.lots.summaries([third, "no-such-lot", draft_lot, first, third])
        assert uow.lots.summaries([]) == []

    assert [s.lot_id for s in found] == [third, draft_lot, first]  # the organiser's staff see drafts too
    assert second not in {s.lot_id for s in found}


def test_a_summary_carries_the_lots_public_terms_and_its_auction(uow_factory: Callable[[], UnitOfWork]) -> None:
    market = open_market(uow_factory)
    auction_id, lot_id = _auction(market, "A-2")

    with uow_factory() as uow:
        (summary,) = uow.lots.summaries([lot_id])
        lot, auction = uow.lots.get(lot_id), uow.auctions.get(auction_id)

    assert (summary.auction_id, summary.auction_number, summary.auction_status) == (
        auction.id, "A-2", AuctionStatus.SCHEDULED)
    assert (summary.number, summary.title, summary.product, summary.status) == (
        1, "Отвод A-2", lot.product, LotStatus.OPEN)
    assert summary.quantity == Quantity(Decimal("7.5"), Unit.TONNE)
    assert (summary.start_price, summary.bid_step) == (Money.rub("91000.50"), Money.rub("250"))
    assert (summary.closes_at, summary.closes_at_original) == (lot.closes_at, lot.closes_at_original)
    assert summary.leading_amount is None
    assert Money.rub("80000") not in attrs.astuple(summary, recurse=False)  # nor is the hidden floor


def test_the_leading_amount_is_the_last_valid_bid_and_never_a_sealed_offer(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    market = open_market(uow_factory, lots=3)
    bid_lot, annulled_lot, offer_lot = market.lot_ids
    one, two = market.bidders
    for who, amount in ((one, "85000"), (two, "86000"), (one, "87500")):
        market.bus.handle(PlaceBid(lot_id=bid_lot, amount=Money.rub(amount)), who)
    market.bus.handle(PlaceBid(lot_id=annulled_lot, amount=Money.rub("85000")), one)
    market.bus.handle(PlaceBid(lot_id=annulled_lot, amount=Money.rub("90000")), two)
    with uow_factory() as uow:
        top = uow.lots.get(annulled_lot).bids[-1].id
    market.bus.handle(AnnulBid(lot_id=annulled_lot, bid_id=top, reason="Ошибка оператора"), STAFF)
    market.bus.handle(SubmitOffer(lot_id=offer_lot, amount=Money.rub("84321.77")), two)

    with uow_factory() as uow:
        leading = {s.lot_id: s.leading_amount for s in uow.lots.summaries(market.lot_ids)}
        expected = {lot.id: lot.leader.amount if lot.leader else None
                    for lot in (uow.lots.get(i) for i in market.lot_ids)}

    assert leading == {bid_lot: Money.rub("87500"), annulled_lot: Money.rub("85000"), offer_lot: None}
    assert leading == expected


def test_a_client_gets_exactly_the_summaries_lot_view_for_would_show_it(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    market = open_market(uow_factory)  # running; both bidders admitted
    first, second, stranger = _orgs(market)
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("86000")), market.bidders[1])
    market.bus.handle(RevokeAdmission(auction_id=market.auction_id, organization_id=second), STAFF)
    _, only_first = _auction(market, "A-2", admit=(first,))
    _, draft = _auction(market, "A-3", admit=(first, second), publish=False)
    _, nobodys = _auction(market, "A-4")
    lot_ids = [market.lot_ids[0], only_first, draft, nobodys]

    for org, visible in ((first, [market.lot_ids[0], only_first]),
                         (second, [market.lot_ids[0]]),  # revoked: it still sees the lot, may not trade
                         (stranger, [])):
        with uow_factory() as uow:
            found = uow.lots.summaries(lot_ids, visible_to=org)
            shown = {}
            for lot_id in lot_ids:
                lot = uow.lots.get(lot_id)
                try:
                    shown[lot_id] = lot_view_for(uow.auctions.get(lot.auction_id), lot, org).leading_amount
                except LotNotFound:
                    continue
        assert [s.lot_id for s in found] == visible
        assert {s.lot_id: s.leading_amount.amount if s.leading_amount else None for s in found} == shown


def test_summaries_include_what_the_unit_of_work_changed_before_asking(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    market = open_market(uow_factory)
    (lot_id,) = market.lot_ids

    with uow_factory() as uow:
        lot = uow.lots.get(lot_id)
        lot.title = "Труба 530x8, партия 1 (уточнено)"
        (summary,) = uow.lots.summaries([lot_id])

    assert summary.title == "Труба 530x8, партия 1 (уточнено)"


def test_the_auctions_admitting_an_organisation_are_its_published_ones_revoked_or_not(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    market = open_market(uow_factory)
    first, second, stranger = _orgs(market)
    market.bus.handle(RevokeAdmission(auction_id=market.auction_id, organization_id=second), STAFF)
    only_first, _ = _auction(market, "A-2", admit=(first,))
    _auction(market, "A-3", admit=(first, second), publish=False)  # a draft admits nobody yet
    _auction(market, "A-4")

    with uow_factory() as uow:
        assert uow.auctions.ids_admitting(first) == frozenset({market.auction_id, only_first})
        assert uow.auctions.ids_admitting(second) == frozenset({market.auction_id})
        assert uow.auctions.ids_admitting(stranger) == frozenset()
        assert uow.auctions.ids_admitting("no-such-organisation") == frozenset()


def test_a_client_search_shows_each_lot_as_its_lot_page_does_even_after_its_admission_was_revoked(
        backend: Backend) -> None:
    market = open_market(backend.uow_factory, lots=2)
    first, second, stranger = _orgs(market)
    one, two = market.bidders
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("86000")), one)
    market.bus.handle(RevokeAdmission(auction_id=market.auction_id, organization_id=second), STAFF)
    _auction(market, "A-2", publish=False, admit=(first, second))  # a draft's lots stay hidden
    search: LotSearch = InMemoryLotSearch() if not backend.is_sql else sql_lot_search(backend.engines[0])
    bus = MessageBus(uow_factory=backend.uow_factory, clock=market.clock, deps={"search": search})
    bus.handle(ReindexLots(), STAFF)

    for who in (one, two):
        page = bus.handle(SearchLots(query=LotQuery(text="труба", sort=SortOrder.NUMBER)), who)
        pages = [bus.handle(ViewLot(lot_id=lot_id), who) for lot_id in market.lot_ids]
        assert page.total == 2
        assert [(h.lot_id, h.lot_number, h.leading_amount) for h in page.items] == [
            (v.lot_id, v.number, v.leading_amount) for v in pages]
        assert page.items[0].leading_amount == Decimal("86000")
    nobody = bus.handle(SearchLots(query=LotQuery(text="труба")), bidder(stranger))
    assert (nobody.total, nobody.items) == (0, ())
    assert len(bus.handle(SearchLots(query=LotQuery(text="труба")), STAFF).items) == 2

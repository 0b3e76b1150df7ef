"""Browsing auctions: the client's scope is in the query itself, pages count right, ranges overlap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_domain.app.auctions import (
    AddLots,
    AdmitOrganization,
    BrowseAuctions,
    CreateAuction,
    PageInvalid,
    PublishAuction,
)
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.lot_import import LotDraft
from omk_domain.auctions.values import AuctionFormat, ProductSpec
from omk_domain.ports import AuctionFilter, UnitOfWork
from omk_domain.shared.money import Money, Quantity, Unit
from tests.contract.builders import STAFF, T0, bidder, inn

pytestmark = pytest.mark.contract


def _market(uow_factory: Callable[[], UnitOfWork]) -> tuple[MessageBus, list[str], list[str]]:
    """Five auctions a day apart; org 0 admitted to the published even ones, org 1 to none; #4 a draft."""
    bus = MessageBus(uow_factory=uow_factory, clock=ManualClock(T0 - timedelta(days=3)))
    orgs = [bus.handle(RegisterOrganization(name=f"ООО Участник {i}", inn=inn(i)), STAFF).id for i in range(2)]
    ids = []
    for n in range(5):
        summary = bus.handle(CreateAuction(number=f"A-{n}", title=f"Трубы {n}", format=AuctionFormat.OPEN,
                                           starts_at=T0 + timedelta(days=n),
                                           ends_at=T0 + timedelta(days=n, hours=30)), STAFF)
        bus.handle(AddLots(auction_id=summary.id, drafts=(LotDraft(
            row=2, number=1, title="Труба 530x8", product=ProductSpec(product_type="труба"),
            quantity=Quantity(Decimal("10"), Unit.TONNE), start_price=Money.rub("85000"), bid_step=Money.rub("500"),
            floor_price=None),)), STAFF)
        if n % 2 == 0:
            bus.handle(AdmitOrganization(auction_id=summary.id, organization_id=orgs[0]), STAFF)
        if n != 4:
            bus.handle(PublishAuction(auction_id=summary.id), STAFF)
        ids.append(summary.id)
    return bus, ids, orgs


def test_a_client_pages_through_only_the_published_auctions_it_is_admitted_to(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, ids, orgs = _market(uow_factory)
    first = bus.handle(BrowseAuctions(filter=AuctionFilter(limit=1)), bidder(orgs[0]))
    second = bus.handle(BrowseAuctions(filter=AuctionFilter(limit=1, offset=1)), bidder(orgs[0]))
    assert first.total == second.total == 2  # A-4 is admitted but still a draft
    assert [a.id for a in first.items + second.items] == [ids[0], ids[2]]
    stranger = bus.handle(BrowseAuctions(filter=AuctionFilter()), bidder(orgs[1]))
    assert stranger.total == 0
    assert stranger.items == ()


def test_staff_see_every_auction_and_drafts(uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, ids, _ = _market(uow_factory)
    page = bus.handle(BrowseAuctions(filter=AuctionFilter(limit=3)), STAFF)
    assert page.total == 5
    assert [a.id for a in page.items] == ids[:3]


def test_a_date_range_finds_the_auctions_running_in_it(uow_factory: Callable[[], UnitOfWork]) -> None:
    """Auction n runs from day n for 30 hours: a window on day 2 overlaps auctions 1 and 2."""
    bus, ids, _ = _market(uow_factory)
    window = AuctionFilter(ends_from=T0 + timedelta(days=2, hours=1), starts_until=T0 + timedelta(days=2, hours=2))
    page = bus.handle(BrowseAuctions(filter=window), STAFF)
    assert [a.id for a in page.items] == [ids[1], ids[2]]
    assert page.total == 2


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1)])
def test_a_page_out_of_bounds_is_refused(uow_factory: Callable[[], UnitOfWork], limit: int, offset: int) -> None:
    bus, _, _ = _market(uow_factory)
    with pytest.raises(PageInvalid):
        bus.handle(BrowseAuctions(filter=AuctionFilter(limit=limit, offset=offset)), STAFF)


def test_lot_counts_of_many_auctions_come_from_one_query_and_match_one_by_one(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    _, ids, _ = _market(uow_factory)
    with uow_factory() as uow:
        counts = uow.lots.counts_for_auctions([*ids, "no-such-auction"])
        assert counts == {i: uow.lots.count_for_auction(i) for i in ids}
        assert uow.lots.counts_for_auctions([]) == {}


def test_a_query_commits_no_messages_so_the_bus_does_not_relay(uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, ids, _ = _market(uow_factory)
    relayed: list[int] = []
    quiet = MessageBus(uow_factory=uow_factory, clock=bus.clock, after_commit=lambda: relayed.append(1))
    quiet.handle(BrowseAuctions(filter=AuctionFilter()), STAFF)
    assert relayed == []
    quiet.handle(PublishAuction(auction_id=ids[4]), STAFF)  # the draft: its publication is an event
    assert relayed == [1]

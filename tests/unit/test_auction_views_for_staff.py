"""Auction lists check their page once, with one error; OMK staff who may only view read the organiser's
views of an auction and its lots without the sealed price offers — the use case decides, not a template."""

from __future__ import annotations

from typing import Any

import pytest

from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.auctions import (
    PAGE_LIMIT_MAX,
    BrowseAuctions,
    ListAuctions,
    PageInvalid,
    ShowAuction,
    SubmitOffer,
    checked_page,
    sees_sealed_offers,
)
from omk_domain.app.browse import ViewAuction
from omk_domain.app.cabinet import BrowseAllAuctions
from omk_domain.app.lot_page import ShowLotPage
from omk_domain.identity.model import Actor, Role
from omk_domain.identity.policy import Permission
from omk_domain.ports import AuctionFilter
from omk_domain.shared.errors import Forbidden
from omk_domain.shared.money import Money
from tests.contract.builders import STAFF, Market, open_market

pytestmark = pytest.mark.unit

SUPPORT = Actor(user_id="support", role=Role.SUPPORT)
MANAGER = Actor(user_id="manager", role=Role.ACCOUNT_MANAGER)
STAFF_VIEW_TOKEN = Actor(user_id="staff", role=Role.ORGANISER, limit={Permission.AUCTION_VIEW})


@pytest.fixture()
def market() -> Market:
    store = MemoryStore()
    return open_market(lambda: MemoryUnitOfWork(store), lots=2, floor="70000")


# --- the page of a list -----------------------------------------------------------------------------

@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (PAGE_LIMIT_MAX + 1, 0), (10, -1)])
@pytest.mark.parametrize("command", [BrowseAuctions, ListAuctions, BrowseAllAuctions])
def test_every_list_of_auctions_refuses_a_page_out_of_bounds_with_the_same_error(
        market: Market, command: Any, limit: int, offset: int) -> None:
    with pytest.raises(PageInvalid) as refused:
        market.bus.handle(command(filter=AuctionFilter(limit=limit, offset=offset)), STAFF)
    assert refused.value.code == "page_invalid"


@pytest.mark.parametrize("limit", [1, PAGE_LIMIT_MAX])
def test_the_bounds_themselves_are_a_valid_page(market: Market, limit: int) -> None:
    flt = AuctionFilter(limit=limit, offset=0)
    assert checked_page(flt) is flt
    page = market.bus.handle(BrowseAuctions(filter=flt), STAFF)
    assert page.limit == limit and page.total == 1


def test_who_may_not_view_is_refused_before_the_page_is_looked_at(market: Market) -> None:
    logistics = Actor(user_id="l", role=Role.LOGISTICS, organization_id=market.bidders[0].organization_id)
    with pytest.raises(Forbidden):
        market.bus.handle(BrowseAuctions(filter=AuctionFilter(limit=0)), logistics)


# --- staff who may only view -----------------------------------------------------------------------

def _offers(market: Market) -> str:
    lot = market.lot_ids[1]
    market.bus.handle(SubmitOffer(lot_id=lot, amount=Money.rub("77123")), market.bidders[0])
    return lot


def test_only_staff_who_manage_auctions_see_sealed_offers() -> None:
    assert sees_sealed_offers(STAFF)
    assert not sees_sealed_offers(SUPPORT) and not sees_sealed_offers(MANAGER)
    assert not sees_sealed_offers(STAFF_VIEW_TOKEN)


@pytest.mark.parametrize("viewer", [SUPPORT, MANAGER, STAFF_VIEW_TOKEN])
def test_view_only_staff_read_the_auction_and_its_lots_without_offers(market: Market, viewer: Actor) -> None:
    lot = _offers(market)
    details = market.bus.handle(ShowAuction(auction_id=market.auction_id), viewer)
    overview = market.bus.handle(ViewAuction(auction_id=market.auction_id), viewer)
    page = market.bus.handle(ShowLotPage(lot_id=lot), viewer)
    assert details.view_only and overview.view_only and page.view_only
    assert [len(x.offers) for x in details.lots] == [0, 0] == [len(x.offers) for x in overview.admin_lots]
    assert page.staff is not None and page.staff.offers == ()
    assert [x.number for x in details.lots] == [1, 2]
    # the hidden floor price is sealed too: offers are measured against it
    assert [x.floor_price for x in (*details.lots, *overview.admin_lots, page.staff)] == [None] * 5


def test_the_organiser_reads_them_with_every_offer(market: Market) -> None:
    lot = _offers(market)
    details = market.bus.handle(ShowAuction(auction_id=market.auction_id), STAFF)
    overview = market.bus.handle(ViewAuction(auction_id=market.auction_id), STAFF)
    page = market.bus.handle(ShowLotPage(lot_id=lot), STAFF)
    assert not details.view_only and not overview.view_only and not page.view_only
    assert [str(o.amount) for x in details.lots for o in x.offers] == ["77123.00"]
    assert [str(o.amount) for x in overview.admin_lots for o in x.offers] == ["77123.00"]
    assert page.staff is not None and len(page.staff.offers) == 1
    assert {str(x.floor_price) for x in (*details.lots, *overview.admin_lots, page.staff)} == {"70000.00"}


def test_a_client_still_gets_no_organisers_view(market: Market) -> None:
    with pytest.raises(Forbidden):
        market.bus.handle(ShowAuction(auction_id=market.auction_id), market.bidders[0])

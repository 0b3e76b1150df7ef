"""Replacing a price offer by an open bid is one transaction on every adapter: both happen or neither."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omk_domain.app.auctions import (
    ListBids,
    PlaceBid,
    ReplaceOfferWithBid,
    SubmitOffer,
    ViewLot,
    WithdrawOffer,
)
from omk_domain.auctions import errors
from omk_domain.ports import UnitOfWork
from omk_domain.shared.money import Money
from tests.contract.builders import STAFF, open_market

pytestmark = pytest.mark.contract


def test_replacing_an_offer_by_a_bid_withdraws_the_offer_and_places_the_bid_together(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    market = open_market(uow_factory)
    anna, lot = market.bidders[0], market.lot_ids[0]
    offer = market.bus.handle(SubmitOffer(lot_id=lot, amount=Money.rub("80000")), anna)
    done = market.bus.handle(ReplaceOfferWithBid(lot_id=lot, offer_id=offer.item_id, amount=Money.rub("85000"),
                                                 client_key="click-1"), anna)
    view = market.bus.handle(ViewLot(lot_id=lot), anna)
    assert done.kind == "bid" and view.i_lead
    assert view.my_offer is not None and view.my_offer.status == "replaced"
    again = market.bus.handle(ReplaceOfferWithBid(lot_id=lot, offer_id=offer.item_id, amount=Money.rub("85000"),
                                                  client_key="click-1"), anna)
    assert again.replayed and again.item_id == done.item_id


def test_a_refused_bid_leaves_the_offer_active(uow_factory: Callable[[], UnitOfWork]) -> None:
    market = open_market(uow_factory)
    anna, lot = market.bidders[0], market.lot_ids[0]
    offer = market.bus.handle(SubmitOffer(lot_id=lot, amount=Money.rub("80000")), anna)
    with pytest.raises(errors.BidBelowStartPrice):
        market.bus.handle(ReplaceOfferWithBid(lot_id=lot, offer_id=offer.item_id, amount=Money.rub("84000")), anna)
    view = market.bus.handle(ViewLot(lot_id=lot), anna)
    assert view.my_offer is not None and view.my_offer.status == "active"
    assert view.bids == ()


def test_an_offer_no_longer_active_or_another_organisations_cannot_be_replaced(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    market = open_market(uow_factory)
    anna, boris, lot = market.bidders[0], market.bidders[1], market.lot_ids[0]
    offer = market.bus.handle(SubmitOffer(lot_id=lot, amount=Money.rub("80000")), anna)
    with pytest.raises(errors.OfferNotFound):
        market.bus.handle(ReplaceOfferWithBid(lot_id=lot, offer_id=offer.item_id, amount=Money.rub("85000")), boris)
    market.bus.handle(WithdrawOffer(lot_id=lot, offer_id=offer.item_id), anna)
    with pytest.raises(errors.OfferNotActive):
        market.bus.handle(ReplaceOfferWithBid(lot_id=lot, offer_id=offer.item_id, amount=Money.rub("85000")), anna)
    market.bus.handle(PlaceBid(lot_id=lot, amount=Money.rub("85000")), boris)
    assert len(market.bus.handle(ListBids(auction_id=market.auction_id), STAFF)[0].bids) == 1

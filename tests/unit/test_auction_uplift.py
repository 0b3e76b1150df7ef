"""Uplift analytics: final vs start price per lot, and per auction weighted by lot value."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.auctions import AnnulBid, AuctionSummary, PlaceBid, ShowResults, SubmitOffer
from omk_domain.app.cabinet import BrowseAllAuctions, LotPrices, ShowUplift, percent, summarize_uplift
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.ports import AuctionFilter
from omk_domain.shared.errors import DomainError, Forbidden
from omk_domain.shared.money import Money
from tests.contract.builders import STAFF, T0, open_market

pytestmark = pytest.mark.unit

SUMMARY = AuctionSummary(id="a", number="A-1", title="Трубы", format="mixed", status="finished", starts_at=T0,
                         ends_at=T0 + timedelta(hours=2), soft_close_window_min=0, soft_close_extension_min=0,
                         soft_close_cap_min=None, auto_approve=False, description="", cancel_reason=None,
                         lot_count=3, admitted=2)


def prices(number: int, quantity: str, start: str, final: str | None) -> LotPrices:
    return LotPrices(lot_id=f"lot-{number}", lot_number=number, title=f"Лот {number}", quantity=Decimal(quantity),
                     unit="t", start_price=Decimal(start), final_price=None if final is None else Decimal(final))


def test_percent_is_the_relative_change_to_the_cent() -> None:
    assert percent(Decimal("90100"), Decimal("85000")) == Decimal("6.00")
    assert percent(Decimal("85000"), Decimal("85000")) == Decimal("0.00")
    assert percent(Decimal("80000"), Decimal("85000")) == Decimal("-5.88")


def test_the_auction_uplift_weighs_each_sold_lot_by_its_value() -> None:
    uplift = summarize_uplift(SUMMARY, [
        prices(2, "1", "1000", "2000"),      # +100 % on a tiny lot
        prices(1, "100", "1000", "1010"),    # +1 % on a big lot
        prices(3, "50", "1000", None),       # unsold: not in the auction's figures
    ])
    assert [lot.lot_number for lot in uplift.lots] == [1, 2, 3]
    assert uplift.lots[0].uplift_percent == Decimal("1.00")
    assert uplift.lots[1].uplift_percent == Decimal("100.00")
    assert uplift.lots[2].uplift_percent is None and uplift.lots[2].final_value is None
    assert uplift.start_value_sold == Decimal("101000.00")
    assert uplift.final_value_sold == Decimal("103000.00")
    assert uplift.weighted_uplift_percent == Decimal("1.98")  # 2 000 / 101 000, not the 50.5 % plain mean
    assert uplift.mean_uplift_percent == Decimal("50.50")
    assert (uplift.lots_sold, uplift.lots_total) == (2, 3)


def test_an_auction_with_nothing_sold_has_no_uplift() -> None:
    uplift = summarize_uplift(SUMMARY, [prices(1, "10", "1000", None)])
    assert uplift.weighted_uplift_percent is None
    assert uplift.mean_uplift_percent is None
    assert uplift.start_value_sold == Decimal(0)


def test_show_uplift_reads_the_results_of_a_finished_auction() -> None:
    store = MemoryStore()
    market = open_market(lambda: MemoryUnitOfWork(store), lots=2)
    anna, boris = market.bidders
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("85000")), anna)
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("93500")), boris)
    market.bus.handle(SubmitOffer(lot_id=market.lot_ids[1], amount=Money.rub("80000")), anna)
    market.clock.set(market.ends_at + timedelta(minutes=1))
    run_due_transitions(market.uow_factory, market.clock)

    uplift = market.bus.handle(ShowUplift(auction_id=market.auction_id), STAFF)

    assert [lot.final_price for lot in uplift.lots] == [Decimal("93500.00"), Decimal("80000.00")]
    assert [lot.uplift_percent for lot in uplift.lots] == [Decimal("10.00"), Decimal("-5.88")]
    assert uplift.weighted_uplift_percent == Decimal("2.06")  # (9 350 000 + 8 000 000) / 17 000 000 − 1
    # competition, as the results count it: lot 1 — two valid bids by Anna and Boris; lot 2 — one offer
    assert [(lot.bids, lot.bidders, lot.offers) for lot in uplift.lots] == [(2, 2, 0), (0, 0, 1)]
    assert (uplift.bids_total, uplift.bidders_total, uplift.offers_total) == (2, 2, 1)
    results = market.bus.handle(ShowResults(auction_id=market.auction_id), STAFF)
    assert [(line.bids, line.bidders, line.offers, line.uplift_percent) for line in results.lines] == [
        (lot.bids, lot.bidders, lot.offers, lot.uplift_percent) for lot in uplift.lots]  # one definition


def test_an_organisation_bidding_on_two_lots_is_one_bidder_of_the_auction() -> None:
    store = MemoryStore()
    market = open_market(lambda: MemoryUnitOfWork(store), lots=2)
    anna, boris = market.bidders
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("85000")), anna)
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[1], amount=Money.rub("85000")), anna)
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[1], amount=Money.rub("85500")), boris)
    uplift = market.bus.handle(ShowUplift(auction_id=market.auction_id), STAFF)
    assert [lot.bidders for lot in uplift.lots] == [1, 2]
    assert (uplift.bids_total, uplift.bidders_total) == (3, 2)


def test_an_annulled_bid_and_a_bidder_whose_only_bid_was_annulled_are_not_counted() -> None:
    store = MemoryStore()
    market = open_market(lambda: MemoryUnitOfWork(store), lots=1, bidders=3)
    anna, boris, vera = market.bidders
    lot = market.lot_ids[0]
    market.bus.handle(PlaceBid(lot_id=lot, amount=Money.rub("85000")), anna)
    annulled = market.bus.handle(PlaceBid(lot_id=lot, amount=Money.rub("85500")), boris)
    market.bus.handle(AnnulBid(lot_id=lot, bid_id=annulled.item_id, reason="ошибка оператора"), STAFF)
    market.bus.handle(PlaceBid(lot_id=lot, amount=Money.rub("85500")), vera)
    uplift = market.bus.handle(ShowUplift(auction_id=market.auction_id), STAFF)
    assert (uplift.lots[0].bids, uplift.lots[0].bidders) == (2, 2)  # Boris's only bid was annulled


def test_show_uplift_while_trading_shows_no_final_prices_yet() -> None:
    store = MemoryStore()
    market = open_market(lambda: MemoryUnitOfWork(store), lots=1)
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("85000")), market.bidders[0])
    uplift = market.bus.handle(ShowUplift(auction_id=market.auction_id), STAFF)
    assert uplift.lots[0].final_price is None
    assert uplift.lots_sold == 0


def test_only_the_organiser_sees_uplift_and_the_list_of_every_auction() -> None:
    store = MemoryStore()
    market = open_market(lambda: MemoryUnitOfWork(store), lots=1)
    client = market.bidders[0]
    with pytest.raises(Forbidden):
        market.bus.handle(ShowUplift(auction_id=market.auction_id), client)
    with pytest.raises(Forbidden):
        market.bus.handle(BrowseAllAuctions(), client)
    with pytest.raises(Forbidden):
        market.bus.handle(ShowUplift(auction_id="no-such-auction"), client)  # same answer for a missing id


def test_the_organisers_list_holds_every_status_and_refuses_a_bad_page() -> None:
    store = MemoryStore()
    market = open_market(lambda: MemoryUnitOfWork(store), lots=1)
    found = market.bus.handle(BrowseAllAuctions(filter=AuctionFilter(limit=10)), STAFF)
    assert [a.number for a in found.items] == ["A-1"] and found.total == 1
    with pytest.raises(DomainError) as refused:
        market.bus.handle(BrowseAllAuctions(filter=AuctionFilter(limit=0)), STAFF)
    assert refused.value.code == "page_invalid"

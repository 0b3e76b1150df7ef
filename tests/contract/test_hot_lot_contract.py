"""Bids on one hot lot are serialised on every adapter: the lot loaded for update holds other
writers back (a row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite, the store lock in memory), so
of equal bids exactly one wins and a storm of rising bids loses and duplicates nothing."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest

from omk_domain.app.auctions import AnnulBid, EditOffer, PlaceBid, SubmitOffer, WithdrawOffer
from omk_domain.app.bus import MessageBus
from omk_domain.auctions import errors
from omk_domain.auctions.journal import verify_chain
from omk_domain.identity.model import Actor
from omk_domain.shared.money import Money
from tests.contract.backends import Backend
from tests.contract.builders import STAFF, T0, all_at_once, open_market

pytestmark = pytest.mark.contract

REFUSALS = (errors.BidBelowStep, errors.LeaderCannotOutbidItself)


def test_a_lot_loaded_for_update_holds_back_a_second_writer_until_commit(backend: Backend) -> None:
    market = open_market(backend.uow_factory)
    lot_id = market.lot_ids[0]
    second_got_it = threading.Event()

    def second_writer() -> None:
        with backend.uow_factory() as uow:
            uow.lots.get(lot_id, for_update=True)
            second_got_it.set()

    with backend.uow_factory() as uow:
        uow.lots.get(lot_id, for_update=True)
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not second_got_it.wait(0.3), "a second writer got the lot while the first held it"
        uow.commit()
    thread.join(10)
    assert second_got_it.is_set()


def test_of_equal_concurrent_bids_exactly_one_is_accepted(backend: Backend) -> None:
    market = open_market(backend.uow_factory, bidders=8)
    lot_id = market.lot_ids[0]

    outcomes = all_at_once([lambda a=a: market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000")), a)
                            for a in market.bidders])

    accepted = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(accepted) == 1
    assert all(isinstance(o, errors.BidBelowStep) for o in outcomes if isinstance(o, Exception)), outcomes
    with backend.uow_factory() as uow:
        assert [b.id for b in uow.lots.get(lot_id).bids] == [accepted[0].item_id]


@pytest.mark.slow
def test_a_storm_of_rising_bids_keeps_every_accepted_bid_once_in_rising_order(backend: Backend) -> None:
    market = open_market(backend.uow_factory, bidders=16, start="100000", step="100")
    lot_id = market.lot_ids[0]
    market.clock.set(T0 + (market.ends_at - T0) / 2)

    def bidder(actor: Actor, seed: int, uow_factory: Callable[[], Any]) -> list[Any]:
        rng, accepted = random.Random(seed), []
        for _ in range(5):
            with uow_factory() as uow:
                top = uow.lots.get(lot_id).leader
            amount = Decimal("100000") if top is None else top.amount.amount + 100 * rng.randint(1, 3)
            try:
                accepted.append(market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money(amount)), actor))
            except REFUSALS:
                continue
        return accepted

    results = all_at_once([lambda a=a, i=i: bidder(a, i, backend.uow_factory)
                           for i, a in enumerate(market.bidders)], timeout=120)

    assert not [r for r in results if isinstance(r, Exception)], results
    accepted = [bid for per_thread in results for bid in per_thread]
    with backend.uow_factory() as uow:
        the_lot = uow.lots.get(lot_id)
        entries = uow.journal.entries(lot_id)
    assert sorted(b.id for b in the_lot.bids) == sorted(a.item_id for a in accepted)
    amounts = [b.amount.amount for b in the_lot.bids]
    assert all(later > earlier for earlier, later in pairwise(amounts))
    assert [Decimal(e.data["amount"]) for e in entries if e.kind == "bid"] == amounts
    assert verify_chain(lot_id, entries, head_hash=the_lot.journal_hash).ok
    placed = [m.payload["bid_id"] for m in backend.outbox.pending(100_000) if m.name == "lot.bid_placed"]
    assert sorted(placed) == sorted(a.item_id for a in accepted)


def test_a_lot_changed_by_another_process_is_never_served_from_a_stale_cache(backend: Backend) -> None:
    """Each process caches a lot's bids under the lot's version; the other process's bids win."""
    market = open_market(backend.uow_factory, bidders=3)
    lot_id, (first, second, third) = market.lot_ids[0], market.bidders
    here = market.bus
    there = MessageBus(uow_factory=backend.another_process(), clock=market.clock)

    here.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000")), first)   # cached here
    there.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("86000")), second)  # the other process bids
    with pytest.raises(errors.BidBelowStep):  # a stale cache would see 85 000 as the leader
        here.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85500")), third)
    here.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("86500")), third)
    there.handle(AnnulBid(lot_id=lot_id, bid_id=_bid_of(backend, lot_id, "86500.00"), reason="ошибка"), STAFF)

    with pytest.raises(errors.LeaderCannotOutbidItself):  # here must see the annulment: second leads
        here.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("87000")), second)
    with backend.uow_factory() as uow:
        lot = uow.lots.get(lot_id, for_update=True)
        assert [(str(b.amount.amount), b.valid) for b in lot.bids] == [
            ("85000.00", True), ("86000.00", True), ("86500.00", False)]
        assert verify_chain(lot_id, uow.journal.entries(lot_id), head_hash=lot.journal_hash).ok


def _bid_of(backend: Backend, lot_id: str, amount: str) -> str:
    with backend.uow_factory() as uow:
        return next(b.id for b in uow.lots.get(lot_id).bids if str(b.amount.amount) == amount)


def test_an_offer_changed_by_another_process_is_never_served_from_a_stale_cache(backend: Backend) -> None:
    market = open_market(backend.uow_factory, bidders=2)
    lot_id, (first, second) = market.lot_ids[0], market.bidders
    here = market.bus
    there = MessageBus(uow_factory=backend.another_process(), clock=market.clock)

    offer = here.handle(SubmitOffer(lot_id=lot_id, amount=Money.rub("80000")), first)  # cached here
    there.handle(WithdrawOffer(lot_id=lot_id, offer_id=offer.item_id), first)  # withdrawn over there

    with pytest.raises(errors.OfferNotActive):  # a stale cache would still see it active
        here.handle(EditOffer(lot_id=lot_id, offer_id=offer.item_id, amount=Money.rub("81000")), first)
    here.handle(SubmitOffer(lot_id=lot_id, amount=Money.rub("82000")), first)  # one active again: allowed
    there.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000")), second)
    with pytest.raises(errors.OffersClosedByOpenBid):  # here must see the other process's bid
        here.handle(SubmitOffer(lot_id=lot_id, amount=Money.rub("83000")), second)


def test_a_cache_several_versions_behind_reads_exactly_what_a_fresh_process_reads(backend: Backend) -> None:
    """The other process bids, annuls an old bid and bids again; here reads only what changed
    since its cached version and must end with the same bids and offers as a process with no cache."""
    market = open_market(backend.uow_factory, bidders=3)
    lot_id, (first, second, third) = market.lot_ids[0], market.bidders
    here = market.bus
    there = MessageBus(uow_factory=backend.another_process(), clock=market.clock)

    here.handle(SubmitOffer(lot_id=lot_id, amount=Money.rub("80000")), third)
    here.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000")), first)  # cached here at this version
    there.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("86000")), second)
    there.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("87000")), first)
    there.handle(AnnulBid(lot_id=lot_id, bid_id=_bid_of(backend, lot_id, "85000.00"), reason="ошибка"), STAFF)
    there.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("88000")), second)

    here.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("89000")), first)  # read onto the cached version

    def seen(uow_factory: Callable[[], Any]) -> list[tuple[str, bool]]:
        with uow_factory() as uow:
            lot = uow.lots.get(lot_id, for_update=True)
            return [(str(b.amount.amount), b.valid) for b in lot.bids] + [
                (str(o.amount.amount), o.status.value) for o in lot.offers]

    expected = [("85000.00", False), ("86000.00", True), ("87000.00", True), ("88000.00", True),
                ("89000.00", True), ("80000.00", "active")]
    assert seen(backend.uow_factory) == expected
    assert seen(backend.another_process()) == expected

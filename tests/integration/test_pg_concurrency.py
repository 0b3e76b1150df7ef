"""PostgreSQL under concurrent load, through the real use cases: bids on one hot lot are
serialised by the lot's row lock, none is lost or duplicated, and the scheduler closes each lot
exactly once however many schedulers race (threads or separate engines), even across a crash."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from omk_adapters.sql import tables as t
from omk_adapters.sql.errors import ConcurrentUpdate
from omk_adapters.sql.uow import SqlAlchemyUnitOfWork, make_session_factory
from omk_domain.app.auctions import PlaceBid
from omk_domain.app.scheduler import TickReport, run_due_transitions
from omk_domain.auctions import errors
from omk_domain.auctions.journal import verify_chain
from omk_domain.auctions.values import AuctionStatus, LotStatus
from omk_domain.identity.model import Actor
from omk_domain.ports import UnitOfWork
from omk_domain.shared.money import Money
from tests.contract.backends import Backend, sql_backend
from tests.contract.builders import T0, Market, all_at_once, auction, open_market

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

THREADS = 32
MINUTE = timedelta(minutes=1)


@pytest.fixture()
def pg(postgres_url: str) -> Iterator[Backend]:
    backend = sql_backend("postgres", postgres_url)
    try:
        yield backend
    finally:
        backend.close()


def engine_of(backend: Backend) -> sa.Engine:
    return backend.engines[0]


def bid_rows(backend: Backend, lot_id: str) -> list[Any]:
    with engine_of(backend).connect() as conn:
        return list(conn.execute(sa.select(t.bids.c.id, t.bids.c.amount, t.bids.c.position)
                                 .where(t.bids.c.lot_id == lot_id).order_by(t.bids.c.position)))


# --- hot lot --------------------------------------------------------------------------------

@pytest.mark.parametrize(("same_organisation", "refusal"), [
    pytest.param(False, errors.BidBelowStep, id="different organisations"),
    pytest.param(True, errors.LeaderCannotOutbidItself, id="one organisation, two users"),
])
def test_concurrent_bids_of_the_same_amount_accept_exactly_one(pg: Backend, same_organisation: bool,
                                                                refusal: type[Exception]) -> None:
    market = open_market(pg.uow_factory, bidders=16)
    lot_id = market.lot_ids[0]
    if same_organisation:
        org = market.bidders[0].organization_id
        actors = [Actor(user_id=f"user-{i}", role=market.bidders[0].role, organization_id=org) for i in range(16)]
    else:
        actors = market.bidders

    outcomes = all_at_once([lambda a=a: market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000")), a)
                            for a in actors])

    accepted = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(accepted) == 1
    assert refused and all(isinstance(o, refusal) for o in refused), {type(o).__name__ for o in refused}
    assert [r.id for r in bid_rows(pg, lot_id)] == [accepted[0].item_id]


@pytest.mark.slow
def test_a_storm_of_rising_bids_loses_and_duplicates_nothing(pg: Backend) -> None:
    market = open_market(pg.uow_factory, bidders=THREADS, start="100000", step="100")
    lot_id = market.lot_ids[0]
    market.clock.set(T0 + (market.ends_at - T0) / 2)  # mid-auction: no soft close in play

    def leading(uow_factory: Callable[[], UnitOfWork]) -> Decimal | None:
        with uow_factory() as uow:
            top = uow.lots.get(lot_id).leader
            return top.amount.amount if top else None

    def bidder(actor: Actor, seed: int) -> list[Any]:
        rng = random.Random(seed)
        accepted: list[Any] = []
        for _ in range(40):  # keep trying until this bidder got two bids in, so contention is real
            if len(accepted) == 2:
                break
            top = leading(pg.uow_factory)
            amount = Decimal("100000") if top is None else top + Decimal(100) * rng.randint(1, 3)
            try:
                accepted.append(market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money(amount)), actor))
            except (errors.BidBelowStep, errors.LeaderCannotOutbidItself, errors.BidBelowStartPrice):
                continue
        return accepted

    results = all_at_once([lambda a=a, i=i: bidder(a, i) for i, a in enumerate(market.bidders)], timeout=120)

    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, failures
    accepted = [bid for per_thread in results for bid in per_thread]
    rows = bid_rows(pg, lot_id)
    assert len(accepted) >= THREADS // 2, f"too little contention to prove anything ({len(accepted)} bids)"
    assert len(rows) == len(accepted)
    assert {r.id for r in rows} == {a.item_id for a in accepted}
    assert [r.position for r in rows] == list(range(len(rows)))
    with pg.uow_factory() as uow:
        the_lot = uow.lots.get(lot_id)
        entries = uow.journal.entries(lot_id)
    bid_amounts = [Decimal(e.data["amount"]) for e in entries if e.kind == "bid"]
    assert len(bid_amounts) == len(accepted)
    assert all(later > earlier for earlier, later in pairwise(bid_amounts))
    assert [b.amount.amount for b in the_lot.bids] == bid_amounts
    assert verify_chain(lot_id, entries, head_hash=the_lot.journal_hash).ok
    placed = [m for m in pg.outbox.pending(100_000) if m.name == "lot.bid_placed"]
    assert sorted(m.payload["bid_id"] for m in placed) == sorted(a.item_id for a in accepted)


# --- locking --------------------------------------------------------------------------------

def test_loading_a_lot_for_update_emits_select_for_update(pg: Backend) -> None:
    market = open_market(pg.uow_factory)
    statements: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine_of(pg), "before_cursor_execute", capture)
    try:
        with pg.uow_factory() as uow:
            uow.lots.get(market.lot_ids[0], for_update=True)
            uow.auctions.get(market.auction_id, for_update=True)
    finally:
        event.remove(engine_of(pg), "before_cursor_execute", capture)

    locking = [s for s in statements if s.rstrip().endswith("FOR UPDATE")]
    assert any("FROM lots" in s for s in locking) and any("FROM auctions" in s for s in locking)


def test_a_stale_unlocked_aggregate_is_refused_instead_of_overwriting_a_newer_one(pg: Backend) -> None:
    a = auction()
    with pg.uow_factory() as uow:
        uow.auctions.add(a)
        uow.commit()

    first, second = pg.uow_factory(), pg.uow_factory()
    with first, second:
        mine = first.auctions.get(a.id)
        theirs = second.auctions.get(a.id)
        theirs.edit(T0 - MINUTE, title="Их правка")
        second.commit()
        mine.edit(T0 - MINUTE, title="Моя правка")
        with pytest.raises(ConcurrentUpdate):
            first.commit()

    with pg.uow_factory() as uow:
        assert uow.auctions.get(a.id).title == "Их правка"


# --- schedulers -----------------------------------------------------------------------------

def closing_market(pg: Backend, lots: int) -> Market:
    market = open_market(pg.uow_factory, lots=lots, bidders=2)
    first, second = market.bidders
    for lot_id in market.lot_ids[::2]:
        market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000")), first)
        market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85500")), second)
    market.clock.set(market.ends_at + MINUTE)
    return market


def assert_each_lot_closed_once(pg: Backend, market: Market, reports: list[TickReport]) -> None:
    done = Counter(tr.kind for r in reports for tr in r.transitions)
    assert done["lot_closed"] == len(market.lot_ids) and done["auction_finished"] == 1
    with pg.uow_factory() as uow:
        assert uow.auctions.get(market.auction_id).status is AuctionStatus.FINISHED
        for lot_id in market.lot_ids:
            assert uow.lots.get(lot_id).status is LotStatus.CLOSED
            assert [e.kind for e in uow.journal.entries(lot_id)].count("close") == 1
    names = Counter(m.name for m in pg.outbox.pending(100_000))
    closed = Counter(m.payload["lot_id"] for m in pg.outbox.pending(100_000) if m.name == "lot.closed")
    assert closed == dict.fromkeys(market.lot_ids, 1)
    assert names["auction.finished"] == 1


@pytest.mark.slow
def test_many_schedulers_on_separate_engines_close_each_lot_exactly_once(pg: Backend) -> None:
    market = closing_market(pg, lots=12)
    factories = [pg.uow_factory, pg.uow_factory] + [pg.another_process() for _ in range(4)]

    outcomes = all_at_once([lambda f=f: run_due_transitions(f, market.clock) for f in factories])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert_each_lot_closed_once(pg, market, outcomes)


class _DiesWhileHoldingTheLock(SqlAlchemyUnitOfWork):
    """Closes a lot, writes it, waits for a rival scheduler to queue on the lock, then dies."""

    rival_waiting: threading.Event

    def commit(self) -> None:
        self.flush()
        self.rival_waiting.wait(5)
        time.sleep(0.2)  # the rival is now blocked on this lot's row lock
        raise RuntimeError("worker killed before COMMIT")


def test_a_scheduler_dying_mid_close_lets_the_waiting_one_close_the_lot_once(pg: Backend) -> None:
    market = closing_market(pg, lots=1)
    lot_id = market.lot_ids[0]
    rival_waiting = threading.Event()
    sessions = make_session_factory(engine_of(pg))
    died: list[Exception] = []

    def dying_scheduler() -> None:
        uow = _DiesWhileHoldingTheLock(sessions)
        uow.rival_waiting = rival_waiting
        try:
            with uow:
                lot = uow.lots.get(lot_id, for_update=True)
                lot.close(market.clock.now())
                uow.commit()
        except RuntimeError as exc:
            died.append(exc)

    killer = threading.Thread(target=dying_scheduler)
    killer.start()
    time.sleep(0.1)  # it holds the lot's row lock now
    rival_waiting.set()
    report = run_due_transitions(pg.another_process(), market.clock)
    killer.join(10)

    assert died and "killed" in str(died[0])
    assert [tr.kind for tr in report.transitions] == ["lot_closed", "auction_finished"]
    assert_each_lot_closed_once(pg, market, [report])

"""The scheduler does each transition exactly once on every adapter: with two schedulers racing,
with two separate engines (as two worker processes have), and after a crash mid-close."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest

from omk_adapters.sql.uow import SqlAlchemyUnitOfWork
from omk_domain.app.auctions import PlaceBid
from omk_domain.app.scheduler import TickReport, run_due_transitions
from omk_domain.auctions.values import AuctionStatus, LotStatus
from omk_domain.ports import UnitOfWork
from omk_domain.shared.money import Money
from tests.contract.backends import Backend
from tests.contract.builders import Market, open_market

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]


class PowerCut(RuntimeError):
    """The process died."""


class CrashingUnitOfWork:
    """A unit of work that writes everything and then dies just before COMMIT."""

    def __init__(self, inner: UnitOfWork) -> None:
        self.inner = inner

    def __enter__(self) -> CrashingUnitOfWork:
        self.inner.__enter__()
        return self

    def __exit__(self, *args: object) -> None:
        self.inner.__exit__(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def commit(self) -> None:
        if isinstance(self.inner, SqlAlchemyUnitOfWork):
            self.inner.flush()  # the UPDATE, the journal row and the outbox row reach the database…
        raise PowerCut("…and the process dies before COMMIT")


def crashing(factory: UowFactory) -> UowFactory:
    return lambda: CrashingUnitOfWork(factory())  # type: ignore[return-value]


def traded_market(backend: Backend, lots: int = 5) -> Market:
    market = open_market(backend.uow_factory, lots=lots, bidders=2)
    first, second = market.bidders
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("85000")), first)
    market.bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("85500")), second)
    market.clock.set(market.ends_at + timedelta(minutes=1))
    return market


def run_together(factories: Sequence[UowFactory], market: Market) -> list[TickReport]:
    barrier = threading.Barrier(len(factories))
    reports: list[TickReport | None] = [None] * len(factories)
    failures: list[BaseException] = []

    def scheduler(i: int) -> None:
        try:
            barrier.wait()
            reports[i] = run_due_transitions(factories[i], market.clock)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(len(factories))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return [r for r in reports if r is not None]


def assert_closed_exactly_once(backend: Backend, market: Market, reports: Sequence[TickReport] = ()) -> None:
    with backend.uow_factory() as uow:
        assert uow.auctions.get(market.auction_id).status is AuctionStatus.FINISHED
        for lot_id in market.lot_ids:
            assert uow.lots.get(lot_id).status is LotStatus.CLOSED
            kinds = Counter(e.kind for e in uow.journal.entries(lot_id))
            assert kinds["close"] == 1, lot_id
    messages = backend.outbox.pending(100_000)
    closed = Counter(m.payload["lot_id"] for m in messages if m.name == "lot.closed")
    assert closed == dict.fromkeys(market.lot_ids, 1)
    assert [m.name for m in messages].count("auction.finished") == 1
    if reports:
        done = Counter(t.kind for r in reports for t in r.transitions)
        assert done["lot_closed"] == len(market.lot_ids)
        assert done["auction_finished"] == 1
        closed_ids = [t.lot_id for r in reports for t in r.transitions if t.kind == "lot_closed"]
        assert sorted(closed_ids) == sorted(market.lot_ids)  # type: ignore[type-var]


@pytest.mark.slow
@pytest.mark.parametrize("processes", ["two threads, one engine", "two engines"])
def test_two_schedulers_close_every_lot_and_finish_the_auction_exactly_once(backend: Backend,
                                                                            processes: str) -> None:
    if processes == "two engines" and not backend.is_sql:
        pytest.skip("the in-memory store lives in one process")
    market = traded_market(backend)
    second = backend.another_process() if processes == "two engines" else backend.uow_factory

    reports = run_together([backend.uow_factory, second], market)

    assert_closed_exactly_once(backend, market, reports)


def test_a_close_that_crashes_before_commit_leaves_nothing_and_the_next_tick_closes_once(backend: Backend) -> None:
    market = traded_market(backend, lots=2)
    before = {m.id for m in backend.outbox.pending(100_000)}

    with pytest.raises(PowerCut):
        run_due_transitions(crashing(backend.uow_factory), market.clock)

    with backend.uow_factory() as uow:
        assert uow.auctions.get(market.auction_id).status is AuctionStatus.RUNNING
        for lot_id in market.lot_ids:
            the_lot = uow.lots.get(lot_id)
            assert the_lot.status is LotStatus.OPEN and the_lot.result is None
            assert "close" not in [e.kind for e in uow.journal.entries(lot_id)]
    assert {m.id for m in backend.outbox.pending(100_000)} == before

    report = run_due_transitions(backend.uow_factory, market.clock)

    assert [t.kind for t in report.transitions].count("lot_closed") == 2
    assert_closed_exactly_once(backend, market)
    assert run_due_transitions(backend.uow_factory, market.clock).transitions == ()


"""A reading unit of work (`with uow.reading():`) reads without taking the write lock where the
database has one (SQLite's BEGIN IMMEDIATE): queries never wait behind a writer nor hold it up.
Committing in one is a programming error on every adapter."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from omk_domain.app.auctions import PlaceBid
from omk_domain.shared.money import Money
from tests.contract.backends import Backend
from tests.contract.builders import open_market

pytestmark = pytest.mark.contract


def test_a_reading_unit_of_work_cannot_commit_and_the_next_one_may_write(backend: Backend) -> None:
    market = open_market(backend.uow_factory)
    uow = backend.uow_factory()
    with uow.reading():
        uow.lots.get(market.lot_ids[0])
        with pytest.raises(RuntimeError, match="reading"):
            uow.commit()
    with uow:  # the same unit of work, entered plainly, writes again
        uow.commit()


def _sql_only(backend: Backend) -> None:
    if not backend.is_sql:
        pytest.skip("the in-memory store serialises every unit of work, reading or not")


def test_a_reading_unit_of_work_does_not_wait_for_a_writer_holding_the_lot(backend: Backend) -> None:
    _sql_only(backend)
    market = open_market(backend.uow_factory)
    lot_id = market.lot_ids[0]
    read: list[int] = []

    def reader() -> None:
        uow = backend.uow_factory()
        with uow.reading():
            read.append(len(uow.lots.get(lot_id).bids))

    with backend.uow_factory() as writer:
        writer.lots.get(lot_id, for_update=True)  # SQLite: BEGIN IMMEDIATE; PostgreSQL: the row lock
        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(10)
        assert read == [0], "the reader waited for the writer"
        writer.commit()


def test_a_writer_is_not_held_up_by_an_open_reading_unit_of_work(backend: Backend) -> None:
    _sql_only(backend)
    market = open_market(backend.uow_factory)
    lot_id = market.lot_ids[0]
    placed = threading.Event()

    def bid() -> None:
        market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000")), market.bidders[0])
        placed.set()

    uow = backend.uow_factory()
    with uow.reading():
        before = uow.lots.get(lot_id)
        thread = threading.Thread(target=bid)
        thread.start()
        assert placed.wait(10), "the bid waited for a reader"
        assert before.bids == []  # the reader's snapshot is its own
    thread.join(10)
    with backend.uow_factory().reading() as after:
        assert [b.amount.amount for b in after.lots.get(lot_id).bids] == [Decimal("85000.00")]

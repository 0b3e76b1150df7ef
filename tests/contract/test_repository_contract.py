"""The persistence contract: what every unit of work and repository adapter guarantees.

Runs against the in-memory adapter, SQLite and PostgreSQL (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from omk_domain.auctions import errors
from omk_domain.auctions.journal import verify_chain
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionStatus, LotStatus, OfferStatus, ProductSpec, ResultSource, SoftClose
from omk_domain.identity.model import Organization, OrganizationNotFound, Role, User, UserNotFound
from omk_domain.ports import AuctionFilter, LotActivity, StoredOutcome, UnitOfWork
from omk_domain.shared.money import Money, Unit
from tests.contract.backends import Backend
from tests.contract.builders import T0, auction, lot, organization, state

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
MIN = timedelta(minutes=1)


# --- helpers --------------------------------------------------------------------------------

def registered(uow_factory: UowFactory, count: int) -> list[Organization]:
    orgs = [organization(i) for i in range(count)]
    with uow_factory() as uow:
        for org in orgs:
            uow.organizations.add(org)
        uow.commit()
    return orgs


def stored(uow_factory: UowFactory, *aggregates: Auction | Lot) -> None:
    with uow_factory() as uow:
        for aggregate in aggregates:
            (uow.auctions if isinstance(aggregate, Auction) else uow.lots).add(aggregate)  # type: ignore[arg-type]
        uow.commit()


def running_auction(orgs: list[Organization], number: str = "A-1", **kw: Any) -> Auction:
    a = auction(number, **kw)
    for org in orgs:
        a.admit(org.id, T0 - timedelta(days=2))
    a.publish(T0 - timedelta(days=1), lot_count=1)
    a.start(a.starts_at)
    return a


def change_lot(uow_factory: UowFactory, lot_id: str, change: Callable[[Lot, Auction], Any]) -> Any:
    """Apply one change to a lot in its own unit of work; check it reads back exactly; return its state."""
    with uow_factory() as uow:
        the_lot = uow.lots.get(lot_id, for_update=True)
        change(the_lot, uow.auctions.get(the_lot.auction_id))
        uow.commit()
        committed = state(the_lot)
    assert state(reloaded_lot(uow_factory, lot_id)) == committed
    return committed


def reloaded_lot(uow_factory: UowFactory, lot_id: str) -> Lot:
    with uow_factory() as uow:
        return uow.lots.get(lot_id)


def pending_ids(backend: Backend) -> set[str]:
    return {m.id for m in backend.outbox.pending(10_000)}


def trade_a_lot(uow_factory: UowFactory) -> tuple[str, list[Organization], list[Any]]:
    """Offers made, edited, withdrawn and replaced; bids placed, extended and annulled; closed;
    the winner declined — each step committed and read back. Returns the lot id, the
    organisations and the state after each step."""
    orgs = registered(uow_factory, 4)
    a = running_auction(orgs, soft_close=SoftClose(window=10 * MIN, extension=5 * MIN))
    the_lot = lot(a, floor="70000")
    stored(uow_factory, a, the_lot)
    o0, o1, o2, o3 = (o.id for o in orgs)
    offer_ids: dict[str, str] = {}
    bid_ids: dict[str, str] = {}

    def offer(org: str, amount: str, at: timedelta, key: str | None = None) -> Callable[[Lot, Auction], None]:
        def go(lt: Lot, au: Auction) -> None:
            offer_ids[org] = lt.submit_offer(au, organization_id=org, user_id=f"u-{org}", amount=Money.rub(amount),
                                             now=T0 + at, client_key=key).id
        return go

    def bid(org: str, amount: str, at: timedelta) -> Callable[[Lot, Auction], None]:
        def go(lt: Lot, au: Auction) -> None:
            bid_ids[org] = lt.place_bid(au, organization_id=org, user_id=f"u-{org}", amount=Money.rub(amount),
                                        now=T0 + at).id
        return go

    steps: list[Callable[[Lot, Auction], Any]] = [
        offer(o0, "80000", 1 * MIN, key="client-key-1"),
        offer(o1, "79000", 2 * MIN),
        lambda lt, au: lt.edit_offer(au, offer_id=offer_ids[o0], organization_id=o0, user_id="u0",
                                     amount=Money.rub("81000"), now=T0 + 3 * MIN),
        offer(o2, "78000.50", 4 * MIN),
        lambda lt, au: lt.withdraw_offer(au, offer_id=offer_ids[o2], organization_id=o2, user_id="u2",
                                         now=T0 + 5 * MIN),
        bid(o0, "85000", 6 * MIN),  # replaces o0's offer
        bid(o1, "85500", 7 * MIN),
        bid(o3, "86000", 117 * MIN),  # soft close: extends to 122 min
        lambda lt, au: lt.annul_bid(au, bid_id=bid_ids[o3], reason="Ошибка участника", user_id="staff",
                                    now=T0 + 118 * MIN),
        lambda lt, au: lt.close(T0 + 125 * MIN),
        lambda lt, au: lt.decline_winner(reason="Отказ от подписания договора", pass_to_next=True,
                                         user_id="staff", now=T0 + 130 * MIN),
    ]
    states = [change_lot(uow_factory, the_lot.id, step) for step in steps]
    return the_lot.id, orgs, states


# --- auctions -------------------------------------------------------------------------------

def test_an_auction_reads_back_with_its_terms_soft_close_and_admissions(uow_factory: UowFactory) -> None:
    first, second = registered(uow_factory, 2)
    a = auction(soft_close=SoftClose(window=5 * MIN, extension=3 * MIN, cap=timedelta(minutes=30, microseconds=250)),
                auto_approve=True, description="Отгрузка со склада в Выксе")
    a.admit(first.id, T0 - timedelta(days=2))
    a.admit(second.id, T0 - timedelta(days=1))
    a.revoke_admission(second.id, T0 - timedelta(hours=20))
    stored(uow_factory, a)

    with uow_factory() as uow:
        got = uow.auctions.get(a.id)
        assert state(got) == state(a)
        assert got.alias_of(first.id) == "Участник 1"
        assert got.is_admitted(first.id) and not got.is_admitted(second.id)
        assert got.alias_of(second.id) == "Участник 2"


def test_a_cancelled_auction_keeps_its_status_and_reason(uow_factory: UowFactory) -> None:
    a = auction()
    stored(uow_factory, a)
    with uow_factory() as uow:
        uow.auctions.get(a.id, for_update=True).cancel(T0 - timedelta(days=1), "Изменились условия поставки")
        uow.commit()

    with uow_factory() as uow:
        got = uow.auctions.get(a.id)
        assert got.status is AuctionStatus.CANCELLED
        assert got.cancel_reason == "Изменились условия поставки"


def test_a_committed_change_is_kept_and_raises_the_version(uow_factory: UowFactory) -> None:
    a = auction()
    stored(uow_factory, a)
    with uow_factory() as uow:
        before = uow.auctions.get(a.id).version
    with uow_factory() as uow:
        uow.auctions.get(a.id, for_update=True).edit(T0 - timedelta(days=1), title="Трубы ОМК, декабрь")
        uow.commit()

    with uow_factory() as uow:
        got = uow.auctions.get(a.id)
        assert got.title == "Трубы ОМК, декабрь"
        assert got.version > before


def test_nothing_is_kept_without_commit(uow_factory: UowFactory) -> None:
    a = auction()
    stored(uow_factory, a)
    with uow_factory() as uow:
        uow.auctions.get(a.id, for_update=True).edit(T0 - timedelta(days=1), title="Не сохранится")
        uow.auctions.add(auction("A-2"))

    with uow_factory() as uow:
        assert uow.auctions.get(a.id).title == a.title
        assert uow.auctions.by_number("A-2") is None


def test_a_rollback_discards_the_changes_made_before_it(uow_factory: UowFactory) -> None:
    a = auction()
    stored(uow_factory, a)
    with uow_factory() as uow:
        uow.auctions.get(a.id, for_update=True).edit(T0 - timedelta(days=1), title="Откатится")
        uow.rollback()
        uow.commit()

    with uow_factory() as uow:
        assert uow.auctions.get(a.id).title == a.title


def test_an_auction_is_found_by_its_number(uow_factory: UowFactory) -> None:
    a = auction("ОМК-2026/17")
    stored(uow_factory, a)
    with uow_factory() as uow:
        found = uow.auctions.by_number("ОМК-2026/17")
        assert found is not None and found.id == a.id
        assert uow.auctions.by_number("ОМК-2026/18") is None


# --- lots -----------------------------------------------------------------------------------

def test_a_lot_reads_back_with_its_product_quantity_prices_and_floor(uow_factory: UowFactory) -> None:
    a = auction()
    the_lot = lot(a, 3, start="123456789012.34", step="0.01", floor="100000000000.01", quantity="1234.567",
                  product=ProductSpec(product_type="труба бесшовная", diameter_mm=530.0, wall_mm=8.5,
                                      steel_grade="09Г2С", standard="ГОСТ 8732-78", warehouse="Выкса"),
                  title="Труба 530x8,5 09Г2С")
    pieces = lot(a, 4, quantity="250", unit=Unit.PIECE, product=ProductSpec(product_type="отвод"))
    stored(uow_factory, a, the_lot, pieces)

    with uow_factory() as uow:
        got = uow.lots.get(the_lot.id)
        assert state(got) == state(the_lot)
        assert got.start_price == Money(Decimal("123456789012.34"))
        assert got.floor_price == Money(Decimal("100000000000.01"))
        assert got.quantity.value == Decimal("1234.567") and got.quantity.unit is Unit.TONNE
        assert got.product.diameter_mm == 530.0 and got.product.wall_mm == 8.5
        assert state(uow.lots.get(pieces.id)) == state(pieces)


def test_a_traded_lot_reads_back_exactly_after_every_step(uow_factory: UowFactory) -> None:
    lot_id, orgs, states = trade_a_lot(uow_factory)

    got = reloaded_lot(uow_factory, lot_id)
    assert state(got) == states[-1]
    o0, o1, o2, o3 = (o.id for o in orgs)
    assert [(b.organization_id, b.amount.amount, b.valid) for b in got.bids] == [
        (o0, Decimal("85000.00"), True), (o1, Decimal("85500.00"), True), (o3, Decimal("86000.00"), False)]
    assert got.bids[2].annul_reason == "Ошибка участника"
    assert {o.organization_id: o.status for o in got.offers} == {
        o0: OfferStatus.REPLACED, o1: OfferStatus.REPLACED, o2: OfferStatus.WITHDRAWN}
    edited = next(o for o in got.offers if o.organization_id == o0)
    assert (edited.amount, edited.revisions, edited.client_key) == (Money.rub("81000"), 1, "client-key-1")
    assert got.closes_at == T0 + 122 * MIN and got.closes_at_original == T0 + 120 * MIN
    assert got.status is LotStatus.CLOSED
    assert got.declined == [o1]
    assert got.result is not None and got.result.winner_organization_id == o0
    assert got.result.amount == Money.rub("85000") and got.result.source is ResultSource.BID
    assert [s["journal_seq"] for s in states] == [1, 2, 3, 4, 5, 7, 9, 11, 12, 13, 14]


def test_the_journal_of_a_traded_lot_verifies_as_an_unbroken_chain(uow_factory: UowFactory) -> None:
    lot_id, _, _ = trade_a_lot(uow_factory)

    with uow_factory() as uow:
        the_lot = uow.lots.get(lot_id)
        entries = uow.journal.entries(lot_id)
        verdict = verify_chain(lot_id, entries, head_hash=the_lot.journal_hash)
    assert verdict.ok, verdict.reason
    assert [e.seq for e in entries] == list(range(1, 15))
    assert [e.kind for e in entries] == [
        "offer", "offer", "offer_edit", "offer", "offer_withdrawal", "bid", "offer_replaced", "bid",
        "offer_replaced", "bid", "extension", "annulment", "close", "winner_declined"]
    assert all(e.recorded_at.utcoffset() == timedelta(0) for e in entries)


def test_lots_of_an_auction_come_in_number_order_and_are_counted(uow_factory: UowFactory) -> None:
    a, other = auction("A-1"), auction("A-2")
    lots = [lot(a, n) for n in (3, 1, 2)]
    stored(uow_factory, a, other, *lots, lot(other, 1))

    with uow_factory() as uow:
        assert [x.number for x in uow.lots.for_auction(a.id)] == [1, 2, 3]
        assert uow.lots.count_for_auction(a.id) == 3
        assert uow.lots.count_for_auction(other.id) == 1
        assert uow.lots.for_auction("no-such-auction") == []


def test_the_auction_of_a_lot_is_found_through_the_lot(uow_factory: UowFactory) -> None:
    a, other = auction("A-1"), auction("A-2")
    second = lot(a, 2)
    stored(uow_factory, a, other, lot(a, 1), second, lot(other, 1))

    with uow_factory() as uow:
        assert uow.auctions.of_lot(second.id).id == a.id
        assert uow.auctions.of_lot(second.id) is uow.auctions.get(a.id)  # one identity per unit of work


def test_a_removed_lot_is_gone(uow_factory: UowFactory) -> None:
    a = auction()
    keep, drop = lot(a, 1), lot(a, 2)
    stored(uow_factory, a, keep, drop)
    with uow_factory() as uow:
        uow.lots.remove(uow.lots.get(drop.id))
        uow.commit()

    with uow_factory() as uow:
        with pytest.raises(errors.LotNotFound):
            uow.lots.get(drop.id)
        assert [x.id for x in uow.lots.for_auction(a.id)] == [keep.id]


# --- not found ------------------------------------------------------------------------------

@pytest.mark.parametrize(("lookup", "error"), [
    pytest.param(lambda uow: uow.auctions.get("missing"), errors.AuctionNotFound, id="auction"),
    pytest.param(lambda uow: uow.auctions.get("missing", for_update=True), errors.AuctionNotFound,
                 id="auction-for-update"),
    pytest.param(lambda uow: uow.lots.get("missing"), errors.LotNotFound, id="lot"),
    pytest.param(lambda uow: uow.lots.get("missing", for_update=True), errors.LotNotFound, id="lot-for-update"),
    pytest.param(lambda uow: uow.auctions.of_lot("missing"), errors.LotNotFound, id="auction-of-lot"),
    pytest.param(lambda uow: uow.organizations.get("missing"), OrganizationNotFound, id="organization"),
    pytest.param(lambda uow: uow.users.get("missing"), UserNotFound, id="user"),
])
def test_a_missing_thing_raises_its_domain_error(uow_factory: UowFactory, lookup: Any, error: type) -> None:
    with uow_factory() as uow, pytest.raises(error):
        lookup(uow)


def test_lookups_by_natural_key_find_nothing_when_absent(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.auctions.by_number("A-404") is None
        assert uow.organizations.by_inn("7707083893") is None
        assert uow.users.by_email("nobody@example.ru") is None
        assert uow.activity.get("missing") is None


# --- identity -------------------------------------------------------------------------------

def test_organizations_and_users_read_back_and_are_found_by_inn_and_email(uow_factory: UowFactory) -> None:
    romashka = Organization.register(name="ООО «Ромашка»", inn="7707083893", kpp="773601001", now=T0)
    ip = Organization.register(name="ИП Андреев", inn="500100732259", kpp=None, now=T0)
    staff = User.create(email="Staff@OMK.ru", full_name="Иван Петров", role=Role.ORGANISER, organization_id=None,
                        now=T0)
    client = User.create(email="buyer@romashka.ru", full_name="Анна Смирнова", role=Role.BIDDER,
                         organization_id=romashka.id, now=T0)
    with uow_factory() as uow:
        for org in (romashka, ip):
            uow.organizations.add(org)
        for user in (staff, client):
            uow.users.add(user)
        uow.commit()

    with uow_factory() as uow:
        assert state(uow.organizations.get(romashka.id)) == state(romashka)
        found = uow.organizations.by_inn("500100732259")
        assert found is not None and state(found) == state(ip)
        assert [o.name for o in uow.organizations.list()] == ["ИП Андреев", "ООО «Ромашка»"]
        assert state(uow.users.get(client.id)) == state(client)
        by_email = uow.users.by_email("STAFF@omk.ru")
        assert by_email is not None and by_email.id == staff.id and by_email.role is Role.ORGANISER
        assert [u.email for u in uow.users.list()] == ["buyer@romashka.ru", "staff@omk.ru"]


# --- outbox ---------------------------------------------------------------------------------

def test_events_become_outbox_messages_in_the_same_commit(backend: Backend) -> None:
    (org,) = registered(backend.uow_factory, 1)
    a = auction()
    stored(backend.uow_factory, a)
    before = pending_ids(backend)

    with backend.uow_factory() as uow:
        uow.auctions.get(a.id, for_update=True).admit(org.id, T0 - timedelta(days=1))
        uow.commit()

    new = [m for m in backend.outbox.pending(10_000) if m.id not in before]
    assert [m.name for m in new] == ["auction.organisation_admitted"]
    assert new[0].payload["auction_id"] == a.id and new[0].payload["organization_id"] == org.id
    assert new[0].occurred_at == T0 - timedelta(days=1)


def test_no_outbox_message_is_written_without_commit_or_after_rollback(backend: Backend) -> None:
    (org,) = registered(backend.uow_factory, 1)
    a = auction()
    stored(backend.uow_factory, a)
    before = pending_ids(backend)

    with backend.uow_factory() as uow:
        uow.auctions.get(a.id, for_update=True).admit(org.id, T0 - timedelta(days=1))
    with backend.uow_factory() as uow:
        uow.auctions.get(a.id, for_update=True).admit(org.id, T0 - timedelta(days=1))
        uow.rollback()

    assert pending_ids(backend) == before
    with backend.uow_factory() as uow:
        assert not uow.auctions.get(a.id).is_admitted(org.id)


def test_trading_events_reach_the_outbox_with_decimal_amounts_as_text(backend: Backend) -> None:
    trade_a_lot(backend.uow_factory)

    names = [m.name for m in backend.outbox.pending(10_000)]
    assert names.count("lot.bid_placed") == 3
    assert names.count("lot.extended") == 1 and names.count("lot.closed") == 1
    placed = [m for m in backend.outbox.pending(10_000) if m.name == "lot.bid_placed"]
    assert [m.payload["amount"] for m in placed] == ["85000.00", "85500.00", "86000.00"]


def test_the_outbox_gives_pending_messages_oldest_first_until_published(backend: Backend) -> None:
    orgs = registered(backend.uow_factory, 3)
    a = auction()
    stored(backend.uow_factory, a)
    for i, org in enumerate(orgs):
        with backend.uow_factory() as uow:
            uow.auctions.get(a.id, for_update=True).admit(org.id, T0 - timedelta(days=3 - i))
            uow.commit()

    pending = backend.outbox.pending(10_000)
    assert [m.payload["organization_id"] for m in pending] == [o.id for o in orgs]
    assert [m.id for m in backend.outbox.pending(2)] == [m.id for m in pending[:2]]

    backend.outbox.mark_published([pending[0].id, pending[2].id], T0)
    assert [m.id for m in backend.outbox.pending(10_000)] == [pending[1].id]
    backend.outbox.mark_published([pending[1].id], T0)
    assert backend.outbox.pending(10_000) == []


# --- idempotency, inbox, activity -----------------------------------------------------------

def test_an_idempotent_outcome_is_found_only_by_its_organisation_and_key(uow_factory: UowFactory) -> None:
    outcome = StoredOutcome(fingerprint="f" * 64, result={"kind": "bid", "amount": "85000.00",
                                                          "at": "2026-12-01T09:01:00+00:00", "extended": False,
                                                          "nested": {"list": [1, 2, "три"]}})
    with uow_factory() as uow:
        uow.idempotency.put("org-1", "key-1", outcome, T0)
        uow.commit()
    with uow_factory() as uow:
        uow.idempotency.put("org-1", "key-uncommitted", outcome, T0)

    with uow_factory() as uow:
        assert uow.idempotency.get("org-1", "key-1") == outcome
        assert uow.idempotency.get("org-2", "key-1") is None
        assert uow.idempotency.get("org-1", "key-2") is None
        assert uow.idempotency.get("org-1", "key-uncommitted") is None


def test_the_inbox_remembers_handled_messages_per_consumer(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert not uow.inbox.seen("lot-activity", "m-1")
        uow.inbox.remember("lot-activity", "m-1", T0)
        uow.commit()
    with uow_factory() as uow:
        uow.inbox.remember("lot-activity", "m-uncommitted", T0)

    with uow_factory() as uow:
        assert uow.inbox.seen("lot-activity", "m-1")
        assert not uow.inbox.seen("notifications", "m-1")
        assert not uow.inbox.seen("lot-activity", "m-2")
        assert not uow.inbox.seen("lot-activity", "m-uncommitted")


def test_lot_activity_reads_back_and_updates_with_its_bidders(uow_factory: UowFactory) -> None:
    activity = LotActivity(lot_id="lot-1", auction_id="auction-1", bids=3, annulled=1, bidders={"o-1", "o-2"},
                           extensions=2, last_bid_at=T0 + 5 * MIN, closed=False)
    with uow_factory() as uow:
        uow.activity.save(activity)
        uow.commit()
    with uow_factory() as uow:
        got = uow.activity.get("lot-1")
        assert got == activity
        assert got is not None
        got.bids += 1
        got.bidders.add("o-3")
        got.closed = True
        uow.activity.save(got)
        uow.commit()

    with uow_factory() as uow:
        assert uow.activity.get("lot-1") == LotActivity(
            lot_id="lot-1", auction_id="auction-1", bids=4, annulled=1, bidders={"o-1", "o-2", "o-3"},
            extensions=2, last_bid_at=T0 + 5 * MIN, closed=True)


# --- queries --------------------------------------------------------------------------------

def test_bids_of_an_organization_are_only_its_own(uow_factory: UowFactory) -> None:
    mine, theirs = registered(uow_factory, 2)
    first, second = running_auction([mine, theirs], "A-1"), running_auction([mine, theirs], "A-2")
    lot1, lot2, lot3 = lot(first, 1), lot(first, 2), lot(second, 1)

    def bid(lt: Lot, au: Auction, org: Organization, amount: str, minutes: int) -> str:
        return lt.place_bid(au, organization_id=org.id, user_id="u", amount=Money.rub(amount),
                            now=T0 + minutes * MIN).id

    b1 = bid(lot1, first, mine, "85000", 1)
    bid(lot1, first, theirs, "85500", 2)
    b3 = bid(lot1, first, mine, "86000", 3)
    bid(lot2, first, theirs, "85000", 4)
    b5 = bid(lot3, second, mine, "90000", 5)
    lot1.annul_bid(first, bid_id=b1, reason="Ошибка", user_id="staff", now=T0 + 6 * MIN)
    stored(uow_factory, first, second, lot1, lot2, lot3)

    with uow_factory() as uow:
        own = uow.lots.bids_of_organization(mine.id, first.id)
        everywhere = uow.lots.bids_of_organization(mine.id)
        others = uow.lots.bids_of_organization(theirs.id, first.id)
        nobody = uow.lots.bids_of_organization("stranger", first.id)

    assert [(b.bid_id, b.lot_id, b.lot_number, b.amount, b.valid) for b in own] == [
        (b1, lot1.id, 1, Decimal("85000.00"), False), (b3, lot1.id, 1, Decimal("86000.00"), True)]
    assert all(b.auction_id == first.id for b in own)
    assert own[1].placed_at == T0 + 3 * MIN
    assert {b.bid_id for b in everywhere} == {b1, b3, b5}
    assert {b.lot_id for b in others} == {lot1.id, lot2.id} and len(others) == 2
    assert nobody == []


def test_due_to_close_lists_open_lots_of_running_auctions_whose_time_has_come(uow_factory: UowFactory) -> None:
    orgs = registered(uow_factory, 1)
    early = running_auction(orgs, "A-1", duration=timedelta(hours=1))
    late = running_auction(orgs, "A-2", duration=timedelta(hours=3))
    announced = auction("A-3", duration=timedelta(hours=1))
    done = running_auction(orgs, "A-4", duration=timedelta(hours=1))
    due1, due2, not_yet, not_running, closed = (lot(early, 1), lot(early, 2), lot(late, 1), lot(announced, 1),
                                                lot(done, 1))
    closed.close(T0 + timedelta(hours=1))
    stored(uow_factory, early, late, announced, done, due1, due2, not_yet, not_running, closed)

    with uow_factory() as uow:
        assert set(uow.lots.due_to_close(T0 + timedelta(hours=2))) == {due1.id, due2.id}
        assert len(uow.lots.due_to_close(T0 + timedelta(hours=2), limit=1)) == 1
        assert uow.lots.due_to_close(T0 + timedelta(minutes=59)) == []
        assert set(uow.lots.due_to_close(T0 + timedelta(hours=1))) == {due1.id, due2.id}
        assert set(uow.lots.due_to_close(T0 + timedelta(hours=3))) == {due1.id, due2.id, not_yet.id}


def test_due_to_start_and_running_ids_follow_the_lifecycle(uow_factory: UowFactory) -> None:
    orgs = registered(uow_factory, 1)
    due, later, draft = auction("A-1"), auction("A-2", starts_at=T0 + timedelta(days=1)), auction("A-3")
    for a in (due, later):
        a.publish(T0 - timedelta(days=1), lot_count=1)
    running = running_auction(orgs, "A-4")
    stored(uow_factory, due, later, draft, running)

    with uow_factory() as uow:
        assert list(uow.auctions.due_to_start(T0 + MIN)) == [due.id]
        assert list(uow.auctions.due_to_start(T0 - MIN)) == []
        assert set(uow.auctions.due_to_start(T0 + timedelta(days=2))) == {due.id, later.id}
        assert len(uow.auctions.due_to_start(T0 + timedelta(days=2), limit=1)) == 1
        assert list(uow.auctions.running_ids()) == [running.id]


def test_auctions_are_listed_in_start_order_filtered_by_status_dates_and_text(uow_factory: UowFactory) -> None:
    day = timedelta(days=1)
    a0 = auction("A-0", title="Трубы для нефтепровода", starts_at=T0)
    a1 = auction("A-1", title="Трубы стальные бесшовные", starts_at=T0)
    a2 = auction("A-2", title="Трубы сварные", starts_at=T0 + day)
    b7 = auction("B-7", title="Листовой прокат 100%", starts_at=T0 + 2 * day)
    for a in (a0, a1, b7):
        a.publish(T0 - day, lot_count=1)
    stored(uow_factory, b7, a2, a1, a0)

    def numbers(**kw: Any) -> list[str]:
        with uow_factory() as uow:
            return [a.number for a in uow.auctions.list(AuctionFilter(**kw))]

    assert numbers() == ["A-0", "A-1", "A-2", "B-7"]
    assert numbers(status=AuctionStatus.SCHEDULED) == ["A-0", "A-1", "B-7"]
    assert numbers(status=AuctionStatus.DRAFT) == ["A-2"]
    assert numbers(starts_from=T0 + day) == ["A-2", "B-7"]
    assert numbers(starts_until=T0 + day) == ["A-0", "A-1"]
    assert numbers(starts_from=T0 + day, starts_until=T0 + 2 * day) == ["A-2"]
    assert numbers(text="ТРУБЫ") == ["A-0", "A-1", "A-2"]
    assert numbers(text="бесшовные") == ["A-1"]
    assert numbers(text="b-7") == ["B-7"]
    assert numbers(text="100%") == ["B-7"]
    assert numbers(text="%") == ["B-7"]
    assert numbers(text="_") == []
    assert numbers(limit=2, offset=1) == ["A-1", "A-2"]
    assert numbers(status=AuctionStatus.RUNNING) == []


# --- values ---------------------------------------------------------------------------------

def test_money_keeps_every_kopeck_up_to_the_largest_allowed_amount(uow_factory: UowFactory) -> None:
    orgs = registered(uow_factory, 2)
    a = running_auction(orgs)
    the_lot = lot(a, start="123456789012.34", step="0.01", floor="0.01")
    the_lot.place_bid(a, organization_id=orgs[0].id, user_id="u", amount=Money.rub("123456789012.35"),
                      now=T0 + MIN)
    the_lot.place_bid(a, organization_id=orgs[1].id, user_id="u", amount=Money.rub("999999999999.99"),
                      now=T0 + 2 * MIN)
    stored(uow_factory, a, the_lot)

    with uow_factory() as uow:
        got = uow.lots.get(the_lot.id)
        own = uow.lots.bids_of_organization(orgs[1].id, a.id)
    assert got.start_price.amount == Decimal("123456789012.34")
    assert got.floor_price is not None and got.floor_price.amount == Decimal("0.01")
    assert got.bid_step.amount == Decimal("0.01")
    assert [b.amount.amount for b in got.bids] == [Decimal("123456789012.35"), Decimal("999999999999.99")]
    assert all(type(b.amount.amount) is Decimal for b in got.bids)
    assert own[0].amount == Decimal("999999999999.99") and type(own[0].amount) is Decimal


def test_moments_come_back_timezone_aware_and_to_the_microsecond(uow_factory: UowFactory) -> None:
    moscow = timezone(timedelta(hours=3))
    starts = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=moscow)
    a = auction(starts_at=starts)
    last_bid = datetime(2026, 12, 1, 14, 30, 5, 654321, tzinfo=timezone(timedelta(hours=5)))
    stored(uow_factory, a)
    with uow_factory() as uow:
        uow.activity.save(LotActivity(lot_id="lot-1", auction_id=a.id, last_bid_at=last_bid))
        uow.commit()

    with uow_factory() as uow:
        got = uow.auctions.get(a.id)
        activity = uow.activity.get("lot-1")
    assert got.starts_at == starts and got.starts_at.utcoffset() == timedelta(0)
    assert got.starts_at == datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=UTC)
    assert got.created_at == a.created_at and got.created_at.tzinfo is not None
    assert activity is not None and activity.last_bid_at == last_bid
    assert activity.last_bid_at is not None and activity.last_bid_at.utcoffset() is not None

"""Tenant isolation from the outside: an organisation that is not admitted, or that names another
organisation's offer, is refused with exactly the answer a missing id gets — it learns nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.auctions import (
    AddLots,
    AdmitOrganization,
    CreateAuction,
    EditOffer,
    ListAuctions,
    ListBids,
    PlaceBid,
    PublishAuction,
    SubmitOffer,
    ViewLot,
    WithdrawOffer,
)
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.lot_import import LotDraft
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.auctions.values import AuctionFormat, ProductSpec
from omk_domain.identity.model import Actor, Role
from omk_domain.shared.errors import DomainError
from omk_domain.shared.money import Money, Quantity, Unit

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
STAFF = Actor(user_id="staff", role=Role.ORGANISER)


@pytest.fixture()
def world() -> dict[str, Any]:
    store, clock = MemoryStore(), ManualClock(T0 - timedelta(days=1))
    bus = MessageBus(uow_factory=lambda: MemoryUnitOfWork(store), clock=clock)
    insider, owner, outsider = (bus.handle(RegisterOrganization(name=f"ООО {n}", inn=inn), STAFF) for n, inn in
                                (("Свои", "7707083893"), ("Владелец", "7736207543"), ("Чужие", "7830002293")))
    auction = bus.handle(CreateAuction(number="I-1", title="Трубы", format=AuctionFormat.MIXED,
                                       starts_at=T0, ends_at=T0 + timedelta(hours=2)), STAFF)
    (lot,) = bus.handle(AddLots(auction_id=auction.id, drafts=(LotDraft(
        row=2, number=1, title="Труба 530×8", product=ProductSpec(product_type="труба"),
        quantity=Quantity(Decimal("100"), Unit.TONNE), start_price=Money.rub("85000"),
        bid_step=Money.rub("500"), floor_price=None),)), STAFF)
    for org in (insider, owner):
        bus.handle(AdmitOrganization(auction_id=auction.id, organization_id=org.id), STAFF)
    bus.handle(PublishAuction(auction_id=auction.id), STAFF)
    clock.set(T0 + timedelta(minutes=5))
    run_due_transitions(lambda: MemoryUnitOfWork(store), clock)
    actor = {name: Actor(user_id=name, role=Role.BIDDER, organization_id=org.id)
             for name, org in (("insider", insider), ("owner", owner), ("outsider", outsider))}
    offer = bus.handle(SubmitOffer(lot_id=lot.lot_id, amount=Money.rub("80000")), actor["owner"])
    return {"bus": bus, "lot": lot.lot_id, "auction": auction.id, "offer": offer.item_id, **actor}


def refusal(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.kind, caught.value.code


# each case: (who acts, command built from the world's ids, command with an id that exists nowhere)
CASES: dict[str, tuple[str, Callable[[dict[str, Any], str], Any], Callable[[dict[str, Any]], Any]]] = {
    "bid on a lot of an auction it is not admitted to": (
        "outsider", lambda w, lot: PlaceBid(lot_id=lot, amount=Money.rub("90000")), lambda w: w["lot"]),
    "price offer on such a lot": (
        "outsider", lambda w, lot: SubmitOffer(lot_id=lot, amount=Money.rub("70000")), lambda w: w["lot"]),
    "view of such a lot": ("outsider", lambda w, lot: ViewLot(lot_id=lot), lambda w: w["lot"]),
    "edit of another organisation's offer": (
        "insider", lambda w, offer: EditOffer(lot_id=w["lot"], offer_id=offer, amount=Money.rub("81000")),
        lambda w: w["offer"]),
    "withdrawal of another organisation's offer": (
        "insider", lambda w, offer: WithdrawOffer(lot_id=w["lot"], offer_id=offer), lambda w: w["offer"]),
    "own bids of an auction it is not admitted to": (
        "outsider", lambda w, auction: ListBids(auction_id=auction), lambda w: w["auction"]),
}


@pytest.mark.parametrize("case", CASES)
def test_a_stranger_gets_the_same_answer_as_for_an_id_that_does_not_exist(world: dict[str, Any], case: str) -> None:
    who, command, real_id = CASES[case]
    bus, actor = world["bus"], world[who]

    foreign = refusal(lambda: bus.handle(command(world, real_id(world)), actor))
    missing = refusal(lambda: bus.handle(command(world, "no-such-id"), actor))

    assert foreign == missing
    assert foreign[0] == "not_found"


def test_the_owners_offer_is_untouched_by_the_strangers_attempts(world: dict[str, Any]) -> None:
    bus = world["bus"]
    for attempt in (EditOffer(lot_id=world["lot"], offer_id=world["offer"], amount=Money.rub("60000")),
                    WithdrawOffer(lot_id=world["lot"], offer_id=world["offer"])):
        with pytest.raises(DomainError):
            bus.handle(attempt, world["insider"])
    seen = bus.handle(ViewLot(lot_id=world["lot"]), world["owner"])
    assert seen.my_offer is not None
    assert (seen.my_offer.amount, seen.my_offer.status) == (Decimal("80000.00"), "active")


def test_a_client_lists_only_auctions_it_is_admitted_to(world: dict[str, Any]) -> None:
    bus = world["bus"]
    assert [a.number for a in bus.handle(ListAuctions(), world["insider"])] == ["I-1"]
    assert bus.handle(ListAuctions(), world["outsider"]) == []

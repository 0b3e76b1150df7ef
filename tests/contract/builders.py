"""Builders of readable test data: domain objects made through the domain, and a running market."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from omk_adapters.memory.clock import ManualClock
from omk_domain.app import usecases  # noqa: F401  (registers every use case)
from omk_domain.app.auctions import AddLots, AdmitOrganization, CreateAuction, PublishAuction
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.lot_import import LotDraft
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionFormat, ProductSpec, SoftClose
from omk_domain.identity.model import Actor, Organization, Role
from omk_domain.ports import UnitOfWork
from omk_domain.shared.money import Money, Quantity, Unit

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STAFF = Actor(user_id="staff", role=Role.ORGANISER)
_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn(n: int) -> str:
    """A valid 10-digit INN, different for every n."""
    base = f"77{n:07d}"
    return base + str(sum(int(d) * w for d, w in zip(base, _INN10, strict=True)) % 11 % 10)


def organization(n: int = 0, *, name: str | None = None) -> Organization:
    return Organization.register(name=name or f"ООО Участник {n}", inn=inn(n), kpp=None,
                                 now=T0 - timedelta(days=30))


def auction(number: str = "A-1", *, title: str = "Трубы стальные бесшовные",
            fmt: AuctionFormat = AuctionFormat.MIXED, starts_at: datetime = T0,
            duration: timedelta = timedelta(hours=2), soft_close: SoftClose | None = None,
            auto_approve: bool = False, description: str = "") -> Auction:
    return Auction.create(number=number, title=title, format=fmt, starts_at=starts_at,
                          ends_at=starts_at + duration, now=T0 - timedelta(days=7),
                          soft_close=soft_close, auto_approve=auto_approve, description=description)


def lot(of: Auction, number: int = 1, *, start: str = "85000", step: str = "500", floor: str | None = None,
        quantity: str = "100", unit: Unit = Unit.TONNE, product: ProductSpec | None = None,
        title: str = "Труба 530x8") -> Lot:
    return Lot.create(of, number=number, title=title,
                      product=product or ProductSpec(product_type="труба"),
                      quantity=Quantity(Decimal(quantity), unit), start_price=Money.rub(start),
                      bid_step=Money.rub(step), floor_price=Money.rub(floor) if floor else None)


def state(obj: Any) -> Any:
    """Everything an aggregate holds, as plain data — minus events, pending entries and version."""
    skip = {"events", "new_journal_entries", "version"}
    return attrs.asdict(obj, filter=lambda a, _v: a.name not in skip)


def bidder(org_id: str, n: int = 0) -> Actor:
    return Actor(user_id=f"bidder-{n}", role=Role.BIDDER, organization_id=org_id)


@attrs.define
class Market:
    """A running auction with lots and admitted bidders, driven through the use cases."""

    uow_factory: Callable[[], UnitOfWork]
    bus: MessageBus
    clock: ManualClock
    auction_id: str
    lot_ids: list[str]
    bidders: list[Actor]
    ends_at: datetime


def open_market(uow_factory: Callable[[], UnitOfWork], *, lots: int = 1, bidders: int = 2,
                start: str = "85000", step: str = "500", soft_close: SoftClose | None = None,
                auto_approve: bool = False, duration: timedelta = timedelta(hours=2),
                number: str = "A-1", at: datetime = T0, floor: str | None = None) -> Market:
    """`at`: when the auction starts (T0 unless a test needs it near the real time); `floor`: every
    lot's hidden floor price."""
    clock = ManualClock(at - timedelta(days=1))
    bus = MessageBus(uow_factory=uow_factory, clock=clock)
    orgs = [bus.handle(RegisterOrganization(name=f"ООО Участник {i}", inn=inn(i)), STAFF) for i in range(bidders)]
    summary = bus.handle(CreateAuction(number=number, title="Трубы стальные", format=AuctionFormat.MIXED,
                                       starts_at=at, ends_at=at + duration,
                                       soft_close=soft_close or SoftClose(), auto_approve=auto_approve), STAFF)
    drafts = tuple(LotDraft(row=i + 2, number=i + 1, title=f"Труба 530x8, партия {i + 1}",
                            product=ProductSpec(product_type="труба", diameter_mm=530.0, wall_mm=8.0),
                            quantity=Quantity(Decimal("100"), Unit.TONNE), start_price=Money.rub(start),
                            bid_step=Money.rub(step), floor_price=Money.rub(floor) if floor else None)
                   for i in range(lots))
    views = bus.handle(AddLots(auction_id=summary.id, drafts=drafts), STAFF)
    for org in orgs:
        bus.handle(AdmitOrganization(auction_id=summary.id, organization_id=org.id), STAFF)
    bus.handle(PublishAuction(auction_id=summary.id), STAFF)
    clock.set(at + timedelta(minutes=1))
    run_due_transitions(uow_factory, clock)
    return Market(uow_factory=uow_factory, bus=bus, clock=clock, auction_id=summary.id,
                  lot_ids=[v.lot_id for v in views],
                  bidders=[bidder(org.id, i) for i, org in enumerate(orgs)], ends_at=at + duration)


def all_at_once(jobs: list[Callable[[], Any]], timeout: float = 60) -> list[Any]:
    """Run the jobs in threads released together; return each job's result or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results

"""The scheduler's use case: start auctions and close lots on time, exactly once.

Each transition runs in its own transaction on a row locked for update and re-checks the state
it found, so two schedulers running at once do each transition once, and a crash in the middle
of a close leaves either the whole transition or none of it — the next tick finishes the job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from omk_domain.app.auctions import approve_all
from omk_domain.app.registration import PurgeRegistrations, purge_registrations
from omk_domain.auctions.values import AuctionStatus, LotStatus
from omk_domain.identity.model import Actor, Role
from omk_domain.ports import UnitOfWork
from omk_domain.shared.clock import Clock


@attrs.frozen(kw_only=True)
class Transition:
    """One thing the scheduler did, and how late after its due time it did it."""

    kind: str  # auction_started, lot_closed, auction_finished, results_auto_approved
    auction_id: str
    lot_id: str | None
    due_at: datetime
    done_at: datetime

    @property
    def lateness_seconds(self) -> float:
        return max(0.0, (self.done_at - self.due_at).total_seconds())


@attrs.frozen(kw_only=True)
class TickReport:
    transitions: tuple[Transition, ...]

    @property
    def max_lateness_seconds(self) -> float:
        return max((t.lateness_seconds for t in self.transitions), default=0.0)


def run_due_transitions(uow_factory: Callable[[], UnitOfWork], clock: Clock, *,
                        batch: int = 200) -> TickReport:
    """Start every due auction, close every due lot, finish auctions whose lots all closed."""
    done: list[Transition] = []
    with uow_factory() as uow:
        due_auctions = list(uow.auctions.due_to_start(clock.now(), batch))
    for auction_id in due_auctions:
        with uow_factory() as uow:
            auction = uow.auctions.get(auction_id, for_update=True)
            now = clock.now()
            if auction.status is AuctionStatus.SCHEDULED and now >= auction.starts_at:
                auction.start(now)
                uow.commit()
                done.append(Transition(kind="auction_started", auction_id=auction_id, lot_id=None,
                                       due_at=auction.starts_at, done_at=now))
    with uow_factory() as uow:
        due_lots = list(uow.lots.due_to_close(clock.now(), batch))
    for lot_id in due_lots:
        with uow_factory() as uow:
            lot = uow.lots.get(lot_id, for_update=True)
            auction = uow.auctions.get(lot.auction_id)
            now = clock.now()
            if (lot.status is LotStatus.OPEN and auction.status is AuctionStatus.RUNNING
                    and now >= lot.closes_at):
                lot.close(now)
                uow.commit()
                done.append(Transition(kind="lot_closed", auction_id=auction.id, lot_id=lot_id,
                                       due_at=lot.closes_at, done_at=now))
    with uow_factory() as uow:
        running = list(uow.auctions.running_ids(batch))
    for auction_id in running:
        with uow_factory() as uow:
            auction = uow.auctions.get(auction_id, for_update=True)
            lots = uow.lots.for_auction(auction_id)
            if auction.status is not AuctionStatus.RUNNING or any(
                    lot.status is LotStatus.OPEN for lot in lots):
                continue
            now = clock.now()
            due = max((lot.closes_at for lot in lots), default=auction.ends_at)
            auction.finish(now)
            kinds = ["auction_finished"]
            if auction.auto_approve:
                approve_all(uow, auction, now, "system", automatically=True)
                kinds.append("results_auto_approved")
            uow.commit()
            done.extend(Transition(kind=k, auction_id=auction_id, lot_id=None, due_at=due, done_at=now)
                        for k in kinds)
    return TickReport(transitions=tuple(done))


#: who the scheduler is in the audit log when it does the housekeeping the rules ask for
SCHEDULER = Actor(user_id="scheduler", role=Role.SYSTEM_ADMIN)
#: how often the housekeeping runs (its rules count in hours and days; a tick comes every second)
HOUSEKEEPING_EVERY = timedelta(hours=1)


@attrs.define
class Housekeeping:
    """The rules kept now and then rather than at a due time: rule «Неподтверждённые регистрации
    удаляются через сутки после истечения кодов» (PurgeRegistrations, audited as the scheduler).
    Runs at the first tick and then once every HOUSEKEEPING_EVERY; `tick` returns what it removed."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    last: datetime | None = None

    def tick(self) -> int:
        now = self.clock.now()
        if self.last is not None and now - self.last < HOUSEKEEPING_EVERY:
            return 0
        self.last = now
        removed: int = purge_registrations(PurgeRegistrations(source="scheduler"), actor=SCHEDULER,
                                           uow=self.uow_factory(), clock=self.clock)
        return removed

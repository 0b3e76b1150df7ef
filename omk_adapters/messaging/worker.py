"""The worker: relays the outbox and keeps the lot-activity projection and the lot search index
from the events."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs
import structlog

from omk_adapters.messaging.errors import BrokerUnavailable
from omk_adapters.messaging.inprocess import InProcessBroker
from omk_domain.app.activity import HANDLED, record_activity
from omk_domain.app.search import SEARCH_EVENTS, update_lot_index
from omk_domain.ports import LotSearch, OutboxMessage, UnitOfWork
from omk_domain.shared.clock import Clock

if TYPE_CHECKING:
    from omk_adapters.bootstrap import Services

log = structlog.get_logger("omk.messaging.worker")


QUEUE = "omk.worker.lot-activity"


def project_activity(message: OutboxMessage, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> bool:
    """Apply one event to the lot-activity projection (False for a message handled before)."""
    return record_activity(message, uow=uow_factory(), clock=clock)


def project_search(message: OutboxMessage, uow_factory: Callable[[], UnitOfWork], search: LotSearch) -> bool:
    """Index again the lots an event changed (False for an event search does not follow)."""
    return update_lot_index(message, uow=uow_factory(), search=search)


def subscribe_in_process(broker: InProcessBroker, uow_factory: Callable[[], UnitOfWork],
                         clock: Clock, search: LotSearch | None = None) -> Callable[[], None]:
    """Embedded mode: keep the projections current in this process as the relay delivers."""
    unsubscribe = [broker.subscribe(lambda message: project_activity(message, uow_factory, clock), HANDLED)]
    if search is not None:
        unsubscribe.append(broker.subscribe(lambda message: project_search(message, uow_factory, search),
                                            SEARCH_EVENTS))

    def both() -> None:
        for undo in unsubscribe:
            undo()

    return both
#: deliveries taken per consume round, so the relay gets its turn even under steady traffic
ROUND = 100


@attrs.define(kw_only=True)
class WorkerReport:
    """What one run of the worker did."""

    relayed: int = 0  # outbox messages published
    handled: int = 0  # events applied to the projection
    duplicates: int = 0  # deliveries already handled before (skipped by the inbox)
    failed: int = 0  # handler errors (the message is delivered again with RabbitMQ)
    broker_errors: int = 0  # rounds lost to an unreachable broker
    rounds: int = 0

    @property
    def consumed(self) -> int:
        return self.handled + self.duplicates + self.failed


def run_worker(services: Services, *, once: bool = False, max_messages: int | None = None,
               idle_timeout: float = 1.0, stop: threading.Event | None = None,
               queue: str = QUEUE) -> WorkerReport:
    """Relay the outbox and apply events to the projection until stopped.

    Each round pumps the outbox relay, then consumes: from the durable queue
    `omk.worker.lot-activity` when RabbitMQ is configured (waiting up to `idle_timeout` for
    deliveries), or through the in-process broker otherwise (the relay's publish delivers).
    Stops after one round with `once`, when `max_messages` deliveries were consumed, or when
    `stop` is set. A broker outage is logged and retried after `idle_timeout`. `queue` is
    only for tests that must not share the worker's queue.
    """
    worker = _Worker(services=services, once=once, max_messages=max_messages, idle_timeout=idle_timeout,
                     stop=stop or threading.Event(), queue=queue)
    log.info("worker started", broker="rabbitmq" if services.settings.amqp_url else "in-process")
    if services.settings.amqp_url:
        worker.run_with_rabbitmq(services.settings.amqp_url)
    else:
        worker.run_in_process()
    log.info("worker stopped", **attrs.asdict(worker.report))
    return worker.report


@attrs.define(kw_only=True)
class _Worker:
    services: Services
    once: bool
    max_messages: int | None
    idle_timeout: float
    stop: threading.Event
    queue: str
    report: WorkerReport = attrs.field(factory=WorkerReport)

    def handle(self, message: OutboxMessage) -> None:
        try:
            first = True
            if message.name in HANDLED:
                first = project_activity(message, self.services.uow_factory, self.services.clock)
            if message.name in SEARCH_EVENTS:
                project_search(message, self.services.uow_factory, self.services.search)
        except Exception:
            self.report.failed += 1
            raise
        if first:
            self.report.handled += 1
        else:
            self.report.duplicates += 1

    def done(self) -> bool:
        return (self.once or self.stop.is_set()
                or (self.max_messages is not None and self.report.consumed >= self.max_messages))

    def pump(self) -> None:
        self.report.relayed += self.services.relay.pump_safely()

    def run_with_rabbitmq(self, url: str) -> None:
        from omk_adapters.messaging.rabbitmq import PikaEventConsumer

        consumer = PikaEventConsumer(url, exchange=self.services.settings.amqp_exchange, queue=self.queue,
                                     routing_keys=sorted(HANDLED | SEARCH_EVENTS))
        try:
            while True:
                self.report.rounds += 1
                try:
                    # declared before relaying, so whatever is published now is queued for us
                    consumer.declare()
                    self.pump()
                    limit = ROUND if self.max_messages is None else min(ROUND, self.max_messages - self.report.consumed)
                    consumer.consume(self.handle, max_messages=limit, idle_timeout=self.idle_timeout)
                except BrokerUnavailable as exc:
                    self.report.broker_errors += 1
                    log.warning("worker: broker unavailable; retrying", error=str(exc), retry_in=self.idle_timeout)
                    if not self.done():
                        self.stop.wait(self.idle_timeout)
                if self.done():
                    return
        finally:
            consumer.close()

    def run_in_process(self) -> None:
        # bootstrap() subscribed the projection to the in-process broker, so relaying delivers;
        # the worker's part is the relay of whatever an earlier process left in the outbox
        if self.services.broker is None:
            raise RuntimeError("no broker: configure OMK_AMQP_URL, or bootstrap without it for the in-process one")
        while True:
            self.report.rounds += 1
            self.pump()
            if self.done() or self.stop.wait(self.idle_timeout) or self.done():
                return

"""The full path: outbox → relay → RabbitMQ → consumer → lot-activity projection, exactly once.

At least once on the wire (duplicates, redeliveries after a failed handler, a broker that
vanished for a while), exactly once in the projection (the inbox). Runs with the in-memory
unit of work and with SQLite. The broker outage is staged with a TCP proxy on the loopback
interface that the test stops and starts again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pika
import pytest
from structlog.testing import capture_logs

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.uow import MemoryOutboxStore, MemoryStore, MemoryUnitOfWork
from omk_adapters.messaging.errors import BrokerUnavailable
from omk_adapters.messaging.rabbitmq import PikaEventConsumer, PikaEventPublisher
from omk_adapters.messaging.relay import OutboxRelay
from omk_adapters.messaging.worker import run_worker
from omk_adapters.settings import Settings
from omk_domain.app.activity import HANDLED, record_activity
from omk_domain.auctions.events import BidPlaced, LotClosed, LotExtended
from omk_domain.ports import LotActivity, OutboxMessage, OutboxStore, UnitOfWork, message_from_event

pytestmark = [pytest.mark.integration, pytest.mark.rabbitmq]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDLE = 0.4  # seconds without deliveries after which a consumer returns
DEADLINE = 15.0  # no test waits longer than this for anything


# --- the storage side: the in-memory unit of work, and SQLite -------------------------------

class MemoryBackend:
    def __init__(self, tmp_path: Path) -> None:
        self.store = MemoryStore()
        self.outbox: OutboxStore = MemoryOutboxStore(self.store)

    def uow_factory(self) -> UnitOfWork:
        return MemoryUnitOfWork(self.store)

    def commit(self, messages: Sequence[OutboxMessage]) -> None:
        """Put messages in the outbox, as a committing unit of work does."""
        with self.store.lock:
            self.store.outbox.extend((m, False) for m in messages)

    def close(self) -> None:
        pass


class SqliteBackend:
    def __init__(self, tmp_path: Path) -> None:
        from omk_adapters.sql.engine import make_engine
        from omk_adapters.sql.migrate import upgrade
        from omk_adapters.sql.outbox import SqlAlchemyOutboxStore
        from omk_adapters.sql.uow import make_session_factory

        self.engine = make_engine(f"sqlite:///{tmp_path / 'omk.sqlite3'}")
        upgrade(self.engine)
        self.sessions = make_session_factory(self.engine)
        self.outbox = SqlAlchemyOutboxStore(self.engine)

    def uow_factory(self) -> UnitOfWork:
        from omk_adapters.sql.uow import SqlAlchemyUnitOfWork

        return SqlAlchemyUnitOfWork(self.sessions)

    def commit(self, messages: Sequence[OutboxMessage]) -> None:
        commit_to_sql_outbox(self.engine, messages)

    def close(self) -> None:
        self.engine.dispose()


def commit_to_sql_outbox(engine: object, messages: Sequence[OutboxMessage]) -> None:
    """Insert outbox rows as the SQL unit of work does when it commits events."""
    import sqlalchemy as sa

    from omk_adapters.sql import mapping, tables

    assert isinstance(engine, sa.Engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(tables.outbox), [mapping.outbox_row(m) for m in messages])


Backend = MemoryBackend | SqliteBackend


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    made = MemoryBackend(tmp_path) if request.param == "memory" else SqliteBackend(tmp_path)
    yield made
    made.close()


def activity_of(backend: Backend, lot_id: str) -> LotActivity | None:
    with backend.uow_factory() as uow:
        return uow.activity.get(lot_id)


def pending_ids(backend: Backend) -> list[str]:
    return [m.id for m in backend.outbox.pending(10_000)]


# --- the broker side ------------------------------------------------------------------------

class Names:
    """A throwaway exchange and queue; both deleted when the test ends."""

    def __init__(self, url: str) -> None:
        self.url = url
        tag = uuid.uuid4().hex[:12]
        self.exchange, self.queue = f"omk.test.{tag}", f"omk.test.{tag}.activity"

    def consumer(self, url: str | None = None) -> PikaEventConsumer:
        consumer = PikaEventConsumer(url or self.url, self.exchange, self.queue, routing_keys=sorted(HANDLED))
        consumer.declare()
        return consumer

    def delete(self) -> None:
        with pika.BlockingConnection(pika.URLParameters(self.url)) as connection:
            channel = connection.channel()
            channel.queue_delete(self.queue)
            channel.queue_delete(f"{self.queue}.dead")
            channel.exchange_delete(self.exchange)


@pytest.fixture()
def names(amqp_url: str) -> Iterator[Names]:
    made = Names(amqp_url)
    yield made
    made.delete()


@pytest.fixture()
def clock() -> ManualClock:
    return ManualClock(T0)


class Projection:
    """The worker's handler, recording each outcome: True = applied, False = a duplicate skipped."""

    def __init__(self, backend: Backend, clock: ManualClock, *, fail_after_first_apply_of: str | None = None) -> None:
        self.backend, self.clock = backend, clock
        self.outcomes: list[tuple[str, bool]] = []
        self._fail_once = fail_after_first_apply_of

    def __call__(self, message: OutboxMessage) -> None:
        applied = record_activity(message, uow=self.backend.uow_factory(), clock=self.clock)
        self.outcomes.append((message.id, applied))
        if message.id == self._fail_once:
            self._fail_once = None
            # the projection committed, then the worker died before acking: the broker redelivers
            raise RuntimeError("crash before the ack (test)")

    def applied(self) -> list[str]:
        return [message_id for message_id, applied in self.outcomes if applied]


def bids(lot_id: str, count: int, *, start: int = 0) -> list[OutboxMessage]:
    return [message_from_event(BidPlaced(
        occurred_at=T0 + timedelta(seconds=n), auction_id="auction-1", lot_id=lot_id, bid_id=f"bid-{n}",
        organization_id=f"org-{n % 2}", alias=f"Участник №{n % 2 + 1}",
        amount=Decimal("1000000.00") + Decimal(n) * Decimal("5000.50"), previous_leader_id=None),
        uuid.uuid4().hex) for n in range(start, start + count)]


def extended_and_closed(lot_id: str) -> list[OutboxMessage]:
    return [
        message_from_event(LotExtended(occurred_at=T0 + timedelta(minutes=9), auction_id="auction-1", lot_id=lot_id,
                                       closes_at=T0 + timedelta(minutes=12),
                                       closes_at_original=T0 + timedelta(minutes=10)), uuid.uuid4().hex),
        message_from_event(LotClosed(occurred_at=T0 + timedelta(minutes=12), auction_id="auction-1", lot_id=lot_id,
                                     due_at=T0 + timedelta(minutes=12), winner_organization_id="org-1",
                                     amount=Decimal("1010001.00"), source="bid"), uuid.uuid4().hex),
    ]


# --- a TCP proxy on the loopback interface, to make the broker vanish and come back --------

class TcpProxy:
    """Forwards 127.0.0.1:<port> to the broker; `stop()` closes the listener and cuts every connection."""

    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 5672)
        self._upstream_url = parts
        self.port = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        p = self._upstream_url
        netloc = f"{p.username}:{p.password}@127.0.0.1:{self.port}" if p.username else f"127.0.0.1:{self.port}"
        return urlunsplit((p.scheme, netloc, p.path, p.query, p.fragment))

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))  # the same port again after a stop
        listener.listen(16)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener, self._stopping = listener, threading.Event()
        self._spawn(self._accept, listener, self._stopping)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = set(self._sockets), set()
        for s in sockets:
            _cut(s)
        for t in self._threads:
            t.join(timeout=2)
        assert not any(t.is_alive() for t in self._threads), "proxy threads did not stop"
        self._threads = []

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=2)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                if stopping.is_set():
                    _cut(client)
                    _cut(upstream)
                    return
                self._sockets |= {client, upstream}
            self._spawn(_pipe, client, upstream)
            self._spawn(_pipe, upstream, client)


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        _cut(source)
        _cut(target)


def _cut(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()


@pytest.fixture()
def proxy(amqp_url: str) -> Iterator[TcpProxy]:
    made = TcpProxy(amqp_url).start()
    yield made
    made.stop()


# --- (a) duplicates and redeliveries end up in the projection once -------------------------

def test_events_travel_from_the_outbox_through_rabbitmq_into_the_projection(backend, names, clock) -> None:
    consumer = names.consumer()
    publisher = PikaEventPublisher(names.url, names.exchange)
    relay = OutboxRelay(backend.outbox, publisher, clock)
    messages = bids("lot-1", 3) + extended_and_closed("lot-1")
    backend.commit(messages)

    assert relay.pump() == 5
    projection = Projection(backend, clock)
    assert consumer.consume(projection, idle_timeout=IDLE) == 5

    assert projection.applied() == [m.id for m in messages]
    activity = activity_of(backend, "lot-1")
    assert activity is not None
    assert (activity.bids, activity.extensions, activity.closed) == (3, 1, True)
    assert activity.bidders == {"org-0", "org-1"}
    assert activity.last_bid_at == T0 + timedelta(seconds=2)
    assert pending_ids(backend) == []
    publisher.close()
    consumer.close()


def test_a_message_published_twice_is_applied_to_the_projection_once(backend, names, clock) -> None:
    consumer = names.consumer()
    publisher = PikaEventPublisher(names.url, names.exchange)
    relay = OutboxRelay(backend.outbox, publisher, clock)
    messages = bids("lot-2", 2)
    backend.commit(messages)
    relay.pump()

    publisher.publish([messages[0]])  # as after a crash between publishing and marking
    projection = Projection(backend, clock)
    consumer.consume(projection, idle_timeout=IDLE)

    assert projection.outcomes == [(messages[0].id, True), (messages[1].id, True), (messages[0].id, False)]
    activity = activity_of(backend, "lot-2")
    assert activity is not None and activity.bids == 2
    publisher.close()
    consumer.close()


def test_a_handler_that_fails_gets_the_message_again_and_it_counts_once(backend, names, clock) -> None:
    consumer = names.consumer()
    publisher = PikaEventPublisher(names.url, names.exchange)
    messages = bids("lot-3", 3)
    backend.commit(messages)
    OutboxRelay(backend.outbox, publisher, clock).pump()

    projection = Projection(backend, clock, fail_after_first_apply_of=messages[1].id)
    acked = consumer.consume(projection, idle_timeout=IDLE)

    assert acked == 3
    assert [mid for mid, _ in projection.outcomes].count(messages[1].id) == 2  # nacked, redelivered
    assert sorted(projection.applied()) == sorted(m.id for m in messages)
    activity = activity_of(backend, "lot-3")
    assert activity is not None and activity.bids == 3
    assert consumer.consume(projection, idle_timeout=IDLE) == 0  # nothing left behind
    publisher.close()
    consumer.close()


def test_messages_are_persistent_json_with_the_event_name_as_routing_key_and_type(names, clock) -> None:
    with pika.BlockingConnection(pika.URLParameters(names.url)) as connection:
        channel = connection.channel()
        channel.exchange_declare(names.exchange, exchange_type="topic", durable=True)
        channel.queue_declare(names.queue, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(names.queue, names.exchange, routing_key="#")
        publisher = PikaEventPublisher(names.url, names.exchange)
        (message,) = bids("lot-4", 1)
        publisher.publish([message])
        publisher.close()

        method, properties, body = None, None, None
        deadline = time.monotonic() + DEADLINE
        while method is None and time.monotonic() < deadline:
            method, properties, body = channel.basic_get(names.queue, auto_ack=True)

    assert method is not None and properties is not None and body is not None
    assert method.routing_key == "lot.bid_placed"
    assert properties.delivery_mode == 2
    assert properties.content_type == "application/json"
    assert properties.message_id == message.id
    assert properties.type == "lot.bid_placed"
    assert "Участник".encode() in body


def test_a_body_that_is_not_an_event_is_rejected_instead_of_redelivered_forever(backend, names, clock) -> None:
    consumer = names.consumer()
    with pika.BlockingConnection(pika.URLParameters(names.url)) as connection:
        connection.channel().basic_publish(names.exchange, "lot.bid_placed", b"{not json")
    (message,) = bids("lot-5", 1)
    publisher = PikaEventPublisher(names.url, names.exchange)
    publisher.publish([message])

    projection = Projection(backend, clock)
    assert consumer.consume(projection, idle_timeout=IDLE) == 1
    assert projection.applied() == [message.id]
    assert consumer.consume(projection, idle_timeout=IDLE) == 0
    publisher.close()
    consumer.close()


# --- (b) the broker vanishes for a while: nothing is lost, nothing doubled -----------------

def test_while_the_broker_is_unreachable_events_wait_in_the_outbox_then_arrive_once(
        backend, names, proxy, clock) -> None:
    consumer = names.consumer()  # directly to the broker: it must stay up
    publisher = PikaEventPublisher(proxy.url, names.exchange)  # through the proxy
    relay = OutboxRelay(backend.outbox, publisher, clock)
    before = bids("lot-6", 2)
    backend.commit(before)
    assert relay.pump_safely() == 2  # a live connection through the proxy

    proxy.stop()
    during = bids("lot-6", 3, start=2) + extended_and_closed("lot-6")
    backend.commit(during)
    started = time.monotonic()
    assert relay.pump_safely() == 0
    assert relay.pump_safely() == 0
    assert time.monotonic() - started < 5  # an outage fails fast; it never hangs a command
    assert pending_ids(backend) == [m.id for m in during]
    with pytest.raises(BrokerUnavailable):
        relay.pump()

    proxy.start()
    assert relay.pump_safely() == 5
    assert pending_ids(backend) == []

    projection = Projection(backend, clock)
    consumer.consume(projection, idle_timeout=IDLE)
    assert sorted(set(projection.applied())) == sorted(m.id for m in before + during)
    assert len(projection.applied()) == 7
    activity = activity_of(backend, "lot-6")
    assert activity is not None
    assert (activity.bids, activity.extensions, activity.closed) == (5, 1, True)
    publisher.close()
    consumer.close()


def test_a_connection_dropped_while_idle_is_replaced_at_once_by_the_next_publish(names, proxy, clock) -> None:
    consumer = names.consumer()
    publisher = PikaEventPublisher(proxy.url, names.exchange)
    first, second = bids("lot-11", 2)
    publisher.publish([first])

    proxy.stop()  # cuts the idle connection, as a broker restart or a missed heartbeat would
    proxy.start()
    with capture_logs() as logs:
        publisher.publish([second])  # no error: the dead connection is noticed and replaced

    assert "RabbitMQ connection was lost; reconnecting" in [e["event"] for e in logs]
    received: list[OutboxMessage] = []
    consumer.consume(received.append, idle_timeout=IDLE)
    assert [m.id for m in received] == [first.id, second.id]
    publisher.close()
    consumer.close()


# --- the worker -----------------------------------------------------------------------------

def memory_services(backend: MemoryBackend, clock: ManualClock, tmp_path: Path, *, amqp_url: str,
                    exchange: str):
    """The worker's services on the in-memory unit of work, publishing to RabbitMQ."""
    from omk_adapters.bootstrap import Services
    from omk_domain.app.bus import MessageBus

    publisher = PikaEventPublisher(amqp_url, exchange)
    settings = Settings(data_dir=tmp_path, database_url="sqlite://", amqp_url=amqp_url, amqp_exchange=exchange)
    return Services(settings=settings, clock=clock, bus=MessageBus(uow_factory=backend.uow_factory, clock=clock),
                    uow_factory=backend.uow_factory, relay=OutboxRelay(backend.outbox, publisher, clock),
                    publisher=publisher, broker=None, engine=None)


def _stop_after(seconds: float) -> threading.Event:
    """A stop signal that fires by itself: a wrong test fails instead of hanging."""
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.daemon = True
    timer.start()
    return stop


def test_the_worker_relays_the_outbox_and_keeps_the_projection_through_rabbitmq(names, clock, tmp_path) -> None:
    backend = MemoryBackend(tmp_path)
    services = memory_services(backend, clock, tmp_path, amqp_url=names.url, exchange=names.exchange)
    messages = bids("lot-7", 4) + extended_and_closed("lot-7")
    backend.commit(messages)

    report = run_worker(services, max_messages=6, idle_timeout=IDLE, stop=_stop_after(DEADLINE), queue=names.queue)

    assert (report.relayed, report.handled, report.duplicates, report.failed) == (6, 6, 0, 0)
    activity = activity_of(backend, "lot-7")
    assert activity is not None and (activity.bids, activity.closed) == (4, True)
    services.publisher.close()


def test_the_worker_survives_a_broker_outage_and_catches_up(names, proxy, clock, tmp_path) -> None:
    backend = MemoryBackend(tmp_path)
    services = memory_services(backend, clock, tmp_path, amqp_url=proxy.url, exchange=names.exchange)
    stop = _stop_after(DEADLINE)
    reports = []
    worker = threading.Thread(target=lambda: reports.append(
        run_worker(services, idle_timeout=0.2, stop=stop, queue=names.queue)), daemon=True)
    backend.commit(bids("lot-8", 2))
    worker.start()
    _wait_for(lambda: (a := activity_of(backend, "lot-8")) is not None and a.bids == 2)

    proxy.stop()
    backend.commit(bids("lot-8", 3, start=2))
    time.sleep(0.6)  # a few worker rounds against a dead broker
    assert (activity_of(backend, "lot-8") or LotActivity(lot_id="", auction_id="")).bids == 2
    assert len(pending_ids(backend)) == 3
    proxy.start()
    _wait_for(lambda: (a := activity_of(backend, "lot-8")) is not None and a.bids == 5)

    stop.set()
    worker.join(timeout=DEADLINE)
    (report,) = reports
    assert report.broker_errors >= 1
    assert report.handled == 5
    assert pending_ids(backend) == []
    services.publisher.close()


def test_the_worker_built_by_bootstrap_on_sqlite_projects_through_rabbitmq(names, clock, tmp_path) -> None:
    from omk_adapters.bootstrap import bootstrap

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'omk.sqlite3'}",
                        amqp_url=names.url, amqp_exchange=names.exchange)
    services = bootstrap(settings, clock=clock, migrate=True)
    try:
        commit_to_sql_outbox(services.engine, bids("lot-10", 3))

        report = run_worker(services, max_messages=3, idle_timeout=IDLE, stop=_stop_after(DEADLINE),
                            queue=names.queue)

        assert (report.relayed, report.handled) == (3, 3)
        with services.uow_factory() as uow:
            activity = uow.activity.get("lot-10")
        assert activity is not None and activity.bids == 3
    finally:
        services.close()


def _wait_for(condition: Callable[[], bool], timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not met in time")
        time.sleep(0.05)


def test_a_message_whose_handler_keeps_failing_is_dead_lettered_after_the_delivery_limit(names, clock) -> None:
    consumer = PikaEventConsumer(names.url, names.exchange, names.queue, routing_keys=sorted(HANDLED),
                                 delivery_limit=2)
    consumer.declare()
    publisher = PikaEventPublisher(names.url, names.exchange)
    (message,) = bids("lot-poison", 1)
    publisher.publish([message])
    attempts: list[str] = []

    def always_fails(got: OutboxMessage) -> None:
        attempts.append(got.id)
        raise RuntimeError("handler bug")

    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and consumer.consume(always_fails, max_messages=1, idle_timeout=0.3) == 0:
        with pika.BlockingConnection(pika.URLParameters(names.url)) as connection:
            dead = connection.channel().queue_declare(consumer.dead_letter_queue, durable=True, passive=True)
        if dead.method.message_count == 1:
            break
    publisher.close()
    consumer.close()

    assert dead.method.message_count == 1  # parked for a person to look at, not lost
    assert 2 <= len(attempts) <= 3 and set(attempts) == {message.id}

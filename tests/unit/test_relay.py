"""The outbox relay: at least once, in order, in batches — and a broker outage loses nothing."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.uow import MemoryOutboxStore, MemoryStore
from omk_adapters.messaging.errors import BrokerUnavailable, redact_url
from omk_adapters.messaging.inprocess import InProcessBroker
from omk_adapters.messaging.relay import BackgroundRelay, OutboxRelay
from omk_domain.ports import OutboxMessage, OutboxStore

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def a_message(n: int = 0, name: str = "lot.bid_placed") -> OutboxMessage:
    return OutboxMessage(id=uuid.uuid4().hex, name=name, occurred_at=T0 + timedelta(seconds=n),
                         payload={"n": n, "amount": "1250000.50", "note": "Трубы стальные бесшовные"})


# --- the outboxes the relay reads: the in-memory one and, when present, the SQL one ----------

class MemoryOutbox:
    """The in-memory outbox, filled the way a committing unit of work fills it."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.relay_side: OutboxStore = MemoryOutboxStore(self.store)

    def commit(self, messages: Sequence[OutboxMessage]) -> None:
        with self.store.lock:
            self.store.outbox.extend((m, False) for m in messages)

    def pending_ids(self) -> list[str]:
        return [m.id for m in self.relay_side.pending(10_000)]


class SqliteOutbox:
    """The SQL outbox on a migrated SQLite file."""

    def __init__(self, path: Path) -> None:
        from omk_adapters.sql.engine import make_engine
        from omk_adapters.sql.migrate import upgrade
        from omk_adapters.sql.outbox import SqlAlchemyOutboxStore

        self.engine = make_engine(f"sqlite:///{path / 'omk.sqlite3'}")
        upgrade(self.engine)
        self.relay_side = SqlAlchemyOutboxStore(self.engine)

    def commit(self, messages: Sequence[OutboxMessage]) -> None:
        import sqlalchemy as sa

        from omk_adapters.sql import mapping, tables

        with self.engine.begin() as conn:
            conn.execute(sa.insert(tables.outbox), [mapping.outbox_row(m) for m in messages])

    def pending_ids(self) -> list[str]:
        return [m.id for m in self.relay_side.pending(10_000)]


@pytest.fixture(params=["memory", "sqlite"])
def outbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryOutbox | SqliteOutbox]:
    if request.param == "memory":
        yield MemoryOutbox()
        return
    sql = SqliteOutbox(tmp_path)
    yield sql
    sql.engine.dispose()


class RecordingPublisher:
    """A publisher that records what it sent; it can be told to fail, optionally after confirming some."""

    def __init__(self) -> None:
        self.batches: list[list[OutboxMessage]] = []
        self.failing = False
        self.confirm_before_failing = 0

    @property
    def sent(self) -> list[OutboxMessage]:
        return [m for batch in self.batches for m in batch]

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        if self.failing:
            confirmed = list(messages[: self.confirm_before_failing])
            if confirmed:
                self.batches.append(confirmed)
            raise BrokerUnavailable("broker down (test)", confirmed=[m.id for m in confirmed])
        self.batches.append(list(messages))


@pytest.fixture()
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture()
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


# --- the relay ------------------------------------------------------------------------------

def test_pending_messages_are_published_in_order_and_then_marked(outbox, publisher, clock) -> None:
    messages = [a_message(n) for n in range(3)]
    outbox.commit(messages)
    relay = OutboxRelay(outbox.relay_side, publisher, clock)

    assert relay.pump() == 3

    assert [m.id for m in publisher.sent] == [m.id for m in messages]
    assert outbox.pending_ids() == []
    assert relay.pump() == 0
    assert len(publisher.sent) == 3


def test_with_the_broker_down_messages_stay_pending_and_are_delivered_once_it_is_back(
        outbox, publisher, clock) -> None:
    messages = [a_message(n) for n in range(4)]
    outbox.commit(messages)
    relay = OutboxRelay(outbox.relay_side, publisher, clock)
    publisher.failing = True

    with pytest.raises(BrokerUnavailable):
        relay.pump()
    assert relay.pump_safely() == 0
    assert outbox.pending_ids() == [m.id for m in messages]

    publisher.failing = False
    assert relay.pump_safely() == 4
    assert [m.id for m in publisher.sent] == [m.id for m in messages]
    assert outbox.pending_ids() == []


def test_messages_are_relayed_in_batches_of_the_given_size(outbox, publisher, clock) -> None:
    outbox.commit([a_message(n) for n in range(5)])
    relay = OutboxRelay(outbox.relay_side, publisher, clock)

    assert relay.pump(batch=2) == 5

    assert [len(b) for b in publisher.batches] == [2, 2, 1]


def test_max_batches_bounds_one_pump_and_leaves_the_rest_for_the_next(outbox, publisher, clock) -> None:
    messages = [a_message(n) for n in range(5)]
    outbox.commit(messages)
    relay = OutboxRelay(outbox.relay_side, publisher, clock)

    assert relay.pump(batch=2, max_batches=2) == 4
    assert outbox.pending_ids() == [messages[4].id]
    assert relay.pump(batch=2, max_batches=2) == 1
    assert [m.id for m in publisher.sent] == [m.id for m in messages]


def test_what_the_broker_confirmed_before_failing_is_marked_and_not_sent_again(
        outbox, publisher, clock) -> None:
    messages = [a_message(n) for n in range(5)]
    outbox.commit(messages)
    relay = OutboxRelay(outbox.relay_side, publisher, clock)
    publisher.failing, publisher.confirm_before_failing = True, 2

    assert relay.pump_safely() == 0
    assert outbox.pending_ids() == [m.id for m in messages[2:]]

    publisher.failing = False
    assert relay.pump() == 3
    assert [m.id for m in publisher.sent] == [m.id for m in messages]


def test_a_failure_in_a_later_batch_keeps_the_earlier_batches_published(outbox, clock) -> None:
    messages = [a_message(n) for n in range(5)]
    outbox.commit(messages)

    class FailsOnSecondBatch(RecordingPublisher):
        def publish(self, batch: Sequence[OutboxMessage]) -> None:
            self.failing = len(self.batches) >= 1
            super().publish(batch)

    publisher = FailsOnSecondBatch()
    relay = OutboxRelay(outbox.relay_side, publisher, clock)

    assert relay.pump_safely(batch=2) == 0
    assert outbox.pending_ids() == [m.id for m in messages[2:]]


def test_a_crash_between_publishing_and_marking_sends_again_rather_than_loses(publisher, clock) -> None:
    memory = MemoryOutbox()
    message = a_message()
    memory.commit([message])

    class CrashesOnFirstMark(MemoryOutboxStore):
        crashed = False

        def mark_published(self, message_ids: Sequence[str], now: datetime) -> None:
            if not self.crashed:
                self.crashed = True
                raise ConnectionError("database went away (test)")
            super().mark_published(message_ids, now)

    relay = OutboxRelay(CrashesOnFirstMark(memory.store), publisher, clock)

    assert relay.pump_safely() == 0
    assert relay.pump_safely() == 1
    assert [m.id for m in publisher.sent] == [message.id, message.id]
    assert memory.pending_ids() == []


def test_messages_are_marked_published_at_the_clock_time(publisher, clock) -> None:
    memory = MemoryOutbox()
    memory.commit([a_message()])
    marks: list[datetime] = []

    class RecordingStore(MemoryOutboxStore):
        def mark_published(self, message_ids: Sequence[str], now: datetime) -> None:
            marks.append(now)
            super().mark_published(message_ids, now)

    clock.advance(timedelta(minutes=5))
    OutboxRelay(RecordingStore(memory.store), publisher, clock).pump()

    assert marks == [T0 + timedelta(minutes=5)]


def test_an_unexpected_error_is_logged_and_the_messages_stay_pending(outbox, clock) -> None:
    class Broken:
        def publish(self, messages: Sequence[OutboxMessage]) -> None:
            raise TypeError("a bug (test)")

    outbox.commit([a_message()])
    relay = OutboxRelay(outbox.relay_side, Broken(), clock)

    with capture_logs() as logs:
        assert relay.pump_safely() == 0

    assert [e["log_level"] for e in logs] == ["error"]
    assert len(outbox.pending_ids()) == 1


def test_a_store_that_does_not_mark_does_not_make_the_relay_spin(publisher, clock) -> None:
    memory = MemoryOutbox()
    memory.commit([a_message(n) for n in range(2)])

    class NeverMarks(MemoryOutboxStore):
        def mark_published(self, message_ids: Sequence[str], now: datetime) -> None:
            pass

    assert OutboxRelay(NeverMarks(memory.store), publisher, clock).pump(batch=2) == 2


def test_a_pump_started_by_a_handler_during_a_pump_neither_duplicates_nor_strands_messages(clock) -> None:
    memory = MemoryOutbox()
    broker = InProcessBroker()
    relay = OutboxRelay(memory.relay_side, broker, clock)
    first, follow_up = a_message(0), a_message(1, name="lot.extended")
    received: list[str] = []
    nested: list[int] = []

    def handler(message: OutboxMessage) -> None:
        received.append(message.id)
        if message.id == first.id:  # the handler commits a new event, whose after-commit pumps
            memory.commit([follow_up])
            nested.append(relay.pump())

    broker.subscribe(handler)
    memory.commit([first])

    assert relay.pump() == 2
    assert nested == [0]
    assert received == [first.id, follow_up.id]
    assert memory.pending_ids() == []


def test_pumps_from_many_threads_deliver_every_message(clock) -> None:
    memory = MemoryOutbox()
    broker = InProcessBroker()
    received: list[str] = []
    lock = threading.Lock()

    def handler(message: OutboxMessage) -> None:
        with lock:
            received.append(message.id)

    broker.subscribe(handler)
    relay = OutboxRelay(memory.relay_side, broker, clock)
    messages = [a_message(n) for n in range(200)]

    def commit_and_pump(chunk: list[OutboxMessage]) -> None:
        for m in chunk:
            memory.commit([m])
            relay.pump_safely(batch=7)

    threads = [threading.Thread(target=commit_and_pump, args=(messages[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)

    assert memory.pending_ids() == []
    assert sorted(received) == sorted(m.id for m in messages)  # each exactly once


def test_the_background_relay_delivers_what_commits_wake_it_for_and_drains_on_stop(clock) -> None:
    memory = MemoryOutbox()
    broker = InProcessBroker()
    received: list[str] = []
    first = threading.Event()

    def handler(message: OutboxMessage) -> None:
        received.append(message.id)
        first.set()

    broker.subscribe(handler)
    background = BackgroundRelay(OutboxRelay(memory.relay_side, broker, clock))
    try:
        memory.commit([a_message(0)])
        background.wake()
        assert first.wait(5), "a wake did not relay"
        later = [a_message(n) for n in range(1, 50)]
        for m in later:  # a burst of commits, each waking it; nothing may be stranded
            memory.commit([m])
            background.wake()
    finally:
        background.stop()
    assert not background.running
    assert memory.pending_ids() == []
    assert sorted(received) == sorted([received[0], *(m.id for m in later)])  # each exactly once
    assert len(received) == 50


def test_the_background_relay_sleeps_until_woken(clock) -> None:
    memory = MemoryOutbox()
    broker = InProcessBroker()
    background = BackgroundRelay(OutboxRelay(memory.relay_side, broker, clock))
    try:
        memory.commit([a_message(0)])  # committed, but nobody said so
        assert memory.pending_ids() != []
    finally:
        background.stop()  # the last pass relays it
    assert memory.pending_ids() == []


# --- the in-process broker ------------------------------------------------------------------

def test_the_in_process_broker_delivers_to_every_handler_even_when_one_fails() -> None:
    broker = InProcessBroker()
    got_a: list[str] = []
    got_b: list[str] = []

    def failing(message: OutboxMessage) -> None:
        raise RuntimeError("handler bug (test)")

    broker.subscribe(got_a.append)
    broker.subscribe(failing)
    broker.subscribe(got_b.append)
    messages = [a_message(0), a_message(1)]

    with capture_logs() as logs:
        broker.publish(messages)

    assert [m.id for m in got_a] == [m.id for m in got_b] == [m.id for m in messages]
    assert [e["event"] for e in logs] == ["in-process handler failed"] * 2
    assert logs[0]["message_id"] == messages[0].id


def test_the_in_process_broker_delivers_only_the_names_subscribed_to() -> None:
    broker = InProcessBroker()
    got: list[OutboxMessage] = []
    broker.subscribe(got.append, {"lot.closed"})

    broker.publish([a_message(0, "lot.bid_placed"), a_message(1, "lot.closed")])

    assert [m.name for m in got] == ["lot.closed"]


def test_an_unsubscribed_handler_gets_nothing_more() -> None:
    broker = InProcessBroker()
    got: list[OutboxMessage] = []
    unsubscribe = broker.subscribe(got.append)
    broker.publish([a_message(0)])

    unsubscribe()
    broker.publish([a_message(1)])

    assert len(got) == 1
    assert broker.subscribers == 0


# --- the worker without a broker server -----------------------------------------------------

def test_the_worker_without_rabbitmq_relays_to_the_in_process_projection(clock, tmp_path) -> None:
    from omk_adapters.bootstrap import Services
    from omk_adapters.memory.uow import MemoryUnitOfWork
    from omk_adapters.messaging.worker import run_worker, subscribe_in_process
    from omk_adapters.settings import Settings
    from omk_domain.app.bus import MessageBus

    memory = MemoryOutbox()
    broker = InProcessBroker()

    def uow_factory() -> MemoryUnitOfWork:
        return MemoryUnitOfWork(memory.store)

    services = Services(settings=Settings(data_dir=tmp_path, database_url="sqlite://"), clock=clock,
                        bus=MessageBus(uow_factory=uow_factory, clock=clock), uow_factory=uow_factory,
                        relay=OutboxRelay(memory.relay_side, broker, clock), publisher=broker, broker=broker,
                        engine=None)
    bid = OutboxMessage(id=uuid.uuid4().hex, name="lot.bid_placed", occurred_at=T0,
                        payload={"auction_id": "a1", "lot_id": "l1", "organization_id": "o1",
                                 "occurred_at": T0.isoformat(), "amount": "100.00"})
    closed = OutboxMessage(id=uuid.uuid4().hex, name="lot.closed", occurred_at=T0,
                           payload={"auction_id": "a1", "lot_id": "l1"})
    memory.commit([bid, a_message(1, name="auction.published"), closed, bid])  # bid twice: a duplicate

    unsubscribe = subscribe_in_process(broker, uow_factory, clock)  # as bootstrap() does

    report = run_worker(services, once=True)

    assert report.relayed == 4
    with uow_factory() as uow:
        activity = uow.activity.get("l1")
    assert activity is not None and (activity.bids, activity.bidders, activity.closed) == (1, {"o1"}, True)
    assert memory.relay_side.pending() == []
    unsubscribe()
    assert broker.subscribers == 0


# --- no secrets in logs ---------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_rabbitmq_is_logged_without_its_password(clock) -> None:
    from omk_adapters.messaging.rabbitmq import PikaEventPublisher

    secret = "S3cr3t-Pa55"
    url = f"amqp://omk:{secret}@127.0.0.1:{_closed_port()}/%2F"
    memory = MemoryOutbox()
    memory.commit([a_message()])
    publisher = PikaEventPublisher(url, exchange="omk.test")
    relay = OutboxRelay(memory.relay_side, publisher, clock)

    with capture_logs() as logs:
        assert relay.pump_safely() == 0

    assert len(memory.pending_ids()) == 1
    assert logs and logs[0]["log_level"] == "warning"
    assert "127.0.0.1" in logs[0]["error"]
    assert secret not in repr(logs)
    with pytest.raises(BrokerUnavailable) as caught:
        publisher.publish([a_message()])
    assert secret not in str(caught.value)


def test_redact_url_hides_only_the_password() -> None:
    assert redact_url("amqp://omk:p%40ss@mq.local:5672/%2F") == "amqp://omk:***@mq.local:5672/%2F"
    assert redact_url("amqp://mq.local/%2F") == "amqp://mq.local/%2F"

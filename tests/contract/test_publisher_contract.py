"""One contract for publishing events and receiving them, run against every broker adapter.

The in-process broker delivers synchronously to subscribed handlers; RabbitMQ goes through a
durable topic exchange and a queue read by PikaEventConsumer. Both must deliver each published
message once, in order, with its id, name, payload and time intact.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Protocol

import pytest

from omk_adapters.messaging.inprocess import InProcessBroker
from omk_domain.auctions.events import BidPlaced
from omk_domain.ports import EventPublisher, OutboxMessage, message_from_event

pytestmark = pytest.mark.contract

MSK = timezone(timedelta(hours=3))


class Harness(Protocol):
    publisher: EventPublisher

    def received(self) -> list[OutboxMessage]:
        """Everything delivered so far (waiting briefly for a networked broker to go quiet)."""


class InProcessHarness:
    def __init__(self, names: Collection[str] | None) -> None:
        broker = InProcessBroker()
        self.publisher = broker
        self._got: list[OutboxMessage] = []
        broker.subscribe(self._got.append, names)

    def received(self) -> list[OutboxMessage]:
        return list(self._got)


class RabbitHarness:
    """A throwaway exchange and queue on the real broker, deleted afterwards."""

    def __init__(self, url: str, names: Collection[str] | None) -> None:
        from omk_adapters.messaging.rabbitmq import PikaEventConsumer, PikaEventPublisher

        self.url = url
        tag = uuid.uuid4().hex[:12]
        self.exchange, self.queue = f"omk.test.{tag}", f"omk.test.{tag}.q"
        self.consumer = PikaEventConsumer(url, self.exchange, self.queue,
                                          routing_keys=sorted(names) if names is not None else ["#"])
        self.consumer.declare()  # bound before anything is published
        self.publisher = PikaEventPublisher(url, self.exchange)
        self._got: list[OutboxMessage] = []

    def received(self) -> list[OutboxMessage]:
        self.consumer.consume(self._got.append, idle_timeout=0.3, max_messages=1000)
        return list(self._got)

    def cleanup(self) -> None:
        import pika

        self.publisher.close()
        self.consumer.close()
        with pika.BlockingConnection(pika.URLParameters(self.url)) as connection:
            channel = connection.channel()
            channel.queue_delete(self.queue)
            channel.queue_delete(f"{self.queue}.dead")
            channel.exchange_delete(self.exchange)


@pytest.fixture(params=["in-process", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
def make_harness(request: pytest.FixtureRequest) -> Iterator[object]:
    """make_harness(names=None) → a publisher and what its subscriber received."""
    made: list[RabbitHarness] = []

    def make(names: Collection[str] | None = None) -> Harness:
        if request.param == "in-process":
            return InProcessHarness(names)
        harness = RabbitHarness(request.getfixturevalue("amqp_url"), names)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.cleanup()


def a_message(n: int, name: str = "lot.bid_placed", **payload: object) -> OutboxMessage:
    return OutboxMessage(id=uuid.uuid4().hex, name=name,
                         occurred_at=datetime(2026, 3, 2, 12, 0, n, 123456, tzinfo=MSK),
                         payload={"n": n, "amount": "1250000.50", "currency": "RUB",
                                  "title": "Трубы стальные бесшовные 273×10, ГОСТ 8732-78 — «ОМК»",
                                  "items": [{"qty": "12.500", "unit": "т"}], "winner": None, **payload})


def ids(messages: Sequence[OutboxMessage]) -> list[str]:
    return [m.id for m in messages]


def test_published_messages_arrive_once_in_order_and_intact(make_harness) -> None:
    harness = make_harness()
    messages = [a_message(n) for n in range(5)]

    harness.publisher.publish(messages)

    received = harness.received()
    assert ids(received) == ids(messages)
    assert received == messages  # id, name, payload and occurred_at all equal


def test_the_time_keeps_its_zone_and_microseconds(make_harness) -> None:
    harness = make_harness()
    message = a_message(7)

    harness.publisher.publish([message])

    (received,) = harness.received()
    assert received.occurred_at == message.occurred_at
    assert received.occurred_at.utcoffset() == timedelta(hours=3)
    assert received.occurred_at.microsecond == 123456


def test_amounts_travel_as_decimal_strings_and_cyrillic_is_intact(make_harness) -> None:
    harness = make_harness()
    event = BidPlaced(occurred_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), auction_id="a1", lot_id="l1",
                      bid_id="b1", organization_id="o1", alias="Участник №3",
                      amount=Decimal("1250000.50"), previous_leader_id=None)

    harness.publisher.publish([message_from_event(event, uuid.uuid4().hex)])

    (received,) = harness.received()
    assert received.payload["amount"] == "1250000.50"
    assert Decimal(received.payload["amount"]) == event.amount
    assert received.payload["alias"] == "Участник №3"
    assert received.payload["occurred_at"] == "2026-03-02T09:00:00+00:00"


def test_messages_of_successive_publishes_arrive_in_publishing_order(make_harness) -> None:
    harness = make_harness()
    first, second = [a_message(n) for n in range(3)], [a_message(n) for n in range(3, 6)]

    harness.publisher.publish(first)
    harness.publisher.publish(second)

    assert ids(harness.received()) == ids(first + second)


def test_publishing_nothing_delivers_nothing(make_harness) -> None:
    harness = make_harness()

    harness.publisher.publish([])

    assert harness.received() == []


def test_a_subscriber_gets_only_the_event_names_it_subscribed_to(make_harness) -> None:
    harness = make_harness({"lot.closed", "lot.extended"})
    messages = [a_message(0, "lot.bid_placed"), a_message(1, "lot.extended"),
                a_message(2, "auction.published"), a_message(3, "lot.closed")]

    harness.publisher.publish(messages)

    assert [m.name for m in harness.received()] == ["lot.extended", "lot.closed"]

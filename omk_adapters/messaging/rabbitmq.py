"""RabbitMQ through pika's blocking connection: a confirming publisher and an acking consumer.

Wire format: one message per event on a durable topic exchange, routing key = event name,
persistent (delivery_mode=2), `message_id` = outbox id, `type` = event name, JSON body
`{"id", "name", "occurred_at", "payload"}` in UTF-8.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pika
import pika.exceptions
import structlog
from pika.adapters.blocking_connection import BlockingChannel

from omk_adapters.messaging.errors import BrokerUnavailable, redact_url, scrub
from omk_domain.ports import OutboxMessage

__all__ = [
    "BrokerUnavailable",
    "MessageDecodeError",
    "PikaEventConsumer",
    "PikaEventPublisher",
    "connection_parameters",
    "decode_message",
    "encode_message",
]

log = structlog.get_logger("omk.messaging.rabbitmq")

CONTENT_TYPE = "application/json"
DEFAULT_EXCHANGE = "omk.events"
#: errors that mean "the broker, the connection or the channel failed" (not our bug)
_BROKER_ERRORS: tuple[type[BaseException], ...] = (pika.exceptions.AMQPError, OSError)


class MessageDecodeError(ValueError):
    """A delivered body is not an OMK event message."""


def encode_message(message: OutboxMessage) -> tuple[bytes, pika.BasicProperties]:
    """The body and properties of one event on the wire."""
    body = json.dumps({"id": message.id, "name": message.name,
                       "occurred_at": message.occurred_at.isoformat(), "payload": message.payload},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    properties = pika.BasicProperties(
        content_type=CONTENT_TYPE, content_encoding="utf-8",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=message.id, type=message.name,
        timestamp=int(message.occurred_at.timestamp()), app_id="omk",
    )
    return body, properties


def decode_message(body: bytes) -> OutboxMessage:
    """An OutboxMessage from a body made by `encode_message`; MessageDecodeError otherwise."""
    try:
        data = json.loads(body.decode("utf-8"))
        occurred_at = datetime.fromisoformat(data["occurred_at"])
        message = OutboxMessage(id=str(data["id"]), name=str(data["name"]),
                                payload=data["payload"], occurred_at=occurred_at)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise MessageDecodeError(f"not an OMK event message: {exc}") from exc
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise MessageDecodeError("not an OMK event message: occurred_at has no time zone")
    if not isinstance(message.payload, dict):
        raise MessageDecodeError("not an OMK event message: payload is not an object")
    return message


def connection_parameters(url: str, *, name: str) -> pika.URLParameters:
    """pika parameters from an amqp:// URL, with bounded timeouts unless the URL sets them.

    Query options pika understands (heartbeat, socket_timeout, blocked_connection_timeout,
    connection_attempts, …) may be given in the URL and win over these defaults.
    """
    params = pika.URLParameters(url)
    given = parse_qs(urlsplit(url).query)
    defaults: dict[str, Any] = {"socket_timeout": 5.0, "stack_timeout": 10.0,
                                "blocked_connection_timeout": 30.0, "connection_attempts": 1}
    for key, value in defaults.items():
        if key not in given:
            setattr(params, key, value)
    if "client_properties" not in given:
        params.client_properties = {"connection_name": name}
    return params


class _Connected:
    """A lazily opened connection with one channel; dropped after any failure."""

    def __init__(self, url: str, name: str) -> None:
        self._url = url
        self._params = connection_parameters(url, name=name)
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    @property
    def where(self) -> str:
        """The broker's URL, password hidden."""
        return redact_url(self._url)

    def _is_open(self) -> bool:
        return (self._connection is not None and self._connection.is_open
                and self._channel is not None and self._channel.is_open)

    def _open(self, setup: Callable[[BlockingChannel], None]) -> BlockingChannel:
        if self._is_open():
            assert self._channel is not None
            return self._channel
        self._drop()
        try:
            connection = pika.BlockingConnection(self._params)
        except _BROKER_ERRORS as exc:
            raise self._unavailable("cannot connect", exc) from exc
        try:
            channel = connection.channel()
            setup(channel)
        except _BROKER_ERRORS as exc:
            _quietly_close(connection)
            raise self._unavailable("cannot set up the channel", exc) from exc
        self._connection, self._channel = connection, channel
        log.info("connected to RabbitMQ", broker=self.where)
        return channel

    def _drop(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            _quietly_close(connection)

    def _unavailable(self, what: str, exc: BaseException, confirmed: Sequence[str] = ()) -> BrokerUnavailable:
        detail = scrub(repr(exc), self._url)
        return BrokerUnavailable(f"RabbitMQ at {self.where}: {what} ({detail})", confirmed=confirmed)


def _quietly_close(connection: pika.BlockingConnection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except Exception:  # closing a broken connection may fail in many ways; it is gone either way
        log.debug("closing a broken RabbitMQ connection failed", exc_info=True)


def _declare_exchange(channel: BlockingChannel, exchange: str) -> None:
    channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)


class PikaEventPublisher(_Connected):
    """Publishes outbox messages with publisher confirms; `publish` returns once all are confirmed.

    Connects on first use; after a failure the next `publish` reconnects. A connection found dead
    at publish time (the broker restarted, an idle connection was dropped) is replaced once at
    once; if the broker still cannot be reached or refuses a message, BrokerUnavailable is raised
    carrying the ids confirmed so far. Thread-safe (one lock around the connection).
    """

    def __init__(self, url: str, exchange: str = DEFAULT_EXCHANGE) -> None:
        super().__init__(url, name="omk publisher")
        self.exchange = exchange
        self._lock = threading.Lock()

    def _setup(self, channel: BlockingChannel) -> None:
        _declare_exchange(channel, self.exchange)
        channel.confirm_delivery()

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        if not messages:
            return
        encoded = [(m, *encode_message(m)) for m in messages]
        confirmed: list[str] = []
        with self._lock:
            for attempt in (1, 2):
                reused = self._is_open()
                channel = self._open(self._setup)
                try:
                    for message, body, properties in encoded[len(confirmed):]:
                        channel.basic_publish(exchange=self.exchange, routing_key=message.name,
                                              body=body, properties=properties)
                        confirmed.append(message.id)
                    return
                except pika.exceptions.NackError as exc:
                    self._drop()
                    raise self._unavailable("the broker refused a message (nack)", exc, confirmed) from exc
                except _BROKER_ERRORS as exc:
                    self._drop()
                    if not reused or attempt == 2:
                        raise self._unavailable("publishing failed", exc, confirmed) from exc
                    log.info("RabbitMQ connection was lost; reconnecting", broker=self.where,
                             error=type(exc).__name__)

    def close(self) -> None:
        with self._lock:
            self._drop()


MessageHandler = Callable[[OutboxMessage], object]


#: attempts before a message whose handler keeps failing is dead-lettered
DELIVERY_LIMIT = 10


class PikaEventConsumer(_Connected):
    """Consumes one durable queue bound to the exchange; acks a message only after its handler returned.

    A handler that raises gets the message nacked with requeue, so the broker delivers it again
    (handlers must be idempotent: see the inbox). A body that is not an event message is
    rejected without requeue (it could never succeed) and logged. Not thread-safe: one consumer
    per thread.
    """

    def __init__(self, url: str, exchange: str = DEFAULT_EXCHANGE, queue: str = "omk.worker",
                 routing_keys: Iterable[str] = ("#",), *, prefetch: int = 20,
                 delivery_limit: int = DELIVERY_LIMIT) -> None:
        super().__init__(url, name=f"omk consumer {queue}")
        self.exchange = exchange
        self.queue = queue
        self.dead_letter_queue = f"{queue}.dead"
        self.routing_keys = tuple(routing_keys)
        self.prefetch = prefetch
        self.delivery_limit = delivery_limit

    def _setup(self, channel: BlockingChannel) -> None:
        _declare_exchange(channel, self.exchange)
        # a quorum queue counts deliveries: a message whose handler keeps failing is moved to
        # the dead-letter queue after `delivery_limit` attempts instead of looping forever
        channel.queue_declare(queue=self.dead_letter_queue, durable=True)
        channel.queue_declare(queue=self.queue, durable=True, arguments={
            "x-queue-type": "quorum", "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.dead_letter_queue})
        for key in self.routing_keys:
            channel.queue_bind(queue=self.queue, exchange=self.exchange, routing_key=key)
        channel.basic_qos(prefetch_count=self.prefetch)

    def declare(self) -> None:
        """Declare the exchange, the queue and its bindings now (messages published later are kept)."""
        self._open(self._setup)

    def consume(self, handler: MessageHandler, *, max_messages: int | None = None,
                idle_timeout: float | None = None) -> int:
        """Handle deliveries until `max_messages` were taken or none came for `idle_timeout` seconds.

        Returns how many messages the handler completed (acked). `max_messages` counts every
        delivery taken, including ones whose handler failed. With neither limit it runs until the
        broker cancels the consumer. Raises BrokerUnavailable when the broker fails.
        """
        channel = self._open(self._setup)
        handled = taken = 0
        try:
            for method, properties, body in channel.consume(self.queue, inactivity_timeout=idle_timeout):
                if method is None:  # idle for idle_timeout seconds
                    break
                taken += 1
                if self._deliver(channel, handler, method, properties, body):
                    handled += 1
                if max_messages is not None and taken >= max_messages:
                    break
        except _BROKER_ERRORS as exc:
            self._drop()
            raise self._unavailable("consuming failed", exc) from exc
        finally:
            self._cancel(channel)
        return handled

    def _deliver(self, channel: BlockingChannel, handler: MessageHandler, method: Any,
                 properties: Any, body: bytes) -> bool:
        try:
            message = decode_message(body)
        except MessageDecodeError as exc:
            log.error("rejecting a message that is not an event", queue=self.queue,
                      message_id=getattr(properties, "message_id", None), error=str(exc))
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=False)
            return False
        try:
            handler(message)
        except Exception:
            log.exception("handler failed; message requeued", queue=self.queue, message_id=message.id,
                          message_name=message.name, redelivered=bool(method.redelivered))
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
            return False
        channel.basic_ack(delivery_tag=method.delivery_tag)
        return True

    def _cancel(self, channel: BlockingChannel) -> None:
        """Stop the consumer; prefetched messages not yet handled go back to the queue."""
        if not self._is_open():
            return
        try:
            channel.cancel()
        except _BROKER_ERRORS:
            self._drop()

    def close(self) -> None:
        self._drop()


def broker_reachable(url: str, *, timeout: float = 2.0) -> bool:
    """True when an AMQP connection to the broker opens (and is closed again) within `timeout`: readiness."""
    params = connection_parameters(url, name="omk-readiness")
    params.socket_timeout = timeout
    params.blocked_connection_timeout = timeout
    params.connection_attempts = 1
    try:
        connection = pika.BlockingConnection(params)
    except Exception:
        return False
    _quietly_close(connection)
    return True

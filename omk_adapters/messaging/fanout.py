"""Live fan-out over RabbitMQ: each web process reads every event through its own queue.

Unlike the workers' durable shared queue (one consumer handles each message once), every web
process declares an exclusive, auto-delete, server-named queue bound to the topic exchange, so
each process sees every event and can update the watchers connected to it. Nothing here is
acknowledged or kept: a live notification lost while the connection is down is made good by
re-reading the watched lots after reconnecting (`on_connected`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

import pika
import pika.exceptions
import structlog

from omk_adapters.messaging.errors import redact_url
from omk_adapters.messaging.rabbitmq import DEFAULT_EXCHANGE, MessageDecodeError, connection_parameters, decode_message
from omk_domain.ports import OutboxMessage

log = structlog.get_logger("omk.messaging.fanout")


class PikaLiveSubscriber:
    """A daemon thread consuming this process's exclusive queue and calling `handler` per event.

    `handler` must not block (the hub only marks lots dirty). The thread reconnects with a
    growing pause after any failure and calls `on_connected` each time its queue is bound.
    """

    def __init__(self, url: str, *, exchange: str = DEFAULT_EXCHANGE, routing_keys: Iterable[str] = ("#",),
                 handler: Callable[[OutboxMessage], object],
                 on_connected: Callable[[], object] = lambda: None) -> None:
        self.url = url
        self.exchange = exchange
        self.routing_keys = tuple(routing_keys)
        self.handler = handler
        self.on_connected = on_connected
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="omk-live-amqp", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float) -> bool:
        """True once the queue is declared and bound (events published from now on arrive)."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        pause = 0.5
        while not self._stop.is_set():
            connection: pika.BlockingConnection | None = None
            try:
                connection = pika.BlockingConnection(connection_parameters(self.url, name="omk live"))
                channel = connection.channel()
                channel.exchange_declare(exchange=self.exchange, exchange_type="topic", durable=True)
                queue = channel.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue
                for key in self.routing_keys:
                    channel.queue_bind(queue=queue, exchange=self.exchange, routing_key=key)
                channel.basic_consume(queue=queue, on_message_callback=self._on_message, auto_ack=True)
                self._ready.set()
                pause = 0.5
                log.info("live fan-out: consuming", broker=redact_url(self.url), queue=queue)
                self.on_connected()
                while not self._stop.is_set():
                    connection.process_data_events(time_limit=0.5)
            except (pika.exceptions.AMQPError, OSError) as exc:
                self._ready.clear()
                log.warning("live fan-out: broker connection lost; reconnecting", broker=redact_url(self.url),
                            error=type(exc).__name__)
                self._stop.wait(pause)
                pause = min(pause * 2, 10.0)
            finally:
                if connection is not None and connection.is_open:
                    try:
                        connection.close()
                    except Exception:  # a broken connection may fail to close; it is gone either way
                        log.debug("closing the live fan-out connection failed", exc_info=True)

    def _on_message(self, channel: object, method: object, properties: object, body: bytes) -> None:
        try:
            message = decode_message(body)
        except MessageDecodeError as exc:
            log.error("live fan-out: not an event message", error=str(exc))
            return
        try:
            self.handler(message)
        except Exception:  # the hub must not kill the consumer thread
            log.exception("live fan-out: handler failed", message_name=message.name)

"""The in-process broker: the default EventPublisher when no message broker is configured."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence

import attrs
import structlog

from omk_domain.ports import OutboxMessage

log = structlog.get_logger("omk.messaging.inprocess")

MessageHandler = Callable[[OutboxMessage], object]


@attrs.frozen
class _Subscription:
    handler: MessageHandler
    names: frozenset[str] | None

    def wants(self, message: OutboxMessage) -> bool:
        return self.names is None or message.name in self.names


class InProcessBroker:
    """Delivers published messages synchronously, in order, to the handlers subscribed to them.

    A handler that raises is logged and skipped; the other handlers still get the message and
    `publish` returns normally (there is no redelivery in process: the relay marks the message
    published). Thread-safe: subscribing while another thread publishes is allowed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: tuple[_Subscription, ...] = ()

    def subscribe(self, handler: MessageHandler, names: Collection[str] | None = None) -> Callable[[], None]:
        """Deliver messages named in `names` (all when None) to `handler`; returns an unsubscribe."""
        subscription = _Subscription(handler, None if names is None else frozenset(names))
        with self._lock:
            self._subscriptions = (*self._subscriptions, subscription)

        def unsubscribe() -> None:
            with self._lock:
                self._subscriptions = tuple(s for s in self._subscriptions if s is not subscription)

        return unsubscribe

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        subscriptions = self._subscriptions  # a snapshot: handlers may (un)subscribe meanwhile
        for message in messages:
            for subscription in subscriptions:
                if not subscription.wants(message):
                    continue
                try:
                    subscription.handler(message)
                except Exception:
                    log.exception("in-process handler failed", message_id=message.id,
                                  message_name=message.name,
                                  handler=getattr(subscription.handler, "__qualname__",
                                                  repr(subscription.handler)))

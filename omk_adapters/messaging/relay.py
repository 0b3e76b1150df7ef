"""The outbox relay: sends committed events from the outbox to the broker, at least once."""

from __future__ import annotations

import threading

import structlog

from omk_adapters.messaging.errors import BrokerUnavailable
from omk_domain.ports import EventPublisher, OutboxStore
from omk_domain.shared.clock import Clock

log = structlog.get_logger("omk.messaging.relay")


class OutboxRelay:
    """Reads pending outbox messages, publishes them, then marks them published.

    Marking happens only after the publisher returned (the broker confirmed), so a crash in
    between sends a message twice — consumers are idempotent — but never loses one.

    One pump runs at a time per relay. A pump asked for while another is running (another
    thread, or a handler of the in-process broker committing new events) returns 0 at once
    and makes the running pump take another pass, so nothing committed meanwhile waits.
    """

    def __init__(self, outbox: OutboxStore, publisher: EventPublisher, clock: Clock) -> None:
        self.outbox = outbox
        self.publisher = publisher
        self.clock = clock
        self._lock = threading.Lock()
        self._again = False

    def pump(self, batch: int = 100, max_batches: int | None = None) -> int:
        """Relay pending messages in batches of `batch`; return how many were published.

        Raises the publisher's error (e.g. BrokerUnavailable) after marking what it confirmed;
        unconfirmed messages stay pending.
        """
        if batch < 1:
            raise ValueError("batch must be at least 1")
        total = 0
        while True:
            if not self._lock.acquire(blocking=False):
                self._again = True
                return total
            try:
                self._again = False
                total += self._drain(batch, max_batches)
            finally:
                self._lock.release()
            if not self._again:
                return total

    def pump_safely(self, batch: int = 100, max_batches: int | None = None) -> int:
        """Like `pump`, but a failure is logged and 0 returned; the messages stay in the outbox."""
        try:
            return self.pump(batch, max_batches)
        except BrokerUnavailable as exc:
            log.warning("outbox relay: broker unavailable, messages stay pending", error=str(exc),
                        confirmed=len(exc.confirmed))
        except Exception:
            # best effort by design (it runs after a command committed); the traceback is logged
            log.exception("outbox relay failed, messages stay pending")
        return 0

    def _drain(self, batch: int, max_batches: int | None) -> int:
        sent = 0
        batches = 0
        done: set[str] = set()
        while max_batches is None or batches < max_batches:
            messages = list(self.outbox.pending(batch))
            if not messages or all(m.id in done for m in messages):
                break  # nothing left (or a store that did not mark: do not spin)
            batches += 1
            try:
                self.publisher.publish(messages)
            except BrokerUnavailable as exc:
                if exc.confirmed:
                    self.outbox.mark_published(list(exc.confirmed), self.clock.now())
                    sent += len(exc.confirmed)
                raise
            ids = [m.id for m in messages]
            self.outbox.mark_published(ids, self.clock.now())
            done.update(ids)
            sent += len(messages)
            log.debug("outbox relay: published", count=len(messages))
            if len(messages) < batch:
                break
        return sent


class BackgroundRelay:
    """Runs an `OutboxRelay` on its own thread: a command that committed messages only wakes it.

    The web process uses it so a request does not wait for the broker and the in-process
    projections after its commit; wakes that arrive while a pass runs coalesce into one more
    pass, so a burst of commits is relayed in a few batches. `stop` makes a last pass: what was
    committed before it is relayed (or, with the broker down, left in the outbox for the worker).
    """

    def __init__(self, relay: OutboxRelay, *, name: str = "omk-outbox-relay") -> None:
        self.relay = relay
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            stopping = self._stopping  # read after the clear: a stop that comes later wakes one more pass
            self.relay.pump_safely()
            if stopping:
                return

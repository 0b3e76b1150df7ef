"""The live channel: server-sent events at /live/lots/{lot_id}, fed by a per-process hub.

The hub learns that a lot changed from domain events — from the in-process broker on the
embedded set-up, or from RabbitMQ through an exclusive queue of this process (so a bid taken
by any worker process reaches watchers on every process). It then reads the lot's public
board once (not once per watcher), works out what changed, and hands that to every watcher of
the lot. Only the board goes out: aliases, open-bid amounts and times, close times and
statuses — never an organisation's id or name, never anything about price offers.

Each event's SSE `id` is the lot's public version (see omk_domain.auctions.board); a browser
reconnecting with `Last-Event-ID` gets exactly the bids it missed when they can be replayed,
otherwise a `snapshot` event with the whole public state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, Any

import anyio
import anyio.to_thread
import structlog
from litestar import Request, get
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import Stream

from omk_adapters.bootstrap import Services
from omk_domain.app.auctions import ViewLot
from omk_domain.app.lot_page import lot_board_of
from omk_domain.auctions.board import BoardChange, LotBoard, PublicBid, board_changes
from omk_domain.auctions.views import LotView
from omk_domain.ports import OutboxMessage
from omk_domain.shared.clock import Clock
from omk_web.auth import CurrentActor, services_of

log = structlog.get_logger("omk.web.live")

#: the events after which a watched lot's public board may have changed
LOT_EVENTS = frozenset({"lot.bid_placed", "lot.bid_annulled", "lot.extended", "lot.closed",
                        "lot.winner_declined"})
AUCTION_EVENTS = frozenset({"auction.started", "auction.finished", "auction.cancelled",
                            "auction.results_approved", "auction.rescheduled"})
LIVE_EVENTS = LOT_EVENTS | AUCTION_EVENTS
#: RabbitMQ routing keys of those events (routing key = event name)
ROUTING_KEYS = tuple(sorted(LIVE_EVENTS))
QUEUE_LIMIT = 256


class Broadcast:
    """One change of a lot's board, as the hub hands it to each watcher (already public)."""

    __slots__ = ("board", "changes", "frames", "prev", "server_time", "version")

    def __init__(self, board: LotBoard, prev: int, changes: tuple[BoardChange, ...], server_time: datetime):
        self.board, self.prev, self.changes, self.server_time = board, prev, changes, server_time
        self.version = board.version
        #: the events on the wire, encoded once in the hub's thread: for the watchers whose alias placed
        #: (or lost) a bid of this change ("mine" true), and for everybody else (key None)
        self.frames = encode_broadcast(self)

    def frames_for(self, my_alias: str) -> bytes:
        return self.frames.get(my_alias) or self.frames[None]


class Watcher:
    """One SSE connection: a queue on the connection's event loop, filled from the hub's thread."""

    def __init__(self, lot_id: str, loop: asyncio.AbstractEventLoop) -> None:
        self.lot_id = lot_id
        self.loop = loop
        self.queue: asyncio.Queue[Broadcast] = asyncio.Queue(QUEUE_LIMIT)
        #: set when the queue overflowed: the watcher resynchronises with a snapshot
        self.lagging = False

    def put(self, item: Broadcast) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lagging = True


class _Channel:
    __slots__ = ("auction_id", "board", "watchers")

    def __init__(self, board: LotBoard) -> None:
        self.board = board
        self.auction_id = board.auction_id
        self.watchers: set[Watcher] = set()


class LiveHub:
    """Per process: which lots are watched, their last public board, and the watchers of each.

    `notify` is called from any thread (the outbox relay, a RabbitMQ consumer) and never blocks:
    it marks lots dirty and wakes the hub's thread, which reads each dirty lot's board once and
    delivers the change to the lot's watchers on their event loops. Watched lots are also re-read
    every `poll` seconds, so a lost notification delays an update but never loses it.
    """

    def __init__(self, load_board: Callable[[str], LotBoard], clock: Clock, *,
                 heartbeat: float = 15.0, poll: float = 15.0) -> None:
        self.load_board = load_board
        self.clock = clock
        self.heartbeat = heartbeat
        self.poll = poll
        self._channels: dict[str, _Channel] = {}
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._dirty: set[str] = set()
        self._dirty_auctions: set[str] = set()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._detach: list[Callable[[], None]] = []
        self._ready_checks: list[Callable[[float], bool]] = []

    # --- life -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stop = False
            self._thread = threading.Thread(target=self._run, name="omk-live-hub", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        for detach in self._detach:
            detach()
        self._detach.clear()
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def on_stop(self, detach: Callable[[], None]) -> None:
        self._detach.append(detach)

    def feeding(self, ready: Callable[[float], bool]) -> None:
        """Register a feed's readiness check (a broker queue that must be bound before events count)."""
        self._ready_checks.append(ready)

    def wait_ready(self, timeout: float) -> bool:
        """True once every feed is ready: events published from now on reach this process's watchers."""
        return all(check(timeout) for check in self._ready_checks)

    # --- feeding ----------------------------------------------------------------------
    def notify(self, message: OutboxMessage) -> None:
        """A domain event arrived: the lot (or every watched lot of the auction) may have changed."""
        if message.name not in LIVE_EVENTS:
            return
        payload = message.payload
        with self._wake:
            lot_id = payload.get("lot_id")
            if isinstance(lot_id, str):
                self._dirty.add(lot_id)  # dropped by the hub's thread if nobody watches it
            elif isinstance(payload.get("auction_id"), str):
                self._dirty_auctions.add(payload["auction_id"])
            self._wake.notify()

    def refresh_all(self) -> None:
        """Re-read every watched lot (after a reconnect to the broker: notifications may be lost)."""
        with self._wake:
            self._dirty.update(self._channels)
            self._wake.notify()

    # --- watchers ---------------------------------------------------------------------
    @property
    def watchers(self) -> int:
        return sum(len(c.watchers) for c in self._channels.values())

    def subscribe(self, lot_id: str, loop: asyncio.AbstractEventLoop) -> tuple[Watcher, LotBoard]:
        """Watch a lot: the watcher and the board every later broadcast builds on (read now if unwatched).

        Blocking (it may read the database): call it from a worker thread."""
        watcher = Watcher(lot_id, loop)
        with self._lock:
            channel = self._channels.get(lot_id)
            if channel is not None:
                channel.watchers.add(watcher)
                return watcher, channel.board
        board = self.load_board(lot_id)
        with self._lock:
            channel = self._channels.setdefault(lot_id, _Channel(board))
            channel.watchers.add(watcher)
            return watcher, channel.board

    def unsubscribe(self, watcher: Watcher) -> None:
        with self._lock:
            channel = self._channels.get(watcher.lot_id)
            if channel is None:
                return
            channel.watchers.discard(watcher)
            if not channel.watchers:
                del self._channels[watcher.lot_id]

    # --- the hub's thread -------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._wake:
                idle = not (self._dirty or self._dirty_auctions or self._stop)
                if idle and not self._wake.wait(self.poll):
                    self._dirty.update(self._channels)  # the periodic re-read
                if self._stop:
                    return
                for auction_id in self._dirty_auctions:
                    self._dirty.update(k for k, c in self._channels.items() if c.auction_id == auction_id)
                dirty, self._dirty, self._dirty_auctions = self._dirty, set(), set()
            for lot_id in dirty:
                try:
                    self._refresh(lot_id)
                except Exception:  # one lot's failure must not stop the others' updates
                    log.exception("live hub: reading a lot failed", lot_id=lot_id)

    def _refresh(self, lot_id: str) -> None:
        with self._lock:
            if lot_id not in self._channels:
                return
        board = self.load_board(lot_id)
        with self._lock:
            channel = self._channels.get(lot_id)
            if channel is None:
                return
            before = channel.board
            if board.version < before.version or board == before:
                return  # an older read overtaken by a newer one, or nothing public changed
            channel.board = board
            watchers = list(channel.watchers)
        item = Broadcast(board, before.version, board_changes(before, board), self.clock.now())
        by_loop: dict[asyncio.AbstractEventLoop, list[Watcher]] = {}
        for w in watchers:
            by_loop.setdefault(w.loop, []).append(w)
        for loop, group in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed (the server is stopping)
                loop.call_soon_threadsafe(_deliver, group, item)


def _deliver(watchers: list[Watcher], item: Broadcast) -> None:
    for w in watchers:
        w.put(item)


# --- feeding the hub from the broker -----------------------------------------------------

def attach(hub: LiveHub, services: Services) -> None:
    """Feed the hub: the in-process broker, or this process's own queue on RabbitMQ."""
    if services.broker is not None:
        hub.on_stop(services.broker.subscribe(hub.notify, LIVE_EVENTS))
    elif services.settings.amqp_url:
        from omk_adapters.messaging.fanout import PikaLiveSubscriber

        subscriber = PikaLiveSubscriber(services.settings.amqp_url, exchange=services.settings.amqp_exchange,
                                        routing_keys=ROUTING_KEYS, handler=hub.notify,
                                        on_connected=hub.refresh_all)
        subscriber.start()
        hub.feeding(subscriber.wait_ready)
        hub.on_stop(subscriber.stop)


def hub_of(request: Request[Any, Any, Any]) -> LiveHub:
    hub: LiveHub = request.app.state.live_hub
    return hub


def make_hub(services: Services) -> LiveHub:
    return LiveHub(lambda lot_id: lot_board_of(services.uow_factory(), lot_id), services.clock)


# --- the wire format ---------------------------------------------------------------------

def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def _state(board: LotBoard, server_time: datetime) -> dict[str, Any]:
    """What every event carries: the lot's public state after it, and the server's clock."""
    return {"version": board.version, "server_time": server_time.isoformat(),
            "lot_status": board.lot_status, "auction_status": board.auction_status,
            "starts_at": board.starts_at.isoformat(),
            "closes_at": board.closes_at.isoformat(), "closes_at_original": board.closes_at_original.isoformat(),
            "extended": board.closes_at != board.closes_at_original,
            "leading_alias": board.leading_alias, "leading_amount": _money(board.leading_amount),
            "next_minimum_bid": _money(board.next_minimum_bid), "offers_open": board.offers_open}


def _bid(bid: PublicBid, my_alias: str) -> dict[str, Any]:
    return {"alias": bid.alias, "amount": str(bid.amount), "placed_at": bid.placed_at.isoformat(),
            "leading": bid.leading, "mine": bid.alias == my_alias}


def _message(event: str, version: int, data: dict[str, Any]) -> bytes:
    """One SSE event (JSON on one line, so one `data:` line)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {version}\r\nevent: {event}\r\ndata: {body}\r\n\r\n".encode()


def snapshot(board: LotBoard, my_alias: str, server_time: datetime) -> bytes:
    return _message("snapshot", board.version, {**_state(board, server_time),
                                                "bids": [_bid(b, my_alias) for b in board.bids]})


def board_of_view(view: LotView) -> LotBoard:
    """The public part of an organisation's view (its own marks and its offer left out)."""
    return LotBoard(lot_id=view.lot_id, auction_id=view.auction_id, version=view.version,
                    auction_status=view.auction_status, lot_status=view.lot_status, starts_at=view.starts_at,
                    closes_at=view.closes_at, closes_at_original=view.closes_at_original,
                    leading_alias=view.leading_alias, leading_amount=view.leading_amount,
                    next_minimum_bid=view.next_minimum_bid, offers_open=view.offers_open,
                    bids=tuple(PublicBid(alias=b.alias, amount=b.amount, placed_at=b.placed_at, leading=b.leading)
                               for b in view.bids))


def catch_up(board: LotBoard, since: int | None, my_alias: str, now: datetime) -> list[bytes]:
    """What a watcher that saw version `since` missed: the exact bids when only bids happened since
    (no annulment ever, lot still open: the version then counts the bids), else a snapshot."""
    if since is not None and since == board.version:
        return []
    exact = (since is not None and 0 <= since < board.version and board.lot_status == "open"
             and board.version == len(board.bids))
    if not exact:
        return [snapshot(board, my_alias, now)]
    assert since is not None
    missed = list(reversed(board.bids[: board.version - since]))  # oldest first
    state = _state(board, now)
    return [_message("bid", since + i + 1, {**state, "version": since + i + 1, "bid": _bid(b, my_alias)})
            for i, b in enumerate(missed)]


def _encode_changes(item: Broadcast, state: dict[str, Any], my_alias: str | None) -> bytes:
    out = []
    for change in item.changes:
        data = dict(state)
        if change.bid is not None:
            data["bid"] = _bid(change.bid, my_alias or "")
        out.append(_message(change.kind, item.version, data))
    return b"".join(out)


def encode_broadcast(item: Broadcast) -> dict[str | None, bytes]:
    """A broadcast's events for every kind of watcher: keyed by the aliases its bids carry, None for the rest."""
    state = _state(item.board, item.server_time)
    aliases = {c.bid.alias for c in item.changes if c.bid is not None}
    frames: dict[str | None, bytes] = {None: _encode_changes(item, state, None)}
    for alias in aliases:
        frames[alias] = _encode_changes(item, state, alias)
    return frames


def heartbeat(version: int, now: datetime) -> bytes:
    return _message("heartbeat", version, {"server_time": now.isoformat(), "version": version})


def _since(last_event_id: str | None, since: int | None) -> int | None:
    if last_event_id is not None:
        try:
            value = int(last_event_id.strip())
        except ValueError:
            return None  # not one of ours: start over with a snapshot
        return value if value >= 0 else None
    return since


@get("/live/lots/{lot_id:str}", media_type="text/event-stream", include_in_schema=False, name="live-lot")
async def live_lot(request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str],
                   last_event_id: Annotated[str | None, HeaderParameter(name="Last-Event-ID", required=False,
                                                                       max_length=40)] = None,
                   since: Annotated[int | None, QueryParameter(ge=0, le=10**12)] = None) -> Stream:
    """Live updates of one lot for an admitted organisation (a stranger gets the 404 a missing lot gets)."""
    services = services_of(request)
    view: LotView = await anyio.to_thread.run_sync(services.bus.handle, ViewLot(lot_id=lot_id), actor)
    # a plain stream of pre-encoded SSE frames: the hub encodes each change once for all watchers
    return Stream(_stream(services, hub_of(request), view, since=_since(last_event_id, since)),
                  media_type="text/event-stream",
                  headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _stream(services: Services, hub: LiveHub, view: LotView, *, since: int | None) -> AsyncIterator[bytes]:
    """Subscribed only once the response streams, so a connection that never starts leaves nothing behind."""
    clock = services.clock
    my_alias = view.my_alias
    watcher, board = await anyio.to_thread.run_sync(hub.subscribe, view.lot_id, asyncio.get_running_loop())
    try:
        yield b"retry: 2000\r\n\r\n"  # reconnect after 2 s when the connection drops
        current = board_of_view(view)
        if board.version > current.version or (board.version == current.version and board != current):
            # the hub's board is newer than the view (a change landed in between): start from it
            since = since if board.version > current.version else None
            current = board
        for message in catch_up(current, since, my_alias, clock.now()):
            yield message
        yield heartbeat(current.version, clock.now())
        have = current.version
        while True:
            item: Broadcast | None = None
            with anyio.move_on_after(hub.heartbeat):
                item = await watcher.queue.get()
            if item is None:
                yield heartbeat(have, clock.now())
                continue
            if watcher.lagging:  # it fell behind: drop the backlog, resynchronise with the newest board
                watcher.lagging = False
                while not watcher.queue.empty():
                    item = watcher.queue.get_nowait()
                yield snapshot(item.board, my_alias, item.server_time)
            elif item.prev == have:
                yield item.frames_for(my_alias)
            elif item.version > have:
                yield snapshot(item.board, my_alias, item.server_time)
            else:
                continue
            have = max(have, item.version)
    finally:
        hub.unsubscribe(watcher)

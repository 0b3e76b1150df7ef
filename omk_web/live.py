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

A watcher is authorised when it connects (WatchLot: the lot page's rule, and only an active,
still admitted organisation) and re-checked while it watches (RecheckWatch, read-only): every
`recheck` seconds, and at once when the auction revokes an admission. Once its session or token
is gone, or its organisation was blocked or lost its admission, it gets a last `revoked` event
(a machine code and a Russian message) and the stream ends.

Staff watch an auction in the cabinet at /live/admin/auctions/{auction_id}: only `changed`
notices naming the lots whose bids or offers changed (no amounts, no organisations); the page
then re-reads its own staff table.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
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
from omk_domain.app.lot_page import AuctionWatch, RecheckWatch, WatchAuctionBids, WatchLot, lot_board_of
from omk_domain.auctions.board import BoardChange, LotBoard, PublicBid, board_changes
from omk_domain.auctions.views import LotView
from omk_domain.identity.signin import Unauthenticated
from omk_domain.ports import OutboxMessage
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import DomainError
from omk_web.auth import CurrentActor, bearer_token, services_of, session_token

log = structlog.get_logger("omk.web.live")

#: the events after which a watched lot's public board may have changed
LOT_EVENTS = frozenset({"lot.bid_placed", "lot.bid_annulled", "lot.extended", "lot.closed",
                        "lot.winner_declined"})
AUCTION_EVENTS = frozenset({"auction.started", "auction.finished", "auction.cancelled",
                            "auction.results_approved", "auction.rescheduled"})
LIVE_EVENTS = LOT_EVENTS | AUCTION_EVENTS
#: the events after which the watchers of an auction's lots are re-checked at once
RECHECK_EVENTS = frozenset({"auction.admission_revoked"})
#: the events that change the organiser's table of an auction's bids and offers (staff notices)
STAFF_EVENTS = LIVE_EVENTS | frozenset({"lot.offer_submitted", "lot.offer_edited", "lot.offer_withdrawn"})
HUB_EVENTS = LIVE_EVENTS | RECHECK_EVENTS | STAFF_EVENTS
#: RabbitMQ routing keys of those events (routing key = event name)
ROUTING_KEYS = tuple(sorted(HUB_EVENTS))
QUEUE_LIMIT = 256


class _Recheck:
    """Queued to a watcher to wake it for an immediate re-check of its authority."""

    __slots__ = ()


RECHECK = _Recheck()


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

    def __init__(self, lot_id: str, loop: asyncio.AbstractEventLoop, organization_id: str | None = None) -> None:
        self.lot_id = lot_id
        self.loop = loop
        #: whose view it watches (to re-check only the watchers an admission's revocation concerns)
        self.organization_id = organization_id
        self.queue: asyncio.Queue[Broadcast | _Recheck] = asyncio.Queue(QUEUE_LIMIT)
        #: set when the queue overflowed: the watcher resynchronises with a snapshot
        self.lagging = False
        #: set (on the watcher's loop) when its authority must be re-checked before anything else goes out
        self.recheck_due = False

    def put(self, item: Broadcast | _Recheck) -> None:
        if item is RECHECK:
            self.recheck_due = True  # kept even when the wake-up below does not fit in the queue
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lagging = True


class AuctionWatcher:
    """A staff connection to an auction: the ids of its lots that changed ("": every lot; RECHECK: re-check now)."""

    def __init__(self, auction_id: str, loop: asyncio.AbstractEventLoop, *, with_offers: bool) -> None:
        self.auction_id = auction_id
        self.loop = loop
        #: told of changes of sealed offers too (staff who may read them; view-only staff only of bids)
        self.with_offers = with_offers
        self.queue: asyncio.Queue[str | _Recheck] = asyncio.Queue(QUEUE_LIMIT)
        self.lagging = False

    def put(self, item: str | _Recheck) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lagging = True  # the page re-reads every lot


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
                 heartbeat: float = 15.0, poll: float = 15.0, recheck: float = 15.0) -> None:
        self.load_board = load_board
        self.clock = clock
        self.heartbeat = heartbeat
        self.poll = poll
        #: seconds between two re-checks of a watcher's authority (its session or token, its admission)
        self.recheck = recheck
        self._channels: dict[str, _Channel] = {}
        self._auction_watchers: dict[str, set[AuctionWatcher]] = {}
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
        if message.name not in HUB_EVENTS:
            return
        payload = message.payload
        auction_id = payload.get("auction_id")
        if isinstance(auction_id, str):
            if message.name in RECHECK_EVENTS:
                organization_id = payload.get("organization_id")
                self._recheck_auction(auction_id, organization_id if isinstance(organization_id, str) else None)
            if message.name in STAFF_EVENTS:
                lot_id = payload.get("lot_id")
                self._notice_staff(auction_id, lot_id if isinstance(lot_id, str) else "",
                                   sealed=message.name not in LIVE_EVENTS)
        if message.name not in LIVE_EVENTS:
            return
        with self._wake:
            lot_id = payload.get("lot_id")
            if isinstance(lot_id, str):
                self._dirty.add(lot_id)  # dropped by the hub's thread if nobody watches it
            elif isinstance(payload.get("auction_id"), str):
                self._dirty_auctions.add(payload["auction_id"])
            self._wake.notify()

    def _recheck_auction(self, auction_id: str, organization_id: str | None) -> None:
        """Wake the watchers of the auction's lots (of one organisation, when it is named) for a re-check."""
        with self._lock:
            watchers = [w for c in self._channels.values() if c.auction_id == auction_id for w in c.watchers
                        if organization_id is None or w.organization_id in (None, organization_id)]
        _send(watchers, RECHECK)

    def _notice_staff(self, auction_id: str, lot_id: str, *, sealed: bool) -> None:
        with self._lock:
            watchers = [w for w in self._auction_watchers.get(auction_id, ()) if w.with_offers or not sealed]
        _send(watchers, lot_id)

    def refresh_all(self) -> None:
        """Re-read every watched lot (after a reconnect to the broker: notifications may be lost)."""
        with self._wake:
            self._dirty.update(self._channels)
            self._wake.notify()
            staff = [w for watchers in self._auction_watchers.values() for w in watchers]
        _send(staff, "")  # the staff pages re-read every lot

    # --- watchers ---------------------------------------------------------------------
    @property
    def watchers(self) -> int:
        return sum(len(c.watchers) for c in self._channels.values())

    def subscribe(self, lot_id: str, loop: asyncio.AbstractEventLoop,
                  organization_id: str | None = None) -> tuple[Watcher, LotBoard]:
        """Watch a lot: the watcher and the board every later broadcast builds on (read now if unwatched).

        Blocking (it may read the database): call it from a worker thread."""
        watcher = Watcher(lot_id, loop, organization_id)
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

    def subscribe_auction(self, auction_id: str, loop: asyncio.AbstractEventLoop, *,
                          with_offers: bool) -> AuctionWatcher:
        """Staff: be told which lots of the auction changed (nothing is read: the notices come from the events)."""
        watcher = AuctionWatcher(auction_id, loop, with_offers=with_offers)
        with self._lock:
            self._auction_watchers.setdefault(auction_id, set()).add(watcher)
        return watcher

    def unsubscribe_auction(self, watcher: AuctionWatcher) -> None:
        with self._lock:
            watchers = self._auction_watchers.get(watcher.auction_id)
            if watchers is None:
                return
            watchers.discard(watcher)
            if not watchers:
                del self._auction_watchers[watcher.auction_id]

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


def _send(watchers: list[Watcher] | list[AuctionWatcher], item: Any) -> None:
    """Hand one item to each watcher on its own event loop (from any thread, never blocking)."""
    for w in watchers:
        with contextlib.suppress(RuntimeError):  # that loop is closed (the server is stopping)
            w.loop.call_soon_threadsafe(w.put, item)


# --- feeding the hub from the broker -----------------------------------------------------

def attach(hub: LiveHub, services: Services) -> None:
    """Feed the hub: the in-process broker, or this process's own queue on RabbitMQ."""
    if services.broker is not None:
        hub.on_stop(services.broker.subscribe(hub.notify, HUB_EVENTS))
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


def revoked(refusal: DomainError, now: datetime) -> bytes:
    """The last event of a stream whose watcher lost its authority (no `id`: it is no version of the lot).

    `sign_in` tells a page to send the person to sign in again (the session or token ended)."""
    data = {"code": refusal.code, "message": refusal.user_message(), "sign_in": isinstance(refusal, Unauthenticated),
            "server_time": now.isoformat()}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: revoked\r\ndata: {body}\r\n\r\n".encode()


def changed(lot_ids: list[str], now: datetime) -> bytes:
    """A staff notice: these lots' bids or offers changed (an empty list: re-read every lot)."""
    body = json.dumps({"lots": lot_ids, "server_time": now.isoformat()}, separators=(",", ":"))
    return f"event: changed\r\ndata: {body}\r\n\r\n".encode()


def credential_of(request: Request[Any, Any, Any], **target: str) -> RecheckWatch:
    """The re-check of this connection: the credential it was authorised with (the one current_actor used)."""
    token = bearer_token(request)
    if token is not None:
        return RecheckWatch(api_token=token, **target)
    return RecheckWatch(session_token=session_token(request) or "", **target)


class Authority:
    """Re-checks a watcher's authority through the use case, every `hub.recheck` seconds or when asked."""

    def __init__(self, services: Services, hub: LiveHub, check: RecheckWatch) -> None:
        self.services, self.hub, self.check = services, hub, check
        # the first re-check somewhere in the second half of the period: watchers that connected together
        # (a page opened by many at the start of trading, or every watcher after a restart) are spread out
        # instead of all re-checking in the same instant, which stalled the live updates for a moment
        self.due = time.monotonic() + hub.recheck * random.uniform(0.5, 1.0)

    def wait(self) -> float:
        """Seconds until the next periodic re-check."""
        return max(0.0, self.due - time.monotonic())

    async def refusal(self, *, now: bool = False) -> DomainError | None:
        """The refusal that ends the stream, if any (None also when the re-check is not due yet)."""
        if not now and time.monotonic() < self.due:
            return None
        self.due = time.monotonic() + self.hub.recheck
        try:
            await anyio.to_thread.run_sync(self.services.bus.handle, self.check, None)
        except DomainError as refused:
            return refused
        except Exception:  # the database is away: keep the stream (nothing new can be read either)
            log.exception("live: re-checking a watcher failed")
        return None


@get("/live/lots/{lot_id:str}", media_type="text/event-stream", include_in_schema=False, name="live-lot")
async def live_lot(request: Request[Any, Any, Any], *, actor: CurrentActor, lot_id: FromPath[str],
                   last_event_id: Annotated[str | None, HeaderParameter(name="Last-Event-ID", required=False,
                                                                       max_length=40)] = None,
                   since: Annotated[int | None, QueryParameter(ge=0, le=10**12)] = None) -> Stream:
    """Live updates of one lot for an admitted organisation (a stranger gets the 404 a missing lot gets)."""
    services = services_of(request)
    view: LotView = await anyio.to_thread.run_sync(services.bus.handle, WatchLot(lot_id=lot_id), actor)
    hub = hub_of(request)
    authority = Authority(services, hub, credential_of(request, lot_id=view.lot_id))
    # a plain stream of pre-encoded SSE frames: the hub encodes each change once for all watchers
    return Stream(_stream(services, hub, view, authority, organization_id=actor.organization_id,
                          since=_since(last_event_id, since)),
                  media_type="text/event-stream",
                  headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _stream(services: Services, hub: LiveHub, view: LotView, authority: Authority, *,
                  organization_id: str | None, since: int | None) -> AsyncIterator[bytes]:
    """Subscribed only once the response streams, so a connection that never starts leaves nothing behind."""
    clock = services.clock
    my_alias = view.my_alias
    watcher, board = await anyio.to_thread.run_sync(hub.subscribe, view.lot_id, asyncio.get_running_loop(),
                                                    organization_id)
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
        beat = time.monotonic() + hub.heartbeat
        while True:
            item: Broadcast | _Recheck | None = None
            with anyio.move_on_after(min(beat - time.monotonic(), authority.wait())):
                item = await watcher.queue.get()
            refusal = await authority.refusal(now=watcher.recheck_due)
            watcher.recheck_due = False
            if refusal is not None:  # nothing more goes to a watcher that lost its authority
                yield revoked(refusal, clock.now())
                return
            if not isinstance(item, Broadcast):
                if time.monotonic() >= beat:
                    yield heartbeat(have, clock.now())
                    beat = time.monotonic() + hub.heartbeat
                continue
            if watcher.lagging:  # it fell behind: drop the backlog, resynchronise with the newest board
                watcher.lagging = False
                while not watcher.queue.empty():
                    queued = watcher.queue.get_nowait()
                    if isinstance(queued, Broadcast):
                        item = queued
                yield snapshot(item.board, my_alias, item.server_time)
            elif item.prev == have:
                yield item.frames_for(my_alias)
            elif item.version > have:
                yield snapshot(item.board, my_alias, item.server_time)
            else:
                continue
            have = max(have, item.version)
            beat = time.monotonic() + hub.heartbeat
    finally:
        hub.unsubscribe(watcher)


@get("/live/admin/auctions/{auction_id:str}", media_type="text/event-stream", include_in_schema=False,
     name="live-auction-bids")
async def live_auction_bids(request: Request[Any, Any, Any], *, actor: CurrentActor,
                            auction_id: FromPath[str]) -> Stream:
    """Staff only: which lots of the auction changed, for the cabinet's bids page to re-read its table."""
    services = services_of(request)
    watch: AuctionWatch = await anyio.to_thread.run_sync(services.bus.handle,
                                                         WatchAuctionBids(auction_id=auction_id), actor)
    hub = hub_of(request)
    authority = Authority(services, hub, credential_of(request, auction_id=watch.auction_id))
    return Stream(_staff_stream(services, hub, watch, authority), media_type="text/event-stream",
                  headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _staff_stream(services: Services, hub: LiveHub, watch: AuctionWatch,
                        authority: Authority) -> AsyncIterator[bytes]:
    clock = services.clock
    watcher = hub.subscribe_auction(watch.auction_id, asyncio.get_running_loop(), with_offers=watch.with_offers)
    try:
        yield b"retry: 2000\r\n\r\n"
        yield _message("heartbeat", 0, {"server_time": clock.now().isoformat(), "version": 0})
        beat = time.monotonic() + hub.heartbeat
        while True:
            item: str | _Recheck | None = None
            with anyio.move_on_after(min(beat - time.monotonic(), authority.wait())):
                item = await watcher.queue.get()
            refusal = await authority.refusal(now=item is RECHECK)
            if refusal is not None:
                yield revoked(refusal, clock.now())
                return
            if not isinstance(item, str):
                if time.monotonic() >= beat:
                    yield _message("heartbeat", 0, {"server_time": clock.now().isoformat(), "version": 0})
                    beat = time.monotonic() + hub.heartbeat
                continue
            lots = {item}
            while not watcher.queue.empty():  # a burst of changes: one notice
                queued = watcher.queue.get_nowait()
                if isinstance(queued, str):
                    lots.add(queued)
            if watcher.lagging or "" in lots:
                watcher.lagging = False
                lots = set()
            yield changed(sorted(lots), clock.now())
            beat = time.monotonic() + hub.heartbeat
    finally:
        hub.unsubscribe_auction(watcher)

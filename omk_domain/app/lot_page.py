"""The lot page and the live channel's reads: a lot for a client (with what it may do) or for staff.

`ShowLotPage` is what the portal renders at /lots/{id}: an admitted organisation gets its
LotView with each action allowed or refused (and why); OMK staff get the organiser's view,
read-only. `lot_board_of` is the live channel's read: the lot's public board, which it
broadcasts to watchers it has authorised through `WatchLot` (staff: `WatchAuctionBids`) and keeps
re-checking with `RecheckWatch`.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from omk_domain.app.auctions import AuctionSummary, lot_staff_view, staff_reader
from omk_domain.app.bus import handles
from omk_domain.app.signin import session_holder
from omk_domain.app.tokens import ResolveToken, resolve_token
from omk_domain.auctions.actions import LotActions, allowed_actions
from omk_domain.auctions.board import LotBoard, lot_board
from omk_domain.auctions.model import Auction
from omk_domain.auctions.views import LotAdminView, LotView, lot_view_for
from omk_domain.identity.model import Actor, Organization
from omk_domain.identity.policy import Permission, decide, require
from omk_domain.identity.signin import SessionInvalid, hash_token
from omk_domain.ports import UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import Forbidden, InvalidValue
from omk_domain.shared.messages import Command


@attrs.frozen(kw_only=True)
class ShowLotPage(Command):
    """The lot as the actor's page shows it."""

    lot_id: str


@attrs.frozen(kw_only=True)
class LotPage:
    """Exactly one of `view` (an organisation's page) and `staff` (the organiser's, read-only) is set."""

    now: datetime
    auction: AuctionSummary | None
    view: LotView | None = None
    actions: LotActions | None = None
    staff: LotAdminView | None = None
    #: staff who may only view: `staff` comes without the sealed price offers
    view_only: bool = False


@handles(ShowLotPage)
def show_lot_page(cmd: ShowLotPage, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> LotPage:
    now = clock.now()
    if actor.organization_id is None:
        in_full = staff_reader(actor)  # view-only staff: the lot without the sealed offers
        with uow.reading():
            lot = uow.lots.get(cmd.lot_id)
            auction = uow.auctions.get(lot.auction_id)
            summary = AuctionSummary.of(auction, uow.lots.count_for_auction(auction.id))
            return LotPage(now=now, auction=summary, staff=lot_staff_view(auction, lot, with_offers=in_full),
                           view_only=not in_full)
    require(actor, Permission.AUCTION_VIEW)
    with uow.reading():
        lot = uow.lots.get(cmd.lot_id)
        auction = uow.auctions.get(lot.auction_id)
        view = lot_view_for(auction, lot, actor.organization_id)
    may_trade = decide(actor, Permission.AUCTION_BID, actor.organization_id).allowed
    return LotPage(now=now, auction=None, view=view,
                   actions=allowed_actions(view, now, may_trade=may_trade))


def lot_board_of(uow: UnitOfWork, lot_id: str) -> LotBoard:
    """The public board of a lot, for the live channel (whose watchers were authorised by ViewLot)."""
    with uow.reading():
        lot = uow.lots.get(lot_id)
        return lot_board(uow.auctions.get(lot.auction_id), lot)


# --- the live channel: who may watch, at connect time and for as long as the stream lasts ---------

@attrs.frozen(kw_only=True)
class WatchLot(Command):
    """Open a lot's live updates: the organisation's view of the lot (the lot page's rule), if it may watch."""

    lot_id: str


@attrs.frozen(kw_only=True)
class WatchAuctionBids(Command):
    """OMK staff: open the live notices of an auction's bids and offers (the cabinet's table)."""

    auction_id: str


@attrs.frozen(kw_only=True)
class RecheckWatch(Command):
    """May whoever holds this credential still watch the lot (or, staff, the auction's bids)?

    Raises the refusal that ends the stream: SessionInvalid, TokenInvalid, Forbidden,
    OrganisationNotAdmitted, OrganizationNotActive, LotNotFound / AuctionNotFound. Read-only: the
    session is checked, not touched — a stream left open is no activity, so an idle session still ends.
    """

    lot_id: str | None = None
    auction_id: str | None = None
    session_token: str | None = attrs.field(default=None, repr=False)
    api_token: str | None = attrs.field(default=None, repr=False)


def require_may_watch_live(auction: Auction, organization: Organization) -> None:
    """Rule LIVE_UPDATES_FOR_ADMITTED: a lot's live updates go only to an organisation that is active and
    still admitted to the auction (a revoked or blocked one may still open the lot page, read-only, but
    is no longer fed its bids)."""
    auction.require_admitted(organization.id)
    organization.require_can_trade()


def _client(actor: Actor) -> str:
    require(actor, Permission.AUCTION_VIEW)
    if actor.organization_id is None:
        raise InvalidValue("Сотрудники ОМК следят за торгами в кабинете организатора.")
    return actor.organization_id


@handles(WatchLot)
def watch_lot(cmd: WatchLot, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> LotView:
    organization_id = _client(actor)
    with uow.reading():
        lot = uow.lots.get(cmd.lot_id)
        auction = uow.auctions.get(lot.auction_id)
        view = lot_view_for(auction, lot, organization_id)  # a stranger: the 404 of a missing lot
        require_may_watch_live(auction, uow.organizations.get(organization_id))
    return view


@attrs.frozen(kw_only=True)
class AuctionWatch:
    """What a staff watcher of an auction is told about: bids always, sealed offers only if it may read them."""

    auction_id: str
    with_offers: bool


@handles(WatchAuctionBids)
def watch_auction_bids(cmd: WatchAuctionBids, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionWatch:
    """The readers of the cabinet's bids page (ShowAuction's rule); a client is refused (Forbidden)."""
    with_offers = staff_reader(actor)
    if actor.organization_id is not None:  # a client never gets the organiser's notices
        raise Forbidden(permission=Permission.AUCTION_MANAGE.value)
    with uow.reading():
        return AuctionWatch(auction_id=uow.auctions.get(cmd.auction_id).id, with_offers=with_offers)


@handles(RecheckWatch, public=True)
def recheck_watch(cmd: RecheckWatch, *, actor: Actor | None, uow: UnitOfWork, clock: Clock) -> None:
    """Cheap enough to run per watcher every few seconds: the credential, then the auction (no bids read)."""
    if cmd.api_token is not None:
        holder = resolve_token(ResolveToken(token=cmd.api_token), actor=None, uow=uow, clock=clock)
    elif cmd.session_token is not None:
        holder = _session_holder(uow, cmd.session_token, clock)
    else:
        raise SessionInvalid()
    if cmd.auction_id is not None:
        watch_auction_bids(WatchAuctionBids(auction_id=cmd.auction_id), actor=holder, uow=uow, clock=clock)
        return
    if cmd.lot_id is None:
        raise InvalidValue("Не указан лот.")
    organization_id = _client(holder)
    with uow.reading():
        auction = uow.auctions.of_lot(cmd.lot_id)
        require_may_watch_live(auction, uow.organizations.get(organization_id))


def _session_holder(uow: UnitOfWork, token: str, clock: Clock) -> Actor:
    """ResolveSession's answer without touching the session (nothing is written)."""
    with uow.reading():
        session = uow.sessions.by_token_hash(hash_token(token))
        if session is None or not session.is_active(clock.now()):
            raise SessionInvalid()
        return session_holder(uow, session)


__all__ = ["AuctionWatch", "LotPage", "RecheckWatch", "ShowLotPage", "WatchAuctionBids", "WatchLot", "lot_board_of",
           "recheck_watch", "require_may_watch_live", "show_lot_page", "watch_auction_bids", "watch_lot"]

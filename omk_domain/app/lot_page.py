"""The lot page and the live channel's reads: a lot for a client (with what it may do) or for staff.

`ShowLotPage` is what the portal renders at /lots/{id}: an admitted organisation gets its
LotView with each action allowed or refused (and why); OMK staff get the organiser's view,
read-only. `lot_board_of` is the live channel's read: the lot's public board, which it
broadcasts to watchers it has already authorised through ViewLot.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from omk_domain.app.auctions import AuctionSummary
from omk_domain.app.bus import handles
from omk_domain.auctions.actions import LotActions, allowed_actions
from omk_domain.auctions.board import LotBoard, lot_board
from omk_domain.auctions.views import LotAdminView, LotView, lot_admin_view, lot_view_for
from omk_domain.identity.model import Actor
from omk_domain.identity.policy import Permission, decide, require
from omk_domain.ports import UnitOfWork
from omk_domain.shared.clock import Clock
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


@handles(ShowLotPage)
def show_lot_page(cmd: ShowLotPage, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> LotPage:
    now = clock.now()
    if actor.organization_id is None:
        require(actor, Permission.AUCTION_MANAGE)
        with uow:
            lot = uow.lots.get(cmd.lot_id)
            auction = uow.auctions.get(lot.auction_id)
            summary = AuctionSummary.of(auction, uow.lots.count_for_auction(auction.id))
            return LotPage(now=now, auction=summary, staff=lot_admin_view(auction, lot))
    require(actor, Permission.AUCTION_VIEW)
    with uow:
        lot = uow.lots.get(cmd.lot_id)
        auction = uow.auctions.get(lot.auction_id)
        view = lot_view_for(auction, lot, actor.organization_id)
    may_trade = decide(actor, Permission.AUCTION_BID, actor.organization_id).allowed
    return LotPage(now=now, auction=None, view=view,
                   actions=allowed_actions(view, now, may_trade=may_trade))


def lot_board_of(uow: UnitOfWork, lot_id: str) -> LotBoard:
    """The public board of a lot, for the live channel (whose watchers were authorised by ViewLot)."""
    with uow:
        lot = uow.lots.get(lot_id)
        return lot_board(uow.auctions.get(lot.auction_id), lot)


__all__ = ["LotPage", "ShowLotPage", "lot_board_of", "show_lot_page"]

"""What an organisation may do on a lot page right now, and in plain Russian why not.

A pure function of the organisation's LotView and the server's time. It mirrors the rules the
aggregate enforces (`rules.check_trading_window`, the format, the leader, one active offer), so
a page can disable a control and say why before anyone clicks. The aggregate still decides:
a click that races a change is refused by the use case with the same words.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from omk_domain.auctions import errors
from omk_domain.auctions.values import AuctionFormat, AuctionStatus, LotStatus
from omk_domain.auctions.views import LotView

NO_BID_PERMISSION = ("Ваша роль в организации не позволяет делать ставки и предложения: "
                     "обратитесь к администратору организации.")
NOT_ADMITTED = "Ваша организация не допущена к торгам этого аукциона."
AUCTION_CANCELLED = "Аукцион отменён: торги не проводятся."
NOT_STARTED = "Торги по лоту ещё не начались."
CLOSED = "Торги по лоту завершены."
NO_ACTIVE_OFFER = "У вашей организации нет действующего ценового предложения по этому лоту."


@attrs.frozen(kw_only=True)
class Action:
    allowed: bool
    reason_ru: str | None = None

    @classmethod
    def ok(cls) -> Action:
        return cls(allowed=True)

    @classmethod
    def no(cls, reason_ru: str) -> Action:
        return cls(allowed=False, reason_ru=reason_ru)


@attrs.frozen(kw_only=True)
class LotActions:
    place_bid: Action
    submit_offer: Action
    edit_offer: Action
    withdraw_offer: Action
    #: withdraw the organisation's price offer and place an open bid, in one step
    replace_by_bid: Action


def _trading_refusal(view: LotView, now: datetime, may_trade: bool) -> str | None:
    """Why nothing can be traded on this lot now (the trading-window rule), or None."""
    if not may_trade:
        return NO_BID_PERMISSION
    if not view.admitted:
        return NOT_ADMITTED
    status = AuctionStatus(view.auction_status)
    if status is AuctionStatus.CANCELLED:
        return AUCTION_CANCELLED
    if status is AuctionStatus.DRAFT:
        return errors.AuctionNotTrading.message_ru
    if view.lot_status != LotStatus.OPEN.value or status in (AuctionStatus.FINISHED,
                                                             AuctionStatus.RESULTS_APPROVED):
        return CLOSED
    if now < view.starts_at:
        return NOT_STARTED
    if now >= view.closes_at:
        return CLOSED
    return None


def allowed_actions(view: LotView, now: datetime, *, may_trade: bool = True) -> LotActions:
    """Each action on the lot page: allowed, or refused with the reason shown beside it.

    `may_trade`: whether the person's role lets it bid for the organisation (the policy decides).
    """
    fmt = AuctionFormat(view.format)
    window = _trading_refusal(view, now, may_trade)
    active_offer = view.my_offer is not None and view.my_offer.status == "active"

    def first(*reasons: str | None) -> Action:
        reason = next((r for r in reasons if r), None)
        return Action.no(reason) if reason else Action.ok()

    no_bids = errors.OpenBidsNotAllowed.message_ru if not fmt.allows_bids else None
    i_lead = errors.LeaderCannotOutbidItself.message_ru if view.i_lead else None
    no_offer = NO_ACTIVE_OFFER if not active_offer else None
    return LotActions(
        place_bid=first(window, no_bids, i_lead),
        submit_offer=first(
            window,
            errors.OffersNotAllowed.message_ru if not fmt.allows_offers else None,
            errors.OffersClosedByOpenBid.message_ru if view.leading_amount is not None else None,
            errors.ActiveOfferExists.message_ru if active_offer else None),
        edit_offer=first(window, no_offer),
        withdraw_offer=first(window, no_offer),
        replace_by_bid=first(window, no_offer, no_bids, i_lead),
    )


__all__ = ["Action", "LotActions", "allowed_actions"]

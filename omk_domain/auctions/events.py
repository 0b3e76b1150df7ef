"""Events of the auction context, named in the past tense."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from omk_domain.shared.messages import Event


@attrs.frozen(kw_only=True)
class AuctionEvent(Event):
    auction_id: str


@attrs.frozen(kw_only=True)
class LotEvent(AuctionEvent):
    lot_id: str


@attrs.frozen(kw_only=True)
class AuctionPublished(AuctionEvent):
    name = "auction.published"
    starts_at: datetime
    ends_at: datetime


@attrs.frozen(kw_only=True)
class AuctionRescheduled(AuctionEvent):
    name = "auction.rescheduled"
    starts_at: datetime
    ends_at: datetime


@attrs.frozen(kw_only=True)
class AuctionStarted(AuctionEvent):
    name = "auction.started"
    due_at: datetime


@attrs.frozen(kw_only=True)
class AuctionFinished(AuctionEvent):
    name = "auction.finished"


@attrs.frozen(kw_only=True)
class AuctionCancelled(AuctionEvent):
    name = "auction.cancelled"
    reason: str


@attrs.frozen(kw_only=True)
class ResultsApproved(AuctionEvent):
    name = "auction.results_approved"
    automatically: bool


@attrs.frozen(kw_only=True)
class OrganisationAdmitted(AuctionEvent):
    name = "auction.organisation_admitted"
    organization_id: str


@attrs.frozen(kw_only=True)
class AdmissionRevoked(AuctionEvent):
    name = "auction.admission_revoked"
    organization_id: str


@attrs.frozen(kw_only=True)
class LotAdded(LotEvent):
    """A lot was added to an auction that has not started."""

    name = "lot.added"
    number: int


@attrs.frozen(kw_only=True)
class LotEdited(LotEvent):
    """A lot's terms or product were changed before trading."""

    name = "lot.edited"


@attrs.frozen(kw_only=True)
class BidPlaced(LotEvent):
    """An open bid was accepted. Public: carries the alias, never the organisation's name."""

    name = "lot.bid_placed"
    bid_id: str
    organization_id: str
    alias: str
    amount: Decimal
    previous_leader_id: str | None


@attrs.frozen(kw_only=True)
class BidAnnulled(LotEvent):
    name = "lot.bid_annulled"
    bid_id: str
    organization_id: str
    reason: str
    leading_amount: Decimal | None


@attrs.frozen(kw_only=True)
class OfferSubmitted(LotEvent):
    """A sealed price offer was made. Private to the author and the organiser."""

    name = "lot.offer_submitted"
    offer_id: str
    organization_id: str
    amount: Decimal


@attrs.frozen(kw_only=True)
class OfferEdited(LotEvent):
    name = "lot.offer_edited"
    offer_id: str
    organization_id: str
    amount: Decimal


@attrs.frozen(kw_only=True)
class OfferWithdrawn(LotEvent):
    name = "lot.offer_withdrawn"
    offer_id: str
    organization_id: str


@attrs.frozen(kw_only=True)
class LotExtended(LotEvent):
    name = "lot.extended"
    closes_at: datetime
    closes_at_original: datetime


@attrs.frozen(kw_only=True)
class LotClosed(LotEvent):
    name = "lot.closed"
    due_at: datetime
    winner_organization_id: str | None
    amount: Decimal | None
    source: str | None


@attrs.frozen(kw_only=True)
class WinnerDeclined(LotEvent):
    name = "lot.winner_declined"
    organization_id: str
    reason: str
    new_winner_organization_id: str | None
    amount: Decimal | None

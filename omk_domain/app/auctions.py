"""Use cases of the auction context. Web and CLI both come here through the bus."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from omk_domain.app.bus import handles
from omk_domain.app.lot_import import LotDraft
from omk_domain.auctions import errors
from omk_domain.auctions.journal import ChainVerdict, verify_chain
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import (
    AuctionFormat,
    AuctionStatus,
    LotStatus,
    OfferStatus,
    SoftClose,
)
from omk_domain.auctions.views import (
    LotAdminView,
    LotView,
    competition_of,
    lot_admin_view,
    lot_view_for,
    uplift_percent,
)
from omk_domain.identity.model import Actor
from omk_domain.identity.policy import Permission, acting_organization, allows, require
from omk_domain.ports import AuctionFilter, OwnBid, StoredOutcome, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import InvalidValue
from omk_domain.shared.messages import Command, to_jsonable
from omk_domain.shared.money import Money, Quantity, Unit

# --- commands -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CreateAuction(Command):
    number: str
    title: str
    format: AuctionFormat
    starts_at: datetime
    ends_at: datetime
    soft_close: SoftClose = attrs.field(factory=SoftClose)
    auto_approve: bool = False
    description: str = ""


@attrs.frozen(kw_only=True)
class EditAuction(Command):
    auction_id: str
    title: str | None = None
    format: AuctionFormat | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    soft_close: SoftClose | None = None
    auto_approve: bool | None = None
    description: str | None = None


@attrs.frozen(kw_only=True)
class PublishAuction(Command):
    auction_id: str


@attrs.frozen(kw_only=True)
class CancelAuction(Command):
    auction_id: str
    reason: str


@attrs.frozen(kw_only=True)
class ListAuctions(Command):
    filter: AuctionFilter = attrs.field(factory=AuctionFilter)


@attrs.frozen(kw_only=True)
class BrowseAuctions(Command):
    """ListAuctions with the total count: what a paged list or a calendar needs."""

    filter: AuctionFilter = attrs.field(factory=AuctionFilter)


#: the most auctions one page of a list may hold
PAGE_LIMIT_MAX = 1000


class PageInvalid(InvalidValue):
    code = "page_invalid"
    message_ru = "Страница списка задана неверно: от 1 до 1000 записей, смещение не меньше нуля."


@attrs.frozen(kw_only=True)
class ShowAuction(Command):
    auction_id: str


@attrs.frozen(kw_only=True)
class AddLots(Command):
    """Add validated lots to an auction that has not started: all of them or none."""

    auction_id: str
    drafts: tuple[LotDraft, ...]


@attrs.frozen(kw_only=True)
class EditLot(Command):
    """Change what is given; what is not given stays as it is."""

    lot_id: str
    title: str | None = None
    product_type: str | None = None
    diameter_mm: float | None = None
    wall_mm: float | None = None
    steel_grade: str | None = None
    standard: str | None = None
    warehouse: str | None = None
    quantity: Decimal | str | None = None
    unit: Unit | str | None = None
    start_price: Money | None = None
    bid_step: Money | None = None
    floor_price: Money | None = None
    clear_floor: bool = False


PRODUCT_FIELDS = ("product_type", "diameter_mm", "wall_mm", "steel_grade", "standard", "warehouse")


@attrs.frozen(kw_only=True)
class ListLots(Command):
    auction_id: str


@attrs.frozen(kw_only=True)
class AdmitOrganization(Command):
    auction_id: str
    organization_id: str


@attrs.frozen(kw_only=True)
class RevokeAdmission(Command):
    auction_id: str
    organization_id: str


@attrs.frozen(kw_only=True)
class ListAdmissions(Command):
    auction_id: str


@attrs.frozen(kw_only=True)
class PlaceBid(Command):
    lot_id: str
    amount: Money
    client_key: str | None = None
    on_behalf_of: str | None = None


@attrs.frozen(kw_only=True)
class SubmitOffer(Command):
    lot_id: str
    amount: Money
    client_key: str | None = None
    on_behalf_of: str | None = None


@attrs.frozen(kw_only=True)
class EditOffer(Command):
    lot_id: str
    offer_id: str
    amount: Money
    client_key: str | None = None
    on_behalf_of: str | None = None


@attrs.frozen(kw_only=True)
class WithdrawOffer(Command):
    lot_id: str
    offer_id: str
    client_key: str | None = None
    on_behalf_of: str | None = None


@attrs.frozen(kw_only=True)
class ReplaceOfferWithBid(Command):
    """Withdraw my active price offer and place an open bid instead: both or neither."""

    lot_id: str
    offer_id: str
    amount: Money
    client_key: str | None = None
    on_behalf_of: str | None = None


@attrs.frozen(kw_only=True)
class AnnulBid(Command):
    lot_id: str
    bid_id: str
    reason: str


@attrs.frozen(kw_only=True)
class ViewLot(Command):
    """The lot as the acting organisation may see it."""

    lot_id: str
    on_behalf_of: str | None = None


@attrs.frozen(kw_only=True)
class ListBids(Command):
    """Staff: every bid and offer of an auction. A client: only its own bids."""

    auction_id: str
    on_behalf_of: str | None = None


@attrs.frozen(kw_only=True)
class ShowResults(Command):
    auction_id: str


@attrs.frozen(kw_only=True)
class DeclineWinner(Command):
    lot_id: str
    reason: str
    pass_to_next: bool = True


@attrs.frozen(kw_only=True)
class ApproveResults(Command):
    auction_id: str


@attrs.frozen(kw_only=True)
class VerifyJournal(Command):
    auction_id: str


# --- results --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AuctionSummary:
    id: str
    number: str
    title: str
    format: str
    status: str
    starts_at: datetime
    ends_at: datetime
    soft_close_window_min: float
    soft_close_extension_min: float
    soft_close_cap_min: float | None
    auto_approve: bool
    description: str
    cancel_reason: str | None
    lot_count: int
    admitted: int

    @classmethod
    def of(cls, auction: Auction, lot_count: int) -> AuctionSummary:
        sc = auction.soft_close
        return cls(id=auction.id, number=auction.number, title=auction.title,
                   format=auction.format.value, status=auction.status.value,
                   starts_at=auction.starts_at, ends_at=auction.ends_at,
                   soft_close_window_min=sc.window / timedelta(minutes=1),
                   soft_close_extension_min=sc.extension / timedelta(minutes=1),
                   soft_close_cap_min=sc.cap / timedelta(minutes=1) if sc.cap is not None else None,
                   auto_approve=auction.auto_approve, description=auction.description,
                   cancel_reason=auction.cancel_reason, lot_count=lot_count,
                   admitted=sum(a.active for a in auction.admissions.values()))


@attrs.frozen(kw_only=True)
class AuctionPage:
    items: tuple[AuctionSummary, ...]
    total: int
    limit: int
    offset: int


@attrs.frozen(kw_only=True)
class AuctionDetails:
    auction: AuctionSummary
    lots: tuple[LotAdminView, ...]
    #: OMK staff who may only view (auction.view without auction.manage): the lots come without the
    #: sealed price offers (`offers` left empty) and the cabinet offers them no action
    view_only: bool = False


@attrs.frozen(kw_only=True)
class AdmissionLine:
    organization_id: str
    alias: str
    active: bool
    admitted_at: datetime


@attrs.frozen(kw_only=True)
class Accepted:
    """The outcome of a bid or offer command. `replayed` when an idempotency key matched."""

    kind: str  # bid, offer, offer_edit, offer_withdrawal
    lot_id: str
    item_id: str
    organization_id: str
    amount: Decimal | None
    at: datetime
    closes_at: datetime
    extended: bool
    replayed: bool = False


@attrs.frozen(kw_only=True)
class ResultLine:
    lot_id: str
    lot_number: int
    title: str
    quantity: str
    status: str
    start_price: Decimal
    winner_organization_id: str | None
    winner_name: str | None
    winner_inn: str | None
    amount: Decimal | None
    source: str | None
    uplift_percent: Decimal | None
    bids: int
    bidders: int
    offers: int
    closes_at_original: datetime
    closed_at: datetime


@attrs.frozen(kw_only=True)
class AuctionResults:
    auction: AuctionSummary
    lines: tuple[ResultLine, ...]


@attrs.frozen(kw_only=True)
class JournalReport:
    auction_id: str
    ok: bool
    lots: tuple[ChainVerdict, ...]


# --- helpers --------------------------------------------------------------------------------


def _summary(uow: UnitOfWork, auction: Auction) -> AuctionSummary:
    return AuctionSummary.of(auction, uow.lots.count_for_auction(auction.id))


def summaries(uow: UnitOfWork, auctions: Sequence[Auction]) -> tuple[AuctionSummary, ...]:
    """Summaries of many auctions with their lot counts from one query."""
    counts = uow.lots.counts_for_auctions([a.id for a in auctions])
    return tuple(AuctionSummary.of(a, counts.get(a.id, 0)) for a in auctions)


def checked_page(flt: AuctionFilter) -> AuctionFilter:
    """The filter, when its page is within bounds (1…1000 auctions, offset not negative); else PageInvalid."""
    if not 1 <= flt.limit <= PAGE_LIMIT_MAX or flt.offset < 0:
        raise PageInvalid()
    return flt


def auction_page(uow: UnitOfWork, flt: AuctionFilter) -> AuctionPage:
    """One page of the auctions the filter finds, with the total for the pager."""
    checked_page(flt)
    with uow.reading():
        return AuctionPage(items=summaries(uow, uow.auctions.list(flt)), total=uow.auctions.count(flt),
                           limit=flt.limit, offset=flt.offset)


def _staff(actor: Actor, permission: Permission = Permission.AUCTION_MANAGE) -> None:
    require(actor, permission)


def sees_sealed_offers(actor: Actor) -> bool:
    """Sealed price offers are the organiser's: of OMK staff only those who manage auctions see them."""
    return actor.organization_id is None and allows(actor, Permission.AUCTION_MANAGE)


def staff_reader(actor: Actor) -> bool:
    """May OMK staff read the organiser's view of auctions and lots, and is it in full? True: with the
    sealed offers (auction.manage); False: view-only staff (auction.view alone) read it without them.
    Anyone else — a client — is refused as before (Forbidden, auction.manage)."""
    if actor.organization_id is None and allows(actor, Permission.AUCTION_VIEW):
        return sees_sealed_offers(actor)
    _staff(actor)
    return True


def lot_staff_view(auction: Auction, lot: Lot, *, with_offers: bool) -> LotAdminView:
    """The organiser's view of a lot; for staff who may only view, without what is sealed: the price
    offers and the hidden floor price they are measured against."""
    view = lot_admin_view(auction, lot)
    return view if with_offers else attrs.evolve(view, offers=(), floor_price=None)


# --- administration -------------------------------------------------------------------------


@handles(CreateAuction)
def create_auction(cmd: CreateAuction, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionSummary:
    _staff(actor)
    with uow:
        if uow.auctions.by_number(cmd.number.strip()) is not None:
            raise errors.AuctionInvalid(f"Аукцион с номером {cmd.number.strip()} уже есть.")
        auction = Auction.create(number=cmd.number, title=cmd.title, format=cmd.format,
                                 starts_at=cmd.starts_at, ends_at=cmd.ends_at, now=clock.now(),
                                 soft_close=cmd.soft_close, auto_approve=cmd.auto_approve,
                                 description=cmd.description)
        uow.auctions.add(auction)
        uow.commit()
        return AuctionSummary.of(auction, 0)


@handles(EditAuction)
def edit_auction(cmd: EditAuction, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionSummary:
    _staff(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id, for_update=True)
        auction.edit(clock.now(), title=cmd.title, format=cmd.format, starts_at=cmd.starts_at,
                     ends_at=cmd.ends_at, soft_close=cmd.soft_close, auto_approve=cmd.auto_approve,
                     description=cmd.description)
        for lot in uow.lots.for_auction(auction.id):
            lot.follow_schedule(auction)
        uow.commit()
        return _summary(uow, auction)


@handles(PublishAuction)
def publish_auction(cmd: PublishAuction, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionSummary:
    _staff(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id, for_update=True)
        auction.publish(clock.now(), lot_count=uow.lots.count_for_auction(auction.id))
        uow.commit()
        return _summary(uow, auction)


@handles(CancelAuction)
def cancel_auction(cmd: CancelAuction, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionSummary:
    _staff(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id, for_update=True)
        auction.cancel(clock.now(), cmd.reason)
        uow.commit()
        return _summary(uow, auction)


def _scoped(actor: Actor, flt: AuctionFilter) -> AuctionFilter:
    """Clients see published auctions they are admitted to (drafts stay internal): scoped in the query."""
    require(actor, Permission.AUCTION_VIEW)
    if actor.organization_id is not None:
        return attrs.evolve(flt, visible_to=actor.organization_id)
    return flt


@handles(ListAuctions)
def list_auctions(cmd: ListAuctions, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[AuctionSummary]:
    flt = checked_page(_scoped(actor, cmd.filter))
    with uow:
        return list(summaries(uow, uow.auctions.list(flt)))


@handles(BrowseAuctions)
def browse_auctions(cmd: BrowseAuctions, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionPage:
    """A page of the auctions the actor may see, with the total count for the pager."""
    return auction_page(uow, _scoped(actor, cmd.filter))


@handles(ShowAuction)
def show_auction(cmd: ShowAuction, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionDetails:
    """The organiser's view of an auction; view-only staff get it without the sealed offers."""
    in_full = staff_reader(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id)
        lots = uow.lots.for_auction(auction.id)
        return AuctionDetails(auction=AuctionSummary.of(auction, len(lots)), view_only=not in_full,
                              lots=tuple(lot_staff_view(auction, lot, with_offers=in_full) for lot in lots))


@handles(AddLots)
def add_lots(cmd: AddLots, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[LotAdminView]:
    _staff(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id, for_update=True)
        now = clock.now()
        auction._require_editable(now)
        taken = {lot.number for lot in uow.lots.for_auction(auction.id)}
        clash = sorted(d.number for d in cmd.drafts if d.number in taken)
        if clash:
            raise errors.LotInvalid(f"Лоты с номерами {', '.join(map(str, clash))} уже есть в аукционе.")
        lots = [Lot.create(auction, number=d.number, title=d.title, product=d.product,
                           quantity=d.quantity, start_price=d.start_price, bid_step=d.bid_step,
                           floor_price=d.floor_price, now=now) for d in cmd.drafts]
        for lot in lots:
            uow.lots.add(lot)
        uow.commit()
        return [lot_admin_view(auction, lot) for lot in lots]


@handles(EditLot)
def edit_lot(cmd: EditLot, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> LotAdminView:
    _staff(actor)
    with uow:
        lot = uow.lots.get(cmd.lot_id, for_update=True)
        auction = uow.auctions.get(lot.auction_id)
        changes: dict[str, Any] = {k: v for k, v in {
            "title": cmd.title, "start_price": cmd.start_price, "bid_step": cmd.bid_step,
            "floor_price": cmd.floor_price}.items() if v is not None}
        product = {k: getattr(cmd, k) for k in PRODUCT_FIELDS if getattr(cmd, k) is not None}
        if product:
            changes["product"] = attrs.evolve(lot.product, **product)
        if cmd.quantity is not None or cmd.unit is not None:
            changes["quantity"] = Quantity.parse(
                lot.quantity.value if cmd.quantity is None else cmd.quantity,
                lot.quantity.unit if cmd.unit is None else cmd.unit)
        if cmd.floor_price is not None and cmd.clear_floor:
            raise errors.LotInvalid("Укажите либо новый скрытый минимум, либо его удаление.")
        if cmd.clear_floor:
            changes["floor_price"] = None
        lot.edit(auction, clock.now(), **changes)
        uow.commit()
        return lot_admin_view(auction, lot)


@handles(ListLots)
def list_lots(cmd: ListLots, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[LotAdminView]:
    _staff(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id)
        return [lot_admin_view(auction, lot) for lot in uow.lots.for_auction(auction.id)]


@handles(AdmitOrganization)
def admit_organization(cmd: AdmitOrganization, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AdmissionLine:
    _staff(actor)
    with uow:
        uow.organizations.get(cmd.organization_id)
        auction = uow.auctions.get(cmd.auction_id, for_update=True)
        admission = auction.admit(cmd.organization_id, clock.now())
        uow.commit()
        return AdmissionLine(organization_id=admission.organization_id, alias=admission.alias,
                             active=admission.active, admitted_at=admission.admitted_at)


@handles(RevokeAdmission)
def revoke_admission(cmd: RevokeAdmission, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> None:
    _staff(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id, for_update=True)
        auction.revoke_admission(cmd.organization_id, clock.now())
        uow.commit()


@handles(ListAdmissions)
def list_admissions(cmd: ListAdmissions, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[AdmissionLine]:
    _staff(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id)
        return [AdmissionLine(organization_id=a.organization_id, alias=a.alias, active=a.active,
                              admitted_at=a.admitted_at)
                for a in sorted(auction.admissions.values(), key=lambda a: a.alias_no)]


# --- trading --------------------------------------------------------------------------------


def _fingerprint(cmd: Command) -> str:
    body = json.dumps(to_jsonable({k: v for k, v in attrs.asdict(cmd, recurse=False).items()
                                   if k != "client_key"}) | {"type": type(cmd).__name__},
                      sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(uow: UnitOfWork, organization_id: str, cmd: Any) -> Accepted | None:
    """The first outcome of a repeated command, or None when its key is new."""
    if not cmd.client_key:
        return None
    stored = uow.idempotency.get(organization_id, cmd.client_key)
    if stored is None:
        return None
    if stored.fingerprint != _fingerprint(cmd):
        raise errors.IdempotencyKeyReused(key=cmd.client_key)
    r = stored.result
    return Accepted(kind=r["kind"], lot_id=r["lot_id"], item_id=r["item_id"],
                    organization_id=r["organization_id"],
                    amount=Decimal(r["amount"]) if r["amount"] is not None else None,
                    at=datetime.fromisoformat(r["at"]), closes_at=datetime.fromisoformat(r["closes_at"]),
                    extended=r["extended"], replayed=True)


def _trade(cmd: Any, actor: Actor, uow: UnitOfWork, clock: Clock, act: Any) -> Accepted:
    """Common path of every bid/offer command: lock the lot, replay or act, remember, commit."""
    organization_id = acting_organization(actor, cmd.on_behalf_of)
    if cmd.client_key is not None and not 1 <= len(cmd.client_key) <= 200:
        raise errors.InvalidValue("Ключ повтора — от 1 до 200 символов.")
    with uow:
        # The trader and the auction are read before the lot is locked, to keep the lock short.
        # That stays serialisable: a bid racing a cancellation, a revoked admission or a block
        # simply orders before it, and the close — the one change that matters — takes the lot's lock.
        trader = uow.organizations.get(organization_id)
        auction = uow.auctions.of_lot(cmd.lot_id)
        # the rehearsal's time is read before the lot: a lot found closed at that time was closed while
        # the state read was current (read after it, an extension committed meanwhile could be missed)
        rehearsed_at = clock.now()
        lot = uow.lots.get(cmd.lot_id)  # the committed state, not locked yet
        if not auction.is_admitted(organization_id) and actor.organization_id is not None:
            raise errors.LotNotFound(lot_id=cmd.lot_id)  # a stranger learns nothing
        replayed = _replay(uow, organization_id, cmd)  # a retry of what was accepted before a block
        if replayed is not None:
            return replayed
        trader.require_can_trade()  # identity rule «Торговать может только действующая организация»
        # Rehearse on the committed state first: a refusal writes nothing, so it needs no lock and
        # is decided as of that state (the command orders before anything committed later). Only a
        # command that would be accepted queues for the lot's lock — on a hot lot most do not.
        act(lot.rehearsal(), auction, organization_id, rehearsed_at)
        lot = uow.lots.get(cmd.lot_id, for_update=True)  # serialises writers; re-read if changed meanwhile
        replayed = _replay(uow, organization_id, cmd)  # a retry that committed while we waited for the lock
        if replayed is not None:
            return replayed
        now = clock.now()
        before = lot.closes_at
        kind, item_id, amount = act(lot, auction, organization_id, now)
        outcome = Accepted(kind=kind, lot_id=lot.id, item_id=item_id, organization_id=organization_id,
                           amount=amount, at=now, closes_at=lot.closes_at,
                           extended=lot.closes_at != before)
        if cmd.client_key:
            uow.idempotency.put(organization_id, cmd.client_key,
                                StoredOutcome(fingerprint=_fingerprint(cmd), result=to_jsonable(outcome)),
                                now)
        uow.commit()
        return outcome


@handles(PlaceBid)
def place_bid(cmd: PlaceBid, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Accepted:
    def act(lot: Lot, auction: Auction, org: str, now: datetime) -> tuple[str, str, Decimal]:
        bid = lot.place_bid(auction, organization_id=org, user_id=actor.user_id, amount=cmd.amount,
                            now=now, client_key=cmd.client_key)
        return "bid", bid.id, bid.amount.amount
    return _trade(cmd, actor, uow, clock, act)


@handles(SubmitOffer)
def submit_offer(cmd: SubmitOffer, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Accepted:
    def act(lot: Lot, auction: Auction, org: str, now: datetime) -> tuple[str, str, Decimal]:
        offer = lot.submit_offer(auction, organization_id=org, user_id=actor.user_id,
                                 amount=cmd.amount, now=now, client_key=cmd.client_key)
        return "offer", offer.id, offer.amount.amount
    return _trade(cmd, actor, uow, clock, act)


@handles(EditOffer)
def edit_offer(cmd: EditOffer, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Accepted:
    def act(lot: Lot, auction: Auction, org: str, now: datetime) -> tuple[str, str, Decimal]:
        offer = lot.edit_offer(auction, offer_id=cmd.offer_id, organization_id=org,
                               user_id=actor.user_id, amount=cmd.amount, now=now)
        return "offer_edit", offer.id, offer.amount.amount
    return _trade(cmd, actor, uow, clock, act)


@handles(WithdrawOffer)
def withdraw_offer(cmd: WithdrawOffer, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Accepted:
    def act(lot: Lot, auction: Auction, org: str, now: datetime) -> tuple[str, str, None]:
        offer = lot.withdraw_offer(auction, offer_id=cmd.offer_id, organization_id=org,
                                   user_id=actor.user_id, now=now)
        return "offer_withdrawal", offer.id, None
    return _trade(cmd, actor, uow, clock, act)


@handles(ReplaceOfferWithBid)
def replace_offer_with_bid(cmd: ReplaceOfferWithBid, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Accepted:
    """The offer must still be the organisation's active one; the accepted bid marks it replaced."""
    def act(lot: Lot, auction: Auction, org: str, now: datetime) -> tuple[str, str, Decimal]:
        offer = lot.offer(cmd.offer_id, org)  # another organisation's offer: not found
        if offer.status is not OfferStatus.ACTIVE:
            raise errors.OfferNotActive()
        bid = lot.place_bid(auction, organization_id=org, user_id=actor.user_id, amount=cmd.amount,
                            now=now, client_key=cmd.client_key)
        return "bid", bid.id, bid.amount.amount
    return _trade(cmd, actor, uow, clock, act)


@handles(AnnulBid)
def annul_bid(cmd: AnnulBid, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> LotAdminView:
    _staff(actor, Permission.BID_ANNUL)
    with uow:
        lot = uow.lots.get(cmd.lot_id, for_update=True)
        auction = uow.auctions.get(lot.auction_id)
        lot.annul_bid(auction, bid_id=cmd.bid_id, reason=cmd.reason, user_id=actor.user_id,
                      now=clock.now())
        uow.commit()
        return lot_admin_view(auction, lot)


@handles(ViewLot)
def view_lot(cmd: ViewLot, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> LotView:
    require(actor, Permission.AUCTION_VIEW)
    organization_id = actor.organization_id or cmd.on_behalf_of
    if organization_id is None:
        raise errors.InvalidValue("Укажите организацию, глазами которой показать лот.")
    with uow.reading():
        lot = uow.lots.get(cmd.lot_id)
        return lot_view_for(uow.auctions.get(lot.auction_id), lot, organization_id)


@handles(ListBids)
def list_bids(
    cmd: ListBids, *, actor: Actor, uow: UnitOfWork, clock: Clock
) -> Sequence[LotAdminView] | Sequence[OwnBid]:
    """Staff see every bid and offer; a client sees only its own bids (scoped in the query)."""
    with uow:
        if actor.organization_id is None and cmd.on_behalf_of is None:
            _staff(actor)
            auction = uow.auctions.get(cmd.auction_id)
            return [lot_admin_view(auction, lot) for lot in uow.lots.for_auction(auction.id)]
        organization_id = actor.organization_id or cmd.on_behalf_of
        assert organization_id is not None
        if actor.organization_id is None:
            _staff(actor)
        else:
            require(actor, Permission.AUCTION_VIEW)
        auction = uow.auctions.get(cmd.auction_id)
        if organization_id not in auction.admissions:
            raise errors.AuctionNotFound(auction_id=cmd.auction_id)
        return uow.lots.bids_of_organization(organization_id, auction.id)


# --- results --------------------------------------------------------------------------------


def _results(uow: UnitOfWork, auction: Auction) -> AuctionResults:
    lines = []
    lots = uow.lots.for_auction(auction.id)
    for lot in lots:
        result = lot.result
        winner = uow.organizations.get(result.winner_organization_id) \
            if result and result.winner_organization_id else None
        amount = result.amount.amount if result and result.amount else None
        uplift = uplift_percent(amount, lot.start_price.amount) if amount is not None else None
        contest = competition_of(lot)
        lines.append(ResultLine(
            lot_id=lot.id, lot_number=lot.number, title=lot.title, quantity=str(lot.quantity),
            status=lot.status.value, start_price=lot.start_price.amount,
            winner_organization_id=winner.id if winner else None,
            winner_name=winner.name if winner else None, winner_inn=winner.inn if winner else None,
            amount=amount, source=result.source.value if result and result.source else None,
            uplift_percent=uplift, bids=contest.bids, bidders=len(contest.bidders), offers=contest.offers,
            closes_at_original=lot.closes_at_original, closed_at=lot.closes_at))
    return AuctionResults(auction=AuctionSummary.of(auction, len(lots)), lines=tuple(lines))


@handles(ShowResults)
def show_results(cmd: ShowResults, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionResults:
    _staff(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id)
        if auction.status not in (AuctionStatus.FINISHED, AuctionStatus.RESULTS_APPROVED):
            raise errors.AuctionStateForbids("Итоги появятся после завершения торгов.",
                                             status=auction.status.value)
        return _results(uow, auction)


@handles(DeclineWinner)
def decline_winner(cmd: DeclineWinner, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> LotAdminView:
    _staff(actor, Permission.RESULTS_APPROVE)
    with uow:
        lot = uow.lots.get(cmd.lot_id, for_update=True)
        auction = uow.auctions.get(lot.auction_id)
        if auction.status is not AuctionStatus.FINISHED:
            raise errors.AuctionStateForbids("Итоги можно пересматривать только до их утверждения.")
        lot.decline_winner(reason=cmd.reason, pass_to_next=cmd.pass_to_next, user_id=actor.user_id,
                           now=clock.now())
        uow.commit()
        return lot_admin_view(auction, lot)


def approve_all(uow: UnitOfWork, auction: Auction, now: datetime, user_id: str, *, automatically: bool) -> None:
    for lot in uow.lots.for_auction(auction.id):
        if lot.status is LotStatus.CLOSED:
            lot.approve(now, user_id)
    auction.approve_results(now, automatically=automatically)


@handles(ApproveResults)
def approve_results(cmd: ApproveResults, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionResults:
    _staff(actor, Permission.RESULTS_APPROVE)
    with uow:
        auction = uow.auctions.get(cmd.auction_id, for_update=True)
        approve_all(uow, auction, clock.now(), actor.user_id, automatically=False)
        uow.commit()
        return _results(uow, auction)


@handles(VerifyJournal)
def verify_journal(cmd: VerifyJournal, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> JournalReport:
    _staff(actor)
    with uow:
        auction = uow.auctions.get(cmd.auction_id)
        verdicts = tuple(verify_chain(lot.id, uow.journal.entries(lot.id), head_hash=lot.journal_hash)
                         for lot in uow.lots.for_auction(auction.id))
        return JournalReport(auction_id=auction.id, ok=all(v.ok for v in verdicts), lots=verdicts)

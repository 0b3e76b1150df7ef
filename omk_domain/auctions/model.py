"""The Auction and Lot aggregates.

An Auction holds the terms, the lifecycle and the admissions (with stable aliases). Each Lot is
its own aggregate — the unit that is locked while a bid is placed — holding its bids, offers,
close times, result and the head of its tamper-evident journal. Lot methods take the auction's
terms as an argument; they never read the clock: `now` is always given.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from omk_domain.auctions import errors, events, rules
from omk_domain.auctions.events import LotClosed as LotClosedEvent
from omk_domain.auctions.journal import GENESIS_HASH, JournalEntry
from omk_domain.auctions.values import (
    Admission,
    AuctionFormat,
    AuctionStatus,
    LotResult,
    LotStatus,
    OfferStatus,
    OpenBid,
    PriceOffer,
    ProductSpec,
    SoftClose,
)
from omk_domain.shared.clock import ensure_utc
from omk_domain.shared.ids import new_id
from omk_domain.shared.messages import Event
from omk_domain.shared.money import Money, Quantity
from omk_domain.shared.text import required_text


@attrs.define(kw_only=True, eq=False)
class Auction:
    """A trading event: its format, schedule, soft-close terms, admissions and lifecycle."""

    id: str
    number: str
    title: str
    format: AuctionFormat
    starts_at: datetime
    ends_at: datetime
    soft_close: SoftClose = attrs.field(factory=SoftClose)
    auto_approve: bool = False
    status: AuctionStatus = AuctionStatus.DRAFT
    description: str = ""
    cancel_reason: str | None = None
    created_at: datetime
    admissions: dict[str, Admission] = attrs.field(factory=dict)
    version: int = 0
    events: list[Event] = attrs.field(factory=list, repr=False)

    @classmethod
    def create(cls, *, number: str, title: str, format: AuctionFormat, starts_at: datetime,
               ends_at: datetime, now: datetime, soft_close: SoftClose | None = None,
               auto_approve: bool = False, description: str = "") -> Auction:
        auction = cls(id=new_id(), number=required_text(number, errors.AuctionInvalid),
                      title=required_text(title, errors.AuctionInvalid), format=format,
                      starts_at=ensure_utc(starts_at), ends_at=ensure_utc(ends_at),
                      soft_close=soft_close or SoftClose(), auto_approve=auto_approve,
                      description=description.strip(), created_at=now)
        auction._check_schedule()
        return auction

    # --- terms ------------------------------------------------------------------------
    def _check_schedule(self) -> None:
        if self.ends_at <= self.starts_at:
            raise errors.AuctionInvalid("Окончание торгов должно быть позже начала.")

    @property
    def editable(self) -> bool:
        return self.status in (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED)

    def _require_editable(self, now: datetime) -> None:
        if not self.editable or (now >= self.starts_at and self.status is AuctionStatus.SCHEDULED):
            raise errors.AuctionStateForbids("Изменять можно только аукцион до начала торгов.",
                                             status=self.status.value)

    def edit(self, now: datetime, *, title: str | None = None, format: AuctionFormat | None = None,
             starts_at: datetime | None = None, ends_at: datetime | None = None,
             soft_close: SoftClose | None = None, auto_approve: bool | None = None,
             description: str | None = None) -> None:
        """Change terms before trading starts; a published auction announces its new schedule."""
        self._require_editable(now)
        if format is not None and format is not self.format and self.status is not AuctionStatus.DRAFT:
            raise errors.AuctionStateForbids("Форму торгов можно менять только в черновике.")
        old_times = (self.starts_at, self.ends_at)
        self.title = required_text(title, errors.AuctionInvalid) if title is not None else self.title
        self.format = format or self.format
        self.starts_at = ensure_utc(starts_at) if starts_at else self.starts_at
        self.ends_at = ensure_utc(ends_at) if ends_at else self.ends_at
        self.soft_close = soft_close or self.soft_close
        self.auto_approve = self.auto_approve if auto_approve is None else auto_approve
        self.description = self.description if description is None else description.strip()
        self._check_schedule()
        if self.status is AuctionStatus.SCHEDULED:
            if self.starts_at <= now:
                raise errors.AuctionInvalid("Начало торгов опубликованного аукциона должно быть в будущем.")
            if (self.starts_at, self.ends_at) != old_times:
                self.events.append(events.AuctionRescheduled(
                    occurred_at=now, auction_id=self.id, starts_at=self.starts_at, ends_at=self.ends_at))

    def publish(self, now: datetime, *, lot_count: int) -> None:
        """draft → scheduled: needs lots and a start in the future."""
        if self.status is not AuctionStatus.DRAFT:
            raise errors.AuctionStateForbids("Опубликовать можно только черновик.", status=self.status.value)
        if lot_count < 1:
            raise errors.AuctionInvalid("В аукционе нет ни одного лота.")
        if self.starts_at <= now:
            raise errors.AuctionInvalid("Начало торгов должно быть в будущем.")
        self.status = AuctionStatus.SCHEDULED
        self.events.append(events.AuctionPublished(occurred_at=now, auction_id=self.id,
                                                   starts_at=self.starts_at, ends_at=self.ends_at))

    def start(self, now: datetime) -> None:
        """scheduled → running, when the start time has come (the scheduler calls this)."""
        if self.status is not AuctionStatus.SCHEDULED or now < self.starts_at:
            raise errors.AuctionStateForbids("Аукцион не ожидает начала торгов.", status=self.status.value)
        self.status = AuctionStatus.RUNNING
        self.events.append(events.AuctionStarted(occurred_at=now, auction_id=self.id, due_at=self.starts_at))

    def finish(self, now: datetime) -> None:
        """running → finished once every lot has closed."""
        if self.status is not AuctionStatus.RUNNING:
            raise errors.AuctionStateForbids(status=self.status.value)
        self.status = AuctionStatus.FINISHED
        self.events.append(events.AuctionFinished(occurred_at=now, auction_id=self.id))

    def approve_results(self, now: datetime, *, automatically: bool = False) -> None:
        if self.status is not AuctionStatus.FINISHED:
            raise errors.AuctionStateForbids("Утвердить можно только итоги завершённого аукциона.",
                                             status=self.status.value)
        self.status = AuctionStatus.RESULTS_APPROVED
        self.events.append(events.ResultsApproved(occurred_at=now, auction_id=self.id,
                                                  automatically=automatically))

    def cancel(self, now: datetime, reason: str) -> None:
        if self.status not in (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED, AuctionStatus.RUNNING):
            raise errors.AuctionStateForbids("Отменить можно аукцион до завершения торгов.",
                                             status=self.status.value)
        self.cancel_reason = rules.check_reason(reason)
        self.status = AuctionStatus.CANCELLED
        self.events.append(events.AuctionCancelled(occurred_at=now, auction_id=self.id,
                                                   reason=self.cancel_reason))

    # --- admissions -------------------------------------------------------------------
    def admit(self, organization_id: str, now: datetime) -> Admission:
        """Admit an organisation; its alias number is given once and kept for this auction."""
        if self.status not in (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED, AuctionStatus.RUNNING):
            raise errors.AuctionStateForbids("Допуск возможен только до завершения торгов.")
        admission = self.admissions.get(organization_id)
        if admission is None:
            admission = Admission(organization_id=organization_id,
                                  alias_no=len(self.admissions) + 1, admitted_at=now)
            self.admissions[organization_id] = admission
        elif admission.active:
            return admission
        admission.active = True
        self.events.append(events.OrganisationAdmitted(occurred_at=now, auction_id=self.id,
                                                       organization_id=organization_id))
        return admission

    def revoke_admission(self, organization_id: str, now: datetime) -> None:
        admission = self.admissions.get(organization_id)
        if admission is None or not admission.active:
            raise errors.OrganisationNotAdmitted()
        admission.active = False
        self.events.append(events.AdmissionRevoked(occurred_at=now, auction_id=self.id,
                                                   organization_id=organization_id))

    def is_admitted(self, organization_id: str) -> bool:
        admission = self.admissions.get(organization_id)
        return admission is not None and admission.active

    def require_admitted(self, organization_id: str) -> None:
        if not self.is_admitted(organization_id):
            raise errors.OrganisationNotAdmitted()

    def alias_of(self, organization_id: str) -> str:
        admission = self.admissions.get(organization_id)
        return admission.alias if admission else "Участник"


@attrs.define(kw_only=True, eq=False)
class Lot:
    """One lot of pipe: its price terms, open bids, sealed offers, close times and result."""

    id: str
    auction_id: str
    number: int
    title: str
    product: ProductSpec
    quantity: Quantity
    start_price: Money
    bid_step: Money
    floor_price: Money | None = None
    closes_at_original: datetime
    closes_at: datetime
    status: LotStatus = LotStatus.OPEN
    bids: list[OpenBid] = attrs.field(factory=list)
    offers: list[PriceOffer] = attrs.field(factory=list)
    declined: list[str] = attrs.field(factory=list)
    result: LotResult | None = None
    journal_seq: int = 0
    journal_hash: str = GENESIS_HASH
    version: int = 0
    events: list[Event] = attrs.field(factory=list, repr=False)
    new_journal_entries: list[JournalEntry] = attrs.field(factory=list, repr=False)

    @classmethod
    def create(cls, auction: Auction, *, number: int, title: str, product: ProductSpec,
               quantity: Quantity, start_price: Money, bid_step: Money,
               floor_price: Money | None = None, now: datetime | None = None) -> Lot:
        """A new lot of `auction`; with `now` it announces itself (LotAdded), as the use cases do."""
        lot = cls(id=new_id(), auction_id=auction.id, number=number,
                  title=required_text(title, errors.LotInvalid), product=product, quantity=quantity,
                  start_price=start_price, bid_step=bid_step, floor_price=floor_price,
                  closes_at_original=auction.ends_at, closes_at=auction.ends_at)
        lot._check_prices()
        if now is not None:
            lot.events.append(events.LotAdded(occurred_at=now, auction_id=auction.id, lot_id=lot.id,
                                              number=lot.number))
        return lot

    def rehearsal(self) -> Lot:
        """A detached copy to try a command on: whatever the copy does, this lot does not change."""
        return attrs.evolve(self, bids=list(self.bids), offers=list(self.offers), declined=list(self.declined),
                            events=[], new_journal_entries=[])

    def _check_prices(self) -> None:
        for name, value in (("стартовая цена", self.start_price), ("шаг", self.bid_step)):
            if value.amount <= 0:
                raise errors.LotInvalid(f"Поле «{name}» должно быть больше нуля.")
        if self.floor_price is not None and not (0 < self.floor_price.amount < self.start_price.amount):
            raise errors.LotInvalid("Скрытый минимум должен быть больше нуля и ниже стартовой цены.")
        if self.number < 1:
            raise errors.LotInvalid("Номер лота — положительное целое число.")

    def edit(self, auction: Auction, now: datetime, **changes: Any) -> None:
        """Change a lot's terms while its auction has not started."""
        auction._require_editable(now)
        allowed = {"title", "product", "quantity", "start_price", "bid_step", "floor_price", "number"}
        unknown = set(changes) - allowed
        if unknown:
            raise errors.LotInvalid(f"Неизвестные поля: {', '.join(sorted(unknown))}.")
        for name, value in changes.items():
            setattr(self, name, required_text(value, errors.LotInvalid) if name == "title" else value)
        self._check_prices()
        self.events.append(events.LotEdited(occurred_at=now, auction_id=self.auction_id, lot_id=self.id))

    def follow_schedule(self, auction: Auction) -> None:
        """Before trading, a lot closes when its auction ends."""
        self.closes_at_original = self.closes_at = auction.ends_at

    # --- derived state ----------------------------------------------------------------
    @property
    def leader(self) -> OpenBid | None:
        return rules.leader(self.bids)

    @property
    def has_valid_bid(self) -> bool:
        return any(b.valid for b in self.bids)

    def active_offer_of(self, organization_id: str) -> PriceOffer | None:
        for offer in self.offers:
            if offer.organization_id == organization_id and offer.status is OfferStatus.ACTIVE:
                return offer
        return None

    def bid(self, bid_id: str) -> OpenBid:
        for b in self.bids:
            if b.id == bid_id:
                return b
        raise errors.BidNotFound(bid_id=bid_id)

    def offer(self, offer_id: str, organization_id: str | None = None) -> PriceOffer:
        """An offer by id; when an organisation is given, only its own offer is found."""
        for o in self.offers:
            if o.id == offer_id and (organization_id is None or o.organization_id == organization_id):
                return o
        raise errors.OfferNotFound(offer_id=offer_id)

    def _replace_offer(self, offer: PriceOffer, **changes: Any) -> PriceOffer:
        """Offers are immutable values: a change puts a new value in the old one's place."""
        index = next(i for i, o in enumerate(self.offers) if o.id == offer.id)
        changed = self.offers[index] = attrs.evolve(offer, **changes)
        return changed

    @property
    def extension(self) -> timedelta:
        return self.closes_at - self.closes_at_original

    # --- journal ----------------------------------------------------------------------
    def _record(self, kind: str, now: datetime, **data: Any) -> int:
        self.journal_seq += 1
        entry = JournalEntry.after(self.journal_hash, lot_id=self.id, seq=self.journal_seq,
                                   kind=kind, recorded_at=now, data=data)
        self.journal_hash = entry.hash
        self.new_journal_entries.append(entry)
        return entry.seq

    # --- trading ----------------------------------------------------------------------
    def _require_trading(self, auction: Auction, organization_id: str, now: datetime) -> None:
        rules.check_trading_window(auction.status, auction.starts_at, self.closes_at,
                                   self.status is LotStatus.OPEN, now)
        auction.require_admitted(organization_id)

    def place_bid(self, auction: Auction, *, organization_id: str, user_id: str, amount: Money,
                  now: datetime, client_key: str | None = None) -> OpenBid:
        """Accept an open bid, replace the bidder's price offer, and extend on soft close."""
        self._require_trading(auction, organization_id, now)
        rules.check_format_allows_bids(auction.format)
        previous = self.leader
        rules.check_open_bid(amount, organization_id, previous, self.start_price, self.bid_step)
        bid = OpenBid(id=new_id(), organization_id=organization_id, placed_by=user_id,
                      amount=amount, placed_at=now, client_key=client_key)
        self.bids.append(bid)
        self._record("bid", now, bid_id=bid.id, organization_id=organization_id,
                     user_id=user_id, amount=amount.amount)
        self.events.append(events.BidPlaced(
            occurred_at=now, auction_id=self.auction_id, lot_id=self.id, bid_id=bid.id,
            organization_id=organization_id, alias=auction.alias_of(organization_id),
            amount=amount.amount, previous_leader_id=previous.organization_id if previous else None))
        own_offer = self.active_offer_of(organization_id)
        if own_offer is not None:
            self._replace_offer(own_offer, status=OfferStatus.REPLACED, ended_at=now)
            self._record("offer_replaced", now, offer_id=own_offer.id, bid_id=bid.id,
                         organization_id=organization_id)
        new_close = rules.soft_close_extension(auction.soft_close, accepted_at=now,
                                               closes_at=self.closes_at,
                                               closes_at_original=self.closes_at_original)
        if new_close is not None:
            self.closes_at = new_close
            self._record("extension", now, closes_at=new_close,
                         closes_at_original=self.closes_at_original, bid_id=bid.id)
            self.events.append(events.LotExtended(
                occurred_at=now, auction_id=self.auction_id, lot_id=self.id,
                closes_at=new_close, closes_at_original=self.closes_at_original))
        return bid

    def submit_offer(self, auction: Auction, *, organization_id: str, user_id: str, amount: Money,
                     now: datetime, client_key: str | None = None) -> PriceOffer:
        """Accept a sealed price offer while the lot has no valid open bid."""
        self._require_trading(auction, organization_id, now)
        rules.check_format_allows_offers(auction.format)
        rules.check_offers_open(self.leader)
        rules.check_offer_amount(amount, self.start_price, self.floor_price)
        if self.active_offer_of(organization_id) is not None:
            raise errors.ActiveOfferExists()
        offer_id = new_id()
        stamp = self._record("offer", now, offer_id=offer_id, organization_id=organization_id,
                             user_id=user_id, amount=amount.amount)
        offer = PriceOffer(id=offer_id, organization_id=organization_id, submitted_by=user_id,
                           amount=amount, submitted_at=now, first_submitted_at=now, stamp=stamp,
                           client_key=client_key)
        self.offers.append(offer)
        self.events.append(events.OfferSubmitted(
            occurred_at=now, auction_id=self.auction_id, lot_id=self.id, offer_id=offer.id,
            organization_id=organization_id, amount=amount.amount))
        return offer

    def edit_offer(self, auction: Auction, *, offer_id: str, organization_id: str, user_id: str,
                   amount: Money, now: datetime) -> PriceOffer:
        """Change an active offer's amount until close; its time is re-stamped."""
        offer = self.offer(offer_id, organization_id)
        self._require_trading(auction, organization_id, now)
        if offer.status is not OfferStatus.ACTIVE:
            raise errors.OfferNotActive()
        rules.check_offer_amount(amount, self.start_price, self.floor_price)
        if amount == offer.amount:
            raise errors.OfferUnchanged()
        stamp = self._record("offer_edit", now, offer_id=offer.id, organization_id=organization_id,
                             user_id=user_id, amount=amount.amount)
        offer = self._replace_offer(offer, amount=amount, submitted_at=now, stamp=stamp,
                                    revisions=offer.revisions + 1)
        self.events.append(events.OfferEdited(
            occurred_at=now, auction_id=self.auction_id, lot_id=self.id, offer_id=offer.id,
            organization_id=organization_id, amount=amount.amount))
        return offer

    def withdraw_offer(self, auction: Auction, *, offer_id: str, organization_id: str,
                       user_id: str, now: datetime) -> PriceOffer:
        """Cancel an active offer until close."""
        offer = self.offer(offer_id, organization_id)
        self._require_trading(auction, organization_id, now)
        if offer.status is not OfferStatus.ACTIVE:
            raise errors.OfferNotActive()
        offer = self._replace_offer(offer, status=OfferStatus.WITHDRAWN, ended_at=now)
        self._record("offer_withdrawal", now, offer_id=offer.id, organization_id=organization_id,
                     user_id=user_id)
        self.events.append(events.OfferWithdrawn(
            occurred_at=now, auction_id=self.auction_id, lot_id=self.id, offer_id=offer.id,
            organization_id=organization_id))
        return offer

    # --- organiser's control ----------------------------------------------------------
    def annul_bid(self, auction: Auction, *, bid_id: str, reason: str, user_id: str,
                  now: datetime) -> OpenBid:
        """Annul an open bid; the leader (or a closed lot's result) is recomputed. Never extends."""
        if self.status is LotStatus.APPROVED or auction.status in (
                AuctionStatus.RESULTS_APPROVED, AuctionStatus.CANCELLED):
            raise errors.LotStateForbids("Итоги по лоту уже утверждены.")
        index, bid = next(((i, b) for i, b in enumerate(self.bids) if b.id == bid_id), (-1, None))
        if bid is None:
            raise errors.BidNotFound(bid_id=bid_id)
        if not bid.valid:
            raise errors.BidAlreadyAnnulled()
        text = rules.check_reason(reason)
        bid = self.bids[index] = attrs.evolve(bid, annulled_at=now, annul_reason=text)
        self._record("annulment", now, bid_id=bid.id, reason=text, user_id=user_id)
        if self.status is LotStatus.CLOSED and self.result is not None and self.result.source_id == bid.id:
            # only the winning bid's annulment changes a closed lot's result; any other would
            # undo the organiser's review (a lot left unsold would be sold again)
            self.result = rules.determine_winner(self.bids, self.offers, self.declined)
            self._record("result_recomputed", now, result=self.result)
        top = self.leader
        self.events.append(events.BidAnnulled(
            occurred_at=now, auction_id=self.auction_id, lot_id=self.id, bid_id=bid.id,
            organization_id=bid.organization_id, reason=text,
            leading_amount=top.amount.amount if top else None))
        return bid

    def close(self, now: datetime) -> LotResult:
        """Close the lot at or after its close time and determine the winner."""
        if self.status is not LotStatus.OPEN:
            raise errors.LotStateForbids("Лот уже закрыт.")
        if now < self.closes_at:
            raise errors.LotStateForbids("Время закрытия лота ещё не наступило.")
        self.status = LotStatus.CLOSED
        self.result = rules.determine_winner(self.bids, self.offers, self.declined)
        self._record("close", now, due_at=self.closes_at, result=self.result)
        self.events.append(self._closed_event(now))
        return self.result

    def _closed_event(self, now: datetime) -> LotClosedEvent:
        assert self.result is not None
        return events.LotClosed(
            occurred_at=now, auction_id=self.auction_id, lot_id=self.id, due_at=self.closes_at,
            winner_organization_id=self.result.winner_organization_id,
            amount=self.result.amount.amount if self.result.amount else None,
            source=self.result.source.value if self.result.source else None)

    def decline_winner(self, *, reason: str, pass_to_next: bool, user_id: str, now: datetime) -> LotResult:
        """The winner declines: pass the lot to the next-best valid bid or offer, or leave it unsold."""
        if self.status is not LotStatus.CLOSED:
            raise errors.LotStateForbids("Отказ победителя возможен только до утверждения итогов закрытого лота.")
        if self.result is None or not self.result.sold:
            raise errors.NoWinnerToDecline()
        declined_org = self.result.winner_organization_id
        assert declined_org is not None
        text = rules.check_reason(reason)
        self.declined.append(declined_org)
        self.result = (rules.determine_winner(self.bids, self.offers, self.declined)
                       if pass_to_next else LotResult.unsold())
        self._record("winner_declined", now, organization_id=declined_org, reason=text,
                     pass_to_next=pass_to_next, user_id=user_id, result=self.result)
        self.events.append(events.WinnerDeclined(
            occurred_at=now, auction_id=self.auction_id, lot_id=self.id,
            organization_id=declined_org, reason=text,
            new_winner_organization_id=self.result.winner_organization_id,
            amount=self.result.amount.amount if self.result.amount else None))
        return self.result

    def approve(self, now: datetime, user_id: str) -> None:
        if self.status is not LotStatus.CLOSED:
            raise errors.LotStateForbids("Утвердить можно только закрытый лот.")
        self.status = LotStatus.APPROVED
        self._record("approval", now, user_id=user_id, result=self.result)

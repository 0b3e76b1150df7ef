"""The world of one auction scenario: an in-memory OMK with a manual clock, driven through the bus.

Times in the features are Moscow wall-clock times of one trading day; amounts are roubles
written the Russian way («85 000 ₽», «84 999,99 ₽»). Organisations are named
(«ООО «Ромашка»») and registered with valid INNs behind the scenes.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_domain.app import auctions as uc
from omk_domain.app import usecases  # noqa: F401  (registers every use case with the bus)
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import (
    LastAdministrator,
    ManagerNotStaff,
    OrganizationExists,
    RegisterOrganization,
    SapCustomerNoTaken,
)
from omk_domain.app.scheduler import Transition, run_due_transitions
from omk_domain.auctions import errors
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionFormat, AuctionStatus
from omk_domain.auctions.views import LotAdminView, LotView
from omk_domain.identity.model import (
    Actor,
    BlockReasonRequired,
    KppNotForSoleProprietor,
    OgrnipNotForLegalEntity,
    OgrnNotForSoleProprietor,
    Organization,
    OrganizationNotActive,
    OrganizationNotFound,
    OrganizationStateForbids,
    Role,
)
from omk_domain.identity.validators import InnInvalid, KppInvalid, OgrnInvalid, OgrnipInvalid, SapCustomerNoInvalid
from omk_domain.shared.errors import DomainError, Forbidden
from omk_domain.shared.messages import Command
from omk_domain.shared.money import AmountNotPositive, Money

MSK = timezone(timedelta(hours=3), "MSK")
TRADING_DAY = date(2026, 12, 1)

# --- how the features write things ----------------------------------------------------------

ORG = r"(?P<org>(?:ООО|АО|ПАО) «[^»]+»)"
AMOUNT = r"(?P<amount>-?\d[\d  ]*(?:,\d+)?) ₽"
TIME = r"(?P<time>\d{2}:\d{2}(?::\d{2})?)"
MINUTES = r"(?P<minutes>\d+) мин"


def rub(text: str) -> Money:
    """«85 000», «84 999,99», «-100» → Money (the ₽ sign is outside the captured text)."""
    return Money.parse(text.replace("₽", "").strip())


def at(text: str) -> datetime:
    """«10:58» or «10:59:30» on the trading day, Moscow time."""
    return datetime.combine(TRADING_DAY, time.fromisoformat(text), tzinfo=MSK)


def hhmm(moment: datetime) -> str:
    local = moment.astimezone(MSK)
    return local.strftime("%H:%M:%S" if local.second else "%H:%M")


def roubles(amount: Decimal | None) -> str:
    """Decimal → «85 000 ₽» / «84 999,99 ₽», the way the features write it."""
    if amount is None:
        return "—"
    whole, _, frac = f"{amount:,.2f}".partition(".")
    text = whole.replace(",", " ")
    return f"{text} ₽" if frac == "00" else f"{text},{frac} ₽"


def org_list(text: str) -> list[str]:
    """«ООО «А», ООО «Б» и ООО «В»» → the three names."""
    return [name.strip() for name in re.split(r",\s*|\s+и\s+", text) if name.strip()]


FORMATS_GENITIVE = {"открытой": AuctionFormat.OPEN, "закрытой": AuctionFormat.CLOSED,
                    "смешанной": AuctionFormat.MIXED}
FORMATS = {"открытая": AuctionFormat.OPEN, "закрытая": AuctionFormat.CLOSED,
           "смешанная": AuctionFormat.MIXED}

#: the subject of «… принята / отклонена» → the kind of the last action it must be about
SUBJECTS = {
    "ставка": "bid", "предложение": "offer", "изменение": "offer_edit", "отзыв": "offer_withdrawal",
    "аннулирование": "annul", "публикация": "publish", "отмена": "cancel",
    "утверждение": "approve", "отказ": "decline",
    # organisations (features/identity/)
    "регистрация": "register_org", "одобрение": "approve_org", "блокировка": "block_org",
    "разблокировка": "unblock_org", "правка": "edit_org",
    # roles (features/identity/roles.feature)
    "выдача": "grant_role", "снятие": "revoke_role", "переключение": "switch_org",
}

#: a reason as the features state it → the domain errors that mean it
REASONS: dict[str, tuple[type[DomainError], ...]] = {
    "ставка ниже стартовой цены": (errors.BidBelowStartPrice,),
    "ставка ниже лидирующей плюс шаг": (errors.BidBelowStep,),
    "лидер не может перебить собственную ставку": (errors.LeaderCannotOutbidItself,),
    "по лоту уже есть ставка": (errors.OffersClosedByOpenBid,),
    "предложение должно быть ниже стартовой цены": (errors.OfferNotBelowStartPrice,),
    "предложение ниже скрытого минимума": (errors.OfferBelowFloor,),
    "сумма должна быть больше нуля": (AmountNotPositive,),
    "уже есть действующее предложение": (errors.ActiveOfferExists,),
    "предложение уже не действует": (errors.OfferNotActive,),
    "сумма не изменилась": (errors.OfferUnchanged,),
    "торги ещё не начались": (errors.BiddingNotStarted,),
    "торги по лоту завершены": (errors.BiddingClosed,),
    "аукцион не проводится": (errors.AuctionNotTrading,),
    # a client of an organisation that is not admitted learns nothing, not even that the lot exists
    "организация не допущена к торгам": (errors.LotNotFound, errors.OrganisationNotAdmitted),
    "ставки в этой форме не предусмотрены": (errors.OpenBidsNotAllowed,),
    "ценовые предложения в этой форме не предусмотрены": (errors.OffersNotAllowed,),
    "ключ повтора уже использован для другой заявки": (errors.IdempotencyKeyReused,),
    "ставка уже аннулирована": (errors.BidAlreadyAnnulled,),
    "нужна причина": (errors.ReasonRequired,),
    "итоги уже утверждены": (errors.AuctionStateForbids, errors.LotStateForbids),
    "у лота нет победителя": (errors.NoWinnerToDecline,),
    "в аукционе нет лотов": (errors.AuctionInvalid,),
    "аукцион уже завершён": (errors.AuctionStateForbids,),
    # organisations (features/identity/)
    "ИНН указан неверно": (InnInvalid,),
    "КПП указан неверно": (KppInvalid,),
    "ОГРН указан неверно": (OgrnInvalid,),
    "ОГРНИП указан неверно": (OgrnipInvalid,),
    "КПП есть только у юридического лица": (KppNotForSoleProprietor,),
    "у индивидуального предпринимателя не ОГРН, а ОГРНИП": (OgrnNotForSoleProprietor,),
    "у юридического лица не ОГРНИП, а ОГРН": (OgrnipNotForLegalEntity,),
    "организация с таким ИНН уже зарегистрирована": (OrganizationExists,),
    "номер клиента SAP указан неверно": (SapCustomerNoInvalid,),
    "номер клиента SAP уже закреплён за другой организацией": (SapCustomerNoTaken,),
    "менеджер должен быть сотрудником ОМК": (ManagerNotStaff,),
    "нужна причина блокировки": (BlockReasonRequired,),
    "недоступно в текущем статусе организации": (OrganizationStateForbids,),
    "организация не может торговать": (OrganizationNotActive,),
    "недостаточно прав": (Forbidden,),
    # roles: another organisation, or one the person is not a member of, looks missing
    "организация не найдена": (OrganizationNotFound,),
    "в организации должен остаться администратор": (LastAdministrator,),
}

OFFER_STATES = {"active": "действует", "withdrawn": "отозвано", "replaced": "заменено ставкой"}

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def valid_inn(n: int) -> str:
    base = f"50{n:07d}"
    return base + str(sum(int(d) * w for d, w in zip(base, _INN10, strict=True)) % 11 % 10)


@attrs.define
class Outcome:
    """What became of one action: its result, or the domain error that refused it."""

    kind: str
    result: Any = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class World:
    """One scenario's OMK: a store, a clock, the bus, and what the scenario has done so far."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.clock = ManualClock(at("08:00"))
        self.bus = MessageBus(uow_factory=self.uow, clock=self.clock)
        self.staff = Actor(user_id="organiser", role=Role.ORGANISER)
        self.orgs: dict[str, Organization] = {}
        self.auction_id: str | None = None
        self.lot_id: str | None = None
        #: publish the draft and start trading on time by itself (off when a scenario drives the lifecycle)
        self.auto_run = True
        self.outcomes: list[Outcome] = []
        self.transitions: list[Transition] = []

    # --- plumbing -------------------------------------------------------------------------
    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def run(self, command: Command, actor: Actor | None = None) -> Any:
        return self.bus.handle(command, actor or self.staff)

    def attempt(self, kind: str, command: Command, actor: Actor | None = None) -> Outcome:
        """Run a command the scenario expects may be refused; remember what happened."""
        try:
            outcome = Outcome(kind, result=self.run(command, actor))
        except DomainError as exc:
            outcome = Outcome(kind, error=exc)
        self.outcomes.append(outcome)
        return outcome

    def must(self, kind: str, command: Command, actor: Actor | None = None) -> Any:
        """Run a command that set-up needs to succeed."""
        outcome = self.attempt(kind, command, actor)
        if outcome.error is not None:
            raise AssertionError(f"set-up step refused: {outcome.error.code}: {outcome.error}")
        return outcome.result

    @property
    def last(self) -> Outcome:
        assert self.outcomes, "no action has been taken yet"
        return self.outcomes[-1]

    # --- parties --------------------------------------------------------------------------
    def register(self, name: str) -> Organization:
        if name not in self.orgs:
            self.orgs[name] = self.run(RegisterOrganization(name=name, inn=valid_inn(len(self.orgs) + 1)))
        return self.orgs[name]

    def org(self, name: str) -> Organization:
        assert name in self.orgs, f"{name} is not part of this scenario"
        return self.orgs[name]

    def member(self, name: str) -> Actor:
        """A bidder acting for the named organisation."""
        org = self.org(name)
        return Actor(user_id=f"bidder:{org.id}", role=Role.BIDDER, organization_id=org.id)

    def name_of(self, organization_id: str | None) -> str | None:
        if organization_id is None:
            return None
        return next(name for name, org in self.orgs.items() if org.id == organization_id)

    # --- the auction and its lot, as committed --------------------------------------------
    def auction(self) -> Auction:
        assert self.auction_id is not None, "the scenario has no auction yet"
        return self.store.auctions[self.auction_id]

    def lot(self) -> Lot:
        assert self.lot_id is not None, "the scenario has no lot yet"
        return self.store.lots[self.lot_id]

    def admin_view(self) -> LotAdminView:
        """The lot as the organiser's staff see it (through the use case)."""
        details = self.run(uc.ShowAuction(auction_id=self.auction().id))
        return next(lot for lot in details.lots if lot.lot_id == self.lot_id)

    def view(self, name: str) -> LotView:
        """The lot as the named organisation sees it (through the use case)."""
        view: LotView = self.run(uc.ViewLot(lot_id=self.lot().id), self.member(name))
        return view

    def first_admitted(self) -> str:
        auction = self.auction()
        return next(name for name, org in self.orgs.items() if auction.is_admitted(org.id))

    # --- time -----------------------------------------------------------------------------
    def move_to(self, moment: datetime) -> None:
        """Move the server clock forward; with auto_run the auction is published and started on time."""
        assert moment >= self.clock.now(), f"time only moves forward (now {hhmm(self.clock.now())})"
        if self.auto_run and self.auction_id is not None:
            if self.auction().status is AuctionStatus.DRAFT:
                self.must("publish", uc.PublishAuction(auction_id=self.auction_id))
            starts_at = self.auction().starts_at
            if self.auction().status is AuctionStatus.SCHEDULED and starts_at <= moment:
                self.clock.set(max(starts_at, self.clock.now()))
                self.tick()
        self.clock.set(moment)

    def tick(self) -> None:
        """One run of the scheduler at the current server time."""
        self.transitions.extend(run_due_transitions(self.uow, self.clock).transitions)

    # --- trading --------------------------------------------------------------------------
    def own_offer_id(self, name: str) -> str:
        """The id of the organisation's offer, as its own view of the lot shows it."""
        mine = self.view(name).my_offer
        return mine.offer_id if mine is not None else "no-offer"

    def bid_id(self, name: str, amount: Money) -> str:
        """The organisation's bid of that amount (a still valid one when there is one)."""
        org = self.org(name)
        bids = [b for b in self.admin_view().bids
                if b.organization_id == org.id and b.amount == amount.amount]
        assert bids, f"{name} has no bid of {roubles(amount.amount)}"
        valid = [b for b in bids if b.valid]
        return (valid or bids)[-1].bid_id


@pytest.fixture
def world() -> World:
    return World()

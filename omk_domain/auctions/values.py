"""Value objects and entity records of the auction context."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs

from omk_domain.auctions.errors import AuctionInvalid
from omk_domain.shared.money import Money


class AuctionFormat(enum.Enum):
    """open: only open bids; closed: only sealed price offers; mixed: both."""

    OPEN = "open"
    CLOSED = "closed"
    MIXED = "mixed"

    @property
    def allows_bids(self) -> bool:
        return self is not AuctionFormat.CLOSED

    @property
    def allows_offers(self) -> bool:
        return self is not AuctionFormat.OPEN

    @property
    def label_ru(self) -> str:
        return {"open": "открытая", "closed": "закрытая", "mixed": "смешанная"}[self.value]


class AuctionStatus(enum.Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    FINISHED = "finished"
    RESULTS_APPROVED = "results_approved"
    CANCELLED = "cancelled"

    @property
    def label_ru(self) -> str:
        return {"draft": "черновик", "scheduled": "объявлен", "running": "идут торги",
                "finished": "завершён, итоги на проверке", "results_approved": "итоги утверждены",
                "cancelled": "отменён"}[self.value]


class LotStatus(enum.Enum):
    OPEN = "open"  # trades while its auction runs, until closes_at
    CLOSED = "closed"  # closed; result awaits the organiser's review
    APPROVED = "approved"  # result approved, part of the results protocol


class OfferStatus(enum.Enum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    REPLACED = "replaced"  # replaced by its author's open bid


class ResultSource(enum.Enum):
    BID = "bid"
    OFFER = "offer"


@attrs.frozen(kw_only=True)
class SoftClose:
    """Anti-sniping: a bid within the last `window` moves the close to now + `extension`."""

    window: timedelta = timedelta(0)
    extension: timedelta = timedelta(0)
    cap: timedelta | None = None

    def __attrs_post_init__(self) -> None:
        for value in (self.window, self.extension, self.cap or timedelta(0)):
            if value < timedelta(0):
                raise AuctionInvalid("Параметры мягкого закрытия не могут быть отрицательными.")

    @property
    def enabled(self) -> bool:
        return self.window > timedelta(0) and self.extension > timedelta(0)


@attrs.frozen(kw_only=True)
class ProductSpec:
    """What a pipe lot is: searchable product attributes."""

    product_type: str
    diameter_mm: float | None = None
    wall_mm: float | None = None
    steel_grade: str = ""
    standard: str = ""
    warehouse: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.product_type.strip():
            raise AuctionInvalid("Укажите вид продукции.")
        for name, size in (("диаметр", self.diameter_mm), ("толщина стенки", self.wall_mm)):
            if size is not None and not (0 < size < 100_000):
                raise AuctionInvalid(f"Поле «{name}» — положительное число миллиметров.")


@attrs.frozen(kw_only=True)
class OpenBid:
    """A public bid raising the price; valid until annulled. Immutable: annulment replaces it."""

    id: str
    organization_id: str
    placed_by: str
    amount: Money
    placed_at: datetime
    client_key: str | None = None
    annulled_at: datetime | None = None
    annul_reason: str | None = None

    @property
    def valid(self) -> bool:
        return self.annulled_at is None


@attrs.frozen(kw_only=True)
class PriceOffer:
    """A sealed offer below the start price. Immutable: an edit or withdrawal replaces it, and
    `submitted_at` is re-stamped by every edit."""

    id: str
    organization_id: str
    submitted_by: str
    amount: Money
    submitted_at: datetime
    first_submitted_at: datetime
    #: journal sequence of the submission or last edit: a total order for equal timestamps
    stamp: int
    status: OfferStatus = OfferStatus.ACTIVE
    client_key: str | None = None
    ended_at: datetime | None = None
    revisions: int = 0


@attrs.frozen(kw_only=True)
class LotResult:
    """Who won the lot, at what price and by which bid or offer; or unsold."""

    winner_organization_id: str | None
    amount: Money | None
    source: ResultSource | None
    source_id: str | None

    @classmethod
    def unsold(cls) -> LotResult:
        return cls(winner_organization_id=None, amount=None, source=None, source_id=None)

    @property
    def sold(self) -> bool:
        return self.winner_organization_id is not None


@attrs.define(kw_only=True)
class Admission:
    """An organisation's admission to one auction, with its stable alias number."""

    organization_id: str
    alias_no: int
    active: bool = True
    admitted_at: datetime

    @property
    def alias(self) -> str:
        return f"Участник {self.alias_no}"

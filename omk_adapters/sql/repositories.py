"""Repositories over SQLAlchemy Core. They load through the unit of work's identity map; writes
of aggregates happen when the unit of work flushes. Tenant scoping lives in the WHERE clauses.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from omk_adapters.sql import mapping as m
from omk_adapters.sql import tables as t
from omk_adapters.sql.cache import Items
from omk_adapters.sql.errors import ConcurrentUpdate, MessageAlreadyHandled
from omk_domain.auctions import errors
from omk_domain.auctions.journal import JournalEntry
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionStatus, LotStatus, ProductSpec
from omk_domain.identity.account import EmailChange
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.invitation import Invitation
from omk_domain.identity.model import (
    Membership,
    Organization,
    OrganizationNotFound,
    OrganizationStatus,
    User,
    UserNotFound,
)
from omk_domain.identity.otp import CodePurpose
from omk_domain.identity.registration import OrganizationApplication, Registration
from omk_domain.identity.reset import PasswordReset
from omk_domain.identity.signin import AttemptScope, SignInAttempt, SignInChallenge, UserSession
from omk_domain.identity.tokens import ApiToken
from omk_domain.ports import (
    AuctionFilter,
    AuditFilter,
    LotActivity,
    LotSummary,
    OrganizationFilter,
    OwnBid,
    StoredOutcome,
    TokenHolder,
)
from omk_domain.shared.money import Money, Quantity, Unit

if TYPE_CHECKING:
    from omk_adapters.sql.uow import SqlAlchemyUnitOfWork

RowMap = Mapping[str, Any]


class _Repo:
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self.uow = uow

    def _rows(self, statement: Any) -> list[RowMap]:
        return list(self.uow.execute(statement).mappings())

    def _insert_ignoring_duplicates(self, table: sa.Table, values: dict[str, Any]) -> bool:
        """INSERT … ON CONFLICT DO NOTHING; True when the row was inserted."""
        dialect = sqlite if self.uow.dialect == "sqlite" else postgresql
        statement = (dialect.insert(table).values(**values).on_conflict_do_nothing()
                     .execution_options(preserve_rowcount=True))
        return self.uow.execute(statement).rowcount == 1


# --- auctions and lots ----------------------------------------------------------------------

class SqlAlchemyAuctionRepository(_Repo):
    def add(self, auction: Auction) -> None:
        self.uow.track_new(auction)

    def get(self, auction_id: str, *, for_update: bool = False) -> Auction:
        tracked = self.uow.tracked(Auction, auction_id)
        # an aggregate first loaded without a lock is locked now; reloaded if it went stale meanwhile
        if tracked is not None and (not for_update or tracked.locked or tracked.row is None
                                    or self.uow.lock_tracked(tracked)):
            return tracked.obj  # type: ignore[no-any-return]
        statement = sa.select(t.auctions).where(t.auctions.c.id == auction_id)
        if for_update:
            statement = statement.with_for_update()
        rows = self._rows(statement)
        if not rows:
            raise errors.AuctionNotFound(auction_id=auction_id)
        return self._materialise(rows, locked=for_update)[0]

    def of_lot(self, lot_id: str) -> Auction:
        tracked_lot = self.uow.tracked(Lot, lot_id)
        if tracked_lot is not None:
            return self.get(tracked_lot.obj.auction_id)
        rows = self._rows(sa.select(t.auctions).join(t.lots, t.lots.c.auction_id == t.auctions.c.id)
                          .where(t.lots.c.id == lot_id))
        if not rows:
            raise errors.LotNotFound(lot_id=lot_id)
        return self._materialise(rows)[0]

    def by_number(self, number: str) -> Auction | None:
        self.uow.flush()
        rows = self._rows(sa.select(t.auctions).where(t.auctions.c.number == number))
        return self._materialise(rows)[0] if rows else None

    def list(self, flt: AuctionFilter) -> Sequence[Auction]:
        self.uow.flush()
        a = t.auctions.c
        statement = self._filtered(sa.select(t.auctions), flt)
        statement = statement.order_by(a.starts_at, a.number).limit(flt.limit).offset(flt.offset)
        return self._materialise(self._rows(statement))

    def count(self, flt: AuctionFilter) -> int:
        self.uow.flush()
        statement = self._filtered(sa.select(sa.func.count()).select_from(t.auctions), flt)
        return int(self.uow.execute(statement).scalar_one())

    @staticmethod
    def _filtered(statement: Any, flt: AuctionFilter) -> Any:
        a = t.auctions.c
        if flt.status is not None:
            statement = statement.where(a.status == flt.status.value)
        if flt.format is not None:
            statement = statement.where(a.format == flt.format.value)
        if flt.starts_from is not None:
            statement = statement.where(a.starts_at >= flt.starts_from)
        if flt.starts_until is not None:
            statement = statement.where(a.starts_at < flt.starts_until)
        if flt.ends_from is not None:
            statement = statement.where(a.ends_at >= flt.ends_from)
        if flt.text:
            haystack = sa.func.lower(a.number + " " + a.title, type_=sa.String)
            statement = statement.where(haystack.contains(flt.text.lower(), autoescape=True))
        if flt.visible_to is not None:
            ad = t.admissions.c
            statement = statement.where(a.status != AuctionStatus.DRAFT.value, sa.exists().where(
                ad.auction_id == a.id, ad.organization_id == flt.visible_to, ad.active.is_(True)))
        return statement

    def due_to_start(self, now: datetime, limit: int = 100) -> Sequence[str]:
        self.uow.flush()
        a = t.auctions.c
        return list(self.uow.execute(
            sa.select(a.id).where(a.status == AuctionStatus.SCHEDULED.value, a.starts_at <= now)
            .order_by(a.starts_at, a.id).limit(limit)).scalars())

    def running_ids(self, limit: int = 100) -> Sequence[str]:
        self.uow.flush()
        a = t.auctions.c
        return list(self.uow.execute(
            sa.select(a.id).where(a.status == AuctionStatus.RUNNING.value)
            .order_by(a.starts_at, a.id).limit(limit)).scalars())

    def _materialise(self, rows: list[RowMap], *, locked: bool = False) -> list[Auction]:
        fresh = [r["id"] for r in rows if self.uow.tracked(Auction, r["id"]) is None]
        admissions: dict[str, list[RowMap]] = defaultdict(list)
        if fresh:
            for r in self._rows(sa.select(t.admissions).where(t.admissions.c.auction_id.in_(fresh))):
                admissions[r["auction_id"]].append(r)
        out = []
        for row in rows:
            tracked = self.uow.tracked(Auction, row["id"])
            if tracked is not None:
                tracked.locked = tracked.locked or locked
                out.append(tracked.obj)
            else:
                out.append(self.uow.track_loaded(m.auction_from(row, admissions[row["id"]]), locked=locked))
        return out

    def ids_admitting(self, organization_id: str) -> frozenset[str]:
        """One query over the admissions (indexed by organisation): the organisation is in the WHERE clause."""
        self.uow.flush()
        a, ad = t.auctions.c, t.admissions.c
        return frozenset(self.uow.execute(
            sa.select(a.id).join(t.admissions, ad.auction_id == a.id)
            .where(ad.organization_id == organization_id, a.status != AuctionStatus.DRAFT.value)).scalars())


def _read_onto(base: Items, rows: Sequence[RowMap], value: Callable[[RowMap], Any]) -> Items | None:
    """`base` with the rows written since it: each replaces the value at its position or extends
    the list. None when the rows do not fit (a gap): the caller then reads every row."""
    items = list(base)
    for r in rows:
        position = r["position"]
        if position < len(items):
            items[position] = value(r)
        elif position == len(items):
            items.append(value(r))
        else:
            return None
    return tuple(items)


class SqlAlchemyLotRepository(_Repo):
    def add(self, lot: Lot) -> None:
        self.uow.track_new(lot)

    def get(self, lot_id: str, *, for_update: bool = False) -> Lot:
        tracked = self.uow.tracked(Lot, lot_id)
        if tracked is not None and (not for_update or tracked.locked or tracked.row is None):
            return tracked.obj  # type: ignore[no-any-return]
        statement = sa.select(t.lots).where(t.lots.c.id == lot_id)
        if for_update:
            statement = statement.with_for_update()  # PostgreSQL: row lock; SQLite: BEGIN IMMEDIATE
        rows = self._rows(statement)
        if not rows:
            raise errors.LotNotFound(lot_id=lot_id)
        row = rows[0]
        if tracked is not None:
            # first loaded without a lock, locked now: kept if nobody changed it meanwhile, else re-read
            tracked.locked = True
            if row["version"] == tracked.version:
                return tracked.obj  # type: ignore[no-any-return]
            if self.uow.is_dirty(tracked):
                raise ConcurrentUpdate(f"lot {lot_id} was changed by someone else")
            self.uow.untrack(tracked.obj)
        bids, offers = self._bids_and_offers(lot_id, row["version"], locked=for_update)
        return self.uow.track_loaded(m.lot_from(row, bids, offers), locked=for_update)  # type: ignore[no-any-return]

    def _bids_and_offers(self, lot_id: str, version: int, *, locked: bool) -> tuple[Items, Items]:
        """The lot's bids and offers at `version`: from the cache, the cache plus the rows written
        since its version, or — with nothing cached — every row."""
        cache = self.uow.lot_cache
        base = cache.latest(lot_id) if cache is not None else None
        if base is not None and base[0] == version:
            return base[1], base[2]
        bids = offers = None
        if base is not None and 0 < base[0] < version:
            bids = _read_onto(base[1], self._rows(
                sa.select(t.bids).where(t.bids.c.lot_id == lot_id, t.bids.c.lot_version > base[0])
                .order_by(t.bids.c.position)), m.bid_from)
            offers = _read_onto(base[2], self._rows(
                sa.select(t.offers).where(t.offers.c.lot_id == lot_id, t.offers.c.lot_version > base[0])
                .order_by(t.offers.c.position)), m.offer_from)
        if bids is None or offers is None:
            bids = tuple(m.bid_from(r) for r in self._rows(
                sa.select(t.bids).where(t.bids.c.lot_id == lot_id).order_by(t.bids.c.position)))
            offers = tuple(m.offer_from(r) for r in self._rows(
                sa.select(t.offers).where(t.offers.c.lot_id == lot_id).order_by(t.offers.c.position)))
        if cache is not None and locked:
            # only a locked row guarantees that what is read after it belongs to its version
            cache.put(lot_id, version, bids, offers)
        return bids, offers

    def for_auction(self, auction_id: str) -> Sequence[Lot]:
        self.uow.flush()
        rows = self._rows(sa.select(t.lots).where(t.lots.c.auction_id == auction_id).order_by(t.lots.c.number))
        bids: dict[str, list[RowMap]] = defaultdict(list)
        offers: dict[str, list[RowMap]] = defaultdict(list)
        if any(self.uow.tracked(Lot, r["id"]) is None for r in rows):
            of_auction = t.lots.c.auction_id == auction_id
            for r in self._rows(sa.select(t.bids).join(t.lots, t.lots.c.id == t.bids.c.lot_id).where(of_auction)):
                bids[r["lot_id"]].append(r)
            for r in self._rows(sa.select(t.offers).join(t.lots, t.lots.c.id == t.offers.c.lot_id)
                                .where(of_auction)):
                offers[r["lot_id"]].append(r)
        out = []
        for row in rows:
            tracked = self.uow.tracked(Lot, row["id"])
            out.append(tracked.obj if tracked is not None else self.uow.track_loaded(m.lot_from(
                row, [m.bid_from(b) for b in sorted(bids[row["id"]], key=lambda b: b["position"])],
                [m.offer_from(o) for o in sorted(offers[row["id"]], key=lambda o: o["position"])])))
        return out

    def counts_for_auctions(self, auction_ids: Sequence[str]) -> dict[str, int]:
        if not auction_ids:
            return {}
        self.uow.flush()
        c = t.lots.c
        rows = self.uow.execute(sa.select(c.auction_id, sa.func.count()).where(c.auction_id.in_(list(auction_ids)))
                                .group_by(c.auction_id))
        return {auction_id: int(n) for auction_id, n in rows}

    def count_for_auction(self, auction_id: str) -> int:
        self.uow.flush()
        return int(self.uow.execute(sa.select(sa.func.count()).select_from(t.lots)
                                    .where(t.lots.c.auction_id == auction_id)).scalar_one())

    def remove(self, lot: Lot) -> None:
        tracked = self.uow.untrack(lot)
        if tracked is not None and tracked.row is None:
            return  # added in this unit of work and never written
        for table in (t.bids, t.offers):
            self.uow.execute(sa.delete(table).where(table.c.lot_id == lot.id))
        self.uow.execute(sa.delete(t.lots).where(t.lots.c.id == lot.id))

    def due_to_close(self, now: datetime, limit: int = 100) -> Sequence[str]:
        self.uow.flush()
        lot, auction = t.lots.c, t.auctions.c
        return list(self.uow.execute(
            sa.select(lot.id).join(t.auctions, auction.id == lot.auction_id)
            .where(lot.status == LotStatus.OPEN.value, lot.closes_at <= now,
                   auction.status == AuctionStatus.RUNNING.value)
            .order_by(lot.closes_at, lot.id).limit(limit)).scalars())

    def bids_of_organization(self, organization_id: str, auction_id: str | None = None) -> Sequence[OwnBid]:
        """Only this organisation's bids: the organisation is in the WHERE clause."""
        self.uow.flush()
        bid, lot = t.bids.c, t.lots.c
        statement = (sa.select(lot.auction_id, bid.lot_id, lot.number, bid.id, bid.amount, bid.placed_at,
                               bid.annulled_at)
                     .join(t.lots, lot.id == bid.lot_id)
                     .where(bid.organization_id == organization_id))
        if auction_id is not None:
            statement = statement.where(lot.auction_id == auction_id)
        statement = statement.order_by(lot.number, lot.id, bid.position)
        return [OwnBid(auction_id=r["auction_id"], lot_id=r["lot_id"], lot_number=r["number"], bid_id=r["id"],
                       amount=r["amount"], placed_at=r["placed_at"], valid=r["annulled_at"] is None)
                for r in self._rows(statement)]

    def summaries(self, lot_ids: Sequence[str], *, visible_to: str | None = None) -> Sequence[LotSummary]:
        """Two queries per 500 ids, whatever their bids: the lots joined to their auctions (the
        organisation's admission and the auction's status in the WHERE clause), then the leading
        bid of each — the last valid one (see `rules.leader`), found through (lot_id, position)."""
        wanted = list(dict.fromkeys(lot_ids))
        if not wanted:
            return []
        self.uow.flush()
        lot, auction, bid = t.lots.c, t.auctions.c, t.bids.c
        columns = [lot.id, lot.auction_id, lot.number, lot.title, lot.product_type, lot.diameter_mm, lot.wall_mm,
                   lot.steel_grade, lot.standard, lot.warehouse, lot.quantity, lot.unit, lot.currency,
                   lot.start_price, lot.bid_step, lot.status, lot.closes_at, lot.closes_at_original,
                   auction.number.label("auction_number"), auction.status.label("auction_status")]
        rows: dict[str, RowMap] = {}
        leading: dict[str, Money] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            statement = (sa.select(*columns).join(t.auctions, auction.id == lot.auction_id)
                         .where(lot.id.in_(chunk)))
            if visible_to is not None:
                ad = t.admissions.c
                statement = statement.where(auction.status != AuctionStatus.DRAFT.value, sa.exists().where(
                    ad.auction_id == auction.id, ad.organization_id == visible_to))
            found = {r["id"]: r for r in self._rows(statement)}
            rows.update(found)
            if not found:
                continue
            last = (sa.select(bid.lot_id, sa.func.max(bid.position).label("position"))
                    .where(bid.lot_id.in_(list(found)), bid.annulled_at.is_(None))
                    .group_by(bid.lot_id).subquery("last"))
            for r in self._rows(sa.select(bid.lot_id, bid.amount, bid.currency)
                                .join(last, sa.and_(last.c.lot_id == bid.lot_id, last.c.position == bid.position))):
                leading[r["lot_id"]] = Money(r["amount"], r["currency"])
        return [self._summary(rows[lot_id], leading.get(lot_id)) for lot_id in wanted if lot_id in rows]

    @staticmethod
    def _summary(row: RowMap, leading: Money | None) -> LotSummary:
        currency = row["currency"]
        return LotSummary(
            lot_id=row["id"], auction_id=row["auction_id"], auction_number=row["auction_number"],
            auction_status=AuctionStatus(row["auction_status"]), number=row["number"], title=row["title"],
            product=ProductSpec(product_type=row["product_type"], diameter_mm=row["diameter_mm"],
                                wall_mm=row["wall_mm"], steel_grade=row["steel_grade"],
                                standard=row["standard"], warehouse=row["warehouse"]),
            quantity=Quantity(row["quantity"], Unit(row["unit"])),
            start_price=Money(row["start_price"], currency), bid_step=Money(row["bid_step"], currency),
            status=LotStatus(row["status"]), closes_at=row["closes_at"],
            closes_at_original=row["closes_at_original"], leading_amount=leading)


class SqlAlchemyJournalRepository(_Repo):
    def entries(self, lot_id: str) -> Sequence[JournalEntry]:
        self.uow.flush()
        j = t.journal.c
        return [m.journal_entry_from(r) for r in self._rows(sa.select(t.journal).where(j.lot_id == lot_id)
                                                              .order_by(j.seq))]


# --- identity -------------------------------------------------------------------------------

class SqlAlchemyOrganizationRepository(_Repo):
    def add(self, org: Organization) -> None:
        self.uow.track_new(org)

    def get(self, organization_id: str) -> Organization:
        tracked = self.uow.tracked(Organization, organization_id)
        if tracked is not None:
            return tracked.obj  # type: ignore[no-any-return]
        rows = self._rows(sa.select(t.organizations).where(t.organizations.c.id == organization_id))
        if not rows:
            raise OrganizationNotFound(organization_id=organization_id)
        return self._materialise(rows)[0]

    def by_inn(self, inn: str) -> Organization | None:
        self.uow.flush()
        rows = self._rows(sa.select(t.organizations).where(t.organizations.c.inn == inn))
        return self._materialise(rows)[0] if rows else None

    def by_sap_customer_no(self, number: str) -> Organization | None:
        self.uow.flush()
        rows = self._rows(sa.select(t.organizations).where(t.organizations.c.sap_customer_no == number))
        return self._materialise(rows)[0] if rows else None

    def list(self, flt: OrganizationFilter | None = None) -> Sequence[Organization]:
        self.uow.flush()
        flt = flt or OrganizationFilter()
        o = t.organizations.c
        statement = sa.select(t.organizations)
        if flt.status is not None:
            statement = statement.where(o.status == flt.status.value)
        if flt.manager_user_id is not None:
            statement = statement.where(o.manager_user_id == flt.manager_user_id)
        if flt.organization_id is not None:
            statement = statement.where(o.id == flt.organization_id)
        if flt.text:
            haystack = sa.func.lower(o.name + " " + o.inn, type_=sa.String)
            statement = statement.where(haystack.contains(flt.text.lower(), autoescape=True))
        statement = statement.order_by(o.name, o.id).limit(flt.limit).offset(flt.offset)
        return self._materialise(self._rows(statement))

    def _materialise(self, rows: list[RowMap]) -> list[Organization]:
        return [self.uow.track_loaded(m.organization_from(r)) for r in rows]


class SqlAlchemyUserRepository(_Repo):
    def add(self, user: User) -> None:
        self.uow.track_new(user)

    def get(self, user_id: str) -> User:
        tracked = self.uow.tracked(User, user_id)
        if tracked is not None:
            return tracked.obj  # type: ignore[no-any-return]
        rows = self._rows(sa.select(t.users).where(t.users.c.id == user_id))
        if not rows:
            raise UserNotFound(user_id=user_id)
        return self._materialise(rows)[0]

    def by_email(self, email: str) -> User | None:
        self.uow.flush()
        rows = self._rows(sa.select(t.users).where(t.users.c.email == email.lower()))
        return self._materialise(rows)[0] if rows else None

    def list(self, *, limit: int | None = None, offset: int = 0) -> Sequence[User]:
        self.uow.flush()
        u = t.users.c
        query = sa.select(t.users).order_by(u.email).offset(offset)
        return self._materialise(self._rows(query if limit is None else query.limit(limit)))

    def _materialise(self, rows: list[RowMap]) -> list[User]:
        return [self.uow.track_loaded(m.user_from(r)) for r in rows]


class SqlAlchemyMembershipRepository(_Repo):
    """Memberships; every query names the user or the organisation it is about in its WHERE clause."""

    def add(self, membership: Membership) -> None:
        self.uow.track_new(membership)

    def find(self, user_id: str, organization_id: str) -> Membership | None:
        self.uow.flush()
        ms = t.memberships.c
        rows = self._rows(sa.select(t.memberships).where(ms.user_id == user_id, ms.organization_id == organization_id))
        return self._materialise(rows)[0] if rows else None

    def of_user(self, user_id: str) -> Sequence[Membership]:
        self.uow.flush()
        ms = t.memberships.c
        return self._materialise(self._rows(sa.select(t.memberships).where(ms.user_id == user_id)
                                            .order_by(ms.organization_id)))

    def of_organization(self, organization_id: str) -> Sequence[Membership]:
        self.uow.flush()
        ms = t.memberships.c
        return self._materialise(self._rows(sa.select(t.memberships).where(ms.organization_id == organization_id)
                                            .order_by(ms.user_id)))

    def remove(self, membership: Membership) -> None:
        tracked = self.uow.untrack(membership)
        if tracked is not None and tracked.row is not None:
            ms = t.memberships.c
            self.uow.execute(sa.delete(t.memberships).where(ms.id == membership.id))

    def _materialise(self, rows: list[RowMap]) -> list[Membership]:
        return [self.uow.track_loaded(m.membership_from(r)) for r in rows]


# --- sign-in --------------------------------------------------------------------------------

class SqlAlchemySignInChallengeRepository(_Repo):
    """Challenges are written at once (not through the identity map): `save` updates attempts and use."""

    def add(self, challenge: SignInChallenge) -> None:
        self.uow.flush()  # the user row first (foreign key)
        self.uow.execute(sa.insert(t.one_time_codes).values(**m.challenge_row(challenge)))

    def get(self, challenge_id: str) -> SignInChallenge | None:
        c = t.one_time_codes.c
        rows = self._rows(sa.select(t.one_time_codes).where(c.id == challenge_id, c.purpose != _EMAIL_CHANGE))
        return m.challenge_from(rows[0]) if rows else None

    def save(self, challenge: SignInChallenge) -> None:
        row = m.challenge_row(challenge)
        self.uow.execute(sa.update(t.one_time_codes).where(t.one_time_codes.c.id == challenge.id)
                         .values(attempts_left=row["attempts_left"], used_at=row["used_at"]))

    def latest_of_user(self, user_id: str) -> SignInChallenge | None:
        c = t.one_time_codes.c
        rows = self._rows(sa.select(t.one_time_codes).where(c.user_id == user_id, c.purpose != _EMAIL_CHANGE)
                          .order_by(c.issued_at.desc(), c.id.desc()).limit(1))
        return m.challenge_from(rows[0]) if rows else None


#: email changes share the one_time_codes table with sign-in challenges; neither repository sees the other's
_EMAIL_CHANGE = CodePurpose.CHANGE_EMAIL.value


class SqlAlchemyEmailChangeRepository(_Repo):
    """Email changes as one-time code rows of purpose change_email, written at once like challenges."""

    def add(self, change: EmailChange) -> None:
        self.uow.flush()  # the user row first (foreign key)
        self.uow.execute(sa.insert(t.one_time_codes).values(**m.email_change_row(change)))

    def get(self, change_id: str) -> EmailChange | None:
        c = t.one_time_codes.c
        rows = self._rows(sa.select(t.one_time_codes).where(c.id == change_id, c.purpose == _EMAIL_CHANGE))
        return m.email_change_from(rows[0]) if rows else None

    def save(self, change: EmailChange) -> None:
        c = t.one_time_codes.c
        self.uow.execute(sa.update(t.one_time_codes).where(c.id == change.id, c.purpose == _EMAIL_CHANGE)
                         .values(attempts_left=change.code.attempts_left, used_at=change.code.used_at))

    def latest_of_user(self, user_id: str) -> EmailChange | None:
        c = t.one_time_codes.c
        rows = self._rows(sa.select(t.one_time_codes).where(c.user_id == user_id, c.purpose == _EMAIL_CHANGE)
                          .order_by(c.issued_at.desc(), c.id.desc()).limit(1))
        return m.email_change_from(rows[0]) if rows else None


class SqlAlchemySessionRepository(_Repo):
    def add(self, session: UserSession) -> None:
        self.uow.flush()
        self.uow.execute(sa.insert(t.sessions).values(**m.session_row(session)))

    def by_token_hash(self, token_hash: str) -> UserSession | None:
        rows = self._rows(sa.select(t.sessions).where(t.sessions.c.token_hash == token_hash))
        return m.session_from(rows[0]) if rows else None

    def of_user(self, user_id: str) -> Sequence[UserSession]:
        c = t.sessions.c
        rows = self._rows(sa.select(t.sessions).where(c.user_id == user_id, c.revoked_at.is_(None))
                          .order_by(c.created_at, c.id))
        return [m.session_from(r) for r in rows]

    def save(self, session: UserSession) -> None:
        row = m.session_row(session)
        self.uow.execute(sa.update(t.sessions).where(t.sessions.c.id == session.id)
                         .values(last_seen_at=row["last_seen_at"], revoked_at=row["revoked_at"],
                                 organization_id=row["organization_id"]))


class SqlAlchemyApiTokenRepository(_Repo):
    def add(self, token: ApiToken) -> None:
        self.uow.flush()  # the organisation row first (foreign key)
        self.uow.execute(sa.insert(t.api_tokens).values(**m.api_token_row(token)))

    def get(self, token_id: str) -> ApiToken | None:
        rows = self._rows(sa.select(t.api_tokens).where(t.api_tokens.c.id == token_id))
        return m.api_token_from(rows[0]) if rows else None

    def by_token_hash(self, token_hash: str) -> ApiToken | None:
        rows = self._rows(sa.select(t.api_tokens).where(t.api_tokens.c.token_hash == token_hash))
        return m.api_token_from(rows[0]) if rows else None

    def holder(self, token_hash: str) -> TokenHolder | None:
        """One query: the token joined to its organisation, its issuer and the issuer's membership there."""
        tok, org, usr, ms = t.api_tokens.c, t.organizations.c, t.users.c, t.memberships.c
        rows = self._rows(
            sa.select(t.api_tokens, org.status.label("holder_org_status"), usr.blocked.label("holder_issuer_blocked"),
                      ms.roles.label("holder_issuer_roles"))
            .outerjoin(t.organizations, org.id == tok.organization_id)
            .outerjoin(t.users, usr.id == tok.issued_by)
            .outerjoin(t.memberships, sa.and_(ms.user_id == tok.issued_by, ms.organization_id == tok.organization_id))
            .where(tok.token_hash == token_hash))
        if not rows:
            return None
        r = rows[0]
        return TokenHolder(
            token=m.api_token_from(r),
            organization_status=OrganizationStatus(r["holder_org_status"]) if r["holder_org_status"] else None,
            issuer_blocked=bool(r["holder_issuer_blocked"]) if r["holder_issuer_blocked"] is not None else None,
            issuer_roles=m.roles_from(r["holder_issuer_roles"]) if r["holder_issuer_roles"] is not None else None)

    def of_organization(self, organization_id: str) -> Sequence[ApiToken]:
        c = t.api_tokens.c
        rows = self._rows(sa.select(t.api_tokens).where(c.organization_id == organization_id)
                          .order_by(c.created_at.desc(), c.id.desc()))
        return [m.api_token_from(r) for r in rows]

    def list(self) -> Sequence[ApiToken]:
        c = t.api_tokens.c
        rows = self._rows(sa.select(t.api_tokens).order_by(c.created_at.desc(), c.id.desc()))
        return [m.api_token_from(r) for r in rows]

    def save(self, token: ApiToken) -> None:
        self.uow.execute(sa.update(t.api_tokens).where(t.api_tokens.c.id == token.id)
                         .values(revoked_at=token.revoked_at))


class SqlAlchemyPasswordResetRepository(_Repo):
    def add(self, reset: PasswordReset) -> None:
        self.uow.flush()  # the user row first (foreign key)
        self.uow.execute(sa.insert(t.password_resets).values(**m.reset_row(reset)))

    def by_token_hash(self, token_hash: str) -> PasswordReset | None:
        rows = self._rows(sa.select(t.password_resets).where(t.password_resets.c.token_hash == token_hash))
        return m.reset_from(rows[0]) if rows else None

    def save(self, reset: PasswordReset) -> None:
        self.uow.execute(sa.update(t.password_resets).where(t.password_resets.c.id == reset.id)
                         .values(used_at=reset.used_at))


class SqlAlchemyRegistrationRepository(_Repo):
    def add(self, registration: Registration) -> None:
        self.uow.execute(sa.insert(t.registrations).values(**m.registration_row(registration)))

    def get(self, registration_id: str) -> Registration | None:
        rows = self._rows(sa.select(t.registrations).where(t.registrations.c.id == registration_id))
        return m.registration_from(rows[0]) if rows else None

    def save(self, registration: Registration) -> None:
        self.uow.flush()  # the user and organisation rows first (foreign keys)
        row = m.registration_row(registration)
        del row["id"]
        self.uow.execute(sa.update(t.registrations).where(t.registrations.c.id == registration.id).values(**row))

    def unverified_expired(self, before: datetime, limit: int = 1000) -> Sequence[Registration]:
        r = t.registrations.c
        rows = self._rows(sa.select(t.registrations)
                          .where(r.user_id.is_(None), r.email_expires_at < before, r.phone_expires_at < before)
                          .order_by(r.created_at, r.id).limit(limit))
        return [m.registration_from(row) for row in rows]

    def remove(self, registration: Registration) -> None:
        self.uow.execute(sa.delete(t.registrations).where(t.registrations.c.id == registration.id))


class SqlAlchemyOrganizationApplicationRepository(_Repo):
    def add(self, application: OrganizationApplication) -> None:
        self.uow.flush()  # the organisation row first (foreign key)
        self.uow.execute(sa.insert(t.organization_applications).values(**m.application_row(application)))

    def of_organization(self, organization_id: str) -> OrganizationApplication | None:
        c = t.organization_applications.c
        rows = self._rows(sa.select(t.organization_applications).where(c.organization_id == organization_id))
        return m.application_from(rows[0]) if rows else None


class SqlAlchemyInvitationRepository(_Repo):
    def add(self, invitation: Invitation) -> None:
        self.uow.execute(sa.insert(t.invitations).values(**m.invitation_row(invitation)))

    def by_token_hash(self, token_hash: str) -> Invitation | None:
        rows = self._rows(sa.select(t.invitations).where(t.invitations.c.token_hash == token_hash))
        return m.invitation_from(rows[0]) if rows else None

    def save(self, invitation: Invitation) -> None:
        self.uow.flush()  # the accepting user's row first (foreign key)
        self.uow.execute(sa.update(t.invitations).where(t.invitations.c.id == invitation.id)
                         .values(accepted_at=invitation.accepted_at, accepted_user_id=invitation.accepted_user_id))


class SqlAlchemySignInAttemptLog(_Repo):
    def record(self, attempt: SignInAttempt) -> None:
        self.uow.execute(sa.insert(t.signin_attempts).values(**m.attempt_row(attempt)))

    def since(self, scope: AttemptScope, key: str, since: datetime) -> Sequence[SignInAttempt]:
        c = t.signin_attempts.c
        rows = self._rows(sa.select(t.signin_attempts).where(c.scope == scope.value, c.key == key, c.at >= since)
                          .order_by(c.at, c.id))
        return [m.attempt_from(r) for r in rows]


# --- audit ----------------------------------------------------------------------------------

class SqlAlchemyAuditLog(_Repo):
    """The audit log: rows are inserted in the unit of work's transaction, never updated or deleted."""

    def record(self, entry: AuditEntry) -> None:
        self.uow.execute(sa.insert(t.audit_log).values(**m.audit_row(entry)))

    def list(self, flt: AuditFilter) -> Sequence[AuditEntry]:
        a = t.audit_log.c
        statement = sa.select(t.audit_log)
        if flt.action:
            stem = flt.action.rstrip(".")
            statement = statement.where(sa.or_(a.action == stem, a.action.startswith(stem + ".", autoescape=True)))
        if flt.actor_user_id is not None:
            statement = statement.where(a.actor_user_id == flt.actor_user_id)
        if flt.organization_id is not None:
            statement = statement.where(a.organization_id == flt.organization_id)
        if flt.since is not None:
            statement = statement.where(a.at >= flt.since)
        if flt.until is not None:
            statement = statement.where(a.at < flt.until)
        statement = statement.order_by(a.at.desc(), a.seq.desc()).limit(flt.limit).offset(flt.offset)
        return [m.audit_entry_from(r) for r in self._rows(statement)]


# --- technical stores -----------------------------------------------------------------------

class SqlAlchemyIdempotencyStore(_Repo):
    """First outcomes of commands carrying an idempotency key, per organisation."""

    def get(self, organization_id: str, key: str) -> StoredOutcome | None:
        i = t.idempotency.c
        rows = self._rows(sa.select(i.fingerprint, i.result)
                          .where(i.organization_id == organization_id, i.key == key))
        if not rows:
            return None
        return StoredOutcome(fingerprint=rows[0]["fingerprint"], result=json.loads(rows[0]["result"]))

    def put(self, organization_id: str, key: str, outcome: StoredOutcome, now: datetime) -> None:
        """Keep the first outcome; a different command racing for the same key is refused."""
        inserted = self._insert_ignoring_duplicates(t.idempotency, {
            "organization_id": organization_id, "key": key, "fingerprint": outcome.fingerprint,
            "result": m.dumps(outcome.result), "created_at": now})
        if not inserted:
            first = self.get(organization_id, key)
            if first is not None and first.fingerprint != outcome.fingerprint:
                raise errors.IdempotencyKeyReused(key=key)


class SqlAlchemyInboxStore(_Repo):
    """Ids of messages each consumer has handled."""

    def seen(self, consumer: str, message_id: str) -> bool:
        i = t.inbox.c
        return self.uow.execute(sa.select(sa.literal(1)).where(
            i.consumer == consumer, i.message_id == message_id)).first() is not None

    def remember(self, consumer: str, message_id: str, now: datetime) -> None:
        """Record the message as handled; if a concurrent consumer did so first, refuse."""
        if (consumer, message_id) in self.uow.handled:
            return
        if not self._insert_ignoring_duplicates(t.inbox, {"consumer": consumer, "message_id": message_id,
                                                          "handled_at": now}):
            raise MessageAlreadyHandled(consumer=consumer, message_id=message_id)
        self.uow.handled.add((consumer, message_id))


class SqlAlchemyLotActivityRepository(_Repo):
    """The lot-activity projection. `get` locks the row: the worker reads it to update it."""

    def get(self, lot_id: str) -> LotActivity | None:
        rows = self._rows(sa.select(t.lot_activity).where(t.lot_activity.c.lot_id == lot_id).with_for_update())
        return m.activity_from(rows[0]) if rows else None

    def save(self, activity: LotActivity) -> None:
        row = m.activity_row(activity)
        a = t.lot_activity.c
        updated = self.uow.execute(sa.update(t.lot_activity).where(a.lot_id == activity.lot_id)
                                   .values(**{k: v for k, v in row.items() if k != "lot_id"}))
        if updated.rowcount == 0:
            self.uow.execute(sa.insert(t.lot_activity).values(**row))

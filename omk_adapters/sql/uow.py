"""The SQL unit of work: one transaction, an identity map of loaded aggregates, and a flush that
writes only what changed — rows, child rows, journal entries and outbox messages together.

Aggregates are mapped explicitly to SQLAlchemy Core tables (see `mapping.py`). When an aggregate
is loaded or added, the unit of work keeps a snapshot of its rows; `commit()` compares the
aggregate with that snapshot, inserts new rows, updates changed columns (a versioned aggregate
only `WHERE version = <loaded version>`, so a concurrent change is detected instead of lost),
appends the lot's new journal entries, turns every event into an outbox row, and commits — one
transaction. Nothing is written unless `commit()` is called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from omk_adapters.sql import mapping as m
from omk_adapters.sql import tables as t
from omk_adapters.sql.cache import LotCache
from omk_adapters.sql.engine import READ_ONLY
from omk_adapters.sql.errors import ConcurrentUpdate
from omk_adapters.sql.repositories import (
    SqlAlchemyApiTokenRepository,
    SqlAlchemyAuctionRepository,
    SqlAlchemyAuditLog,
    SqlAlchemyEmailChangeRepository,
    SqlAlchemyIdempotencyStore,
    SqlAlchemyInboxStore,
    SqlAlchemyInvitationRepository,
    SqlAlchemyJournalRepository,
    SqlAlchemyLotActivityRepository,
    SqlAlchemyLotRepository,
    SqlAlchemyMembershipRepository,
    SqlAlchemyOrganizationApplicationRepository,
    SqlAlchemyOrganizationRepository,
    SqlAlchemyPasswordResetRepository,
    SqlAlchemyRegistrationRepository,
    SqlAlchemySessionRepository,
    SqlAlchemySignInAttemptLog,
    SqlAlchemySignInChallengeRepository,
    SqlAlchemyUserRepository,
)
from omk_adapters.sql.requests import SqlAlchemyRequestRepository
from omk_adapters.sql.two_factor import SqlAlchemyRecoveryCodeRepository, SqlAlchemyTotpCredentialRepository
from omk_domain.auctions.model import Auction, Lot
from omk_domain.identity.model import Membership, Organization, User
from omk_domain.ports import message_from_event
from omk_domain.shared.ids import new_id

Row = dict[str, Any]


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    """Sessions used only for their connection and transaction (statements are Core)."""
    return sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)


@attrs.frozen
class _Children:
    """A kind of child row of an aggregate: its table, the columns naming one row, the rows.

    The snapshot is the rows themselves; writing compares rows column by column.
    """

    name: str
    table: sa.Table
    key: tuple[str, ...]
    rows: Callable[[Any], dict[Any, Row]]

    def snapshot(self, obj: Any) -> Any:
        return self.rows(obj)

    def insert_all(self, uow: SqlAlchemyUnitOfWork, obj: Any, snapshot: Any, version: int) -> None:
        if snapshot:
            uow.execute(sa.insert(self.table), list(snapshot.values()))

    def write(self, uow: SqlAlchemyUnitOfWork, obj: Any, before: Any, after: Any, version: int) -> None:
        table = self.table

        def where(row: Row) -> Any:
            return sa.and_(*(table.c[k] == row[k] for k in self.key))

        for key in before.keys() - after.keys():
            uow.execute(sa.delete(table).where(where(before[key])))
        for key, row in after.items():
            old = before.get(key)
            if old is not None and old != row:
                uow.execute(sa.update(table).where(where(row))
                            .values(**{k: v for k, v in row.items() if old.get(k) != v}))
        new_rows = [row for key, row in after.items() if key not in before]
        if new_rows:
            uow.execute(sa.insert(table), new_rows)


@attrs.frozen
class _AppendOnlyChildren:
    """Children kept as an append-only list of immutable values (a lot's bids and offers).

    A change replaces the value at its place, so the snapshot is the tuple of the values
    themselves and a diff is a walk by identity: no row is built for what did not change,
    which keeps a bid on a lot with thousands of bids as cheap as on a fresh one.
    """

    name: str
    table: sa.Table
    items: Callable[[Any], Sequence[Any]]
    row: Callable[[str, Any, int], Row]

    def snapshot(self, obj: Any) -> tuple[Any, ...]:
        return tuple(self.items(obj))

    def insert_all(self, uow: SqlAlchemyUnitOfWork, obj: Any, snapshot: tuple[Any, ...], version: int) -> None:
        if snapshot:
            uow.execute(sa.insert(self.table),
                        [{**self.row(obj.id, v, i), "lot_version": version} for i, v in enumerate(snapshot)])

    def write(self, uow: SqlAlchemyUnitOfWork, obj: Any, before: tuple[Any, ...], after: tuple[Any, ...],
              version: int) -> None:
        """Rows written carry the lot's new `version`, so other processes read only them (sql/cache.py)."""
        if len(after) < len(before):
            raise RuntimeError(f"{self.name} are append-only; {obj.id} lost some")
        for i, (old, new) in enumerate(zip(before, after, strict=False)):
            if new is not old:
                old_row, new_row = self.row(obj.id, old, i), self.row(obj.id, new, i)
                uow.execute(sa.update(self.table).where(self.table.c.id == new_row["id"])
                            .values(**{k: v for k, v in new_row.items() if old_row[k] != v}, lot_version=version))
        if len(after) > len(before):
            uow.execute(sa.insert(self.table), [{**self.row(obj.id, after[i], i), "lot_version": version}
                                                for i in range(len(before), len(after))])


@attrs.frozen
class _Kind:
    """How one aggregate type is written: its table, whether it is versioned, its children."""

    name: str
    table: sa.Table
    row: Callable[[Any], Row]
    versioned: bool
    children: tuple[_Children | _AppendOnlyChildren, ...] = ()


AUCTION = _Kind("auction", t.auctions, m.auction_row, True,
                (_Children("admissions", t.admissions, ("auction_id", "organization_id"), m.admission_rows),))
LOT = _Kind("lot", t.lots, m.lot_row, True,
            (_AppendOnlyChildren("bids", t.bids, lambda lot: lot.bids, m.bid_row),
             _AppendOnlyChildren("offers", t.offers, lambda lot: lot.offers, m.offer_row)))
ORGANIZATION = _Kind("organization", t.organizations, m.organization_row, True)
USER = _Kind("user", t.users, m.user_row, False)
MEMBERSHIP = _Kind("membership", t.memberships, m.membership_row, True)
#: the order rows are written in, parents before children (foreign keys)
KINDS = (ORGANIZATION, USER, MEMBERSHIP, AUCTION, LOT)
_KIND_OF: dict[type, _Kind] = {Organization: ORGANIZATION, User: USER, Membership: MEMBERSHIP, Auction: AUCTION,
                               Lot: LOT}


@attrs.define
class Tracked:
    """An aggregate this unit of work loaded or added, with the rows it had in the database."""

    kind: _Kind
    obj: Any
    row: Row | None  # None: added, not inserted yet
    children: dict[str, Any]
    version: int
    locked: bool = False


@contextmanager
def _unique_clash_is_a_conflict() -> Iterator[None]:
    """A unique key taken by a concurrent transaction (an auction number, a journal seq) is a
    conflict the user can retry, not a crash."""
    try:
        yield
    except sa_exc.IntegrityError as error:
        orig = error.orig
        if getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig):
            raise ConcurrentUpdate(str(orig).splitlines()[0]) from error
        raise


class SqlAlchemyUnitOfWork:
    """A transaction on the SQL database; rolls back unless `commit()` is called."""

    def __init__(self, session_factory: Callable[[], Session], *, lot_cache: LotCache | None = None) -> None:
        self._session_factory = session_factory
        self.lot_cache = lot_cache
        self._session: Session | None = None
        self._reading_next = False
        self.reading_only = False
        self._tracked: dict[_Kind, dict[str, Tracked]] = {}
        self.handled: set[tuple[str, str]] = set()
        self._forget()
        self.committed = False
        #: outbox messages committed by this unit of work (over all its transactions): the bus relays only then
        self.messages_committed = 0
        self.auctions = SqlAlchemyAuctionRepository(self)
        self.lots = SqlAlchemyLotRepository(self)
        self.journal = SqlAlchemyJournalRepository(self)
        self.organizations = SqlAlchemyOrganizationRepository(self)
        self.users = SqlAlchemyUserRepository(self)
        self.memberships = SqlAlchemyMembershipRepository(self)
        self.idempotency = SqlAlchemyIdempotencyStore(self)
        self.inbox = SqlAlchemyInboxStore(self)
        self.activity = SqlAlchemyLotActivityRepository(self)
        self.audit = SqlAlchemyAuditLog(self)
        self.challenges = SqlAlchemySignInChallengeRepository(self)
        self.sessions = SqlAlchemySessionRepository(self)
        self.signin_attempts = SqlAlchemySignInAttemptLog(self)
        self.api_tokens = SqlAlchemyApiTokenRepository(self)
        self.password_resets = SqlAlchemyPasswordResetRepository(self)
        self.registrations = SqlAlchemyRegistrationRepository(self)
        self.organization_applications = SqlAlchemyOrganizationApplicationRepository(self)
        self.invitations = SqlAlchemyInvitationRepository(self)
        self.email_changes = SqlAlchemyEmailChangeRepository(self)
        self.totp_credentials = SqlAlchemyTotpCredentialRepository(self)
        self.recovery_codes = SqlAlchemyRecoveryCodeRepository(self)
        self.requests = SqlAlchemyRequestRepository(self)

    # --- transaction ------------------------------------------------------------------------
    def reading(self) -> SqlAlchemyUnitOfWork:
        self._reading_next = True
        return self

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self._session = self._session_factory()
        self.reading_only, self._reading_next = self._reading_next, False
        if self.reading_only:  # SQLite: a deferred BEGIN (engine.py), no write lock
            self._session.connection(execution_options={READ_ONLY: True})
        self._forget()
        self.committed = False
        return self

    def __exit__(self, *args: object) -> None:
        session = self._session
        if session is None:
            return
        try:
            self.rollback()
        finally:
            session.close()
            self._session = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._session

    @property
    def dialect(self) -> str:
        bind = self.session.get_bind()
        return bind.dialect.name

    def execute(self, statement: Any, params: Any = None) -> sa.CursorResult[Any]:
        return self.session.execute(statement, params)  # type: ignore[return-value]

    def commit(self) -> None:
        """Write every change, journal entry and outbox message, then commit — all or nothing."""
        if self.reading_only:
            raise RuntimeError("a reading unit of work cannot commit: use `with uow:` to write")
        self.flush()
        with _unique_clash_is_a_conflict():
            self.session.commit()
        if self.lot_cache is not None:
            for tracked in self._tracked[LOT].values():
                if tracked.locked:
                    self.lot_cache.put(tracked.obj.id, tracked.version,
                                       tracked.children["bids"], tracked.children["offers"])
        self.messages_committed += self._pending_messages
        self._forget()
        self.committed = True

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        self._forget()

    def _forget(self) -> None:
        self._tracked = {kind: {} for kind in KINDS}
        self._pending_messages = 0
        self.handled = set()  # inbox entries written in this transaction

    # --- identity map -----------------------------------------------------------------------
    def tracked(self, cls: type, key: str) -> Tracked | None:
        return self._tracked[_KIND_OF[cls]].get(key)

    def is_dirty(self, tr: Tracked) -> bool:
        """Does the tracked aggregate hold anything not yet written?"""
        obj = tr.obj
        return (tr.row is None or tr.kind.row(obj) != tr.row
                or any(c.snapshot(obj) != tr.children.get(c.name) for c in tr.kind.children)
                or bool(getattr(obj, "events", None)) or bool(getattr(obj, "new_journal_entries", None)))

    def lock_tracked(self, tr: Tracked) -> bool:
        """Lock the row of an aggregate loaded earlier without a lock; False when it went stale.

        Raises ConcurrentUpdate when it went stale while holding unwritten changes.
        """
        table = tr.kind.table
        version = self.execute(sa.select(table.c.version).where(table.c.id == tr.obj.id)
                               .with_for_update()).scalar_one_or_none()
        tr.locked = True
        if version == tr.version:
            return True
        if self.is_dirty(tr):
            raise ConcurrentUpdate(f"{tr.kind.name} {tr.obj.id} was changed by someone else")
        self.untrack(tr.obj)
        return False

    def track_new(self, obj: Any) -> None:
        kind = _KIND_OF[type(obj)]
        if obj.id not in self._tracked[kind]:
            self._tracked[kind][obj.id] = Tracked(kind=kind, obj=obj, row=None, children={},
                                                  version=getattr(obj, "version", 0))

    def track_loaded(self, obj: Any, *, locked: bool = False) -> Any:
        """Remember a freshly loaded aggregate; an already tracked one wins (it may hold changes)."""
        kind = _KIND_OF[type(obj)]
        existing = self._tracked[kind].get(obj.id)
        if existing is not None:
            existing.locked = existing.locked or locked
            return existing.obj
        self._tracked[kind][obj.id] = Tracked(
            kind=kind, obj=obj, row=kind.row(obj),
            children={c.name: c.snapshot(obj) for c in kind.children},
            version=getattr(obj, "version", 0), locked=locked)
        return obj

    def replace_loaded(self, obj: Any, *, locked: bool) -> Any:
        """Swap a stale, unchanged tracked aggregate for a fresh copy."""
        self._tracked[_KIND_OF[type(obj)]].pop(obj.id, None)
        return self.track_loaded(obj, locked=locked)

    def untrack(self, obj: Any) -> Tracked | None:
        return self._tracked[_KIND_OF[type(obj)]].pop(obj.id, None)

    # --- writing ----------------------------------------------------------------------------
    def flush(self) -> None:
        """Write pending changes inside the open transaction (queries call this first)."""
        messages: list[Row] = []
        with _unique_clash_is_a_conflict():
            for kind in KINDS:
                for tracked in list(self._tracked[kind].values()):
                    self._write(tracked)
                    messages.extend(self._drain(tracked.obj))
            if messages:
                self.execute(sa.insert(t.outbox), messages)
                self._pending_messages += len(messages)

    def _write(self, tr: Tracked) -> None:
        kind, obj = tr.kind, tr.obj
        row = kind.row(obj)
        children = {c.name: c.snapshot(obj) for c in kind.children}
        if tr.row is None:
            values = dict(row)
            if kind.versioned:
                values["version"] = tr.version + 1
            self.execute(sa.insert(kind.table).values(**values))
            for spec in kind.children:
                spec.insert_all(self, obj, children[spec.name], tr.version + 1)
            self._bump(tr)
        else:
            changed = {k: v for k, v in row.items() if tr.row.get(k) != v}
            child_changes = [(spec, tr.children[spec.name], children[spec.name])
                             for spec in kind.children
                             if tr.children[spec.name] != children[spec.name]]
            if kind.versioned and (changed or child_changes):
                result = self.execute(
                    sa.update(kind.table)
                    .where(kind.table.c.id == obj.id, kind.table.c.version == tr.version)
                    .values(**changed, version=tr.version + 1))
                if result.rowcount != 1:
                    raise ConcurrentUpdate(f"{kind.name} {obj.id} was changed by someone else")
                self._bump(tr)
            elif changed:
                self.execute(sa.update(kind.table).where(kind.table.c.id == obj.id).values(**changed))
            for spec, before, after in child_changes:
                spec.write(self, obj, before, after, tr.version)  # the version just written (bumped)
        entries = getattr(obj, "new_journal_entries", None)
        if entries:
            self.execute(sa.insert(t.journal), [m.journal_row(e) for e in entries])
            entries.clear()
        tr.row, tr.children = row, children

    def _bump(self, tr: Tracked) -> None:
        if tr.kind.versioned:
            tr.version += 1
            tr.obj.version = tr.version

    @staticmethod
    def _drain(obj: Any) -> Iterable[Row]:
        events = getattr(obj, "events", None)
        if not events:
            return []
        rows = [m.outbox_row(message_from_event(event, new_id())) for event in events]
        events.clear()
        return rows


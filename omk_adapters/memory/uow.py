"""An in-memory unit of work: transactions by snapshot, one global lock for serialisation."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from omk_adapters.memory.requests import MemoryRequestRepository
from omk_adapters.memory.two_factor import MemoryRecoveryCodeRepository, MemoryTotpCredentialRepository
from omk_domain.auctions import errors
from omk_domain.auctions.journal import JournalEntry
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionStatus, LotStatus
from omk_domain.identity.account import EmailChange
from omk_domain.identity.audit import AuditEntry, action_matches
from omk_domain.identity.invitation import Invitation
from omk_domain.identity.model import Membership, Organization, OrganizationNotFound, User, UserNotFound
from omk_domain.identity.otp import RecoveryCodes, TotpCredential
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
    OutboxMessage,
    OwnBid,
    StoredOutcome,
    TokenHolder,
    message_from_event,
)
from omk_domain.requests.model import ServiceRequest
from omk_domain.shared.ids import new_id


class MemoryStore:
    """What an in-memory database holds; shared by every unit of work made on it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.auctions: dict[str, Auction] = {}
        self.lots: dict[str, Lot] = {}
        self.journal: dict[str, list[JournalEntry]] = {}
        self.organizations: dict[str, Organization] = {}
        self.users: dict[str, User] = {}
        self.memberships: dict[tuple[str, str], Membership] = {}
        self.idempotency: dict[tuple[str, str], StoredOutcome] = {}
        self.outbox: list[tuple[OutboxMessage, bool]] = []
        self.inbox: set[tuple[str, str]] = set()
        self.activity: dict[str, LotActivity] = {}
        self.audit: list[AuditEntry] = []
        self.challenges: dict[str, SignInChallenge] = {}
        self.sessions: dict[str, UserSession] = {}
        self.signin_attempts: list[SignInAttempt] = []
        self.api_tokens: dict[str, ApiToken] = {}
        self.password_resets: dict[str, PasswordReset] = {}
        self.registrations: dict[str, Registration] = {}
        self.organization_applications: dict[str, OrganizationApplication] = {}
        self.invitations: dict[str, Invitation] = {}
        self.email_changes: dict[str, EmailChange] = {}
        self.totp_credentials: dict[str, TotpCredential] = {}
        self.recovery_codes: dict[str, RecoveryCodes] = {}
        self.service_requests: dict[str, ServiceRequest] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> MemoryStore:
        clone = MemoryStore.__new__(MemoryStore)
        for name, value in vars(self).items():
            setattr(clone, name, value if name == "lock" else copy.deepcopy(value, memo))
        return clone


def _matches(a: Auction, flt: AuctionFilter) -> bool:
    if flt.status is not None and a.status is not flt.status:
        return False
    if flt.format is not None and a.format is not flt.format:
        return False
    if flt.starts_from is not None and a.starts_at < flt.starts_from:
        return False
    if flt.starts_until is not None and a.starts_at >= flt.starts_until:
        return False
    if flt.ends_from is not None and a.ends_at < flt.ends_from:
        return False
    if flt.visible_to is not None and (a.status is AuctionStatus.DRAFT or not a.is_admitted(flt.visible_to)):
        return False
    return not flt.text or flt.text.lower() in f"{a.number} {a.title}".lower()


class _Repo:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> MemoryStore:
        return self.uow.working


class MemoryAuctionRepository(_Repo):
    def add(self, auction: Auction) -> None:
        self.s.auctions[auction.id] = auction
        self.uow.seen.append(auction)

    def get(self, auction_id: str, *, for_update: bool = False) -> Auction:
        try:
            auction = self.s.auctions[auction_id]
        except KeyError:
            raise errors.AuctionNotFound(auction_id=auction_id) from None
        self.uow.seen.append(auction)
        return auction

    def of_lot(self, lot_id: str) -> Auction:
        lot = self.s.lots.get(lot_id)
        if lot is None:
            raise errors.LotNotFound(lot_id=lot_id)
        return self.get(lot.auction_id)

    def by_number(self, number: str) -> Auction | None:
        return next((a for a in self.s.auctions.values() if a.number == number), None)

    def list(self, flt: AuctionFilter) -> Sequence[Auction]:
        found = sorted((a for a in self.s.auctions.values() if _matches(a, flt)),
                       key=lambda a: (a.starts_at, a.number))
        return found[flt.offset: flt.offset + flt.limit]

    def count(self, flt: AuctionFilter) -> int:
        return sum(1 for a in self.s.auctions.values() if _matches(a, flt))

    def due_to_start(self, now: datetime, limit: int = 100) -> Sequence[str]:
        return [a.id for a in self.s.auctions.values()
                if a.status is AuctionStatus.SCHEDULED and a.starts_at <= now][:limit]

    def running_ids(self, limit: int = 100) -> Sequence[str]:
        return [a.id for a in self.s.auctions.values() if a.status is AuctionStatus.RUNNING][:limit]

    def ids_admitting(self, organization_id: str) -> frozenset[str]:
        return frozenset(a.id for a in self.s.auctions.values()
                         if a.status is not AuctionStatus.DRAFT and organization_id in a.admissions)


class MemoryLotRepository(_Repo):
    def add(self, lot: Lot) -> None:
        self.s.lots[lot.id] = lot
        self.uow.seen.append(lot)

    def get(self, lot_id: str, *, for_update: bool = False) -> Lot:
        try:
            lot = self.s.lots[lot_id]
        except KeyError:
            raise errors.LotNotFound(lot_id=lot_id) from None
        self.uow.seen.append(lot)
        return lot

    def for_auction(self, auction_id: str) -> Sequence[Lot]:
        lots = sorted((lot for lot in self.s.lots.values() if lot.auction_id == auction_id),
                      key=lambda lot: lot.number)
        self.uow.seen.extend(lots)
        return lots

    def counts_for_auctions(self, auction_ids: Sequence[str]) -> dict[str, int]:
        wanted = set(auction_ids)
        counts: dict[str, int] = {}
        for lot in self.s.lots.values():
            if lot.auction_id in wanted:
                counts[lot.auction_id] = counts.get(lot.auction_id, 0) + 1
        return counts

    def count_for_auction(self, auction_id: str) -> int:
        return sum(1 for lot in self.s.lots.values() if lot.auction_id == auction_id)

    def remove(self, lot: Lot) -> None:
        self.s.lots.pop(lot.id, None)

    def due_to_close(self, now: datetime, limit: int = 100) -> Sequence[str]:
        return [lot.id for lot in self.s.lots.values()
                if lot.status is LotStatus.OPEN and lot.closes_at <= now
                and self.s.auctions[lot.auction_id].status is AuctionStatus.RUNNING][:limit]

    def bids_of_organization(self, organization_id: str, auction_id: str | None = None) -> Sequence[OwnBid]:
        out = []
        for lot in sorted(self.s.lots.values(), key=lambda lot: lot.number):
            if auction_id is not None and lot.auction_id != auction_id:
                continue
            out.extend(OwnBid(auction_id=lot.auction_id, lot_id=lot.id, lot_number=lot.number,
                              bid_id=b.id, amount=b.amount.amount, placed_at=b.placed_at, valid=b.valid)
                       for b in lot.bids if b.organization_id == organization_id)
        return out

    def summaries(self, lot_ids: Sequence[str], *, visible_to: str | None = None) -> Sequence[LotSummary]:
        out: list[LotSummary] = []
        for lot_id in dict.fromkeys(lot_ids):
            lot = self.s.lots.get(lot_id)
            auction = self.s.auctions.get(lot.auction_id) if lot is not None else None
            if lot is None or auction is None:
                continue
            if visible_to is not None and (auction.status is AuctionStatus.DRAFT
                                           or visible_to not in auction.admissions):
                continue  # as `lot_view_for`: the lot does not exist for this organisation
            top = lot.leader
            out.append(LotSummary(
                lot_id=lot.id, auction_id=auction.id, auction_number=auction.number,
                auction_status=auction.status, number=lot.number, title=lot.title, product=lot.product,
                quantity=lot.quantity, start_price=lot.start_price, bid_step=lot.bid_step, status=lot.status,
                closes_at=lot.closes_at, closes_at_original=lot.closes_at_original,
                leading_amount=top.amount if top is not None else None))
        return out


class MemoryJournalRepository(_Repo):
    def entries(self, lot_id: str) -> Sequence[JournalEntry]:
        return list(self.s.journal.get(lot_id, []))


class MemoryOrganizationRepository(_Repo):
    def add(self, org: Organization) -> None:
        self.s.organizations[org.id] = org

    def get(self, organization_id: str) -> Organization:
        try:
            return self.s.organizations[organization_id]
        except KeyError:
            raise OrganizationNotFound(organization_id=organization_id) from None

    def by_inn(self, inn: str) -> Organization | None:
        return next((o for o in self.s.organizations.values() if o.inn == inn), None)

    def by_sap_customer_no(self, number: str) -> Organization | None:
        return next((o for o in self.s.organizations.values() if o.sap_customer_no == number), None)

    def list(self, flt: OrganizationFilter | None = None) -> Sequence[Organization]:
        flt = flt or OrganizationFilter()
        text = (flt.text or "").lower()
        found = sorted((o for o in self.s.organizations.values()
                        if (flt.status is None or o.status is flt.status)
                        and (flt.manager_user_id is None or o.manager_user_id == flt.manager_user_id)
                        and (flt.organization_id is None or o.id == flt.organization_id)
                        and text in f"{o.name} {o.inn}".lower()),
                       key=lambda o: (o.name, o.id))
        return found[flt.offset:] if flt.limit is None else found[flt.offset: flt.offset + flt.limit]


class MemoryUserRepository(_Repo):
    def add(self, user: User) -> None:
        self.s.users[user.id] = user

    def get(self, user_id: str) -> User:
        try:
            return self.s.users[user_id]
        except KeyError:
            raise UserNotFound(user_id=user_id) from None

    def by_email(self, email: str) -> User | None:
        return next((u for u in self.s.users.values() if u.email == email.lower()), None)

    def list(self, *, limit: int | None = None, offset: int = 0) -> Sequence[User]:
        ordered = sorted(self.s.users.values(), key=lambda u: u.email)
        return ordered[offset:] if limit is None else ordered[offset: offset + limit]


class MemoryMembershipRepository(_Repo):
    def add(self, membership: Membership) -> None:
        self.s.memberships[(membership.user_id, membership.organization_id)] = membership
        self.uow.seen.append(membership)

    def find(self, user_id: str, organization_id: str) -> Membership | None:
        found = self.s.memberships.get((user_id, organization_id))
        if found is not None:
            self.uow.seen.append(found)
        return found

    def of_user(self, user_id: str) -> Sequence[Membership]:
        return sorted((ms for (u, _), ms in self.s.memberships.items() if u == user_id),
                      key=lambda ms: ms.organization_id)

    def of_organization(self, organization_id: str) -> Sequence[Membership]:
        return sorted((ms for (_, o), ms in self.s.memberships.items() if o == organization_id),
                      key=lambda ms: ms.user_id)

    def remove(self, membership: Membership) -> None:
        self.s.memberships.pop((membership.user_id, membership.organization_id), None)


class MemoryAuditLog(_Repo):
    def record(self, entry: AuditEntry) -> None:
        self.s.audit.append(entry)

    def list(self, flt: AuditFilter) -> Sequence[AuditEntry]:
        found = [e for e in reversed(self.s.audit)
                 if action_matches(e.action, flt.action)
                 and (flt.actor_user_id is None or e.actor_user_id == flt.actor_user_id)
                 and (flt.organization_id is None or e.organization_id == flt.organization_id)
                 and (flt.since is None or e.at >= flt.since)
                 and (flt.until is None or e.at < flt.until)]
        found.sort(key=lambda e: e.at, reverse=True)  # stable: one moment's entries stay newest first
        return found[flt.offset: flt.offset + flt.limit]


class MemorySignInChallengeRepository(_Repo):
    def add(self, challenge: SignInChallenge) -> None:
        self.s.challenges[challenge.id] = copy.deepcopy(challenge)

    def get(self, challenge_id: str) -> SignInChallenge | None:
        found = self.s.challenges.get(challenge_id)
        return copy.deepcopy(found) if found is not None else None

    def save(self, challenge: SignInChallenge) -> None:
        self.s.challenges[challenge.id] = copy.deepcopy(challenge)

    def latest_of_user(self, user_id: str) -> SignInChallenge | None:
        mine = [c for c in self.s.challenges.values() if c.user_id == user_id]
        return copy.deepcopy(max(mine, key=lambda c: c.code.issued_at)) if mine else None


class MemorySessionRepository(_Repo):
    """Sessions by id; found by the hash of their token, as the SQL table is."""

    def add(self, session: UserSession) -> None:
        self.s.sessions[session.id] = copy.deepcopy(session)

    def by_token_hash(self, token_hash: str) -> UserSession | None:
        found = next((x for x in self.s.sessions.values() if x.token_hash == token_hash), None)
        return copy.deepcopy(found) if found is not None else None

    def of_user(self, user_id: str) -> Sequence[UserSession]:
        return [copy.deepcopy(x) for x in sorted(self.s.sessions.values(), key=lambda x: (x.created_at, x.id))
                if x.user_id == user_id and x.revoked_at is None]

    def save(self, session: UserSession) -> None:
        self.s.sessions[session.id] = copy.deepcopy(session)


class MemoryApiTokenRepository(_Repo):
    """API tokens by id; found by the hash of their secret, as the SQL table is."""

    def add(self, token: ApiToken) -> None:
        self.s.api_tokens[token.id] = copy.deepcopy(token)

    def get(self, token_id: str) -> ApiToken | None:
        found = self.s.api_tokens.get(token_id)
        return copy.deepcopy(found) if found is not None else None

    def by_token_hash(self, token_hash: str) -> ApiToken | None:
        found = next((x for x in self.s.api_tokens.values() if x.token_hash == token_hash), None)
        return copy.deepcopy(found) if found is not None else None

    def holder(self, token_hash: str) -> TokenHolder | None:
        token = self.by_token_hash(token_hash)
        if token is None:
            return None
        org = self.s.organizations.get(token.organization_id)
        issuer = self.s.users.get(token.issued_by)
        membership = self.s.memberships.get((token.issued_by, token.organization_id))
        return TokenHolder(token=token, organization_status=org.status if org is not None else None,
                           issuer_blocked=issuer.blocked if issuer is not None else None,
                           issuer_roles=frozenset(membership.roles) if membership is not None else None)

    def of_organization(self, organization_id: str) -> Sequence[ApiToken]:
        return [x for x in self.list() if x.organization_id == organization_id]

    def list(self) -> Sequence[ApiToken]:
        return [copy.deepcopy(x) for x in sorted(self.s.api_tokens.values(), key=lambda x: (x.created_at, x.id),
                                                 reverse=True)]

    def save(self, token: ApiToken) -> None:
        self.s.api_tokens[token.id] = copy.deepcopy(token)


class MemoryPasswordResetRepository(_Repo):
    def add(self, reset: PasswordReset) -> None:
        self.s.password_resets[reset.id] = copy.deepcopy(reset)

    def by_token_hash(self, token_hash: str) -> PasswordReset | None:
        found = next((x for x in self.s.password_resets.values() if x.token_hash == token_hash), None)
        return copy.deepcopy(found) if found is not None else None

    def save(self, reset: PasswordReset) -> None:
        self.s.password_resets[reset.id] = copy.deepcopy(reset)


class MemoryRegistrationRepository(_Repo):
    def add(self, registration: Registration) -> None:
        self.s.registrations[registration.id] = copy.deepcopy(registration)

    def get(self, registration_id: str) -> Registration | None:
        found = self.s.registrations.get(registration_id)
        return copy.deepcopy(found) if found is not None else None

    def save(self, registration: Registration) -> None:
        self.s.registrations[registration.id] = copy.deepcopy(registration)

    def unverified_expired(self, before: datetime, limit: int = 1000) -> Sequence[Registration]:
        found = [r for r in self.s.registrations.values() if r.user_id is None
                 and r.email_code.expires_at < before and r.phone_code.expires_at < before]
        found.sort(key=lambda r: (r.created_at, r.id))
        return [copy.deepcopy(r) for r in found[:limit]]

    def remove(self, registration: Registration) -> None:
        self.s.registrations.pop(registration.id, None)


class MemoryEmailChangeRepository(_Repo):
    def add(self, change: EmailChange) -> None:
        self.s.email_changes[change.id] = copy.deepcopy(change)

    def get(self, change_id: str) -> EmailChange | None:
        found = self.s.email_changes.get(change_id)
        return copy.deepcopy(found) if found is not None else None

    def save(self, change: EmailChange) -> None:
        self.s.email_changes[change.id] = copy.deepcopy(change)

    def latest_of_user(self, user_id: str) -> EmailChange | None:
        mine = [c for c in self.s.email_changes.values() if c.user_id == user_id]
        return copy.deepcopy(max(mine, key=lambda c: (c.code.issued_at, c.id))) if mine else None


class MemoryOrganizationApplicationRepository(_Repo):
    def add(self, application: OrganizationApplication) -> None:
        self.s.organization_applications[application.organization_id] = copy.deepcopy(application)

    def of_organization(self, organization_id: str) -> OrganizationApplication | None:
        found = self.s.organization_applications.get(organization_id)
        return copy.deepcopy(found) if found is not None else None


class MemoryInvitationRepository(_Repo):
    def add(self, invitation: Invitation) -> None:
        self.s.invitations[invitation.id] = copy.deepcopy(invitation)

    def by_token_hash(self, token_hash: str) -> Invitation | None:
        found = next((x for x in self.s.invitations.values() if x.token_hash == token_hash), None)
        return copy.deepcopy(found) if found is not None else None

    def save(self, invitation: Invitation) -> None:
        self.s.invitations[invitation.id] = copy.deepcopy(invitation)


class MemorySignInAttemptLog(_Repo):
    def record(self, attempt: SignInAttempt) -> None:
        self.s.signin_attempts.append(attempt)

    def since(self, scope: AttemptScope, key: str, since: datetime) -> Sequence[SignInAttempt]:
        return sorted((a for a in self.s.signin_attempts if a.scope is scope and a.key == key and a.at >= since),
                      key=lambda a: a.at)


class MemoryIdempotencyStore(_Repo):
    def get(self, organization_id: str, key: str) -> StoredOutcome | None:
        return self.s.idempotency.get((organization_id, key))

    def put(self, organization_id: str, key: str, outcome: StoredOutcome, now: datetime) -> None:
        self.s.idempotency[(organization_id, key)] = outcome


class MemoryInboxStore(_Repo):
    def seen(self, consumer: str, message_id: str) -> bool:
        return (consumer, message_id) in self.s.inbox

    def remember(self, consumer: str, message_id: str, now: datetime) -> None:
        self.s.inbox.add((consumer, message_id))


class MemoryLotActivityRepository(_Repo):
    def get(self, lot_id: str) -> LotActivity | None:
        return self.s.activity.get(lot_id)

    def save(self, activity: LotActivity) -> None:
        self.s.activity[activity.lot_id] = activity


class MemoryOutboxStore:
    """The relay's side of the in-memory outbox."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def pending(self, limit: int = 100) -> list[OutboxMessage]:
        with self.store.lock:
            return [m for m, sent in self.store.outbox if not sent][:limit]

    def mark_published(self, message_ids: Sequence[str], now: datetime) -> None:
        done = set(message_ids)
        with self.store.lock:
            self.store.outbox = [(m, sent or m.id in done) for m, sent in self.store.outbox]


class MemoryUnitOfWork:
    """Works on a deep copy of the store taken at `__enter__`; `commit()` swaps it in.

    One lock held for the whole transaction serialises writers, like SQLite's write lock.
    """

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.messages_committed = 0
        self.auctions = MemoryAuctionRepository(self)
        self.lots = MemoryLotRepository(self)
        self.journal = MemoryJournalRepository(self)
        self.organizations = MemoryOrganizationRepository(self)
        self.users = MemoryUserRepository(self)
        self.memberships = MemoryMembershipRepository(self)
        self.idempotency = MemoryIdempotencyStore(self)
        self.inbox = MemoryInboxStore(self)
        self.activity = MemoryLotActivityRepository(self)
        self.audit = MemoryAuditLog(self)
        self.challenges = MemorySignInChallengeRepository(self)
        self.sessions = MemorySessionRepository(self)
        self.signin_attempts = MemorySignInAttemptLog(self)
        self.api_tokens = MemoryApiTokenRepository(self)
        self.password_resets = MemoryPasswordResetRepository(self)
        self.registrations = MemoryRegistrationRepository(self)
        self.organization_applications = MemoryOrganizationApplicationRepository(self)
        self.invitations = MemoryInvitationRepository(self)
        self.email_changes = MemoryEmailChangeRepository(self)
        self.totp_credentials = MemoryTotpCredentialRepository(self)
        self.recovery_codes = MemoryRecoveryCodeRepository(self)
        self.requests = MemoryRequestRepository(self)
        self.seen: list[Any] = []
        self.committed = False

    def reading(self) -> MemoryUnitOfWork:
        self._reading_next = True
        return self

    def __enter__(self) -> MemoryUnitOfWork:
        self.store.lock.acquire()
        self.reading_only, self._reading_next = getattr(self, "_reading_next", False), False
        self.working = copy.deepcopy(self.store)
        self.seen = []
        return self

    def __exit__(self, *args: object) -> None:
        self.seen = []  # the working copy is simply dropped
        self.reading_only = False
        self.store.lock.release()

    def commit(self) -> None:
        if getattr(self, "reading_only", False):
            raise RuntimeError("a reading unit of work cannot commit: use `with uow:` to write")
        messages: list[OutboxMessage] = []
        for aggregate in _unique(self.seen):
            for entry in getattr(aggregate, "new_journal_entries", ()):
                self.working.journal.setdefault(entry.lot_id, []).append(entry)
            if hasattr(aggregate, "new_journal_entries"):
                aggregate.new_journal_entries.clear()
            events = getattr(aggregate, "events", [])  # a membership raises no events
            messages.extend(message_from_event(e, new_id()) for e in events)
            events.clear()
            if hasattr(aggregate, "version"):
                aggregate.version += 1
        self.working.outbox.extend((m, False) for m in messages)
        self.messages_committed += len(messages)
        for name, value in vars(self.working).items():
            if name != "lock":
                setattr(self.store, name, value)
        self.working = copy.deepcopy(self.store)
        self.seen = []
        self.committed = True

    def rollback(self) -> None:
        """Drop every change made so far: a later `commit()` must not keep them."""
        with self.store.lock:
            self.working = copy.deepcopy(self.store)
        self.seen = []


def _unique(items: Iterable[Any]) -> list[Any]:
    seen_ids: set[int] = set()
    out = []
    for item in items:
        if id(item) not in seen_ids:
            seen_ids.add(id(item))
            out.append(item)
    return out

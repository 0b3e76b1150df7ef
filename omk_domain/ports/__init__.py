"""Ports: the Protocols adapters implement. Named by role, never by technology."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import attrs

from omk_domain.auctions.journal import JournalEntry
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionFormat, AuctionStatus, LotStatus, ProductSpec
from omk_domain.identity.account import EmailChange
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.invitation import Invitation
from omk_domain.identity.model import Membership, Organization, OrganizationStatus, Role, User
from omk_domain.identity.otp import RecoveryCodes, TotpCredential
from omk_domain.identity.registration import OrganizationApplication, Registration
from omk_domain.identity.reset import PasswordReset
from omk_domain.identity.signin import AttemptScope, SignInAttempt, SignInChallenge, UserSession
from omk_domain.identity.tokens import ApiToken
from omk_domain.notifications.messages import DeliveryFailed, EmailMessage, SmsMessage
from omk_domain.requests.model import RequestStatus, Service, ServiceRequest
from omk_domain.search import LotDocument, LotQuery, LotSearchResult, SearchScope
from omk_domain.shared.clock import Clock
from omk_domain.shared.messages import Event
from omk_domain.shared.money import Money, Quantity

__all__ = [
    "ApiTokenRepository",
    "AuctionFilter",
    "AuctionRepository",
    "AuditFilter",
    "AuditLog",
    "Clock",
    "CodeGenerator",
    "DeliveryFailed",
    "EmailChangeRepository",
    "EmailMessage",
    "EventConsumer",
    "EventPublisher",
    "IdempotencyStore",
    "InboxStore",
    "InvitationRepository",
    "JournalRepository",
    "LotActivity",
    "LotActivityRepository",
    "LotRepository",
    "LotSearch",
    "LotSummary",
    "Mailer",
    "MembershipRepository",
    "OrganizationApplicationRepository",
    "OrganizationFilter",
    "OrganizationRepository",
    "Outbox",
    "OutboxMessage",
    "OutboxStore",
    "OwnBid",
    "PasswordHasher",
    "PasswordResetRepository",
    "RecoveryCodeRepository",
    "RegistrationRepository",
    "RequestFilter",
    "RequestRepository",
    "SessionRepository",
    "SignInAttemptLog",
    "SignInChallengeRepository",
    "SmsMessage",
    "SmsSender",
    "StoredOutcome",
    "TokenHolder",
    "TotpCredentialRepository",
    "TotpService",
    "UnitOfWork",
    "UserRepository",
    "message_from_event",
]


@attrs.frozen(kw_only=True)
class AuctionFilter:
    status: AuctionStatus | None = None
    format: AuctionFormat | None = None
    starts_from: datetime | None = None
    starts_until: datetime | None = None
    #: auctions still running (or ending) at or after this moment: with `starts_until`, a calendar range
    ends_from: datetime | None = None
    text: str | None = None
    #: only what this client organisation may see: published auctions it is admitted to (in the query itself)
    visible_to: str | None = None
    limit: int = 100
    offset: int = 0


class AuctionRepository(Protocol):
    def add(self, auction: Auction) -> None: ...
    def get(self, auction_id: str, *, for_update: bool = False) -> Auction:
        """The auction, or AuctionNotFound."""
    def of_lot(self, lot_id: str) -> Auction:
        """The auction a lot belongs to, or LotNotFound (read without a lock)."""
    def by_number(self, number: str) -> Auction | None: ...
    def count(self, flt: AuctionFilter) -> int:
        """How many auctions match the filter, ignoring its limit and offset."""
    def list(self, flt: AuctionFilter) -> Sequence[Auction]: ...
    def due_to_start(self, now: datetime, limit: int = 100) -> Sequence[str]:
        """Ids of scheduled auctions whose start time has come."""
    def running_ids(self, limit: int = 100) -> Sequence[str]: ...
    def ids_admitting(self, organization_id: str) -> frozenset[str]:
        """Ids of the auctions past their draft that the organisation was admitted to — its admission
        active or revoked, as `lot_view_for` shows it their lots: scoped in the query itself."""


@attrs.frozen(kw_only=True)
class OwnBid:
    """One of an organisation's own bids, with the lot it was placed on."""

    auction_id: str
    lot_id: str
    lot_number: int
    bid_id: str
    amount: Any
    placed_at: datetime
    valid: bool


class LotRepository(Protocol):
    def add(self, lot: Lot) -> None: ...
    def get(self, lot_id: str, *, for_update: bool = False) -> Lot:
        """The lot, or LotNotFound. `for_update` serialises writers on this lot."""
    def for_auction(self, auction_id: str) -> Sequence[Lot]: ...
    def count_for_auction(self, auction_id: str) -> int: ...
    def counts_for_auctions(self, auction_ids: Sequence[str]) -> Mapping[str, int]:
        """Lots per auction for many auctions in one query (an auction with none is absent)."""
    def remove(self, lot: Lot) -> None: ...
    def due_to_close(self, now: datetime, limit: int = 100) -> Sequence[str]:
        """Ids of open lots of running auctions whose close time has come."""
    def bids_of_organization(self, organization_id: str, auction_id: str | None = None) -> Sequence[OwnBid]:
        """Only this organisation's bids: scoped in the query itself."""
    def summaries(self, lot_ids: Sequence[str], *, visible_to: str | None = None) -> Sequence[LotSummary]:
        """What a list of lots shows of each (read only, a few queries for all): once each, in the
        order of `lot_ids`, leaving out unknown ids and — with `visible_to` — every lot that
        `lot_view_for` hides from that organisation (of a draft, or of an auction it was never
        admitted to)."""


@attrs.frozen(kw_only=True)
class LotSummary:
    """A lot as a list of lots shows it: public terms, its auction and the leading open bid's amount
    (every admitted participant sees that); never a price offer nor the hidden floor."""

    lot_id: str
    auction_id: str
    auction_number: str
    auction_status: AuctionStatus
    number: int
    title: str
    product: ProductSpec
    quantity: Quantity
    start_price: Money
    bid_step: Money
    status: LotStatus
    closes_at: datetime
    closes_at_original: datetime
    leading_amount: Money | None


class JournalRepository(Protocol):
    def entries(self, lot_id: str) -> Sequence[JournalEntry]: ...


@attrs.frozen(kw_only=True)
class OrganizationFilter:
    status: OrganizationStatus | None = None
    #: a piece of the name or the INN, any case
    text: str | None = None
    manager_user_id: str | None = None
    #: only this organisation (a client sees its own)
    organization_id: str | None = None
    #: None: every match (what callers that map ids to organisations had before filters existed)
    limit: int | None = None
    offset: int = 0


class OrganizationRepository(Protocol):
    """Organisations; a loaded one is kept with its changes when the unit of work commits."""

    def add(self, org: Organization) -> None: ...
    def get(self, organization_id: str) -> Organization:
        """The organisation, or OrganizationNotFound."""
    def by_inn(self, inn: str) -> Organization | None: ...
    def by_sap_customer_no(self, number: str) -> Organization | None: ...
    def list(self, flt: OrganizationFilter | None = None) -> Sequence[Organization]:
        """Ordered by name (then id); every organisation without a filter."""


@attrs.frozen(kw_only=True)
class AuditFilter:
    #: an action or a prefix of dotted words: «organization» finds «organization.approved»
    action: str | None = None
    actor_user_id: str | None = None
    organization_id: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    limit: int = 100
    offset: int = 0


class AuditLog(Protocol):
    """The audit log: append-only; written in the transaction of the change it records."""

    def record(self, entry: AuditEntry) -> None: ...
    def list(self, flt: AuditFilter) -> Sequence[AuditEntry]:
        """Newest first (entries of one moment: the last recorded first)."""


class MembershipRepository(Protocol):
    """Users' client roles per organisation; a loaded membership is kept with its changes on commit."""

    def add(self, membership: Membership) -> None: ...
    def find(self, user_id: str, organization_id: str) -> Membership | None: ...
    def of_user(self, user_id: str) -> Sequence[Membership]:
        """The user's memberships, by organisation id: scoped by the user in the query itself."""
    def of_organization(self, organization_id: str) -> Sequence[Membership]:
        """The organisation's members, by user id: scoped by the organisation in the query itself."""
    def remove(self, membership: Membership) -> None: ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: str) -> User: ...
    def by_email(self, email: str) -> User | None: ...
    def list(self, *, limit: int | None = None, offset: int = 0) -> Sequence[User]:
        """Ordered by email; a page of `limit` from `offset` (every user when `limit` is None)."""


class SignInChallengeRepository(Protocol):
    """Sign-in challenges (their one-time codes kept hashed); `save` keeps spent attempts and use."""

    def add(self, challenge: SignInChallenge) -> None: ...
    def get(self, challenge_id: str) -> SignInChallenge | None: ...
    def save(self, challenge: SignInChallenge) -> None: ...
    def latest_of_user(self, user_id: str) -> SignInChallenge | None:
        """The challenge issued last to the user (for the resend cooldown)."""


class TotpCredentialRepository(Protocol):
    """A user's authenticator-app credential (pending or active); at most one per user."""

    def get(self, user_id: str) -> TotpCredential | None: ...
    def put(self, credential: TotpCredential) -> None:
        """Store it, replacing the user's previous one (a pending enrolment started again)."""
    def confirm(self, credential: TotpCredential) -> None:
        """Store its activation (confirmed_at and the first step used)."""
    def use_step(self, user_id: str, step: int) -> bool:
        """Record time step `step` as used, atomically: False when it (or a later one) was used already."""
    def remove(self, user_id: str) -> bool:
        """Forget the credential; False when there was none."""


class RecoveryCodeRepository(Protocol):
    """A user's current set of recovery codes (hashes only); a new set replaces the old one."""

    def get(self, user_id: str) -> RecoveryCodes | None: ...
    def replace(self, user_id: str, codes: RecoveryCodes) -> None: ...
    def use(self, user_id: str, codes: RecoveryCodes, position: int) -> bool:
        """Store code number `position` of `codes` as used, atomically: False when it was used meanwhile
        (or the set was replaced)."""
    def remove(self, user_id: str) -> bool:
        """Forget the set; False when there was none."""


class SessionRepository(Protocol):
    """Server-side sessions, found by the SHA-256 of their token (the token itself is never stored)."""

    def add(self, session: UserSession) -> None: ...
    def by_token_hash(self, token_hash: str) -> UserSession | None: ...
    def of_user(self, user_id: str) -> Sequence[UserSession]:
        """The user's sessions not revoked yet, oldest first."""
    def save(self, session: UserSession) -> None: ...


@attrs.frozen(kw_only=True)
class TokenHolder:
    """An API token and who stands behind it now (None where that organisation, user or membership is gone)."""

    token: ApiToken
    organization_status: OrganizationStatus | None
    issuer_blocked: bool | None
    issuer_roles: frozenset[Role] | None


class ApiTokenRepository(Protocol):
    """API tokens, found by the SHA-256 of their secret (the secret itself is never stored)."""

    def add(self, token: ApiToken) -> None: ...
    def get(self, token_id: str) -> ApiToken | None: ...
    def by_token_hash(self, token_hash: str) -> ApiToken | None: ...
    def holder(self, token_hash: str) -> TokenHolder | None:
        """The token with what resolving it needs, read at once (one query where the store has joins):
        its organisation's status, whether its issuer is blocked, the issuer's roles there."""
    def of_organization(self, organization_id: str) -> Sequence[ApiToken]:
        """The organisation's tokens, newest first: scoped by the organisation in the query itself."""
    def list(self) -> Sequence[ApiToken]:
        """Every organisation's tokens, newest first (for OMK staff who see every organisation)."""
    def save(self, token: ApiToken) -> None: ...


class PasswordResetRepository(Protocol):
    """Password reset links, found by the SHA-256 of their secret (the secret itself is never stored)."""

    def add(self, reset: PasswordReset) -> None: ...
    def by_token_hash(self, token_hash: str) -> PasswordReset | None: ...
    def save(self, reset: PasswordReset) -> None: ...


class RegistrationRepository(Protocol):
    """Pending and verified self-registrations (codes and password only as hashes)."""

    def add(self, registration: Registration) -> None: ...
    def get(self, registration_id: str) -> Registration | None: ...
    def save(self, registration: Registration) -> None: ...
    def unverified_expired(self, before: datetime, limit: int = 1000) -> Sequence[Registration]:
        """Registrations never verified whose codes both expired before `before`, oldest first."""
    def remove(self, registration: Registration) -> None: ...


class EmailChangeRepository(Protocol):
    """Requested email changes: the code sent to the new address kept only as a salted HMAC."""

    def add(self, change: EmailChange) -> None: ...
    def get(self, change_id: str) -> EmailChange | None: ...
    def save(self, change: EmailChange) -> None: ...
    def latest_of_user(self, user_id: str) -> EmailChange | None:
        """The change requested last by the user (for the resend cooldown)."""


class InvitationRepository(Protocol):
    """Invitations, found by the SHA-256 of their secret (the secret itself is never stored)."""

    def add(self, invitation: Invitation) -> None: ...
    def by_token_hash(self, token_hash: str) -> Invitation | None: ...
    def save(self, invitation: Invitation) -> None: ...


class OrganizationApplicationRepository(Protocol):
    """Who applied for which organisation."""

    def add(self, application: OrganizationApplication) -> None: ...
    def of_organization(self, organization_id: str) -> OrganizationApplication | None: ...


@attrs.frozen(kw_only=True)
class RequestFilter:
    #: a client: only its organisation's requests (in the query itself)
    organization_id: str | None = None
    #: an account manager: only the organisations assigned to it (in the query itself)
    organization_ids: frozenset[str] | None = None
    service: Service | None = None
    status: RequestStatus | None = None
    limit: int = 50
    offset: int = 0


class RequestRepository(Protocol):
    """Service requests; `save` keeps a loaded request's changes (status, answer)."""

    def add(self, request: ServiceRequest) -> None: ...
    def get(self, request_id: str, *, organization_id: str | None = None) -> ServiceRequest | None:
        """The request, or None — also when `organization_id` is given and the request is another's."""
    def save(self, request: ServiceRequest) -> None: ...
    def list(self, flt: RequestFilter) -> Sequence[ServiceRequest]:
        """Newest first (then by id), a page of the filter's limit from its offset."""
    def count(self, flt: RequestFilter) -> int:
        """How many requests match the filter, ignoring its limit and offset."""


class SignInAttemptLog(Protocol):
    """Failed sign-in attempts and the locks they triggered, per account and per source address."""

    def record(self, attempt: SignInAttempt) -> None: ...
    def since(self, scope: AttemptScope, key: str, since: datetime) -> Sequence[SignInAttempt]:
        """The key's attempts from `since` on (inclusive), oldest first."""


@attrs.frozen(kw_only=True)
class StoredOutcome:
    """The first outcome of a command carrying an idempotency key."""

    fingerprint: str
    result: dict[str, Any]


class IdempotencyStore(Protocol):
    def get(self, organization_id: str, key: str) -> StoredOutcome | None: ...
    def put(self, organization_id: str, key: str, outcome: StoredOutcome, now: datetime) -> None: ...


@attrs.frozen(kw_only=True)
class OutboxMessage:
    """An event as stored in the outbox and sent over the wire."""

    id: str
    name: str
    payload: dict[str, Any]
    occurred_at: datetime


class Outbox(Protocol):
    def add(self, messages: Iterable[OutboxMessage]) -> None: ...


class InboxStore(Protocol):
    """Remembers handled message ids so a redelivery is handled once."""

    def seen(self, consumer: str, message_id: str) -> bool: ...
    def remember(self, consumer: str, message_id: str, now: datetime) -> None: ...


class OutboxStore(Protocol):
    """The relay's view of the outbox; each call is its own short transaction."""

    def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        """Unpublished messages, oldest first."""
    def mark_published(self, message_ids: Sequence[str], now: datetime) -> None: ...


@attrs.define(kw_only=True)
class LotActivity:
    """A projection kept by the worker from events: how busy a lot was (for analytics)."""

    lot_id: str
    auction_id: str
    bids: int = 0
    annulled: int = 0
    bidders: set[str] = attrs.field(factory=set)
    extensions: int = 0
    last_bid_at: datetime | None = None
    closed: bool = False


class LotActivityRepository(Protocol):
    def get(self, lot_id: str) -> LotActivity | None: ...
    def save(self, activity: LotActivity) -> None: ...


class LotSearch(Protocol):
    """A full-text index of lots with filters; finds ids only. Its callers load what it finds
    through the repositories and check every lot, so a stale index never shows too much."""

    def index(self, documents: Sequence[LotDocument]) -> None:
        """Add the documents, or replace the ones of the same lots."""
    def remove(self, lot_ids: Sequence[str]) -> None:
        """Forget these lots (an unknown id is ignored)."""
    def replace_all(self, documents: Iterable[LotDocument]) -> int:
        """Make the index hold exactly these documents; returns how many it holds."""
    def search(self, query: LotQuery, scope: SearchScope) -> LotSearchResult: ...
    def count(self) -> int:
        """How many lots the index holds."""


class UnitOfWork(Protocol):
    """A transaction: nothing is kept unless `commit()` is called; events go to the outbox."""

    #: how many outbox messages this unit of work has committed (0 after a query or a refusal)
    messages_committed: int
    auctions: AuctionRepository
    lots: LotRepository
    journal: JournalRepository
    organizations: OrganizationRepository
    users: UserRepository
    memberships: MembershipRepository
    idempotency: IdempotencyStore
    inbox: InboxStore
    activity: LotActivityRepository
    audit: AuditLog
    challenges: SignInChallengeRepository
    sessions: SessionRepository
    signin_attempts: SignInAttemptLog
    totp_credentials: TotpCredentialRepository
    recovery_codes: RecoveryCodeRepository
    api_tokens: ApiTokenRepository
    password_resets: PasswordResetRepository
    registrations: RegistrationRepository
    organization_applications: OrganizationApplicationRepository
    invitations: InvitationRepository
    email_changes: EmailChangeRepository
    requests: RequestRepository

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *args: object) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...

    def reading(self) -> UnitOfWork:
        """This unit of work for one transaction that only reads (`with uow.reading():`): where the
        database serialises writers with a lock taken at the start (SQLite), a reading transaction
        does not take it, so queries never wait behind bids nor hold them up. Committing in it is an
        error: a use case that may write uses `with uow:`."""
        ...


class EventPublisher(Protocol):
    """Sends outbox messages to the message broker; returns once the broker has confirmed."""

    def publish(self, messages: Sequence[OutboxMessage]) -> None: ...


class EventConsumer(Protocol):
    def consume(self, handler: Callable[[OutboxMessage], None], *, max_messages: int | None = None,
                idle_timeout: float | None = None) -> int: ...


class Mailer(Protocol):
    """Sends one email; returns its delivery id. DeliveryFailed when the transport refuses or is down."""

    def send(self, message: EmailMessage) -> str: ...


class SmsSender(Protocol):
    """Sends one SMS; returns its delivery id. DeliveryFailed when the gateway refuses or is down."""

    def send(self, message: SmsMessage) -> str: ...


class PasswordHasher(Protocol):
    """Hashes passwords for storage (Argon2id); the password itself is never kept."""

    def hash(self, password: str) -> str: ...
    def verify(self, hashed: str, password: str) -> bool:
        """Whether the password matches; False (never an error) for a malformed or foreign hash."""
    def needs_rehash(self, hashed: str) -> bool:
        """Whether the hash was made with other parameters: re-hash after a successful sign-in."""


class CodeGenerator(Protocol):
    """Makes the one-time codes sent by SMS or email: decimal digits from a cryptographic source."""

    def new_code(self) -> str: ...


class TotpService(Protocol):
    """Authenticator-app codes (RFC 6238). Time is always given by the caller, from the injected Clock."""

    def new_secret(self) -> str:
        """A new random base32 secret to enrol an authenticator app with."""
    def provisioning_uri(self, secret: str, *, account_name: str) -> str:
        """The otpauth:// URI an authenticator app reads from the QR code."""
    def verify(self, secret: str, code: str, *, at: datetime, valid_window: int = 1) -> bool:
        """Whether the code is right at `at`, give or take `valid_window` time steps."""
    def matched_step(self, secret: str, code: str, *, at: datetime, valid_window: int = 1) -> int | None:
        """The time step the code belongs to (or None): refuse a step already used, so a code works once."""
    def qr_svg(self, uri: str) -> bytes: ...
    def qr_png(self, uri: str) -> bytes: ...


def message_from_event(event: Event, message_id: str) -> OutboxMessage:
    return OutboxMessage(id=message_id, name=event.name, payload=event.payload(),
                         occurred_at=event.occurred_at)

"""The schema as SQLAlchemy Core tables. The Alembic migrations create exactly this (a test checks).

Conventions: ids are opaque text; money is NUMERIC(18,2) beside a currency code; quantities
NUMERIC(15,3) beside a unit; moments are timezone-aware UTC; JSON is stored as text (portable);
soft-close durations are whole microseconds (exact, no interval type needed on SQLite).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

from omk_adapters.sql.types import Amount, QuantityValue, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

ID = 64  # room for uuid hex and for identifiers coming from other systems


def _id(name: str = "id", *args: Any, **kw: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(ID), *args, **kw)


# Columns added after the first release carry server defaults: rows written before them are
# active organisations (the only kind there was) at version 0.
organizations = sa.Table(
    "organizations", metadata,
    _id(primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("inn", sa.String(12), nullable=False),
    sa.Column("kpp", sa.String(9)),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("ogrn", sa.String(13)),
    sa.Column("ogrnip", sa.String(15)),
    sa.Column("sap_customer_no", sa.String(10)),
    _id("manager_user_id"),  # no foreign key: users already refer to organisations
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    sa.Column("block_reason", sa.Text()),
    sa.Column("status_changed_at", UtcDateTime()),
    sa.Column("approved_at", UtcDateTime()),
    sa.Column("blocked_at", UtcDateTime()),
    sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
    sa.UniqueConstraint("inn"),
    # a unique index, not a constraint: SQLite adds it without rebuilding a referenced table
    sa.Index(None, "sap_customer_no", unique=True),
    sa.Index(None, "status", "name"),
    sa.Index(None, "manager_user_id"),
)

users = sa.Table(
    "users", metadata,
    _id(primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("full_name", sa.String(300), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    _id("organization_id", sa.ForeignKey("organizations.id")),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # OMK staff roles, comma-separated role names in alphabetical order ("" for client users)
    sa.Column("staff_roles", sa.String(200), nullable=False, server_default=""),
    # the Argon2id hash (NULL: no password yet), an E.164 mobile number, and whether sign-in is refused
    sa.Column("password_hash", sa.String(200)),
    sa.Column("phone", sa.String(16)),
    sa.Column("blocked", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("email"),
)

# Sign-in challenges: the one-time code only as an HMAC under its own salt.
one_time_codes = sa.Table(
    "one_time_codes", metadata,
    _id(primary_key=True),
    _id("user_id", sa.ForeignKey("users.id"), nullable=False),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("issued_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("attempts_left", sa.Integer(), nullable=False),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("used_at", UtcDateTime()),
    sa.Column("source", sa.String(200)),
    sa.Index(None, "user_id", "issued_at"),
)

# Server-side sessions: only the SHA-256 of the token is stored.
sessions = sa.Table(
    "sessions", metadata,
    _id(primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    _id("user_id", sa.ForeignKey("users.id"), nullable=False),
    _id("organization_id"),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    sa.Column("idle_seconds", sa.Integer(), nullable=False),
    sa.Column("absolute_seconds", sa.Integer(), nullable=False),
    sa.Column("source", sa.String(200)),
    sa.Column("revoked_at", UtcDateTime()),
    sa.UniqueConstraint("token_hash"),
    sa.Index(None, "user_id"),
)

# API tokens of client systems: only the SHA-256 of the secret and a short public prefix are stored.
api_tokens = sa.Table(
    "api_tokens", metadata,
    _id(primary_key=True),
    _id("organization_id", sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("permissions", sa.Text(), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    _id("issued_by", nullable=False),
    _id("issuer_organization_id"),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime()),
    sa.UniqueConstraint("token_hash"),
    sa.Index(None, "organization_id", "created_at"),
)

# Password reset links: only the SHA-256 of the emailed secret is stored.
password_resets = sa.Table(
    "password_resets", metadata,
    _id(primary_key=True),
    _id("user_id", sa.ForeignKey("users.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("used_at", UtcDateTime()),
    sa.UniqueConstraint("token_hash"),
)

def _code_columns(prefix: str) -> list[sa.Column[Any]]:
    """One one-time code kept as an HMAC under its own salt (purpose and recipient follow from the row)."""
    return [_id(f"{prefix}_code_id", nullable=False),
            sa.Column(f"{prefix}_issued_at", UtcDateTime(), nullable=False),
            sa.Column(f"{prefix}_expires_at", UtcDateTime(), nullable=False),
            sa.Column(f"{prefix}_attempts_left", sa.Integer(), nullable=False),
            sa.Column(f"{prefix}_salt", sa.String(64), nullable=False),
            sa.Column(f"{prefix}_code_hash", sa.String(64), nullable=False),
            sa.Column(f"{prefix}_used_at", UtcDateTime())]


# Self-registrations: the password only as its Argon2id hash, each code only as an HMAC.
registrations = sa.Table(
    "registrations", metadata,
    _id(primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("phone", sa.String(16), nullable=False),
    sa.Column("full_name", sa.String(300), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    *_code_columns("email"),
    *_code_columns("phone"),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("verified_at", UtcDateTime()),
    _id("user_id", sa.ForeignKey("users.id")),
    _id("applied_organization_id", sa.ForeignKey("organizations.id")),
)

# Who applied for an organisation (made its administrator when OMK staff approve it).
organization_applications = sa.Table(
    "organization_applications", metadata,
    _id("organization_id", sa.ForeignKey("organizations.id"), primary_key=True),
    _id("applicant_user_id", sa.ForeignKey("users.id"), nullable=False),
    sa.Column("applied_at", UtcDateTime(), nullable=False),
)

# Invitations into an organisation: only the SHA-256 of the emailed secret is stored.
invitations = sa.Table(
    "invitations", metadata,
    _id(primary_key=True),
    _id("organization_id", sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("roles", sa.Text(), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    _id("invited_by", nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("accepted_at", UtcDateTime()),
    _id("accepted_user_id", sa.ForeignKey("users.id")),
    sa.UniqueConstraint("token_hash"),
)

# A user's authenticator app (TOTP): the secret a code is computed from (readable by necessity, never
# logged) and the last time step accepted, so each code works once. Pending until `confirmed_at`.
totp_credentials = sa.Table(
    "totp_credentials", metadata,
    _id("user_id", sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("secret", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("confirmed_at", UtcDateTime()),
    sa.Column("last_used_step", sa.BigInteger()),
)

# A user's current recovery codes: one row per code, each an HMAC under the set's salt; used once.
recovery_codes = sa.Table(
    "recovery_codes", metadata,
    _id("user_id", sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("position", sa.Integer(), primary_key=True),
    sa.Column("generated_at", UtcDateTime(), nullable=False),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("used_at", UtcDateTime()),
)

# Failed sign-in attempts and the locks they triggered, per account (email) or source address.
signin_attempts = sa.Table(
    "signin_attempts", metadata,
    _id(primary_key=True),
    sa.Column("scope", sa.String(10), nullable=False),
    sa.Column("key", sa.String(254), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Index(None, "scope", "key", "at"),
)

# A user's client roles in one organisation (comma-separated role names, alphabetical).
memberships = sa.Table(
    "memberships", metadata,
    _id(primary_key=True),
    _id("user_id", sa.ForeignKey("users.id"), nullable=False),
    _id("organization_id", sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("roles", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.UniqueConstraint("user_id", "organization_id"),
    sa.Index(None, "organization_id"),
)

auctions = sa.Table(
    "auctions", metadata,
    _id(primary_key=True),
    sa.Column("number", sa.String(300), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("format", sa.String(10), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("starts_at", UtcDateTime(), nullable=False),
    sa.Column("ends_at", UtcDateTime(), nullable=False),
    sa.Column("soft_close_window_us", sa.BigInteger(), nullable=False),
    sa.Column("soft_close_extension_us", sa.BigInteger(), nullable=False),
    sa.Column("soft_close_cap_us", sa.BigInteger()),
    sa.Column("auto_approve", sa.Boolean(), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("cancel_reason", sa.Text()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.UniqueConstraint("number"),
    sa.Index(None, "status", "starts_at"),
)

admissions = sa.Table(
    "admissions", metadata,
    _id("auction_id", sa.ForeignKey("auctions.id", ondelete="CASCADE"), primary_key=True),
    _id("organization_id", sa.ForeignKey("organizations.id"), primary_key=True),
    sa.Column("alias_no", sa.Integer(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("admitted_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("auction_id", "alias_no"),
    sa.Index(None, "organization_id"),
)

lots = sa.Table(
    "lots", metadata,
    _id(primary_key=True),
    _id("auction_id", sa.ForeignKey("auctions.id"), nullable=False),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("product_type", sa.Text(), nullable=False),
    sa.Column("diameter_mm", sa.Double()),
    sa.Column("wall_mm", sa.Double()),
    sa.Column("steel_grade", sa.Text(), nullable=False),
    sa.Column("standard", sa.Text(), nullable=False),
    sa.Column("warehouse", sa.Text(), nullable=False),
    sa.Column("quantity", QuantityValue(), nullable=False),
    sa.Column("unit", sa.String(8), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("start_price", Amount(), nullable=False),
    sa.Column("bid_step", Amount(), nullable=False),
    sa.Column("floor_price", Amount()),
    sa.Column("closes_at_original", UtcDateTime(), nullable=False),
    sa.Column("closes_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("declined", sa.Text(), nullable=False),  # JSON list of organisation ids
    sa.Column("result_determined", sa.Boolean(), nullable=False),
    _id("result_winner_organization_id"),
    sa.Column("result_amount", Amount()),
    sa.Column("result_currency", sa.String(3)),
    sa.Column("result_source", sa.String(10)),
    _id("result_source_id"),
    sa.Column("journal_seq", sa.Integer(), nullable=False),
    sa.Column("journal_hash", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index(None, "auction_id"),
    sa.Index(None, "status", "closes_at"),
)

def _lot_version() -> sa.Column[int]:
    """The lot's version in which the row was last written: a process whose cache holds the lot
    at version v reads only the rows with `lot_version > v` (see sql/cache.py)."""
    return sa.Column("lot_version", sa.Integer(), nullable=False, server_default="0")


# `position` is the bid's place in acceptance order (the leader is the last valid one); the
# unique (lot_id, position) index also serves every lookup of a lot's bids.
bids = sa.Table(
    "bids", metadata,
    _id(primary_key=True),
    _id("lot_id", sa.ForeignKey("lots.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    _id("organization_id", sa.ForeignKey("organizations.id"), nullable=False),
    _id("placed_by", nullable=False),
    sa.Column("amount", Amount(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("placed_at", UtcDateTime(), nullable=False),
    sa.Column("client_key", sa.String(200)),
    sa.Column("annulled_at", UtcDateTime()),
    sa.Column("annul_reason", sa.Text()),
    _lot_version(),
    sa.UniqueConstraint("lot_id", "position"),
    sa.Index(None, "lot_id"),
    sa.Index(None, "organization_id"),
    sa.Index(None, "lot_id", "lot_version"),
)

offers = sa.Table(
    "offers", metadata,
    _id(primary_key=True),
    _id("lot_id", sa.ForeignKey("lots.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    _id("organization_id", sa.ForeignKey("organizations.id"), nullable=False),
    _id("submitted_by", nullable=False),
    sa.Column("amount", Amount(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("submitted_at", UtcDateTime(), nullable=False),
    sa.Column("first_submitted_at", UtcDateTime(), nullable=False),
    sa.Column("stamp", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("client_key", sa.String(200)),
    sa.Column("ended_at", UtcDateTime()),
    sa.Column("revisions", sa.Integer(), nullable=False),
    _lot_version(),
    sa.UniqueConstraint("lot_id", "position"),
    sa.Index(None, "lot_id"),
    sa.Index(None, "lot_id", "lot_version"),
)

# Append-only and tamper-evident: rows are inserted, never updated or deleted by the adapter.
journal = sa.Table(
    "journal", metadata,
    _id("lot_id", sa.ForeignKey("lots.id"), primary_key=True),
    sa.Column("seq", sa.Integer(), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("data", sa.Text(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# `seq` only grows: the relay reads unpublished rows in that order.
outbox = sa.Table(
    "outbox", metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=True),
    _id(nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("occurred_at", UtcDateTime(), nullable=False),
    sa.Column("published_at", UtcDateTime()),
    sa.UniqueConstraint("id"),
    sa.Index(None, "published_at", "seq"),
)

idempotency = sa.Table(
    "idempotency", metadata,
    _id("organization_id", primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("result", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

# Append-only: who did what to which thing, when and from where. `seq` orders entries of one
# moment; `organization_id` is the organisation an entry concerns (for scoping), not a foreign
# key, so the log outlives what it describes.
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=True),
    _id(nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    _id("actor_user_id", nullable=False),
    _id("actor_organization_id"),
    sa.Column("target_type", sa.String(50), nullable=False),
    _id("target_id", nullable=False),
    _id("organization_id"),
    sa.Column("detail", sa.Text(), nullable=False),  # JSON object
    sa.Column("source", sa.String(200)),
    sa.UniqueConstraint("id"),
    sa.Index(None, "at"),
    sa.Index(None, "organization_id", "at"),
    sa.Index(None, "action"),
    sa.Index(None, "actor_user_id", "at"),
)

inbox = sa.Table(
    "inbox", metadata,
    sa.Column("consumer", sa.String(100), primary_key=True),
    _id("message_id", primary_key=True),
    sa.Column("handled_at", UtcDateTime(), nullable=False),
)

lot_activity = sa.Table(
    "lot_activity", metadata,
    _id("lot_id", primary_key=True),
    _id("auction_id", nullable=False),
    sa.Column("bids", sa.Integer(), nullable=False),
    sa.Column("annulled", sa.Integer(), nullable=False),
    sa.Column("bidders", sa.Text(), nullable=False),  # JSON list of organisation ids
    sa.Column("extensions", sa.Integer(), nullable=False),
    sa.Column("last_bid_at", UtcDateTime()),
    sa.Column("closed", sa.Boolean(), nullable=False),
)

# The lot search index (derived data, rebuilt by `omk lots reindex`): one row per lot with its
# filter values (`*_key`: folded for comparison) and `body`, the folded words of its text.
# `lot_search_terms` is the embedded (SQLite) inverted index of the same text's Snowball stems:
# per term, the docs whose text has it.
lot_search = sa.Table(
    "lot_search", metadata,
    # a small integer per indexed lot: on SQLite the rowid, which the term lists point at
    sa.Column("doc", sa.Integer(), primary_key=True, autoincrement=True),
    _id("lot_id", nullable=False),
    _id("auction_id", nullable=False),
    sa.Column("auction_number", sa.String(300), nullable=False),
    sa.Column("auction_status", sa.String(32), nullable=False),
    sa.Column("lot_number", sa.Integer(), nullable=False),
    sa.Column("lot_status", sa.String(16), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("product_type", sa.Text(), nullable=False),
    sa.Column("product_type_key", sa.Text(), nullable=False),
    sa.Column("diameter_mm", sa.Double()),
    sa.Column("wall_mm", sa.Double()),
    sa.Column("steel_grade", sa.Text(), nullable=False),
    sa.Column("steel_grade_key", sa.Text(), nullable=False),
    sa.Column("standard", sa.Text(), nullable=False),
    sa.Column("standard_key", sa.Text(), nullable=False),
    sa.Column("warehouse", sa.Text(), nullable=False),
    sa.Column("warehouse_key", sa.Text(), nullable=False),
    sa.Column("start_price", Amount(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    # PostgreSQL: to_tsvector('russian', body), GIN-indexed, matched and ranked; NULL (unused) elsewhere
    sa.Column("document", sa.Text().with_variant(TSVECTOR(), "postgresql")),
    sa.Index(None, "lot_id", unique=True),
    sa.Index(None, "auction_id"),
    sa.Index(None, "auction_status", "auction_number", "lot_number"),
    sa.Index(None, "product_type_key"),
    sa.Index(None, "diameter_mm"),
    sa.Index(None, "document", postgresql_using="gin"),  # a GIN index on PostgreSQL (an empty B-tree on SQLite)
)

lot_search_terms = sa.Table(
    "lot_search_terms", metadata,
    sa.Column("term", sa.String(100), primary_key=True),
    sa.Column("doc", sa.Integer(), primary_key=True, autoincrement=False),  # lot_search.doc
    sa.Column("tf", sa.Integer(), nullable=False),  # how often the term occurs in the lot's text
    sa.Index(None, "doc"),
    sqlite_with_rowid=False,  # a term's list is stored in order of doc, in the primary key itself
)

# Service requests of client organisations to OMK services; the author's name and email as when it was sent.
service_requests = sa.Table(
    "service_requests", metadata,
    _id(primary_key=True),
    _id("organization_id", sa.ForeignKey("organizations.id"), nullable=False),
    _id("user_id", nullable=False),  # a person's id, or "token:<id>" for a client system
    sa.Column("author_name", sa.String(300), nullable=False),
    sa.Column("author_email", sa.String(254)),
    sa.Column("service", sa.String(20), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("contact_phone", sa.String(20)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("answer", sa.Text()),
    sa.Column("answered_at", UtcDateTime()),
    _id("handled_by"),
    sa.Index(None, "organization_id", "created_at"),
    sa.Index(None, "status", "created_at"),
    sa.Index(None, "service", "created_at"),
)

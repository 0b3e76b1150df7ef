"""Initial schema: identity, auctions with admissions, lots with bids/offers/journal, outbox,
idempotency, inbox and the lot-activity projection.

Revision ID: 0001
Revises:
Create Date: 2026-11-20

Written once for SQLite and PostgreSQL. Types are spelled out here (not imported from the
application) so this revision never changes when the application code does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", *args: object, nullable: bool = False, **kw: object) -> sa.Column:
    return sa.Column(name, sa.String(length=64), *args, nullable=nullable, **kw)  # type: ignore[arg-type]


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Numeric(precision=18, scale=2), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "organizations",
        _id(),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("inn", sa.String(length=12), nullable=False),
        sa.Column("kpp", sa.String(length=9), nullable=True),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("inn", name=op.f("uq_organizations_inn")),
    )
    op.create_table(
        "users",
        _id(),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        _id("organization_id", nullable=True),
        _moment("created_at"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_users_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "auctions",
        _id(),
        sa.Column("number", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _moment("starts_at"),
        _moment("ends_at"),
        sa.Column("soft_close_window_us", sa.BigInteger(), nullable=False),
        sa.Column("soft_close_extension_us", sa.BigInteger(), nullable=False),
        sa.Column("soft_close_cap_us", sa.BigInteger(), nullable=True),
        sa.Column("auto_approve", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        _moment("created_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auctions")),
        sa.UniqueConstraint("number", name=op.f("uq_auctions_number")),
    )
    op.create_index(op.f("ix_auctions_status_starts_at"), "auctions", ["status", "starts_at"])
    op.create_table(
        "admissions",
        _id("auction_id"),
        _id("organization_id"),
        sa.Column("alias_no", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _moment("admitted_at"),
        sa.ForeignKeyConstraint(["auction_id"], ["auctions.id"], name=op.f("fk_admissions_auction_id_auctions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_admissions_organization_id_organizations")),
        sa.PrimaryKeyConstraint("auction_id", "organization_id", name=op.f("pk_admissions")),
        sa.UniqueConstraint("auction_id", "alias_no", name=op.f("uq_admissions_auction_id_alias_no")),
    )
    op.create_index(op.f("ix_admissions_organization_id"), "admissions", ["organization_id"])
    op.create_table(
        "lots",
        _id(),
        _id("auction_id"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("product_type", sa.Text(), nullable=False),
        sa.Column("diameter_mm", sa.Double(), nullable=True),
        sa.Column("wall_mm", sa.Double(), nullable=True),
        sa.Column("steel_grade", sa.Text(), nullable=False),
        sa.Column("standard", sa.Text(), nullable=False),
        sa.Column("warehouse", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _money("start_price"),
        _money("bid_step"),
        _money("floor_price", nullable=True),
        _moment("closes_at_original"),
        _moment("closes_at"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("declined", sa.Text(), nullable=False),
        sa.Column("result_determined", sa.Boolean(), nullable=False),
        _id("result_winner_organization_id", nullable=True),
        _money("result_amount", nullable=True),
        sa.Column("result_currency", sa.String(length=3), nullable=True),
        sa.Column("result_source", sa.String(length=10), nullable=True),
        _id("result_source_id", nullable=True),
        sa.Column("journal_seq", sa.Integer(), nullable=False),
        sa.Column("journal_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["auction_id"], ["auctions.id"], name=op.f("fk_lots_auction_id_auctions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
    )
    op.create_index(op.f("ix_lots_auction_id"), "lots", ["auction_id"])
    op.create_index(op.f("ix_lots_status_closes_at"), "lots", ["status", "closes_at"])
    op.create_table(
        "bids",
        _id(),
        _id("lot_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _id("organization_id"),
        _id("placed_by"),
        _money("amount"),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _moment("placed_at"),
        sa.Column("client_key", sa.String(length=200), nullable=True),
        _moment("annulled_at", nullable=True),
        sa.Column("annul_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_bids_lot_id_lots"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_bids_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
        sa.UniqueConstraint("lot_id", "position", name=op.f("uq_bids_lot_id_position")),
    )
    op.create_index(op.f("ix_bids_lot_id"), "bids", ["lot_id"])
    op.create_index(op.f("ix_bids_organization_id"), "bids", ["organization_id"])
    op.create_table(
        "offers",
        _id(),
        _id("lot_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _id("organization_id"),
        _id("submitted_by"),
        _money("amount"),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _moment("submitted_at"),
        _moment("first_submitted_at"),
        sa.Column("stamp", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("client_key", sa.String(length=200), nullable=True),
        _moment("ended_at", nullable=True),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_offers_lot_id_lots"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_offers_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("lot_id", "position", name=op.f("uq_offers_lot_id_position")),
    )
    op.create_index(op.f("ix_offers_lot_id"), "offers", ["lot_id"])
    op.create_table(
        "journal",
        _id("lot_id"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        _moment("recorded_at"),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_journal_lot_id_lots")),
        sa.PrimaryKeyConstraint("lot_id", "seq", name=op.f("pk_journal")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        _id(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _moment("occurred_at"),
        _moment("published_at", nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_id")),
    )
    op.create_index(op.f("ix_outbox_published_at_seq"), "outbox", ["published_at", "seq"])
    op.create_table(
        "idempotency",
        _id("organization_id"),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("organization_id", "key", name=op.f("pk_idempotency")),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        _id("message_id"),
        _moment("handled_at"),
        sa.PrimaryKeyConstraint("consumer", "message_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "lot_activity",
        _id("lot_id"),
        _id("auction_id"),
        sa.Column("bids", sa.Integer(), nullable=False),
        sa.Column("annulled", sa.Integer(), nullable=False),
        sa.Column("bidders", sa.Text(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        _moment("last_bid_at", nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", name=op.f("pk_lot_activity")),
    )


def downgrade() -> None:
    for table in ("lot_activity", "inbox", "idempotency", "outbox", "journal", "offers", "bids", "lots",
                  "admissions", "auctions", "users", "organizations"):
        op.drop_table(table)

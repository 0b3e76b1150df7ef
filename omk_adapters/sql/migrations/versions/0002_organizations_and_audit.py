"""Organisations grow OGRN/OGRNIP, SAP customer number, responsible manager, status and version;
the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Organisations written before this revision were registered by OMK staff and traded at once:
they become `active`, approved when they were created, at version 0. Only columns and indexes
are added — on SQLite a rebuild of `organizations` would trip the foreign keys that users, bids,
offers and admissions hold on it — so the new NOT NULL columns keep their server defaults.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=64), nullable=nullable)


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # batch mode adds the columns with plain ALTER TABLE … ADD COLUMN on SQLite too (no rebuild)
    with op.batch_alter_table("organizations", recreate="never") as batch:
        for column in (
            sa.Column("ogrn", sa.String(length=13), nullable=True),
            sa.Column("ogrnip", sa.String(length=15), nullable=True),
            sa.Column("sap_customer_no", sa.String(length=10), nullable=True),
            _id("manager_user_id", nullable=True),
            sa.Column("status", sa.String(length=16), nullable=False, server_default="active"),
            sa.Column("block_reason", sa.Text(), nullable=True),
            _moment("status_changed_at", nullable=True),
            _moment("approved_at", nullable=True),
            _moment("blocked_at", nullable=True),
            sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        ):
            batch.add_column(column)
    op.execute("UPDATE organizations SET approved_at = created_at, status_changed_at = created_at")
    op.create_index(op.f("ix_organizations_sap_customer_no"), "organizations", ["sap_customer_no"], unique=True)
    op.create_index(op.f("ix_organizations_status_name"), "organizations", ["status", "name"])
    op.create_index(op.f("ix_organizations_manager_user_id"), "organizations", ["manager_user_id"])

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        _id(),
        _moment("at"),
        sa.Column("action", sa.String(length=100), nullable=False),
        _id("actor_user_id"),
        _id("actor_organization_id", nullable=True),
        sa.Column("target_type", sa.String(length=50), nullable=False),
        _id("target_id"),
        _id("organization_id", nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_log_id")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_organization_id_at"), "audit_log", ["organization_id", "at"])
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"])
    op.create_index(op.f("ix_audit_log_actor_user_id_at"), "audit_log", ["actor_user_id", "at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    for index in ("ix_organizations_manager_user_id", "ix_organizations_status_name",
                  "ix_organizations_sap_customer_no"):
        op.drop_index(index, table_name="organizations")
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a rebuild would trip the foreign keys
    with op.batch_alter_table("organizations", recreate="never") as batch:
        for column in ("version", "blocked_at", "approved_at", "status_changed_at", "block_reason", "status",
                       "manager_user_id", "sap_customer_no", "ogrnip", "ogrn"):
            batch.drop_column(column)

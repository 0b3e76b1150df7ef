"""Service requests of client organisations to OMK services.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24

Only an addition: one new table, indexed for the client's list (its organisation, newest first) and
support's filters (status, service).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("author_name", sa.String(length=300), nullable=False),
        sa.Column("author_email", sa.String(length=254), nullable=True),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_service_requests_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
    )
    op.create_index(op.f("ix_service_requests_organization_id_created_at"), "service_requests",
                    ["organization_id", "created_at"])
    op.create_index(op.f("ix_service_requests_status_created_at"), "service_requests", ["status", "created_at"])
    op.create_index(op.f("ix_service_requests_service_created_at"), "service_requests", ["service", "created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_service_requests_service_created_at"), table_name="service_requests")
    op.drop_index(op.f("ix_service_requests_status_created_at"), table_name="service_requests")
    op.drop_index(op.f("ix_service_requests_organization_id_created_at"), table_name="service_requests")
    op.drop_table("service_requests")

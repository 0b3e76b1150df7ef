"""API tokens of client systems: only the SHA-256 of the secret and a short public prefix are stored.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-20

Only an addition: one new table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=64), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        _id(),
        _id("organization_id"),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("permissions", sa.Text(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _id("issued_by"),
        _id("issuer_organization_id", nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_api_tokens_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_organization_id_created_at"), "api_tokens",
                    ["organization_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_organization_id_created_at", table_name="api_tokens")
    op.drop_table("api_tokens")

"""Self-registrations (password and codes only as hashes) and who applied for an organisation.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-22

Only an addition: two new tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _code_columns(prefix: str) -> list[sa.Column[object]]:
    return [sa.Column(f"{prefix}_code_id", sa.String(length=64), nullable=False),
            sa.Column(f"{prefix}_issued_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column(f"{prefix}_expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column(f"{prefix}_attempts_left", sa.Integer(), nullable=False),
            sa.Column(f"{prefix}_salt", sa.String(length=64), nullable=False),
            sa.Column(f"{prefix}_code_hash", sa.String(length=64), nullable=False),
            sa.Column(f"{prefix}_used_at", sa.DateTime(timezone=True), nullable=True)]


def upgrade() -> None:
    op.create_table(
        "registrations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=300), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        *_code_columns("email"),
        *_code_columns("phone"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("applied_organization_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_registrations_user_id_users")),
        sa.ForeignKeyConstraint(["applied_organization_id"], ["organizations.id"],
                                name=op.f("fk_registrations_applied_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    op.create_table(
        "organization_applications",
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("applicant_user_id", sa.String(length=64), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_organization_applications_organization_id_organizations")),
        sa.ForeignKeyConstraint(["applicant_user_id"], ["users.id"],
                                name=op.f("fk_organization_applications_applicant_user_id_users")),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_organization_applications")),
    )


def downgrade() -> None:
    op.drop_table("organization_applications")
    op.drop_table("registrations")

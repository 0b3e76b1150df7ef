"""Memberships (a user's client roles per organisation) and OMK staff roles on users.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08

Users written before this revision held one role: an organiser (now `auction_organiser`) became
OMK staff with that staff role; a bidder or viewer became a member of its organisation with that
client role (the membership takes the user's id, unique as there was one organisation per user).
`users` only gains a column (plain ALTER TABLE, no rebuild of a table others refer to).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=64), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.add_column(sa.Column("staff_roles", sa.String(length=200), nullable=False, server_default=""))
    op.execute("UPDATE users SET role = 'auction_organiser' WHERE role = 'organiser'")
    op.execute("UPDATE users SET staff_roles = role WHERE organization_id IS NULL")

    op.create_table(
        "memberships",
        _id(),
        _id("user_id"),
        _id("organization_id"),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_memberships_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("user_id", "organization_id", name=op.f("uq_memberships_user_id_organization_id")),
    )
    op.create_index(op.f("ix_memberships_organization_id"), "memberships", ["organization_id"])
    op.execute("INSERT INTO memberships (id, user_id, organization_id, roles, created_at, version) "
               "SELECT id, id, organization_id, role, created_at, 1 FROM users WHERE organization_id IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_memberships_organization_id", table_name="memberships")
    op.drop_table("memberships")
    op.execute("UPDATE users SET role = 'organiser' WHERE role = 'auction_organiser'")
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.drop_column("staff_roles")

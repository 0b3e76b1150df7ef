"""The lot version in which each bid and offer row was last written.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25

A process that cached a lot's bids and offers at version v reads only the rows written after v
(`lot_version > v`) when another process changed the lot, instead of the lot's whole history.
Rows written before this migration keep 0: a cache filled from them is refreshed by a full read.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("bids", "offers"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lot_version", sa.Integer(), nullable=False, server_default="0"))
        op.create_index(op.f(f"ix_{table}_lot_id_lot_version"), table, ["lot_id", "lot_version"])


def downgrade() -> None:
    for table in ("bids", "offers"):
        op.drop_index(op.f(f"ix_{table}_lot_id_lot_version"), table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lot_version")

"""The lot search index: one row per lot with its filter values, Snowball stems for SQLite,
a GIN-indexed `to_tsvector('russian', body)` column on PostgreSQL.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-24

Only additions. The index starts empty: `omk lots reindex` fills it from the lots already there
(afterwards events keep it current).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lot_search",
        sa.Column("doc", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.String(length=64), nullable=False),
        sa.Column("auction_id", sa.String(length=64), nullable=False),
        sa.Column("auction_number", sa.String(length=300), nullable=False),
        sa.Column("auction_status", sa.String(length=32), nullable=False),
        sa.Column("lot_number", sa.Integer(), nullable=False),
        sa.Column("lot_status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("product_type", sa.Text(), nullable=False),
        sa.Column("product_type_key", sa.Text(), nullable=False),
        sa.Column("diameter_mm", sa.Double(), nullable=True),
        sa.Column("wall_mm", sa.Double(), nullable=True),
        sa.Column("steel_grade", sa.Text(), nullable=False),
        sa.Column("steel_grade_key", sa.Text(), nullable=False),
        sa.Column("standard", sa.Text(), nullable=False),
        sa.Column("standard_key", sa.Text(), nullable=False),
        sa.Column("warehouse", sa.Text(), nullable=False),
        sa.Column("warehouse_key", sa.Text(), nullable=False),
        sa.Column("start_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("document", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=True),
        sa.PrimaryKeyConstraint("doc", name=op.f("pk_lot_search")),
    )
    op.create_index(op.f("ix_lot_search_lot_id"), "lot_search", ["lot_id"], unique=True)
    op.create_index(op.f("ix_lot_search_auction_id"), "lot_search", ["auction_id"])
    op.create_index(op.f("ix_lot_search_auction_status_auction_number_lot_number"), "lot_search",
                    ["auction_status", "auction_number", "lot_number"])
    op.create_index(op.f("ix_lot_search_product_type_key"), "lot_search", ["product_type_key"])
    op.create_index(op.f("ix_lot_search_diameter_mm"), "lot_search", ["diameter_mm"])
    op.create_index(op.f("ix_lot_search_document"), "lot_search", ["document"], postgresql_using="gin")
    op.create_table(
        "lot_search_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("doc", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tf", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", "doc", name=op.f("pk_lot_search_terms")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_lot_search_terms_doc"), "lot_search_terms", ["doc"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lot_search_document"), table_name="lot_search")
    op.drop_index(op.f("ix_lot_search_terms_doc"), table_name="lot_search_terms")
    op.drop_table("lot_search_terms")
    op.drop_index(op.f("ix_lot_search_diameter_mm"), table_name="lot_search")
    op.drop_index(op.f("ix_lot_search_product_type_key"), table_name="lot_search")
    op.drop_index(op.f("ix_lot_search_auction_status_auction_number_lot_number"), table_name="lot_search")
    op.drop_index(op.f("ix_lot_search_auction_id"), table_name="lot_search")
    op.drop_index(op.f("ix_lot_search_lot_id"), table_name="lot_search")
    op.drop_table("lot_search")

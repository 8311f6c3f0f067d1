"""contract and money: fee-list periods and kinds, invoice versions, refunds, fee disputes, documents

Revision ID: 0004_money
Revises: 0001
Create Date: 2026-11-29

Hand-written; only the tables of db/money_models.py. Works on PostgreSQL and SQLite (added columns carry
server defaults, so no table rebuild is needed).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_money"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column("fee_lists", sa.Column("kind", sa.String(16), nullable=False, server_default="service"))
    op.add_column("fee_lists", sa.Column("period_start", sa.DateTime(timezone=True), nullable=True))
    op.add_column("fee_lists", sa.Column("period_end", sa.DateTime(timezone=True), nullable=True))
    op.add_column("invoices", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("invoices", sa.Column("items", JSON, nullable=False, server_default=sa.text("'[]'")))
    op.add_column("invoices", sa.Column("history", JSON, nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("payment_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("provider_refund_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payment_id", "reason", name="uq_refunds_payment_reason"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    op.create_table(
        "fee_disputes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("fee_list_id", sa.String(36), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False, server_default=""),
        sa.Column("adjustment_fen", sa.Integer(), nullable=False),
        sa.Column("resolved_by", sa.String(36), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["fee_list_id"], ["fee_lists.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fee_list_id", "round", name="uq_fee_disputes_list_round"),
    )
    op.create_index("ix_fee_disputes_order_id", "fee_disputes", ["order_id"])
    op.create_table(
        "documents",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "ref_id", "version", name="uq_documents_kind_ref_v"),
    )
    op.create_index("ix_documents_order_id", "documents", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_documents_order_id", table_name="documents")
    op.drop_table("documents")
    op.drop_index("ix_fee_disputes_order_id", table_name="fee_disputes")
    op.drop_table("fee_disputes")
    op.drop_index("ix_refunds_order_id", table_name="refunds")
    op.drop_table("refunds")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("history")
        batch.drop_column("items")
        batch.drop_column("version")
    with op.batch_alter_table("fee_lists") as batch:
        batch.drop_column("period_end")
        batch.drop_column("period_start")
        batch.drop_column("kind")

"""money claims: damage claims against the deposit, 跳单 reports, unpaid debts

Revision ID: 0009_money_claims
Revises: 0005_merge
Create Date: 2026-11-29

Hand-written; only the tables of db/claims_models.py.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_money_claims"
down_revision: str | None = "0005_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tz(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "damage_claims",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("agency_id", sa.String(36), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("filed_by", sa.String(36), nullable=False),
        sa.Column("customer_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("answered_by", sa.String(36), nullable=True),
        sa.Column("agreed_fen", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("resolution", sa.Text(), nullable=False, server_default=""),
        sa.Column("resolved_by", sa.String(36), nullable=True),
        sa.Column("deducted_fen", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("excess_fen", sa.Integer(), nullable=False, server_default="0"),
        _tz("created_at"),
        _tz("answered_at", nullable=True),
        _tz("resolved_at", nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_damage_claims_order_id", "damage_claims", ["order_id"])
    op.create_table(
        "skip_reports",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("agency_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reported_by", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(36), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("penalty_fen", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("fee_list_id", sa.String(36), nullable=True),
        _tz("created_at"),
        _tz("decided_at", nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["fee_list_id"], ["fee_lists.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", name="uq_skip_reports_order"),
    )
    op.create_table(
        "debts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("fee_list_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        _tz("recorded_at"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["fee_list_id"], ["fee_lists.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fee_list_id", name="uq_debts_fee_list"),
    )
    op.create_index("ix_debts_order_id", "debts", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_debts_order_id", table_name="debts")
    op.drop_table("debts")
    op.drop_table("skip_reports")
    op.drop_index("ix_damage_claims_order_id", table_name="damage_claims")
    op.drop_table("damage_claims")

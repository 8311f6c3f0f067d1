"""order_events.source_key: which writer's which entry, so more than one workflow can append to one order's
hash-chained audit log (the order's own workflow and its 跳单 penalty workflow) without a retried write
being stored twice; the log's seq is assigned under the order's row lock.

Revision ID: 0012_money2
Revises: 0010_merge
Create Date: 2026-11-29

Hand-written. Existing entries were all written by their order's workflow, whose k-th entry is seq k.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_money2"
down_revision: str | Sequence[str] | None = "0010_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_events") as batch:  # batch: SQLite (the dev default) too
        batch.add_column(sa.Column("source_key", sa.String(80), nullable=True))
    op.execute("UPDATE order_events SET source_key = 'order:' || seq")
    with op.batch_alter_table("order_events") as batch:
        batch.create_unique_constraint("uq_order_events_source_key", ["order_id", "source_key"])


def downgrade() -> None:
    with op.batch_alter_table("order_events") as batch:
        batch.drop_constraint("uq_order_events_source_key", type_="unique")
        batch.drop_column("source_key")

"""external platforms: synced community points and 安心码 snapshots, worker screenings and flags, sync
cursors, regulator batches (db/platform_models.py)

Revision ID: 0003_platforms
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_platforms"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "community_points",
        sa.Column("point_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("city", sa.String(6), nullable=False),
        sa.Column("district", sa.String(6), nullable=False),
        sa.Column("street", sa.String(100), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("opening_hours", sa.String(64), nullable=False),
        sa.Column("staff", JSON, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sync_run", sa.String(64), nullable=False),
        sa.Column("first_seen_at", TZ, nullable=False),
        sa.Column("synced_at", TZ, nullable=False),
        sa.Column("removed_at", TZ, nullable=True),
    )
    op.create_index("ix_community_points_city", "community_points", ["city"])
    op.create_index("ix_community_points_district", "community_points", ["district"])

    op.create_table(
        "anxinma_snapshots",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("colour", sa.String(8), nullable=False),
        sa.Column("agency_credit_code", sa.String(18), nullable=False),
        sa.Column("identity_verified", sa.Boolean(), nullable=False),
        sa.Column("health_exam_valid_until", sa.Date(), nullable=True),
        sa.Column("insurance_valid_until", sa.Date(), nullable=True),
        sa.Column("background", sa.String(8), nullable=False),
        sa.Column("platform_updated_at", sa.String(40), nullable=False),
        sa.Column("previous_colour", sa.String(8), nullable=True),
        sa.Column("sync_run", sa.String(64), nullable=False),
        sa.Column("colour_changed_at", TZ, nullable=False),
        sa.Column("synced_at", TZ, nullable=False),
    )
    op.create_index("ix_anxinma_snapshots_colour", "anxinma_snapshots", ["colour"])

    op.create_table(
        "worker_screenings",
        sa.Column("worker_id", sa.String(36), sa.ForeignKey("workers.id"), primary_key=True),
        sa.Column("withdrawn_by_sync", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_reason", sa.String(32), nullable=True),
        sa.Column("withdrawn_at", TZ, nullable=True),
        sa.Column("episode", sa.String(64), nullable=True),
        sa.Column("criminal_check_id", sa.String(64), nullable=True),
        sa.Column("criminal_record", sa.String(8), nullable=True),
        sa.Column("criminal_checked_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
    )

    op.create_table(
        "worker_flags",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("worker_id", sa.String(36), sa.ForeignKey("workers.id"), nullable=False),
        sa.Column("order_id", sa.String(36), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("agency_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("episode", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("notified_at", TZ, nullable=True),
        sa.Column("resolved_at", TZ, nullable=True),
        sa.UniqueConstraint("worker_id", "order_id", "episode", name="uq_worker_flags_worker_order_episode"),
    )
    op.create_index("ix_worker_flags_worker_id", "worker_flags", ["worker_id"])
    op.create_index("ix_worker_flags_order_id", "worker_flags", ["order_id"])
    op.create_index("ix_worker_flags_agency_id", "worker_flags", ["agency_id"])

    op.create_table(
        "sync_cursors",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("cursor", sa.String(128), nullable=True),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("completed_at", TZ, nullable=True),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
    )

    op.create_table(
        "regulator_batches",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("provider_ref", sa.String(64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_regulator_batches_period", "regulator_batches", ["period"])


def downgrade() -> None:
    op.drop_table("regulator_batches")
    op.drop_table("sync_cursors")
    op.drop_table("worker_flags")
    op.drop_table("worker_screenings")
    op.drop_table("anxinma_snapshots")
    op.drop_table("community_points")

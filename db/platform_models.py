"""Tables of the external-platform integrations (issue 4): what the scheduled jobs keep.

- ``community_points``: 浙里好家政 service points, synced (B-6.1.1);
- ``anxinma_snapshots``: the last 安心码 seen per code, synced (B-6.1.2);
- ``worker_screenings``: per-worker state the sync owns (withdrawn by the sync?, the public-data
  criminal-record check) — the Worker table itself only gets ``withdrawn`` set or cleared;
- ``worker_flags``: a worker's open assignment flagged to her agency (安心码 red, background record…);
- ``sync_cursors``: where each sync stands and what its last run saw;
- ``regulator_batches``: what was shared with the regulator (B-6.1.3, B-6.2.2), once per content.

Like every table, these never cross Temporal: activities return plain dataclasses.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.columns import JSONType, UTCDateTime, new_id, utcnow


def _json() -> Any:
    return Field(default_factory=list, sa_column=sa.Column(JSONType, nullable=False))


def _tz(nullable: bool = False) -> Any:
    """Timezone-aware UTC on PostgreSQL and SQLite alike (UTCDateTime)."""
    if nullable:
        return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False))


class CommunityPoint(SQLModel, table=True):
    """A 浙里好家政 community service point. Staff are kept as ids and roles only (no names or phones):
    the platform needs to know who may act for a point, not how to reach them."""

    __tablename__ = "community_points"
    point_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    city: str = Field(max_length=6, index=True)
    district: str = Field(max_length=6, index=True)
    street: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=32)  # the point's public service number
    opening_hours: str = Field(default="", max_length=64)
    staff: list[dict[str, Any]] = _json()  # [{staff_id, role}]
    content_sha256: str = Field(max_length=64)
    active: bool = True
    sync_run: str = Field(default="", max_length=64)  # the sync run that last saw it
    first_seen_at: datetime = _tz()
    synced_at: datetime = _tz()
    removed_at: datetime | None = _tz(nullable=True)


class AnxinmaSnapshot(SQLModel, table=True):
    """The last 安心码 the sync saw for a code, and when its colour last changed."""

    __tablename__ = "anxinma_snapshots"
    code: str = Field(primary_key=True, max_length=32)
    colour: str = Field(max_length=8, index=True)
    agency_credit_code: str = Field(max_length=18)
    identity_verified: bool
    health_exam_valid_until: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    insurance_valid_until: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    background: str = Field(max_length=8)
    platform_updated_at: str = Field(default="", max_length=40)
    previous_colour: str | None = Field(default=None, max_length=8)
    sync_run: str = Field(default="", max_length=64)
    colour_changed_at: datetime = _tz()
    synced_at: datetime = _tz()


class WorkerScreening(SQLModel, table=True):
    """What the integrations know about one worker beyond her Worker row."""

    __tablename__ = "worker_screenings"
    worker_id: str = Field(foreign_key="workers.id", primary_key=True, max_length=36)
    withdrawn_by_sync: bool = False  # we set Worker.withdrawn: we may clear it when the code is good again
    withdrawn_reason: str | None = Field(default=None, max_length=32)
    withdrawn_at: datetime | None = _tz(nullable=True)
    episode: str | None = Field(default=None, max_length=64)  # the code version that withdrew her
    criminal_check_id: str | None = Field(default=None, max_length=64)
    criminal_record: str | None = Field(default=None, max_length=8)  # clear | record
    criminal_checked_at: datetime | None = _tz(nullable=True)
    updated_at: datetime = _tz()


class WorkerFlag(SQLModel, table=True):
    """A withdrawn worker's open assignment, flagged to the order's agency (once per episode)."""

    __tablename__ = "worker_flags"
    __table_args__ = (
        sa.UniqueConstraint("worker_id", "order_id", "episode", name="uq_worker_flags_worker_order_episode"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    worker_id: str = Field(foreign_key="workers.id", index=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    agency_id: str = Field(max_length=36, index=True)
    reason: str = Field(max_length=32)  # anxinma_red | background_record | agency_changed
    episode: str = Field(max_length=64)
    created_at: datetime = _tz()
    notified_at: datetime | None = _tz(nullable=True)
    resolved_at: datetime | None = _tz(nullable=True)


class SyncCursor(SQLModel, table=True):
    """One row per sync: the cursor of the run in progress and what the last completed run saw."""

    __tablename__ = "sync_cursors"
    name: str = Field(primary_key=True, max_length=32)
    cursor: str | None = Field(default=None, max_length=128)
    run_id: str | None = Field(default=None, max_length=64)
    started_at: datetime | None = _tz(nullable=True)
    completed_at: datetime | None = _tz(nullable=True)
    seen: int = 0
    changed: int = 0


class RegulatorBatch(SQLModel, table=True):
    """One submission to the regulator; ``idempotency_key`` is derived from the period and the content, so
    the same data is never shared twice and a retried submission finds its batch."""

    __tablename__ = "regulator_batches"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    kind: str = Field(max_length=16)  # worker-records | statistics
    period: str = Field(max_length=16, index=True)
    idempotency_key: str = Field(max_length=128, unique=True)
    provider_ref: str = Field(max_length=64)
    records: int = 0
    content_sha256: str = Field(max_length=64)
    created_at: datetime = _tz()

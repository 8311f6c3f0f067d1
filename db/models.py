"""The tables. Table objects never cross Temporal: activities turn them into domain dataclasses.

Money is integer fen. Times are timezone-aware UTC. Ids are UUID strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.columns import json_field as _json
from db.columns import new_id, utcnow
from db.columns import tz_field as _tz

# ------------------------------------------------------------------ the market: db/market_models.py
from db.market_models import (
    Agency,
    ApiToken,
    Customer,
    CustomerAddress,
    PointAction,
    PointConsent,
    ServiceItem,
    StoredFile,
    User,
    Worker,
    WorkerMembership,
)

__all__ = [
    "Agency",
    "ApiToken",
    "Customer",
    "CustomerAddress",
    "PointAction",
    "PointConsent",
    "ServiceItem",
    "StoredFile",
    "User",
    "Worker",
    "WorkerMembership",
]


# ------------------------------------------------------------------ orders


class Order(SQLModel, table=True):
    """The demand as posted, plus a projection of the workflow's progress for listing and search."""

    __tablename__ = "orders"
    id: str = Field(primary_key=True, max_length=36)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    category: str = Field(max_length=32)
    mode: str = Field(max_length=16)
    city: str = Field(max_length=6)
    district: str = Field(max_length=6)
    starts_at: datetime = _tz()
    hours_per_visit: int = 0
    months: int = 0
    budget_fen: int
    requirements: dict[str, Any] = _json()
    notes: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    requested_agency_id: str | None = Field(default=None, foreign_key="agencies.id", max_length=36)
    address_id: str | None = Field(default=None, foreign_key="customer_addresses.id", max_length=36)
    channel: str = Field(max_length=16)
    created_by_user_id: str = Field(max_length=36)
    point_id: str | None = Field(default=None, max_length=64)
    # projection, written by the workflow's activities only
    stage: str = Field(default="demand", max_length=16, index=True)
    outcome: str = Field(default="open", max_length=24, index=True)
    agency_id: str | None = Field(default=None, index=True, max_length=36)
    offered_agency_id: str | None = Field(default=None, index=True, max_length=36)
    worker_id: str | None = Field(default=None, index=True, max_length=36)
    last_event_seq: int = 0
    created_at: datetime = _tz(default=utcnow)
    updated_at: datetime = _tz(default=utcnow)


class OrderAgency(SQLModel, table=True):
    """Agencies an order was offered to, in the order they are asked."""

    __tablename__ = "order_agencies"
    order_id: str = Field(foreign_key="orders.id", primary_key=True, max_length=36)
    agency_id: str = Field(foreign_key="agencies.id", primary_key=True, max_length=36)
    rank: int = 0


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    user_id: str = Field(primary_key=True, max_length=36)
    key: str = Field(primary_key=True, max_length=128)
    request_sha256: str = Field(max_length=64)
    order_id: str = Field(foreign_key="orders.id", max_length=36)
    created_at: datetime = _tz(default=utcnow)


class OrderEvent(SQLModel, table=True):
    """The tamper-evident audit log: each row's hash covers its content and the previous row's hash."""

    __tablename__ = "order_events"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "seq", name="uq_order_events_order_seq"),
        sa.UniqueConstraint("order_id", "source_key", name="uq_order_events_source_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    seq: int
    stage: str = Field(max_length=16)
    event: str = Field(max_length=48)
    actor_role: str = Field(max_length=32)
    actor_id: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    point_id: str | None = Field(default=None, max_length=64)
    at: datetime = _tz()
    detail: dict[str, Any] = _json()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # which writer's which entry (``order:<n>``, ``penalty:<n>``): a retried write is stored once; not hashed
    source_key: str | None = Field(default=None, max_length=80)


class WorkerAssignment(SQLModel, table=True):
    __tablename__ = "worker_assignments"
    order_id: str = Field(foreign_key="orders.id", primary_key=True, max_length=36)
    worker_id: str = Field(foreign_key="workers.id", primary_key=True, max_length=36)
    status: str = Field(default="reserved", max_length=16)  # reserved | released
    reserved_at: datetime = _tz(default=utcnow)
    released_at: datetime | None = _tz(nullable=True)


# ------------------------------------------------------------------ contract and money: db/money_models.py

from db.money_models import (  # noqa: E402  (re-exported: `from db.models import Contract` keeps working)
    Contract,
    Document,
    FeeDispute,
    FeeList,
    Invoice,
    Payment,
    Refund,
)

__all__ += ["Contract", "Document", "FeeDispute", "FeeList", "Invoice", "Payment", "Refund"]


class Evaluation(SQLModel, table=True):
    __tablename__ = "evaluations"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", unique=True, max_length=36)
    customer_id: str = Field(foreign_key="customers.id", max_length=36)
    agency_id: str = Field(foreign_key="agencies.id", index=True, max_length=36)
    worker_id: str = Field(foreign_key="workers.id", index=True, max_length=36)
    anonymous: bool = False
    agency_scores: dict[str, int] = _json()
    worker_scores: dict[str, int] = _json()
    comment: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = _tz(default=utcnow)


class WebhookEvent(SQLModel, table=True):
    """Vendor events already accepted: a repeated delivery of the same event id is acknowledged, dropped."""

    __tablename__ = "webhook_events"
    event_id: str = Field(primary_key=True, max_length=64)
    source: str = Field(max_length=16)
    type: str = Field(max_length=48)
    order_id: str | None = Field(default=None, max_length=36)
    received_at: datetime = _tz(default=utcnow)

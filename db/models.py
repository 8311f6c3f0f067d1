"""The tables. Table objects never cross Temporal: activities turn them into domain dataclasses.

Money is integer fen. Times are timezone-aware UTC. Ids are UUID strings.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def _json(**kw: Any) -> Any:
    return Field(sa_column=sa.Column(JSONType, nullable=False, **kw))


def _tz(nullable: bool = False, **kw: Any) -> Any:
    return Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=nullable, **kw))


# ------------------------------------------------------------------ the market (seeded for now)


class Agency(SQLModel, table=True):
    __tablename__ = "agencies"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    credit_code: str = Field(max_length=18, unique=True)
    employment_model: str = Field(max_length=16)
    city: str = Field(max_length=6, index=True)
    districts: list[str] = _json()
    approved: bool = True
    created_at: datetime = _tz(default=utcnow)


class ServiceItem(SQLModel, table=True):
    __tablename__ = "service_items"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    agency_id: str = Field(foreign_key="agencies.id", index=True, max_length=36)
    category: str = Field(max_length=32, index=True)
    mode: str = Field(max_length=16)
    price_model: str = Field(max_length=16)
    unit_price_fen: int
    min_hours: int = 0
    management_fee_fen: int = 0
    trial_days: int = 0
    deposit_fen: int = 0
    specification: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    published: bool = True


class Worker(SQLModel, table=True):
    __tablename__ = "workers"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    agency_id: str | None = Field(default=None, foreign_key="agencies.id", index=True, max_length=36)
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=18)
    phone: str = Field(max_length=20)
    level: str = Field(max_length=16)
    categories: list[str] = _json()
    home_district: str = Field(max_length=6)
    languages: list[str] = _json()
    live_in: bool = False
    years_experience: int = 0
    service_count: int = 0
    rating_x10: int = 0
    anxinma_code: str = Field(max_length=32, unique=True)
    certificates: list[str] = _json()
    withdrawn: bool = False  # 安心码 red or agency withdrew the worker from matching


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=18)
    phone: str = Field(max_length=20)
    district: str = Field(max_length=6)
    street: str = Field(max_length=200)
    building: str = Field(max_length=100)
    room: str = Field(max_length=50)


class User(SQLModel, table=True):
    """A login. ``party_id`` is the customer, agency or worker the user acts for."""

    __tablename__ = "users"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    token_sha256: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=32)
    party_id: str = Field(max_length=64)
    point_id: str | None = Field(default=None, max_length=64)


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
    __table_args__ = (sa.UniqueConstraint("order_id", "seq", name="uq_order_events_order_seq"),)
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


class WorkerAssignment(SQLModel, table=True):
    __tablename__ = "worker_assignments"
    order_id: str = Field(foreign_key="orders.id", primary_key=True, max_length=36)
    worker_id: str = Field(foreign_key="workers.id", primary_key=True, max_length=36)
    status: str = Field(default="reserved", max_length=16)  # reserved | released
    reserved_at: datetime = _tz(default=utcnow)
    released_at: datetime | None = _tz(nullable=True)


class Contract(SQLModel, table=True):
    __tablename__ = "contracts"
    __table_args__ = (sa.UniqueConstraint("order_id", "kind", "version", name="uq_contracts_order_kind_v"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    kind: str = Field(default="main", max_length=16)  # main | annex
    version: int = 1
    parties: list[str] = _json()
    flow_id: str | None = Field(default=None, max_length=64)
    document: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    document_sha256: str = Field(max_length=64)
    signed_document: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    signed_document_sha256: str | None = Field(default=None, max_length=64)
    certificate_sha256: str | None = Field(default=None, max_length=64)
    status: str = Field(default="draft", max_length=16)  # draft | signing | completed | voided
    terms: dict[str, Any] = _json()
    created_at: datetime = _tz(default=utcnow)


class FeeList(SQLModel, table=True):
    __tablename__ = "fee_lists"
    __table_args__ = (sa.UniqueConstraint("order_id", "cycle", name="uq_fee_lists_order_cycle"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    cycle: int = 1
    lines: list[dict[str, Any]] = _json()
    total_fen: int
    status: str = Field(default="issued", max_length=16)  # issued | confirmed | paid
    created_at: datetime = _tz(default=utcnow)


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    fee_list_id: str = Field(foreign_key="fee_lists.id", unique=True, max_length=36)
    provider_payment_id: str = Field(max_length=64, unique=True)
    amount_fen: int
    refunded_fen: int = 0
    status: str = Field(default="pending", max_length=16)  # pending | succeeded | refunded
    created_at: datetime = _tz(default=utcnow)


class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    payment_id: str = Field(foreign_key="payments.id", unique=True, max_length=36)
    provider_invoice_id: str = Field(max_length=64, unique=True)
    invoice_no: str = Field(max_length=64)
    amount_fen: int
    status: str = Field(default="issued", max_length=16)  # issued | voided
    created_at: datetime = _tz(default=utcnow)


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

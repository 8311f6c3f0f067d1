"""In-memory state of one sandbox app: the seed, the created objects, faults, idempotency and webhooks.

Everything lives on one :class:`SandboxState` per app (``app.state.sandbox``), so tests can build fresh apps.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from config import Settings
from sandbox.faults import FaultConfig, Faults
from sandbox.idempotency import IdempotencyStore
from sandbox.seed import TIMELINE, AnxinmaCode, build_seed
from sandbox.webhooks import WebhookDispatcher


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass
class Signer:
    party: str
    signer_ref: str
    signed_at: datetime | None = None


@dataclass
class Flow:
    flow_id: str
    document_name: str
    document_sha256: str
    document: bytes
    signers: list[Signer]
    notify_url: str | None
    created_at: datetime = field(default_factory=now)
    status: str = "signing"  # signing | completed | voided
    signed_document: bytes | None = None
    signed_document_sha256: str | None = None
    certificate_id: str | None = None
    certificate_sha256: str | None = None
    completed_at: datetime | None = None
    voided_at: datetime | None = None


@dataclass
class Refund:
    refund_id: str
    payment_id: str
    amount_fen: int
    reason: str
    created_at: datetime = field(default_factory=now)
    status: str = "succeeded"


@dataclass
class Payment:
    payment_id: str
    merchant_order_no: str
    amount_fen: int
    description: str
    notify_url: str | None
    pay_url: str
    payer_token: str = ""  # the token of the payer's cashier link (pay_url)
    created_at: datetime = field(default_factory=now)
    status: str = "pending"  # pending | succeeded | failed | closed
    paid_at: datetime | None = None
    refunds: list[Refund] = field(default_factory=list)

    @property
    def refunded_fen(self) -> int:
        return sum(r.amount_fen for r in self.refunds)


@dataclass
class Invoice:
    invoice_id: str
    invoice_no: str
    reference: str
    buyer_ref: str
    amount_fen: int
    items: list[dict[str, Any]]
    issued_at: datetime = field(default_factory=now)
    status: str = "issued"  # issued | voided
    voided_at: datetime | None = None


@dataclass
class Room:
    room_id: str
    reference: str
    mode: str
    participants: list[str]
    scheduled_at: datetime | None
    join_urls: dict[str, str]
    join_tokens: dict[str, str] = field(default_factory=dict)
    joined: dict[str, datetime] = field(default_factory=dict)
    created_at: datetime = field(default_factory=now)
    status: str = "open"  # open | closed
    closed_at: datetime | None = None
    outcome: str | None = None  # held | no_show, once closed


@dataclass
class Message:
    message_id: str
    ref: str
    recipient_kind: str
    recipient_ref: str
    template: str
    params: dict[str, Any]
    created_at: datetime = field(default_factory=now)
    status: str = "sent"


@dataclass
class CriminalRecordCheck:
    check_id: str
    id_number: str
    name: str
    result: str  # clear | record, revealed once done
    created_at: datetime = field(default_factory=now)
    reads: int = 0
    completed_at: datetime | None = None


@dataclass
class WorkerRecordBatch:
    batch_id: str
    records: list[dict[str, Any]]
    created_at: datetime = field(default_factory=now)


@dataclass
class SharedRecord:
    """The regulator's current record for one worker_ref, and the batch that brought it."""

    record: dict[str, Any]
    batch_id: str
    received_at: datetime


@dataclass
class StatisticsReport:
    report_id: str
    period: str
    payload: dict[str, Any]
    created_at: datetime = field(default_factory=now)


class SandboxState:
    def __init__(
        self,
        settings: Settings,
        faults: Mapping[str, FaultConfig] | None = None,
        today: date | None = None,
    ) -> None:
        self.settings = settings
        self.seed = build_seed(today)
        self.faults = Faults(faults)
        self.idempotency = IdempotencyStore()
        self.webhooks = WebhookDispatcher(settings.platforms_webhook_secret, self.faults)
        self.codes: dict[str, AnxinmaCode] = {}
        self.flows: dict[str, Flow] = {}
        self.payments: dict[str, Payment] = {}
        self.refunds: dict[str, Refund] = {}
        self.invoices: dict[str, Invoice] = {}
        self.rooms: dict[str, Room] = {}
        self.messages: dict[str, Message] = {}
        self.checks: dict[str, CriminalRecordCheck] = {}
        self.worker_record_batches: dict[str, WorkerRecordBatch] = {}
        self.worker_records: dict[str, SharedRecord] = {}
        self.statistics: dict[str, StatisticsReport] = {}
        self.identity_verifications = 0
        self.public_queries: dict[str, int] = {}
        self.invoice_seq = 0
        self.clock_offset_days = 0
        self.timeline_applied: set[int] = set()
        self.reset_objects()

    def reset_objects(self) -> None:
        self.codes = dict(self.seed.codes)
        self.clock_offset_days = 0
        self.timeline_applied = set()
        self.public_queries = {}
        for store in (
            self.flows,
            self.payments,
            self.refunds,
            self.invoices,
            self.rooms,
            self.messages,
            self.checks,
            self.worker_record_batches,
            self.worker_records,
            self.statistics,
        ):
            store.clear()
        self.identity_verifications = 0
        self.invoice_seq = 0

    def reset(self) -> None:
        """POST /admin/reset: objects, idempotency keys, webhooks in flight and faults go; the seed stays."""
        self.reset_objects()
        self.idempotency.reset()
        self.webhooks.reset()
        self.faults.clear()
        self.faults.reset_counts()

    def today(self) -> date:
        """The sandbox's day: the real one, moved on by ``PUT /admin/clock``."""
        return date.today() + timedelta(days=self.clock_offset_days)

    def current_codes(self) -> dict[str, AnxinmaCode]:
        """The 安心码 codes as of today: the changes of the seed's timeline that are due are applied first."""
        today = self.today()
        for i, change in enumerate(TIMELINE):
            if i in self.timeline_applied or self.seed.today + timedelta(days=change.day) > today:
                continue
            self.timeline_applied.add(i)
            code = self.codes.get(change.code)
            if code is not None:
                self.codes[change.code] = change.apply(code, self.seed.today)
        return self.codes

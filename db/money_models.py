"""Contract and money tables: contracts and their annexes, fee lists, payments, refunds, invoices, fee-list
disputes and the stored PDFs of printable documents. Re-exported by db/models.py.

Every row that mirrors a vendor object has a unique business key, so a retried activity finds what the
first attempt made: one payment per fee list, one refund per (payment, reason), one invoice version per
(payment, version). Money is integer fen.

The PDFs (contracts and annexes name the customer, the annex holds the full address; fee lists and invoices)
are sealed at rest like personal data (db/sealed.py): ``contract.document``, ``contract.signed_document`` and
``document.content`` read and write the plaintext PDF, the ``*_enc`` columns hold AES-GCM ciphertext bound to
table, column and row id, and the ``*sha256`` columns stay the SHA-256 of the plaintext PDF.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.columns import json_field as _json
from db.columns import new_id as _id
from db.columns import tz_field as _tz
from db.columns import utcnow as _now
from db.sealed import SealedFile, SealedFileOrNone, put_files, take_files


class Contract(SQLModel, table=True):
    """The main contract (kind ``main``) and its assignment annexes (kind ``annex``, version = number)."""

    __tablename__ = "contracts"
    __table_args__ = (sa.UniqueConstraint("order_id", "kind", "version", name="uq_contracts_order_kind_v"),)
    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    kind: str = Field(default="main", max_length=16)  # main | annex
    version: int = 1
    parties: list[str] = _json()
    flow_id: str | None = Field(default=None, max_length=64)
    document_enc: bytes = Field(default=b"", sa_column=sa.Column(sa.LargeBinary, nullable=False))
    document_sha256: str = Field(max_length=64)
    signed_document_enc: bytes | None = Field(
        default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True)
    )
    signed_document_sha256: str | None = Field(default=None, max_length=64)
    certificate_sha256: str | None = Field(default=None, max_length=64)
    status: str = Field(default="draft", max_length=16)  # draft | signing | completed | voided
    terms: dict[str, Any] = _json()
    created_at: datetime = _tz(default=_now)

    document = SealedFile("document")  # type: ignore[pydantic-field]
    signed_document = SealedFileOrNone("signed_document")  # type: ignore[pydantic-field]

    def __init__(self, **values: Any) -> None:
        files = take_files(type(self), values)
        super().__init__(**values)
        put_files(self, files)


class FeeList(SQLModel, table=True):
    """One fee list per order and cycle: cycle 1 for a single visit, 1..n for cycle-billed orders, 0 for
    the final settlement of a cycle-billed order."""

    __tablename__ = "fee_lists"
    __table_args__ = (sa.UniqueConstraint("order_id", "cycle", name="uq_fee_lists_order_cycle"),)
    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    cycle: int = 1
    kind: str = Field(default="service", max_length=16)  # service | cycle | settlement
    period_start: datetime | None = _tz(nullable=True)
    period_end: datetime | None = _tz(nullable=True)
    lines: list[dict[str, Any]] = _json()
    total_fen: int
    status: str = Field(default="issued", max_length=16)  # issued | disputed | confirmed | paid | settled
    created_at: datetime = _tz(default=_now)


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    fee_list_id: str = Field(foreign_key="fee_lists.id", unique=True, max_length=36)
    provider_payment_id: str = Field(max_length=64, unique=True)
    amount_fen: int
    refunded_fen: int = 0
    status: str = Field(default="pending", max_length=16)  # pending | succeeded | refunded | closed
    created_at: datetime = _tz(default=_now)


class Invoice(SQLModel, table=True):
    """The current e-invoice of a payment. On a refund it is voided at the e-invoice platform and
    re-issued for what the customer finally paid; earlier versions are kept in ``history``."""

    __tablename__ = "invoices"
    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    payment_id: str = Field(foreign_key="payments.id", unique=True, max_length=36)
    provider_invoice_id: str = Field(max_length=64, unique=True)
    invoice_no: str = Field(max_length=64)
    amount_fen: int
    status: str = Field(default="issued", max_length=16)  # issued | voided
    version: int = 1
    items: list[dict[str, Any]] = _json(server_default=sa.text("'[]'"))
    history: list[dict[str, Any]] = _json(server_default=sa.text("'[]'"))  # voided earlier versions
    created_at: datetime = _tz(default=_now)


class Refund(SQLModel, table=True):
    """Money given back through the payment platform: one row per (payment, reason)."""

    __tablename__ = "refunds"
    __table_args__ = (sa.UniqueConstraint("payment_id", "reason", name="uq_refunds_payment_reason"),)
    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    payment_id: str = Field(foreign_key="payments.id", max_length=36)
    reason: str = Field(max_length=64)  # e.g. settlement:service, settlement:deposit, order_cancelled
    kind: str = Field(default="service", max_length=16)  # service | deposit
    amount_fen: int
    provider_refund_id: str = Field(max_length=64)
    created_at: datetime = _tz(default=_now)


class FeeDispute(SQLModel, table=True):
    """A customer's dispute of a fee list: a case for customer service (payment is held meanwhile)."""

    __tablename__ = "fee_disputes"
    __table_args__ = (sa.UniqueConstraint("fee_list_id", "round", name="uq_fee_disputes_list_round"),)
    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    fee_list_id: str = Field(foreign_key="fee_lists.id", max_length=36)
    round: int = 1
    reason: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    opened_by: str = Field(max_length=36)
    status: str = Field(default="open", max_length=16)  # open | resolved
    resolution: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    adjustment_fen: int = 0  # taken off the fee list by customer service
    resolved_by: str | None = Field(default=None, max_length=36)
    opened_at: datetime = _tz(default=_now)
    resolved_at: datetime | None = _tz(nullable=True)


class Document(SQLModel, table=True):
    """A printable PDF made by the platform (fee list, settlement, invoice copy) with its SHA-256."""

    __tablename__ = "documents"
    __table_args__ = (sa.UniqueConstraint("kind", "ref_id", "version", name="uq_documents_kind_ref_v"),)
    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    kind: str = Field(max_length=16)  # fee_list | invoice
    ref_id: str = Field(max_length=36)  # the fee list or invoice row
    version: int = 1
    content_enc: bytes = Field(default=b"", sa_column=sa.Column(sa.LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    created_at: datetime = _tz(default=_now)

    content = SealedFile("content")  # type: ignore[pydantic-field]

    def __init__(self, **values: Any) -> None:
        files = take_files(type(self), values)
        super().__init__(**values)
        put_files(self, files)

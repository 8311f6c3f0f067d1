"""Damage claims against the deposit, 跳单 (private hiring) reports and unpaid debts (issue 5, docs/money.md).

Not re-exported by db/models.py (kept apart so the money tables stay where they are). Money is integer fen.
Every row has a business key, so a retried activity finds what the first attempt made: a claim's id is
made by the workflow, a 跳单 report is one per order, a debt one per fee list.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from db.columns import new_id as _id
from db.columns import text_field as _text
from db.columns import tz_field as _tz
from db.columns import utcnow as _now


class DamageClaim(SQLModel, table=True):
    """An agency's claim for damages against the deposit it holds for the customer.

    filed → accepted (by the customer) | disputed → resolved (customer service decides the amount);
    lapsed: still open when the order was cancelled, so never deducted."""

    __tablename__ = "damage_claims"
    id: str = Field(primary_key=True, max_length=36)  # made by the workflow (deterministic on replay)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    agency_id: str = Field(foreign_key="agencies.id", max_length=36)
    amount_fen: int  # what the agency claims
    reason: str = _text()
    status: str = Field(default="filed", max_length=16)  # filed | accepted | disputed | resolved | lapsed
    filed_by: str = Field(max_length=36)
    customer_note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    answered_by: str | None = Field(default=None, max_length=36)
    agreed_fen: int = 0  # accepted: the claimed amount; resolved: what customer service decided
    resolution: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    resolved_by: str | None = Field(default=None, max_length=36)
    deducted_fen: int = 0  # what the settlement took from the deposit
    excess_fen: int = 0  # agreed beyond what the deposit still held: left to the parties (not collected)
    created_at: datetime = _tz(default=_now)
    answered_at: datetime | None = _tz(nullable=True)
    resolved_at: datetime | None = _tz(nullable=True)


class SkipReport(SQLModel, table=True):
    """跳单: the agency reports that the customer hired its worker privately; customer service decides.

    reported → confirmed (a penalty fee list is issued and collected) → paid | overdue; or rejected, or
    lapsed (not decided in time)."""

    __tablename__ = "skip_reports"
    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", unique=True, max_length=36)
    agency_id: str = Field(foreign_key="agencies.id", max_length=36)
    reason: str = _text()
    reported_by: str = Field(max_length=36)
    status: str = Field(default="reported", max_length=16)
    decided_by: str | None = Field(default=None, max_length=36)
    decision_note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    penalty_fen: int = 0
    fee_list_id: str | None = Field(default=None, foreign_key="fee_lists.id", max_length=36)
    created_at: datetime = _tz(default=_now)
    decided_at: datetime | None = _tz(nullable=True)


class Debt(SQLModel, table=True):
    """What a fee list (a settlement, a 跳单 penalty) still asks for after its payment deadline passed:
    recorded for customer service's collection, visible to the order's agency and customer."""

    __tablename__ = "debts"
    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    fee_list_id: str = Field(foreign_key="fee_lists.id", unique=True, max_length=36)
    kind: str = Field(max_length=16)  # settlement | penalty
    amount_fen: int
    status: str = Field(default="open", max_length=16)  # open | paid (collected later by customer service)
    note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    recorded_at: datetime = _tz(default=_now)

"""Damage claims against the deposit, 跳单 penalties and unpaid debts (docs/money.md): the database side.

A claim's id is made by the workflow, a 跳单 report is one per order, a penalty is one fee list per order
(cycle -1) and a debt one per fee list, so a retried activity finds what the first attempt made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.billing import fee_list_view, main_terms
from activities.order_store import append_entry
from db.claims_models import DamageClaim, Debt, SkipReport
from db.columns import utcnow
from db.engine import session_scope
from db.models import FeeList, Order
from documents.billing_docs import store_fee_list_pdf
from domain.fees import FeeLine, as_rows, skip_penalty_fen, total
from domain.orders import Actor, FeeListView

PENALTY_CYCLE = -1  # the 跳单 penalty's fee list (0 is the settlement, 1.. the cycles)


@dataclass(frozen=True)
class ClaimRecord:
    order_id: str
    claim_id: str
    agency_id: str
    amount_fen: int
    reason: str
    filed_by: str


@dataclass(frozen=True)
class ClaimAnswer:
    claim_id: str
    status: str  # accepted | disputed | resolved
    agreed_fen: int
    note: str
    user_id: str


@dataclass(frozen=True)
class DebtRecord:
    order_id: str
    fee_list_id: str
    kind: str  # settlement | penalty
    amount_fen: int
    note: str = ""


@dataclass(frozen=True)
class ReportDecision:
    order_id: str
    status: str  # confirmed | rejected | lapsed | paid | overdue
    user_id: str = ""
    note: str = ""


async def deposit_held(s: AsyncSession, order_id: str) -> int:
    """The deposit the platform holds for the order: paid with the first cycle, not yet settled."""
    lists = {f.cycle: f for f in (await s.exec(select(FeeList).where(FeeList.order_id == order_id))).all()}
    first = lists.get(1)
    if 0 in lists or first is None or first.kind != "cycle" or first.status != "paid":
        return 0
    return sum(int(r["amount_fen"]) for r in first.lines if r.get("kind") == "deposit")


@dataclass(frozen=True)
class LogEntry:
    """The ``n``-th entry of a money workflow beside the order's own (the 跳单 penalty workflow, a late debt
    payment) for the order's audit log: ids and amounts, no PII. ``source`` names the writer: its entries
    are keyed ``<source>:<n>``, so a retried write is stored once."""

    order_id: str
    n: int
    event: str
    actor: Actor
    at: datetime
    detail: dict[str, str | int | bool | None] = field(default_factory=dict)
    source: str = "penalty"


class MoneyClaims:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @activity.defn
    async def file_claim(self, req: ClaimRecord) -> int:
        """Store a claim; refused (``NoDeposit``) unless the deposit is held. Returns the deposit held."""
        async with session_scope(self._engine) as s:
            held = await deposit_held(s, req.order_id)
            if await s.get(DamageClaim, req.claim_id) is not None:
                return held
            if held <= 0:
                raise ApplicationError(
                    "no deposit is held for this order", type="NoDeposit", non_retryable=True
                )
            s.add(
                DamageClaim(
                    id=req.claim_id,
                    order_id=req.order_id,
                    agency_id=req.agency_id,
                    amount_fen=req.amount_fen,
                    reason=req.reason,
                    filed_by=req.filed_by,
                )
            )
            return held

    @activity.defn
    async def answer_claim(self, req: ClaimAnswer) -> None:
        """The customer's answer (accepted / disputed) or customer service's decision (resolved)."""
        async with session_scope(self._engine) as s:
            claim = await s.get(DamageClaim, req.claim_id, with_for_update=True)
            if claim is None:
                raise ApplicationError("no such claim", type="OrderMissing", non_retryable=True)
            if claim.status == req.status:
                return  # a retry
            claim.status, claim.agreed_fen = req.status, req.agreed_fen
            if req.status == "resolved":
                claim.resolution, claim.resolved_by, claim.resolved_at = req.note, req.user_id, utcnow()
            else:
                claim.customer_note, claim.answered_by, claim.answered_at = req.note, req.user_id, utcnow()

    @activity.defn
    async def log_entry(self, e: LogEntry) -> None:
        """Append to the order's hash-chained audit log, in the order's chain (its row lock serialises this
        with the order workflow's own entries); a retry of a stored entry is not stored again."""
        async with session_scope(self._engine) as s:
            order = await s.get(Order, e.order_id, with_for_update=True)
            if order is None:
                raise ApplicationError("order not found", type="OrderMissing", non_retryable=True)
            key = f"{e.source}:{e.n}"
            await append_entry(s, e.order_id, key, order.stage, e.event, e.actor, e.at, e.detail)

    @activity.defn
    async def contract_trial_days(self, order_id: str) -> int:
        """The contract's trial days: a replacement worker's trial period lasts as long."""
        async with session_scope(self._engine) as s:
            return (await main_terms(s, order_id)).trial_days

    @activity.defn
    async def record_debt(self, req: DebtRecord) -> None:
        async with session_scope(self._engine) as s:
            known = (await s.exec(select(Debt).where(Debt.fee_list_id == req.fee_list_id))).first()
            if known is None:
                s.add(
                    Debt(
                        order_id=req.order_id,
                        fee_list_id=req.fee_list_id,
                        kind=req.kind,
                        amount_fen=req.amount_fen,
                        note=req.note,
                    )
                )

    # ------------------------------------------------------------------ 跳单

    @activity.defn
    async def decide_report(self, req: ReportDecision) -> None:
        async with session_scope(self._engine) as s:
            report = (
                await s.exec(select(SkipReport).where(SkipReport.order_id == req.order_id).with_for_update())
            ).first()
            if report is None:
                raise ApplicationError("no 跳单 report", type="OrderMissing", non_retryable=True)
            if req.status in ("confirmed", "rejected", "lapsed"):
                report.decided_by = req.user_id or None
                report.decision_note, report.decided_at = req.note, utcnow()
            report.status = req.status

    @activity.defn
    async def issue_penalty(self, order_id: str) -> FeeListView:
        """The 跳单 penalty's fee list, at the amount the contract states (one per order)."""
        async with session_scope(self._engine) as s:
            existing = (
                await s.exec(
                    select(FeeList).where(FeeList.order_id == order_id, FeeList.cycle == PENALTY_CYCLE)
                )
            ).first()
            if existing is not None:
                return fee_list_view(existing)
            terms = await main_terms(s, order_id)
            amount = skip_penalty_fen(terms)
            basis = "三个月管理费" if terms.management_fee_fen else "单价 × 20，至少 ¥1,000.00"
            lines = [FeeLine(f"跳单违约金（合同违约责任条款：{basis}）", amount, "penalty")]
            row = FeeList(
                order_id=order_id,
                cycle=PENALTY_CYCLE,
                kind="penalty",
                lines=as_rows(lines),
                total_fen=total(lines),
                status="confirmed",  # confirmed by customer service: no customer confirmation step
            )
            s.add(row)
            await s.flush()
            await store_fee_list_pdf(s, row)
            report = (
                await s.exec(select(SkipReport).where(SkipReport.order_id == order_id).with_for_update())
            ).first()
            if report is not None:
                report.fee_list_id, report.penalty_fen = row.id, amount
            return fee_list_view(row)


def claims_activities(engine: AsyncEngine) -> list[Callable[..., Any]]:
    """This module's activities, for the worker."""
    claims = MoneyClaims(engine)
    return [
        claims.file_claim,
        claims.answer_claim,
        claims.contract_trial_days,
        claims.log_entry,
        claims.record_debt,
        claims.decide_report,
        claims.issue_penalty,
    ]

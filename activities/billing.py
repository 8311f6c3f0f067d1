"""Billing (B-7.8): fee lists per visit or per cycle, disputes, payment through the trusted payment platform,
refunds, e-invoices (final settlements of cycle-billed orders: activities/settlement.py).

Nothing is charged, refunded or invoiced twice: every vendor call carries an idempotency key built from
business ids (the fee list, the payment, the refund's reason), and every row has a unique business key, so a
retried activity finds what the first attempt made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.platform_client import PlatformClient, refusal_code
from db.columns import utcnow
from db.engine import session_scope
from db.models import Contract, FeeDispute, FeeList, Invoice, Order, Payment, Refund
from documents.billing_docs import store_fee_list_pdf, store_invoice_pdf
from domain.fees import (
    ClosedCycle,
    FeeLine,
    FeeTerms,
    as_rows,
    cycle_fee_lines,
    single_visit_lines,
    total,
)
from domain.money_state import LateItem
from domain.orders import FeeListView, PaymentView


@dataclass(frozen=True)
class FeeListRequest:
    order_id: str
    cycle: int
    checked_in_at: datetime
    checked_out_at: datetime


@dataclass(frozen=True)
class CycleFeeRequest:
    order_id: str
    cycle: int
    period_start: datetime
    period_end: datetime
    cycle_days: int
    previous: ClosedCycle | None = None
    trial_days: int | None = None  # a replacement's trial days in this cycle (None: the contract's rule)
    late: list[LateItem] = field(default_factory=list)  # late payments whose interest this list charges


@dataclass(frozen=True)
class DisputeRequest:
    order_id: str
    fee_list_id: str
    round: int
    reason: str
    opened_by: str  # a user id


@dataclass(frozen=True)
class ResolutionRequest:
    fee_list_id: str
    round: int
    adjustment_fen: int
    note: str
    resolved_by: str


@dataclass(frozen=True)
class PaymentRequest:
    order_id: str
    fee_list_id: str


@dataclass(frozen=True)
class WithdrawRequest:
    order_id: str
    payment_id: str  # the payment platform's id
    reason: str


@dataclass(frozen=True)
class InvoiceRequest:
    order_id: str
    payment_id: str  # the payment platform's id


def fee_list_view(row: FeeList, disputes: int = 0) -> FeeListView:
    return FeeListView(
        fee_list_id=row.id,
        total_fen=row.total_fen,
        confirmed=row.status in ("confirmed", "paid", "settled"),
        cycle=row.cycle,
        kind=row.kind,
        disputed=row.status == "disputed",
        disputes=disputes,
    )


async def main_terms(s: AsyncSession, order_id: str) -> FeeTerms:
    contract = (
        await s.exec(select(Contract).where(Contract.order_id == order_id, Contract.kind == "main"))
    ).first()
    if contract is None:
        raise ApplicationError("the order has no contract", type="OrderMissing", non_retryable=True)
    return FeeTerms.from_terms(contract.terms)


def invoice_items(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What an invoice lists: the fees, not the deposit (a deposit is held, not earned). Credits and
    adjustments are netted into one line, so every item is positive, as the e-invoice platform requires."""
    fees = [ln for ln in lines if ln.get("kind") not in ("deposit", "prepaid")]
    amount = sum(int(ln["amount_fen"]) for ln in fees)
    if amount <= 0:
        return []
    if all(int(ln["amount_fen"]) >= 0 for ln in fees):
        return [
            {"name": ln["item"][:128], "amount_fen": int(ln["amount_fen"])} for ln in fees if ln["amount_fen"]
        ]
    return [{"name": "家政服务费（已扣减不计费天数及调整）", "amount_fen": amount}]


class Billing:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    async def _existing(self, s: AsyncSession, order_id: str, cycle: int) -> FeeList | None:
        return (
            await s.exec(select(FeeList).where(FeeList.order_id == order_id, FeeList.cycle == cycle))
        ).first()

    async def _issue(self, s: AsyncSession, row: FeeList) -> FeeListView:
        s.add(row)
        await s.flush()
        await store_fee_list_pdf(s, row)
        return fee_list_view(row)

    @activity.defn
    async def issue_fee_list(self, req: FeeListRequest) -> FeeListView:
        """The fee list of one hourly or per-visit order, after check-out."""
        async with session_scope(self._engine) as s:
            existing = await self._existing(s, req.order_id, req.cycle)
            if existing is not None:
                return fee_list_view(existing)
            order = await s.get(Order, req.order_id)
            if order is None:
                raise ApplicationError("order not found", type="OrderMissing", non_retryable=True)
            terms = await main_terms(s, req.order_id)
            lines = single_visit_lines(terms, req.checked_in_at, req.checked_out_at, order.hours_per_visit)
            return await self._issue(
                s,
                FeeList(
                    order_id=req.order_id,
                    cycle=req.cycle,
                    kind="service",
                    period_start=req.checked_in_at,
                    period_end=req.checked_out_at,
                    lines=as_rows(lines),
                    total_fen=total(lines),
                ),
            )

    @activity.defn
    async def issue_cycle_fee_list(self, req: CycleFeeRequest) -> FeeListView:
        """The prepaid fee list at the start of a cycle (live-in, daytime, 月嫂)."""
        async with session_scope(self._engine) as s:
            existing = await self._existing(s, req.order_id, req.cycle)
            if existing is not None:
                return fee_list_view(existing)
            terms = await main_terms(s, req.order_id)
            lines = cycle_fee_lines(
                terms, req.cycle, req.cycle_days, req.previous, req.trial_days, list(req.late)
            )
            return await self._issue(
                s,
                FeeList(
                    order_id=req.order_id,
                    cycle=req.cycle,
                    kind="cycle",
                    period_start=req.period_start,
                    period_end=req.period_end,
                    lines=as_rows(lines),
                    total_fen=total(lines),
                    status="issued" if total(lines) > 0 else "paid",
                ),
            )

    @activity.defn
    async def open_dispute(self, req: DisputeRequest) -> str:
        """Open a customer-service case for a disputed fee list; the list is held (no payment)."""
        async with session_scope(self._engine) as s:
            case = (
                await s.exec(
                    select(FeeDispute).where(
                        FeeDispute.fee_list_id == req.fee_list_id, FeeDispute.round == req.round
                    )
                )
            ).first()
            if case is None:
                case = FeeDispute(
                    order_id=req.order_id,
                    fee_list_id=req.fee_list_id,
                    round=req.round,
                    reason=req.reason,
                    opened_by=req.opened_by,
                )
                s.add(case)
            fee_list = await s.get(FeeList, req.fee_list_id, with_for_update=True)
            if fee_list is not None and fee_list.status == "issued":
                fee_list.status = "disputed"
            await s.flush()
            return case.id

    @activity.defn
    async def resolve_dispute(self, req: ResolutionRequest) -> FeeListView:
        """Customer service closes the case; an adjustment is a negative line on the same list (no payment
        exists yet, so the list can still change); the customer then confirms it again."""
        async with session_scope(self._engine) as s:
            case = (
                await s.exec(
                    select(FeeDispute)
                    .where(FeeDispute.fee_list_id == req.fee_list_id, FeeDispute.round == req.round)
                    .with_for_update()
                )
            ).first()
            fee_list = await s.get(FeeList, req.fee_list_id, with_for_update=True)
            if case is None or fee_list is None:
                raise ApplicationError("no such dispute", type="OrderMissing", non_retryable=True)
            if case.status == "open":
                adjustment = min(max(req.adjustment_fen, 0), fee_list.total_fen)
                case.status, case.resolution, case.adjustment_fen = "resolved", req.note, adjustment
                case.resolved_by, case.resolved_at = req.resolved_by, utcnow()
                if adjustment:
                    line = FeeLine(
                        f"客服调整（争议 {req.round}）：{req.note}"[:120], -adjustment, "adjustment"
                    )
                    fee_list.lines = [*fee_list.lines, *as_rows([line])]
                    fee_list.total_fen -= adjustment
                fee_list.status = "issued"
                await s.flush()
                await store_fee_list_pdf(s, fee_list)
            return fee_list_view(fee_list, req.round)

    @activity.defn
    async def create_payment(self, req: PaymentRequest) -> PaymentView:
        async with session_scope(self._engine) as s:
            fee_list = await s.get(FeeList, req.fee_list_id, with_for_update=True)
            if fee_list is None:
                raise ApplicationError("fee list not found", type="OrderMissing", non_retryable=True)
            existing = (await s.exec(select(Payment).where(Payment.fee_list_id == fee_list.id))).first()
            if existing is not None:
                return PaymentView(existing.provider_payment_id, existing.amount_fen, existing.status)
            amount = fee_list.total_fen
            if fee_list.status in ("issued", "disputed"):
                fee_list.status = "confirmed"
            description = "家政服务费" if fee_list.kind == "service" else f"家政服务费 第{fee_list.cycle}期"
            if fee_list.kind == "settlement":
                description = "家政服务终止结算"
            elif fee_list.kind == "penalty":
                description = "家政服务合同违约金（跳单）"
        answer = await self._platforms.post(
            "/payment/v1/payments",
            {
                "merchant_order_no": req.fee_list_id,
                "amount_fen": amount,
                "description": description,
                "notify_url": self._platforms.callback_url("/api/v1/webhooks/payment"),
            },
            idempotency_key=f"payment:{req.fee_list_id}",
        )
        provider_id = str(answer["payment_id"])
        async with session_scope(self._engine) as s:
            if (await s.exec(select(Payment).where(Payment.fee_list_id == req.fee_list_id))).first() is None:
                s.add(
                    Payment(
                        order_id=req.order_id,
                        fee_list_id=req.fee_list_id,
                        provider_payment_id=provider_id,
                        amount_fen=amount,
                    )
                )
        return PaymentView(provider_id, amount)

    @activity.defn
    async def mark_paid(self, provider_payment_id: str) -> None:
        async with session_scope(self._engine) as s:
            payment = (
                await s.exec(
                    select(Payment)
                    .where(Payment.provider_payment_id == provider_payment_id)
                    .with_for_update()
                )
            ).first()
            if payment is None or payment.status != "pending":
                return
            payment.status = "succeeded"
            fee_list = await s.get(FeeList, payment.fee_list_id, with_for_update=True)
            if fee_list is not None:
                fee_list.status = "paid"
                await s.flush()
                await store_fee_list_pdf(s, fee_list)

    @activity.defn
    async def withdraw_payment(self, req: WithdrawRequest) -> int:
        """Undo a payment on cancellation: close it if unpaid (so it can no longer be paid), refund what
        remains if paid. Returns the total refunded, read back from the payment platform."""
        path = f"/payment/v1/payments/{req.payment_id}"
        payment = await self._platforms.get(path)
        if payment["status"] != "succeeded":
            try:
                payment = await self._platforms.post(f"{path}/close")
            except ApplicationError as err:
                if refusal_code(err) != "payment_already_paid":
                    raise
                payment = await self._platforms.get(path)  # paid meanwhile: refund it below
        refund: dict[str, Any] | None = None
        if payment["status"] == "succeeded":
            remaining = int(payment["amount_fen"]) - int(payment["refunded_fen"])
            if remaining > 0:
                refund = await self._platforms.post(
                    f"{path}/refunds",
                    {"amount_fen": remaining, "reason": req.reason},
                    idempotency_key=f"refund:{req.payment_id}:{req.reason}",
                )
            payment = await self._platforms.get(path)
        refunded = int(payment.get("refunded_fen", 0))
        async with session_scope(self._engine) as s:
            row = (
                await s.exec(
                    select(Payment).where(Payment.provider_payment_id == req.payment_id).with_for_update()
                )
            ).first()
            if row is not None:
                row.refunded_fen = refunded
                row.status = "refunded" if refunded else "closed"
                known = (
                    await s.exec(
                        select(Refund).where(Refund.payment_id == row.id, Refund.reason == req.reason)
                    )
                ).first()
                if refund is not None and known is None:
                    s.add(
                        Refund(
                            order_id=row.order_id,
                            payment_id=row.id,
                            reason=req.reason[:64],
                            amount_fen=int(refund["amount_fen"]),
                            provider_refund_id=str(refund["refund_id"]),
                        )
                    )
        return refunded

    @activity.defn
    async def issue_invoice(self, req: InvoiceRequest) -> str:
        """The e-invoice of a paid fee list (its fees, not the deposit); '' if nothing is to invoice."""
        async with session_scope(self._engine) as s:
            payment = (
                await s.exec(select(Payment).where(Payment.provider_payment_id == req.payment_id))
            ).first()
            if payment is None:
                raise ApplicationError("payment not found", type="OrderMissing", non_retryable=True)
            existing = (await s.exec(select(Invoice).where(Invoice.payment_id == payment.id))).first()
            if existing is not None:
                return existing.provider_invoice_id
            fee_list = await s.get(FeeList, payment.fee_list_id)
            order = await s.get(Order, req.order_id)
            assert fee_list is not None and order is not None
            items = invoice_items(fee_list.lines)
            if fee_list.kind == "settlement":  # what the settlement still asked for
                items = [{"name": "家政服务终止结算应付费用", "amount_fen": payment.amount_fen}]
            if not items:
                return ""
            amount = sum(int(i["amount_fen"]) for i in items)
            body = {
                "reference": payment.id,
                "buyer_ref": order.customer_id,
                "amount_fen": amount,
                "items": items,
            }
            payment_row_id = payment.id
        answer = await self._platforms.post(
            "/einvoice/v1/invoices", body, idempotency_key=f"invoice:{payment_row_id}"
        )
        async with session_scope(self._engine) as s:
            invoice = (await s.exec(select(Invoice).where(Invoice.payment_id == payment_row_id))).first()
            if invoice is None:
                invoice = Invoice(
                    order_id=req.order_id,
                    payment_id=payment_row_id,
                    provider_invoice_id=str(answer["invoice_id"]),
                    invoice_no=str(answer["invoice_no"]),
                    amount_fen=amount,
                    items=items,
                )
                s.add(invoice)
                await s.flush()
                await store_invoice_pdf(s, invoice)
        return str(answer["invoice_id"])

    @activity.defn
    async def void_invoice(self, invoice_id: str) -> None:
        await self._platforms.post(f"/einvoice/v1/invoices/{invoice_id}/void")
        async with session_scope(self._engine) as s:
            invoice = (await s.exec(select(Invoice).where(Invoice.provider_invoice_id == invoice_id))).first()
            if invoice is not None and invoice.status != "voided":
                invoice.status = "voided"
                await s.flush()
                await store_invoice_pdf(s, invoice)


async def order_payments(s: AsyncSession, order_id: str) -> list[Payment]:
    """The order's payments, newest first."""
    return list(
        (
            await s.exec(
                select(Payment).where(Payment.order_id == order_id).order_by(col(Payment.created_at).desc())
            )
        ).all()
    )

"""Billing (B-7.8): fee lists, payment through the trusted payment platform, refunds, e-invoices.

Nothing is charged, refunded or invoiced twice: every vendor call carries an idempotency key built from
business ids (the fee list, the payment), and every row has a unique business key, so a retried activity
finds what the first attempt made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.platform_client import PlatformClient, refusal_code
from db.engine import session_scope
from db.models import Contract, FeeList, Invoice, Order, Payment
from domain.catalogue import PriceModel
from domain.fees import FeeTerms, Served, fee_lines, total
from domain.orders import FeeListView, PaymentView


@dataclass(frozen=True)
class FeeListRequest:
    order_id: str
    cycle: int
    checked_in_at: datetime
    checked_out_at: datetime


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


class Billing:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    @activity.defn
    async def issue_fee_list(self, req: FeeListRequest) -> FeeListView:
        async with session_scope(self._engine) as s:
            existing = (
                await s.exec(
                    select(FeeList).where(FeeList.order_id == req.order_id, FeeList.cycle == req.cycle)
                )
            ).first()
            if existing is not None:
                return FeeListView(existing.id, existing.total_fen, existing.status != "issued")
            order = await s.get(Order, req.order_id)
            contract = (
                await s.exec(
                    select(Contract).where(Contract.order_id == req.order_id, Contract.kind == "main")
                )
            ).first()
            if order is None or contract is None:
                raise ApplicationError("order or contract not found", type="OrderMissing", non_retryable=True)
            t = contract.terms
            terms = FeeTerms(
                PriceModel(t["price_model"]),
                t["unit_price_fen"],
                t.get("min_hours", 0),
                t.get("management_fee_fen", 0),
            )
            lines = fee_lines(
                terms, Served(req.checked_in_at, req.checked_out_at, order.hours_per_visit, order.months)
            )
            fee_list = FeeList(
                order_id=req.order_id,
                cycle=req.cycle,
                lines=[{"item": ln.item, "amount_fen": ln.amount_fen} for ln in lines],
                total_fen=total(lines),
            )
            s.add(fee_list)
            return FeeListView(fee_list.id, fee_list.total_fen)

    @activity.defn
    async def create_payment(self, req: PaymentRequest) -> PaymentView:
        async with session_scope(self._engine) as s:
            fee_list = await s.get(FeeList, req.fee_list_id)
            if fee_list is None:
                raise ApplicationError("fee list not found", type="OrderMissing", non_retryable=True)
            existing = (await s.exec(select(Payment).where(Payment.fee_list_id == fee_list.id))).first()
            if existing is not None:
                return PaymentView(existing.provider_payment_id, existing.amount_fen, existing.status)
            amount = fee_list.total_fen
            fee_list.status = "confirmed"
        answer = await self._platforms.post(
            "/payment/v1/payments",
            {
                "merchant_order_no": req.fee_list_id,
                "amount_fen": amount,
                "description": "家政服务费",
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
            fee_list = await s.get(FeeList, payment.fee_list_id)
            if fee_list is not None:
                fee_list.status = "paid"

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
        if payment["status"] == "succeeded":
            remaining = int(payment["amount_fen"]) - int(payment["refunded_fen"])
            if remaining > 0:
                await self._platforms.post(
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
        return refunded

    @activity.defn
    async def issue_invoice(self, req: InvoiceRequest) -> str:
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
            body = {
                "reference": payment.id,
                "buyer_ref": order.customer_id,
                "amount_fen": payment.amount_fen,
                "items": [{"name": ln["item"], "amount_fen": ln["amount_fen"]} for ln in fee_list.lines],
            }
            payment_row_id, amount = payment.id, payment.amount_fen
        answer = await self._platforms.post(
            "/einvoice/v1/invoices", body, idempotency_key=f"invoice:{payment_row_id}"
        )
        async with session_scope(self._engine) as s:
            if (await s.exec(select(Invoice).where(Invoice.payment_id == payment_row_id))).first() is None:
                s.add(
                    Invoice(
                        order_id=req.order_id,
                        payment_id=payment_row_id,
                        provider_invoice_id=str(answer["invoice_id"]),
                        invoice_no=str(answer["invoice_no"]),
                        amount_fen=amount,
                    )
                )
        return str(answer["invoice_id"])

    @activity.defn
    async def void_invoice(self, invoice_id: str) -> None:
        await self._platforms.post(f"/einvoice/v1/invoices/{invoice_id}/void")
        async with session_scope(self._engine) as s:
            invoice = (await s.exec(select(Invoice).where(Invoice.provider_invoice_id == invoice_id))).first()
            if invoice is not None:
                invoice.status = "voided"

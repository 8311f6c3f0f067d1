"""Unpaid fee lists that become debts (review finding 2): the database and payment-platform side.

Before a debt is recorded its payment is closed at the platform, so the pay page takes no more money; a
payment the platform reports paid meanwhile counts as paid. A payment that the platform's webhook still
reports paid after its workflow closed settles its debt: the payment and the fee list are marked paid,
the debt too, and the invoice is issued (workflows/debts.py). Every step is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.platform_client import PlatformClient, refusal_code
from db.claims_models import Debt
from db.engine import session_scope
from db.models import FeeList, Payment
from documents.billing_docs import store_fee_list_pdf


@dataclass(frozen=True)
class LatePayment:
    """A payment the platform confirmed after the workflow that asked for it had closed."""

    order_id: str
    customer_id: str
    payment_id: str  # the platform's id
    amount_fen: int


class Debts:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    @activity.defn
    async def close_payment(self, payment_id: str) -> str:
        """Close an unpaid payment at the platform (its deadline passed): 'closed', or 'paid' when the
        platform says it was paid meanwhile (the caller then takes it as paid), or the row's status."""
        async with session_scope(self._engine) as s:
            payment = (await s.exec(select(Payment).where(Payment.provider_payment_id == payment_id))).first()
            if payment is None or payment.status != "pending":
                return "paid" if payment is not None and payment.status == "succeeded" else "none"
        try:
            await self._platforms.post(f"/payment/v1/payments/{payment_id}/close")
        except ApplicationError as err:
            if refusal_code(err) != "payment_already_paid":
                raise
            return "paid"
        async with session_scope(self._engine) as s:
            row = (
                await s.exec(
                    select(Payment).where(Payment.provider_payment_id == payment_id).with_for_update()
                )
            ).one()
            if row.status == "pending":
                row.status = "closed"
        return "closed"

    @activity.defn
    async def settle_late_payment(self, late: LatePayment) -> bool:
        """The platform confirmed a payment after its workflow closed. If the payment's fee list is a debt,
        the payment and the fee list are paid and so is the debt. False: no debt to settle (or the amount
        differs from the one asked for: left to customer service)."""
        async with session_scope(self._engine) as s:
            payment = (
                await s.exec(
                    select(Payment).where(Payment.provider_payment_id == late.payment_id).with_for_update()
                )
            ).first()
            if payment is None or payment.amount_fen != late.amount_fen:
                return False
            debt = (
                await s.exec(select(Debt).where(Debt.fee_list_id == payment.fee_list_id).with_for_update())
            ).first()
            if debt is None:
                return False
            if payment.status in ("pending", "closed"):
                payment.status = "succeeded"
            fee_list = await s.get(FeeList, payment.fee_list_id, with_for_update=True)
            if fee_list is not None and fee_list.status != "paid":
                fee_list.status = "paid"
                await s.flush()
                await store_fee_list_pdf(s, fee_list)
            debt.status = "paid"
            return True


def debt_activities(engine: AsyncEngine, platforms: PlatformClient) -> list[Callable[..., Any]]:
    debts = Debts(engine, platforms)
    return [debts.close_payment, debts.settle_late_payment]

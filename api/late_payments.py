"""A payment confirmed by the platform after the workflow that asked for it closed (review finding 2): if
its fee list became a debt, the webhook starts DebtPaymentWorkflow (one per payment), which marks the
payment, the fee list and the debt paid and issues the invoice, instead of only recording the event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.debts import LatePayment
from db.claims_models import Debt
from db.models import Order, Payment
from domain.orders import PaymentEvent
from workflows.debts import DebtPaymentWorkflow, debt_payment_workflow_id


def late_payment_starter(
    session: AsyncSession, temporal: Client, task_queue: str, payment: Payment, event: PaymentEvent
) -> Callable[[], Awaitable[None]] | None:
    """What the payment webhook does when the workflow is closed: settle the debt this payment is for."""
    if event.kind != "payment.succeeded":
        return None

    async def start() -> None:
        debt = (await session.exec(select(Debt).where(Debt.fee_list_id == payment.fee_list_id))).first()
        if debt is None or debt.status == "paid":
            return
        order = await session.get(Order, payment.order_id)
        late = LatePayment(
            order_id=payment.order_id,
            customer_id=order.customer_id if order is not None else "",
            payment_id=payment.provider_payment_id,
            amount_fen=event.amount_fen,
        )
        try:
            await temporal.start_workflow(
                DebtPaymentWorkflow.run,
                late,
                id=debt_payment_workflow_id(payment.provider_payment_id),
                task_queue=task_queue,
            )
        except WorkflowAlreadyStartedError:
            pass  # a repeated delivery: the first one settles it

    return start

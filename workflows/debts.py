"""Debts (review finding 2), the workflow side: a payment past its deadline is closed before its debt is
recorded (``close-before-debt``; paid meanwhile, it counts as paid), and ``DebtPaymentWorkflow`` settles
a debt whose payment the platform confirms after the order's (or the penalty's) workflow closed: the
webhook starts it (id ``debt-payment-<payment>``, one per payment) instead of dropping the event."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.billing import Billing, InvoiceRequest
    from activities.claims import LogEntry, MoneyClaims
    from activities.debts import Debts, LatePayment
    from activities.notifications import Notice, Notifications
    from domain.orders import SYSTEM_ACTOR, PaymentView, Role
    from workflows.policies import DATABASE, NOTIFY, VENDOR

DEBT_CLOSE_PATCH = "close-before-debt"  # the unpaid payment is closed before its debt is recorded


def debt_payment_workflow_id(payment_id: str) -> str:
    return f"debt-payment-{payment_id}"


async def paid_at_close(order_id: str, payment: PaymentView) -> bool:
    """The payment deadline passed: close the payment at the platform so it takes no more money. True:
    the platform says it was paid meanwhile, so it counts as paid (the caller goes on as for a payment)."""
    if not workflow.patched(DEBT_CLOSE_PATCH):
        return False
    status = await workflow.execute_activity_method(Debts.close_payment, payment.payment_id, **VENDOR)
    if status == "paid":
        payment.status = "succeeded"
        return True
    if status == "closed":
        payment.status = "closed"
    return False


@workflow.defn
class DebtPaymentWorkflow:
    """A debt paid after all: payment, fee list and debt marked paid, the e-invoice issued, the customer
    told. Nothing to settle (no debt, another amount): it ends without a step."""

    @workflow.run
    async def run(self, late: LatePayment) -> str:
        if not await workflow.execute_activity_method(Debts.settle_late_payment, late, **DATABASE):
            return "nothing_to_settle"
        await self._log(late, 1, "debt_paid", amount_fen=late.amount_fen)
        invoice_id = await workflow.execute_activity_method(
            Billing.issue_invoice, InvoiceRequest(late.order_id, late.payment_id), **VENDOR
        )
        if invoice_id:
            await self._log(late, 2, "debt_invoiced", invoice_id=invoice_id)
        if invoice_id:
            try:
                await workflow.execute_activity_method(
                    Notifications.notify,
                    Notice(late.order_id, Role.CUSTOMER, late.customer_id, "invoice_issued"),
                    **NOTIFY,
                )
            except ActivityError as err:  # a lost message never undoes the settlement
                workflow.logger.warning("invoice notice not delivered: %s", err.cause)
        return invoice_id or "settled"

    async def _log(self, late: LatePayment, n: int, event: str, **detail: str | int) -> None:
        """The order's audit log, in its chain (keyed by the payment: a retry is stored once)."""
        await workflow.execute_activity_method(
            MoneyClaims.log_entry,
            LogEntry(
                late.order_id, n, event, SYSTEM_ACTOR, workflow.now(), dict(detail), f"debt-{late.payment_id}"
            ),
            **DATABASE,
        )

"""SkipPenaltyWorkflow: the 跳单 penalty of one order (the customer hired the agency's worker privately).

The agency reports it (api/routes/claims.py starts this workflow, ``penalty-<order>``); customer service
confirms or rejects it; a confirmed report issues a penalty fee list at the contract's amount (违约责任:
three months' management fee, or twenty times an hourly item's price), which the customer pays through
the trusted payment platform — confirmed only by its webhook (a signal; repeated events are ignored) —
and which is invoiced like any other payment. Unpaid after the payment deadline and one reminder, it is
recorded as a debt for customer service. Its own workflow, because a 跳单 may be found after the order
closed (the contract covers six months after it ends).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.billing import Billing, InvoiceRequest, PaymentRequest
    from activities.claims import DebtRecord, LogEntry, MoneyClaims, ReportDecision
    from activities.notifications import Notice, Notifications
    from domain.orders import (
        SYSTEM_ACTOR,
        Actor,
        Deadlines,
        FeeListView,
        PaymentEvent,
        PaymentView,
        Refusal,
        Role,
        Waiting,
    )
    from workflows.debts import paid_at_close
    from workflows.policies import DATABASE, NOTIFY, VENDOR

DECISION_DAYS = 30  # customer service decides within a month, or the report lapses
# Changes to the commands of running penalty workflows (docs/money.md, "Patches"):
AUDIT_PATCH = "penalty-audit"  # report, decision, list, payment, invoice, debt: in the order's log
DECIDE_PATCH = "penalty-decide-waits"  # the decide update returns once the workflow has acted on it


def penalty_workflow_id(order_id: str) -> str:
    return f"penalty-{order_id}"


@dataclass(frozen=True)
class PenaltyInput:
    order_id: str
    customer_id: str
    agency_id: str
    deadlines: Deadlines = field(default_factory=Deadlines)
    reported_by: Actor | None = None  # who reported (for the audit log); None in reports made before it


@dataclass(frozen=True)
class PenaltyDecision:
    actor: Actor
    confirm: bool
    note: str


@dataclass
class PenaltyView:
    status: str = "reported"  # reported | confirmed | rejected | lapsed | paid | overdue
    fee_list: FeeListView | None = None
    payment: PaymentView | None = None
    invoice_id: str | None = None
    waiting: Waiting | None = None


@workflow.defn
class SkipPenaltyWorkflow:
    @workflow.init
    def __init__(self, inp: PenaltyInput) -> None:
        self._in = inp
        self._view = PenaltyView()
        self._decision: PenaltyDecision | None = None
        self._seen: set[str] = set()
        self._early: list[PaymentEvent] = []
        self._logged = 0  # entries written to the order's audit log (each one's key: penalty:<n>)
        self._audit = False  # set at the start of the run: write the order's audit log (AUDIT_PATCH)
        self._acted = False  # the run loop has acted on the decision (the decide update returns then)

    @workflow.run
    async def run(self, inp: PenaltyInput) -> PenaltyView:
        self._audit = workflow.patched(AUDIT_PATCH)
        await self._log("skip_reported", inp.reported_by or SYSTEM_ACTOR)
        await self._notify(Role.CUSTOMER_SERVICE, "platform", "skip_reported")
        if not await self._wait("decide", Role.CUSTOMER_SERVICE, DECISION_DAYS * 86400, self._decided):
            await self._log("skip_report_lapsed", SYSTEM_ACTOR)
            return await self._end("lapsed", Role.AGENCY, inp.agency_id)
        decision = self._decision
        assert decision is not None
        if not decision.confirm:
            await self._decide("rejected", decision)
            self._acted = True
            return await self._end("rejected", Role.AGENCY, inp.agency_id)
        await self._decide("confirmed", decision)
        fee_list = await workflow.execute_activity_method(MoneyClaims.issue_penalty, inp.order_id, **DATABASE)
        self._view.fee_list = fee_list
        await self._log("penalty_fee_list_issued", SYSTEM_ACTOR, total_fen=fee_list.total_fen)
        payment = await workflow.execute_activity_method(
            Billing.create_payment, PaymentRequest(inp.order_id, fee_list.fee_list_id), **VENDOR
        )
        self._view.payment = payment
        self._acted = True
        for event in self._early:
            self.payment_event(event)
        self._early = []
        await self._notify(Role.CUSTOMER, inp.customer_id, "penalty_payment_requested")
        for attempt in range(2):
            if await self._wait("pay", Role.CUSTOMER, inp.deadlines.payment, self._paid):
                break
            if attempt == 0:
                await self._notify(Role.CUSTOMER, inp.customer_id, "payment_reminder")
            elif await paid_at_close(inp.order_id, payment):  # closed now; paid meanwhile: it counts
                break
        else:
            await workflow.execute_activity_method(
                MoneyClaims.record_debt,
                DebtRecord(inp.order_id, fee_list.fee_list_id, "penalty", fee_list.total_fen),
                **DATABASE,
            )
            await self._log("debt_recorded", SYSTEM_ACTOR, kind="penalty", amount_fen=fee_list.total_fen)
            await self._notify(Role.CUSTOMER_SERVICE, "platform", "payment_overdue")
            return await self._end("overdue", Role.AGENCY, inp.agency_id)
        await workflow.execute_activity_method(Billing.mark_paid, payment.payment_id, **DATABASE)
        await self._log("penalty_paid", SYSTEM_ACTOR, amount_fen=payment.amount_fen)
        self._view.invoice_id = await workflow.execute_activity_method(
            Billing.issue_invoice, InvoiceRequest(inp.order_id, payment.payment_id), **VENDOR
        )
        if self._view.invoice_id:
            await self._log("penalty_invoice_issued", SYSTEM_ACTOR)
        await self._notify(Role.CUSTOMER, inp.customer_id, "invoice_issued")
        return await self._end("paid", Role.AGENCY, inp.agency_id)

    def _decided(self) -> bool:
        return self._decision is not None

    def _paid(self) -> bool:
        return self._view.payment is not None and self._view.payment.status == "succeeded"

    async def _decide(self, status: str, decision: PenaltyDecision) -> None:
        self._view.status = status
        await workflow.execute_activity_method(
            MoneyClaims.decide_report,
            ReportDecision(self._in.order_id, status, decision.actor.user_id, decision.note),
            **DATABASE,
        )
        await self._log(f"skip_report_{status}", decision.actor)  # the note stays on the report row

    async def _log(self, event: str, actor: Actor, **detail: str | int | bool | None) -> None:
        """An entry in the order's hash-chained audit log (ids and amounts only; reasons and notes stay on
        the report row). Reports started before the log took them write none."""
        if not self._audit:
            return
        self._logged += 1
        await workflow.execute_activity_method(
            MoneyClaims.log_entry,
            LogEntry(self._in.order_id, self._logged, event, actor, workflow.now(), dict(detail)),
            **DATABASE,
        )

    async def _end(self, status: str, role: Role, party_id: str) -> PenaltyView:
        self._view.status = status
        if status != "rejected":  # a rejection was stored with its decision
            await workflow.execute_activity_method(
                MoneyClaims.decide_report, ReportDecision(self._in.order_id, status), **DATABASE
            )
        await self._notify(role, party_id, f"skip_report_{status}")
        return self._view

    async def _wait(self, action: str, party: Role, seconds: float, done: Callable[[], bool]) -> bool:
        self._view.waiting = Waiting(action, party, workflow.now() + timedelta(seconds=seconds))
        try:
            await workflow.wait_condition(done, timeout=timedelta(seconds=seconds), timeout_summary=action)
            return True
        except TimeoutError:
            return False
        finally:
            self._view.waiting = None

    async def _notify(self, role: Role, party_id: str, template: str) -> None:
        try:
            await workflow.execute_activity_method(
                Notifications.notify, Notice(self._in.order_id, role, party_id, template), **NOTIFY
            )
        except ActivityError as err:  # a lost message never holds up the penalty
            workflow.logger.warning("notification %s not delivered: %s", template, err.cause)

    @workflow.query
    def state(self) -> PenaltyView:
        return self._view

    @workflow.update
    async def decide(self, step: PenaltyDecision) -> PenaltyView:
        """Customer service's decision; returns once the workflow has acted on it: stored (and, confirmed,
        the penalty fee list issued and its payment requested), so the answer states the outcome."""
        self._decision = step
        if workflow.patched(DECIDE_PATCH):
            await workflow.wait_condition(lambda: self._acted)
        return self._view

    @decide.validator
    def _v_decide(self, step: PenaltyDecision) -> None:
        if step.actor.role != Role.CUSTOMER_SERVICE:
            raise ApplicationError(
                "only customer service confirms or rejects a 跳单 report",
                type=Refusal.NOT_PERMITTED.value,
                non_retryable=True,
            )
        if self._decision is not None or self._view.status != "reported":
            raise ApplicationError(
                "this report has already been decided", type=Refusal.ALREADY_DONE.value, non_retryable=True
            )
        if not step.note.strip() or len(step.note) > 500:
            raise ApplicationError(
                "explain the decision (1-500 characters)", type=Refusal.INVALID.value, non_retryable=True
            )

    @workflow.signal
    def payment_event(self, event: PaymentEvent) -> None:
        payment = self._view.payment
        if event.event_id in self._seen:
            return
        if payment is None:
            self._early.append(event)  # faster than our own bookkeeping: kept for later
            return
        self._seen.add(event.event_id)
        if event.payment_id != payment.payment_id or event.kind != "payment.succeeded":
            return
        if payment.status == "pending" and event.amount_fen == payment.amount_fen:
            payment.status = "succeeded"

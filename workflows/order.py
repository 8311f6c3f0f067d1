"""OrderWorkflow: one domestic-service order, from demand to evaluation (order-lifecycle.md).

The run method reads top to bottom as the lifecycle. Human steps arrive as Updates (validated by
workflows/order_rules.py, then queued in the Inbox); vendor callbacks arrive as Signals; every wait has a
deadline timer. A cancellation at any stage undoes what was done, in reverse (the saga list).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.billing import Billing, FeeListRequest, InvoiceRequest, PaymentRequest, WithdrawRequest
    from activities.contracts import ContractRequest, Contracts, SignatureRequest, SignedContract
    from activities.interviews import Interviews, RoomRequest
    from activities.matching import Matching, RankRequest
    from activities.notifications import Notice, Notifications
    from activities.order_store import EvaluationRecord, OrderStore, Transition, WorkerReservation
    from domain.orders import (
        SYSTEM_ACTOR,
        Actor,
        CancelInput,
        OrderInput,
        OrderView,
        Outcome,
        Role,
        Stage,
        Waiting,
    )
    from workflows import order_rules as rules
    from workflows.assignment import WORKER_SIGNS_PATCH, AssignmentSteps
    from workflows.order_handlers import WITHDRAWAL_PATCH, OrderHandlers
    from workflows.policies import DATABASE, NOTIFY, VENDOR
    from workflows.search_attributes import AGENCY_ID, CITY, ORDER_STAGE, SERVICE_CATEGORY
    from workflows.service_cycle import Cancelled, CycleService, Terminated

_Cancelled = Cancelled
ANNEX_PATCH = "assignment-annex"  # orders started before annexes existed take no annex (saved histories)
AGENCY_LINK_PATCH = "interview-link-agency"  # the agency, a participant, gets its interview join link
__all__ = ["AGENCY_LINK_PATCH", "ANNEX_PATCH", "WITHDRAWAL_PATCH", "WORKER_SIGNS_PATCH", "OrderWorkflow"]


def order_workflow_id(order_id: str) -> str:
    return f"order-{order_id}"


def initial_search_attributes(inp: OrderInput) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(ORDER_STAGE, Stage.DEMAND.value),
            SearchAttributePair(AGENCY_ID, inp.requested_agency_id or ""),
            SearchAttributePair(SERVICE_CATEGORY, inp.category.value),
            SearchAttributePair(CITY, inp.city),
        ]
    )


@workflow.defn
class OrderWorkflow(OrderHandlers, AssignmentSteps, CycleService):
    @workflow.init
    def __init__(self, inp: OrderInput) -> None:
        self._in = inp
        self._view = OrderView(order_id=inp.order_id)
        self._inbox = rules.Inbox()
        self._saga: list[tuple[str, str]] = []  # (compensation, reference), undone in reverse
        if inp.resume is not None:  # a cycle-billed order continuing as new at a cycle boundary
            self._view = inp.resume.view
            self._saga = [(name, ref) for name, ref in inp.resume.saga]
        self._interview_mode = "video"
        self._cancel_outcome = Outcome.CANCELLED

    # ================================================================ the lifecycle

    @workflow.run
    async def run(self, inp: OrderInput) -> OrderView:
        try:
            if inp.resume is not None:
                return await self._after_cycles(await self._cycles())
            await self._record("order_created", inp.created_by, requested_agency=inp.requested_agency_id)
            if not await self._acceptance():
                return await self._close(Outcome.UNFULFILLED, "no_agency_accepted")
            await self._contract()
            while not await self._matching_and_interview():
                pass
            if self._cycle_billed():  # live-in, daytime, 月嫂: months in billing cycles
                await self._long_service()
                return await self._after_cycles(await self._cycles())
            await self._service()
            if not await self._billing():
                return await self._close(Outcome.PAYMENT_OVERDUE, "payment_overdue")
            await self._evaluation()
            return await self._close(Outcome.COMPLETED, "completed")
        except _Cancelled:
            return await self._cancelled()
        except asyncio.CancelledError:
            # Cancelled from Temporal (a supervisor in the UI): undo what was done, then end as cancelled.
            self._inbox.cancel = self._inbox.cancel or CancelInput(SYSTEM_ACTOR, "cancelled_by_supervisor")
            await self._cancelled()
            raise

    async def _after_cycles(self, result: str) -> OrderView:
        if result == "payment_overdue":
            return await self._close(Outcome.PAYMENT_OVERDUE, "payment_overdue")
        await self._evaluation()
        return await self._close(Outcome.COMPLETED, result)

    async def _acceptance(self) -> bool:
        """B-7.3.1: offer the order to each eligible agency in turn until one accepts."""
        self._view.candidate_agency_ids = await workflow.execute_activity_method(
            OrderStore.route_demand, self._in.order_id, **DATABASE
        )
        await self._enter(Stage.ACCEPTANCE, candidates=len(self._view.candidate_agency_ids))
        for agency_id in self._view.candidate_agency_ids:
            self._view.offered_agency_id = agency_id
            await self._record("offered_to_agency", SYSTEM_ACTOR, agency=agency_id)
            await self._notify(Role.AGENCY, agency_id, "order_offered")
            answered = await self._wait(
                "accept_or_decline",
                Role.AGENCY,
                self._in.deadlines.acceptance,
                lambda: self._inbox.decision is not None or self._inbox.declined is not None,
            )
            self._view.offered_agency_id = None
            if answered and self._inbox.decision is not None:
                self._view.agency_id = agency_id
                await self._record("agency_accepted", self._inbox.decision, agency=agency_id)
                await self._notify(Role.CUSTOMER, self._in.customer_id, "order_accepted")
                return True
            self._view.declined_agency_ids.append(agency_id)
            if self._inbox.declined is not None:
                await self._record(
                    "agency_declined",
                    self._inbox.declined.actor,
                    agency=agency_id,
                    reason=self._inbox.declined.reason,
                )
            else:
                await self._record("acceptance_deadline_passed", SYSTEM_ACTOR, agency=agency_id)
            self._inbox.declined = None
        await self._notify(Role.CUSTOMER, self._in.customer_id, "order_unfulfilled")
        return False

    async def _contract(self) -> None:
        """B-7.3.2: the order is established; generate the e-contract and have every party e-sign it."""
        assert self._view.agency_id is not None
        await self._enter(Stage.CONTRACT)
        contract = await workflow.execute_activity_method(
            Contracts.create_contract, ContractRequest(self._in.order_id, self._view.agency_id), **VENDOR
        )
        self._view.contract = contract
        self._deliver_early_events()
        self._saga.append(("void_contract", contract.contract_id))
        await self._record("contract_generated", SYSTEM_ACTOR, sha256=contract.document_sha256)
        for party in contract.parties:
            await self._notify(party, self._party_id(party), "contract_ready_to_sign")
        deadline = workflow.now() + timedelta(seconds=self._in.deadlines.signing)
        while not contract.completed:
            remaining = (deadline - workflow.now()).total_seconds()
            unsigned = [p for p in contract.parties if p not in contract.signed_by]
            progressed = remaining > 0 and await self._wait(
                "sign_contract",
                unsigned[0] if unsigned else Role.SYSTEM,  # all signed: the platform's callback is awaited
                remaining,
                lambda: bool(self._inbox.signatures) or self._inbox.contract_event is not None,
            )
            if not progressed:
                raise self._deadline_cancel("signing_deadline_passed")
            while self._inbox.signatures:
                signer = self._inbox.signatures.pop(0)
                party = rules.signing_role(self._view, self._in.customer_id, signer)
                assert party is not None
                await workflow.execute_activity_method(
                    Contracts.sign_contract,
                    SignatureRequest(contract.contract_id, contract.flow_id, party),
                    **VENDOR,
                )
                contract.signed_by.append(party)
                await self._record("contract_signed_by", signer, party=party.value)
            event = self._inbox.contract_event
            if event is not None and set(contract.parties) <= set(contract.signed_by):
                await workflow.execute_activity_method(
                    Contracts.confirm_signed,
                    SignedContract(
                        contract.contract_id,
                        contract.flow_id,
                        event.signed_document_sha256,
                        event.certificate_sha256,
                    ),
                    **VENDOR,
                )
                contract.signed_document_sha256 = event.signed_document_sha256
                contract.completed = True
                await self._record(
                    "contract_completed", SYSTEM_ACTOR, signed_sha256=event.signed_document_sha256
                )

    async def _matching_and_interview(self) -> bool:
        """B-7.4.2-3, B-7.5: propose workers, let the customer choose (and interview). False: match again."""
        worker_id = await self._matching()
        if self._view.wants_interview and not await self._interview(worker_id):
            self._view.selected_worker_id = None  # she no longer sees the order
            withdrawn = self._withdrawn(worker_id)
            await self._release(worker_id, "worker_withdrawn" if withdrawn else "interview_failed")
            self._view.rejected_worker_ids.append(worker_id)
            return False
        self._view.worker_id = worker_id
        self._view.selected_worker_id = None
        await self._upsert_search()
        await self._record("worker_assigned", SYSTEM_ACTOR, worker=worker_id)
        if workflow.patched(ANNEX_PATCH):
            contract = self._view.contract
            if contract is not None and contract.three_party and workflow.patched(WORKER_SIGNS_PATCH):
                if not await self._worker_signs_annex(worker_id):
                    return False
            else:
                await self._annex(worker_id)
        await self._notify(Role.WORKER, worker_id, "assignment_confirmed")
        return True

    async def _matching(self) -> str:
        assert self._view.agency_id is not None
        await self._enter(Stage.MATCHING)
        while True:
            ranked = await workflow.execute_activity_method(
                Matching.rank_workers,
                RankRequest(self._in.order_id, self._view.agency_id, list(self._view.rejected_worker_ids)),
                **VENDOR,
            )
            if not ranked:
                await self._record("no_eligible_worker", SYSTEM_ACTOR)
                await self._notify(Role.AGENCY, self._view.agency_id, "add_workers")
                if not await self._wait(
                    "add_workers",
                    Role.AGENCY,
                    self._in.deadlines.staffing,
                    lambda: self._inbox.staffing_ready,
                ):
                    raise self._deadline_cancel("no_worker_available", Outcome.UNFULFILLED)
                self._inbox.staffing_ready = False
                continue
            self._view.proposed_worker_ids = [r.worker_id for r in ranked]
            await self._record("workers_proposed", SYSTEM_ACTOR, count=len(ranked))
            await self._notify(Role.CUSTOMER, self._in.customer_id, "worker_cards_ready")
            chosen = await self._wait(
                "choose_worker",
                Role.CUSTOMER,
                self._in.deadlines.worker_choice,
                lambda: self._inbox.choice is not None or self._inbox.rejection is not None,
            )
            if not chosen:
                raise self._deadline_cancel("worker_choice_deadline_passed")
            rejection, choice = self._inbox.rejection, self._inbox.choice
            self._inbox.rejection = self._inbox.choice = None
            self._view.proposed_worker_ids = []
            if rejection is not None:
                self._view.rejected_worker_ids.append(rejection.worker_id)
                await self._record(
                    "worker_rejected", rejection.actor, worker=rejection.worker_id, reason=rejection.reason
                )
                continue
            assert choice is not None
            reserved = await workflow.execute_activity_method(
                OrderStore.reserve_worker, WorkerReservation(self._in.order_id, choice.worker_id), **DATABASE
            )
            if not reserved:  # taken by another order meanwhile: propose again without her
                self._view.rejected_worker_ids.append(choice.worker_id)
                await self._record("worker_unavailable", SYSTEM_ACTOR, worker=choice.worker_id)
                continue
            self._saga.append(("release_worker", choice.worker_id))
            self._view.selected_worker_id = choice.worker_id
            self._view.wants_interview = choice.interview
            self._interview_mode = choice.interview_mode
            await self._record(
                "worker_selected", choice.actor, worker=choice.worker_id, interview=choice.interview
            )
            return choice.worker_id

    async def _interview(self, worker_id: str) -> bool:
        """B-7.5.3: a video or voice interview; True if the customer passes the worker."""
        await self._enter(Stage.INTERVIEW)
        room_id = await workflow.execute_activity_method(
            Interviews.open_room, RoomRequest(self._in.order_id, worker_id, self._interview_mode), **VENDOR
        )
        self._view.interview_room_id = room_id
        await self._notify(Role.CUSTOMER, self._in.customer_id, "interview_scheduled", room_id=room_id)
        await self._notify(Role.WORKER, worker_id, "interview_scheduled", room_id=room_id)
        if workflow.patched(AGENCY_LINK_PATCH):  # a participant of the room, like customer and worker
            assert self._view.agency_id is not None
            await self._notify(Role.AGENCY, self._view.agency_id, "interview_scheduled", room_id=room_id)
        if not await self._wait(
            "record_interview_result",
            Role.CUSTOMER,
            self._in.deadlines.interview,
            lambda: self._inbox.interview is not None or self._withdrawn(worker_id),
        ):
            raise self._deadline_cancel("interview_deadline_passed")
        result = self._inbox.interview
        if result is None:  # the 安心码 sync withdrew her before the customer decided
            withdrawal = self._inbox.withdrawals[worker_id]
            await workflow.execute_activity_method(Interviews.close_room, room_id, **VENDOR)
            await self._record("worker_withdrawn", SYSTEM_ACTOR, worker=worker_id, reason=withdrawal.reason)
            await self._worker_gone_notices(worker_id)
            return False
        self._inbox.interview = None
        await workflow.execute_activity_method(Interviews.close_room, room_id, **VENDOR)
        self._view.interview_passed = result.passed
        await self._record("interview_recorded", result.actor, worker=worker_id, passed=result.passed)
        return result.passed

    async def _service(self) -> None:
        """B-7.6: the worker checks in (the customer scans the card: 确认入户) and out."""
        await self._enter(Stage.SERVICE)
        assert self._view.worker_id is not None
        await self._notify(Role.WORKER, self._view.worker_id, "service_scheduled")
        grace = (
            max((self._in.starts_at - workflow.now()).total_seconds(), 0) + self._in.deadlines.check_in_grace
        )
        if not await self._wait("check_in", Role.WORKER, grace, lambda: self._inbox.check_in is not None):
            raise self._deadline_cancel("worker_no_show")
        assert self._inbox.check_in is not None
        self._view.checked_in_at = workflow.now()
        await self._record("checked_in", self._inbox.check_in)
        if not await self._wait(
            "check_out", Role.WORKER, self._in.deadlines.service, lambda: self._inbox.check_out is not None
        ):
            await self._notify(Role.CUSTOMER_SERVICE, "platform", "visit_overrun")
            await self._wait("check_out", Role.WORKER, None, lambda: self._inbox.check_out is not None)
        assert self._inbox.check_out is not None
        self._view.checked_out_at = workflow.now()
        await self._record("checked_out", self._inbox.check_out)
        await self._release(self._view.worker_id, "service_done")

    async def _billing(self) -> bool:
        """B-7.8: fee list → customer confirms → trusted payment (webhook) → e-invoice. False: overdue."""
        await self._enter(Stage.BILLING)
        assert self._view.checked_in_at is not None and self._view.checked_out_at is not None
        fee_list = await workflow.execute_activity_method(
            Billing.issue_fee_list,
            FeeListRequest(self._in.order_id, 1, self._view.checked_in_at, self._view.checked_out_at),
            **DATABASE,
        )
        self._view.fee_list = fee_list
        await self._record("fee_list_issued", SYSTEM_ACTOR, total_fen=fee_list.total_fen)
        await self._notify(Role.CUSTOMER, self._in.customer_id, "fee_list_ready")
        while True:
            if not await self._wait_with_reminder(
                "confirm_fee_list",
                lambda: self._inbox.fee_confirmation is not None or self._inbox.dispute is not None,
            ):
                return False
            if self._inbox.dispute is None:
                break
            await self._handle_dispute()  # payment waits until customer service resolves it
        assert self._inbox.fee_confirmation is not None
        fee_list.confirmed = True
        await self._record("fee_list_confirmed", self._inbox.fee_confirmation.actor)
        payment = await workflow.execute_activity_method(
            Billing.create_payment, PaymentRequest(self._in.order_id, fee_list.fee_list_id), **VENDOR
        )
        self._view.payment = payment
        self._deliver_early_events()
        self._saga.append(("withdraw_payment", payment.payment_id))
        await self._notify(Role.CUSTOMER, self._in.customer_id, "payment_requested")
        if not await self._wait_with_reminder("pay", lambda: payment.status == "succeeded"):
            return False
        await workflow.execute_activity_method(Billing.mark_paid, payment.payment_id, **DATABASE)
        await self._record("payment_confirmed", SYSTEM_ACTOR, amount_fen=payment.amount_fen)
        invoice_id = await workflow.execute_activity_method(
            Billing.issue_invoice, InvoiceRequest(self._in.order_id, payment.payment_id), **VENDOR
        )
        self._view.invoice_id = invoice_id
        self._saga.append(("void_invoice", invoice_id))
        await self._record("invoice_issued", SYSTEM_ACTOR)
        await self._notify(Role.CUSTOMER, self._in.customer_id, "invoice_issued")
        return True

    async def _evaluation(self) -> None:
        """B-7.7: the customer rates agency and worker; the window closes with no default rating."""
        await self._enter(Stage.EVALUATION)
        if self._view.worker_id is None:  # nobody served to the end (she was withdrawn): nothing to rate
            await self._record("evaluation_window_closed", SYSTEM_ACTOR, reason="no_worker")
            return
        await self._notify(Role.CUSTOMER, self._in.customer_id, "please_rate")
        if await self._wait(
            "rate", Role.CUSTOMER, self._in.deadlines.evaluation, lambda: self._inbox.rating is not None
        ):
            rating = self._inbox.rating
            assert rating is not None and self._view.agency_id and self._view.worker_id
            await workflow.execute_activity_method(
                OrderStore.store_evaluation,
                EvaluationRecord(
                    self._in.order_id,
                    self._in.customer_id,
                    self._view.agency_id,
                    self._view.worker_id,
                    rating.agency,
                    rating.worker,
                    rating.comment,
                    rating.anonymous,
                ),
                **DATABASE,
            )
            self._view.evaluated = True
            await self._record("rated", rating.actor, anonymous=rating.anonymous)
        else:
            await self._record("evaluation_window_closed", SYSTEM_ACTOR)

    # ================================================================ closing and compensation

    async def _close(self, outcome: Outcome, reason: str) -> OrderView:
        self._view.outcome = outcome
        self._view.closed_reason = reason
        await self._enter(Stage.CLOSED, outcome=outcome.value, reason=reason)
        return self._view

    async def _cancelled(self) -> OrderView:
        cancel = self._inbox.cancel
        assert cancel is not None
        self._view.waiting = None
        self._view.cancelled_by = cancel.actor.role
        self._view.cancelled_at_stage = self._view.stage
        await self._record("cancellation_started", cancel.actor, reason=cancel.reason)
        for name, ref in reversed(self._saga):
            await self._compensate(name, ref)
            self._view.compensations_done.append(name)
            await self._record(f"compensated_{name}", SYSTEM_ACTOR)
        self._saga.clear()
        template = "order_cancelled" if self._cancel_outcome == Outcome.CANCELLED else "order_unfulfilled"
        await self._notify(Role.CUSTOMER, self._in.customer_id, template)
        agency_id = self._view.agency_id or self._view.offered_agency_id
        if agency_id:
            await self._notify(Role.AGENCY, agency_id, template)
        return await self._close(self._cancel_outcome, cancel.reason)

    async def _compensate(self, name: str, ref: str) -> None:
        if name == "void_contract":
            await workflow.execute_activity_method(Contracts.void_contract, ref, **VENDOR)
            if self._view.contract is not None:
                self._view.contract.voided = True
        elif name == "release_worker":
            await self._release(ref, "order_cancelled")
        elif name == "withdraw_payment":
            payment = self._view.payment
            assert payment is not None
            payment.refunded_fen = await workflow.execute_activity_method(
                Billing.withdraw_payment,
                WithdrawRequest(self._in.order_id, payment.payment_id, "order_cancelled"),
                **VENDOR,
            )
            payment.status = "refunded" if payment.refunded_fen else "closed"
        elif name == "void_invoice":
            await workflow.execute_activity_method(Billing.void_invoice, ref, **VENDOR)
        elif name == "settle_service":  # a cycle-billed order cancelled in service: refund what is due
            await self._settle()
        else:  # pragma: no cover - a programming error, fail the task so it can be fixed and replayed
            raise RuntimeError(f"unknown compensation {name}")

    async def _release(self, worker_id: str, reason: str) -> None:
        await workflow.execute_activity_method(
            OrderStore.release_worker, WorkerReservation(self._in.order_id, worker_id, reason), **DATABASE
        )
        self._saga = [(n, r) for n, r in self._saga if (n, r) != ("release_worker", worker_id)]
        self._inbox.withdrawals.pop(worker_id, None)  # she is gone from the order: dealt with

    def _deadline_cancel(self, reason: str, outcome: Outcome = Outcome.CANCELLED) -> _Cancelled:
        """A deadline passed: undo what was done, as for a cancellation, and close with ``outcome``."""
        if self._inbox.cancel is None:
            self._inbox.cancel = CancelInput(SYSTEM_ACTOR, reason)
            self._cancel_outcome = outcome
        return _Cancelled(reason)

    # ================================================================ waiting, recording, notifying

    async def _wait(self, action: str, party: Role, seconds: float | None, done: Callable[[], bool]) -> bool:
        """Wait until ``done()`` or the deadline. Raises _Cancelled if a cancellation arrives meanwhile.

        Waiting for a check-in, a withdrawal of the worker by the 安心码 sync is dealt with here: another
        worker is matched, then the wait goes on for her (at least the check-in grace)."""
        before_start = action == "check_in"
        while True:
            due = workflow.now() + timedelta(seconds=seconds) if seconds is not None else None
            self._view.waiting = Waiting(action, party, due)
            try:
                await workflow.wait_condition(
                    lambda: (
                        done()
                        or self._inbox.cancel is not None
                        or self._inbox.terminate is not None
                        or (before_start and self._withdrawn(self._view.worker_id))
                        or self._release_due(action)
                    ),
                    timeout=timedelta(seconds=seconds) if seconds is not None else None,
                    timeout_summary=action,
                )
                met = True
            except TimeoutError:
                met = False
            self._view.waiting = None
            if self._release_due(action):  # a withdrawn worker leaves now; the wait goes on
                await self._release_at_once()
                if met and not done():
                    if due is not None:
                        seconds = max((due - workflow.now()).total_seconds(), 1)
                    continue
            if self._inbox.cancel is not None:
                raise _Cancelled(self._inbox.cancel.reason)
            if self._inbox.terminate is not None:
                raise Terminated(self._inbox.terminate.reason)
            if not (met and before_start and not done() and self._withdrawn(self._view.worker_id)):
                return met
            await self._rematch_before_start()
            if due is not None:
                left = (due - workflow.now()).total_seconds()
                seconds = max(left, self._in.deadlines.check_in_grace)

    async def _wait_with_reminder(self, action: str, done: Callable[[], bool]) -> bool:
        for attempt in range(2):
            if await self._wait(action, Role.CUSTOMER, self._in.deadlines.payment, done):
                return True
            if attempt == 0:
                await self._notify(Role.CUSTOMER, self._in.customer_id, "payment_reminder")
                await self._record("payment_reminder_sent", SYSTEM_ACTOR, action=action)
        await self._notify(Role.CUSTOMER_SERVICE, "platform", "payment_overdue")
        return False

    async def _enter(self, stage: Stage, **detail: str | int | bool | None) -> None:
        self._view.stage = stage
        await self._upsert_search()
        await self._record(f"entered_{stage.value}", SYSTEM_ACTOR, **detail)

    async def _upsert_search(self) -> None:
        workflow.upsert_search_attributes(
            [ORDER_STAGE.value_set(self._view.stage.value), AGENCY_ID.value_set(self._view.agency_id or "")]
        )

    async def _record(self, event: str, actor: Actor, **detail: str | int | bool | None) -> None:
        """Append to the audit log and keep the order table's projection in step (idempotent on seq)."""
        self._view.events += 1
        await workflow.execute_activity_method(
            OrderStore.record_transition,
            Transition(
                order_id=self._in.order_id,
                seq=self._view.events,
                stage=self._view.stage,
                outcome=self._view.outcome,
                event=event,
                actor=actor,
                at=workflow.now(),
                agency_id=self._view.agency_id,
                offered_agency_id=self._view.offered_agency_id,
                worker_id=self._view.worker_id or self._view.selected_worker_id,
                detail=dict(detail),
            ),
            **DATABASE,
        )

    async def _notify(self, role: Role, party_id: str, template: str, room_id: str | None = None) -> None:
        """Tell someone; a notification that cannot be delivered never holds up the order."""
        try:
            await workflow.execute_activity_method(
                Notifications.notify, Notice(self._in.order_id, role, party_id, template, room_id), **NOTIFY
            )
        except ActivityError as err:
            workflow.logger.warning("notification %s to %s not delivered: %s", template, role, err.cause)

    def _party_id(self, role: Role) -> str:
        ids = {
            Role.CUSTOMER: self._in.customer_id,
            Role.AGENCY: self._view.agency_id,
            Role.WORKER: self._view.worker_id,
        }
        return ids.get(role) or ""

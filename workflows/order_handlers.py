"""The human steps (updates, validated by order_rules), vendor events (signals) and the state query of
OrderWorkflow. Handlers only queue what arrived in the Inbox; the run loop in workflows/order.py acts."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.fees import CYCLE_MODELS
    from domain.orders import (
        SYSTEM_ACTOR,
        CancelInput,
        ConfirmFeeListInput,
        ContractSigned,
        DeclineInput,
        DisputeFeeListInput,
        InterviewResultInput,
        OrderInput,
        OrderView,
        OvertimeInput,
        PauseInput,
        PaymentEvent,
        PaymentView,
        RateInput,
        RejectWorkerInput,
        ReplacementInput,
        ResolveDisputeInput,
        SelectWorkerInput,
        Stage,
        StepInput,
        TerminateInput,
        WorkerWithdrawn,
    )
    from workflows import order_rules as rules
    from workflows.withdrawal import PAUSE_DROP_PATCH, RELEASE_PATCH

WITHDRAWAL_PATCH = "worker-withdrawal"  # orders react to the 安心码 sync withdrawing their worker


_WITHDRAWABLE = (Stage.MATCHING, Stage.INTERVIEW, Stage.SERVICE)


class OrderHandlers:
    _in: OrderInput
    _view: OrderView
    _inbox: rules.Inbox

    @workflow.query
    def state(self) -> OrderView:
        return self._view

    @workflow.update
    def accept(self, step: StepInput) -> None:
        self._inbox.decision = step.actor

    @accept.validator
    def _v_accept(self, step: StepInput) -> None:
        rules.check_decision(self._view, self._inbox, step.actor)

    @workflow.update
    def decline(self, step: DeclineInput) -> None:
        self._inbox.declined = step

    @decline.validator
    def _v_decline(self, step: DeclineInput) -> None:
        rules.check_decline(self._view, self._inbox, step)

    @workflow.update
    def sign_contract(self, step: StepInput) -> None:
        self._inbox.signatures.append(step.actor)

    @sign_contract.validator
    def _v_sign(self, step: StepInput) -> None:
        rules.check_sign(self._view, self._inbox, self._in.customer_id, step.actor)

    @workflow.update
    def sign_annex(self, step: StepInput) -> None:
        self._inbox.annex_signature = step.actor

    @sign_annex.validator
    def _v_sign_annex(self, step: StepInput) -> None:
        rules.check_annex_sign(self._view, self._inbox, step.actor)

    @workflow.update
    def select_worker(self, step: SelectWorkerInput) -> None:
        self._inbox.choice = step

    @select_worker.validator
    def _v_select(self, step: SelectWorkerInput) -> None:
        rules.check_select(self._view, self._inbox, self._in.customer_id, step)

    @workflow.update
    def reject_worker(self, step: RejectWorkerInput) -> None:
        self._inbox.rejection = step

    @reject_worker.validator
    def _v_reject(self, step: RejectWorkerInput) -> None:
        rules.check_reject(self._view, self._inbox, self._in.customer_id, step)

    @workflow.update
    def workers_added(self, step: StepInput) -> None:
        self._inbox.staffing_ready = True

    @workers_added.validator
    def _v_workers_added(self, step: StepInput) -> None:
        rules.check_staffing(self._view, self._inbox, step.actor)

    @workflow.update
    def record_interview(self, step: InterviewResultInput) -> None:
        self._inbox.interview = step

    @record_interview.validator
    def _v_interview(self, step: InterviewResultInput) -> None:
        rules.check_interview(self._view, self._inbox, self._in.customer_id, step)

    @workflow.update
    def check_in(self, step: StepInput) -> None:
        self._inbox.check_in = step.actor

    @check_in.validator
    def _v_check_in(self, step: StepInput) -> None:
        rules.check_check_in(self._view, self._inbox, self._in.customer_id, step.actor)

    @workflow.update
    def check_out(self, step: StepInput) -> None:
        self._inbox.check_out = step.actor

    @check_out.validator
    def _v_check_out(self, step: StepInput) -> None:
        rules.check_check_out(self._view, self._inbox, self._in.customer_id, step.actor)

    @workflow.update
    def confirm_fee_list(self, step: ConfirmFeeListInput) -> None:
        self._inbox.fee_confirmation = step

    @confirm_fee_list.validator
    def _v_confirm_fee_list(self, step: ConfirmFeeListInput) -> None:
        rules.check_fee_confirmation(self._view, self._inbox, self._in.customer_id, step)

    @workflow.update
    def dispute_fee_list(self, step: DisputeFeeListInput) -> None:
        self._inbox.dispute = step

    @dispute_fee_list.validator
    def _v_dispute(self, step: DisputeFeeListInput) -> None:
        rules.check_dispute(self._view, self._inbox, self._in.customer_id, step)

    @workflow.update
    def resolve_dispute(self, step: ResolveDisputeInput) -> None:
        self._inbox.resolution = step

    @resolve_dispute.validator
    def _v_resolve(self, step: ResolveDisputeInput) -> None:
        rules.check_resolution(self._view, self._inbox, step)

    @workflow.update
    def request_replacement(self, step: ReplacementInput) -> None:
        self._inbox.replacement = step

    @request_replacement.validator
    def _v_replacement(self, step: ReplacementInput) -> None:
        rules.check_replacement(self._view, self._inbox, self._in.customer_id, step)

    @workflow.update
    def pause_service(self, step: PauseInput) -> None:
        self._inbox.pause = step

    @pause_service.validator
    def _v_pause(self, step: PauseInput) -> None:
        rules.check_pause(self._view, self._inbox, self._in.customer_id, step)

    @workflow.update
    def resume_service(self, step: StepInput) -> None:
        self._inbox.resume = True

    @resume_service.validator
    def _v_resume(self, step: StepInput) -> None:
        rules.check_resume(self._view, self._inbox, self._in.customer_id, step.actor)

    @workflow.update
    def terminate_service(self, step: TerminateInput) -> None:
        self._inbox.terminate = step

    @terminate_service.validator
    def _v_terminate(self, step: TerminateInput) -> None:
        rules.check_terminate(self._view, self._inbox, self._in.customer_id, step)

    @workflow.update
    def report_overtime(self, step: OvertimeInput) -> None:
        self._inbox.overtime.append(step)

    @report_overtime.validator
    def _v_overtime(self, step: OvertimeInput) -> None:
        rules.check_overtime(self._view, self._inbox, step)

    @workflow.update
    def rate(self, step: RateInput) -> None:
        self._inbox.rating = step

    @rate.validator
    def _v_rate(self, step: RateInput) -> None:
        rules.check_rating(self._view, self._inbox, self._in.customer_id, step)

    @workflow.update
    def cancel(self, step: CancelInput) -> None:
        self._inbox.cancel = step

    @cancel.validator
    def _v_cancel(self, step: CancelInput) -> None:
        rules.check_cancel(self._view, self._inbox, self._in.customer_id, step)

    @workflow.signal
    def contract_signed(self, event: ContractSigned) -> None:
        contract = self._view.contract
        if contract is None and event.event_id not in self._inbox.seen_events:
            self._inbox.early_events.append(event)  # faster than our own bookkeeping: kept for later
            return
        annex = rules.pending_annex(self._view)
        if annex is not None and annex.flow_id and event.flow_id == annex.flow_id:
            if event.event_id not in self._inbox.seen_events:  # 中介制: the worker's annex is signed
                self._inbox.seen_events.add(event.event_id)
                self._inbox.annex_event = event
            return
        if event.event_id in self._inbox.seen_events or contract is None or event.flow_id != contract.flow_id:
            return  # a repeated delivery, or an event for another flow: nothing to do
        self._inbox.seen_events.add(event.event_id)
        self._inbox.contract_event = event

    @workflow.signal
    def payment_event(self, event: PaymentEvent) -> None:
        payment: PaymentView | None = self._view.payment
        if payment is None and event.event_id not in self._inbox.seen_events:
            self._inbox.early_events.append(event)  # faster than our own bookkeeping: kept for later
            return
        if (
            event.event_id in self._inbox.seen_events
            or payment is None
            or event.payment_id != payment.payment_id
        ):
            return
        self._inbox.seen_events.add(event.event_id)
        if event.kind != "payment.succeeded" or payment.status != "pending":
            return  # refunds are confirmed synchronously by the refund call; late events change nothing
        if event.amount_fen != payment.amount_fen:
            workflow.logger.warning(
                "payment %s: paid amount differs from the amount requested", event.payment_id
            )
            return
        payment.status = "succeeded"

    @workflow.signal
    def worker_withdrawn(self, event: WorkerWithdrawn) -> None:
        """The 安心码 sync withdrew a worker. Before her service starts she is released and the order
        matches again (the run loop acts on ``inbox.withdrawals``); a cycle-billed order she already serves
        takes the replacement path; a finished or ending stage is not touched."""
        box, view = self._inbox, self._view
        if event.key in box.seen_events or not workflow.patched(WITHDRAWAL_PATCH):
            return
        box.seen_events.add(event.key)
        if box.cancel is not None or view.stage not in _WITHDRAWABLE:
            return
        if event.worker_id == view.worker_id and (view.checked_in_at is not None or box.check_in is not None):
            service = view.service
            cycle = view.contract is not None and view.contract.price_model in CYCLE_MODELS
            if (
                cycle
                and view.stage == Stage.SERVICE
                and box.replacement is None
                and box.terminate is None
                and not (service is not None and (service.replacing or service.terminated_at))
            ):  # her service has started: the model contract's replacement, as if the customer asked
                box.replacement = ReplacementInput(SYSTEM_ACTOR, f"worker_withdrawn:{event.reason}")
                if service is not None and service.paused_until is not None:
                    box.resume = True  # a pause ends: its days become the replacement gap (not billed)
                if box.pause is not None and workflow.patched(PAUSE_DROP_PATCH):
                    box.pause = None  # a pause not begun yet never begins: the gap starts now
                box.release_now = workflow.patched(RELEASE_PATCH)  # she goes whatever the order waits for
            return  # an hourly visit under way ends as booked; her agency has the flag
        box.withdrawals[event.worker_id] = event  # the run loop acts if she is (or becomes) the order's

    def _deliver_early_events(self) -> None:
        """Apply the vendor events that arrived before their contract or payment was recorded."""
        early, self._inbox.early_events = self._inbox.early_events, []
        for event in early:
            if isinstance(event, ContractSigned):
                self.contract_signed(event)
            else:
                self.payment_event(event)

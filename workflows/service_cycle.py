"""Cycle-billed orders (live-in, daytime, 月嫂): months of service in billing cycles, part of OrderWorkflow.

After the worker's first check-in the service runs cycle by cycle (a calendar month, or 26 days for 月嫂):
each cycle opens with its prepaid fee list (confirm or dispute → trusted payment → e-invoice), then the
worker serves until the cycle's end while the customer may pause, resume, ask for a replacement (the agency
has 3 days; the gap is not billed) or terminate early, and the agency records rest days worked. At each
cycle boundary the order **continues as new** carrying its view, so no run's history grows with the
length of the order. The end (at term, early, or a cancellation in service) is a settlement: unserved
prepaid fees and the deposit go back, less what is still owed; refunded invoices are re-issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.billing import (
        Billing,
        CycleFeeRequest,
        DisputeRequest,
        InvoiceRequest,
        PaymentRequest,
        ResolutionRequest,
    )
    from activities.claims import DebtRecord, MoneyClaims
    from activities.contracts import AnnexRequest, Contracts
    from activities.settlement import Settlements, SettleRequest
    from domain.catalogue import PriceModel
    from domain.fees import (
        CYCLE_MODELS,
        DAY,
        ClosedCycle,
        cycle_period,
        days_in,
        started,
        trial_days_within,
        unbilled_days,
    )
    from domain.money_state import FINAL_CLAIM_STATES, LateItem, lapse_open_claims
    from domain.orders import (
        SYSTEM_ACTOR,
        Actor,
        FeeListView,
        Interval,
        OrderInput,
        OrderView,
        ReplacementInput,
        Resume,
        Role,
        ServiceView,
        Stage,
    )
    from workflows import order_rules as rules
    from workflows.claims import DepositClaims
    from workflows.debts import paid_at_close
    from workflows.policies import DATABASE, VENDOR
    from workflows.withdrawal import WITHDRAWN, WithdrawalAtOnce

# Changes to the commands of running orders, each behind its patch (docs/money.md, "Patches"):
TRIAL_PATCH = "replacement-trial"  # a replacement worker's trial period (one activity at her check-in)
LATE_PATCH = "late-interest"  # a cycle paid after its due date: the interest is recorded and charged
CLAIMS_PATCH = "deposit-claims"  # the settlement waits for open damage claims and logs their outcome
COLLECT_PATCH = "collect-settlement"  # what a settlement asks for is collected, else recorded as a debt
DEEMED_PATCH = "deemed-confirmation"  # a cycle list not answered in its window counts as confirmed
SERVED_PATCH = "served-worker"  # at the end, the worker who served last (never a withdrawn one)
LAPSE_PATCH = "claims-lapse-in-view"  # the settlement's lapsed claims lapse in the view too


class Cancelled(Exception):
    """Raised inside the run loop when a cancellation (a person's or a deadline's) must be carried out."""


class Terminated(Exception):
    """Raised inside the run loop when the customer ends a cycle-billed order early."""


Detail = str | int | bool | None


class CycleService(DepositClaims, WithdrawalAtOnce):
    if TYPE_CHECKING:
        _in: OrderInput
        _view: OrderView
        _inbox: rules.Inbox
        _saga: list[tuple[str, str]]

        async def _wait(
            self, action: str, party: Role, seconds: float | None, done: Callable[[], bool]
        ) -> bool: ...
        async def _wait_with_reminder(self, action: str, done: Callable[[], bool]) -> bool: ...
        async def _record(self, event: str, actor: Actor, **detail: Detail) -> None: ...
        def _deliver_early_events(self) -> None: ...
        async def _enter(self, stage: Stage, **detail: Detail) -> None: ...
        async def _notify(self, role: Role, party_id: str, template: str) -> None: ...
        async def _release(self, worker_id: str, reason: str) -> None: ...
        async def _matching_and_interview(self) -> bool: ...
        def _deadline_cancel(self, reason: str) -> Cancelled: ...

    # ------------------------------------------------------------------ which path

    def _cycle_billed(self) -> bool:
        contract = self._view.contract
        return contract is not None and contract.price_model in CYCLE_MODELS

    def _svc(self) -> ServiceView:
        assert self._view.service is not None
        return self._view.service

    # ------------------------------------------------------------------ annexes (every order, patched)

    async def _annex(self, worker_id: str) -> None:
        """The assignment annex naming the worker just confirmed (a new one at each replacement)."""
        number = len(self._view.annexes) + 1
        annex = await workflow.execute_activity_method(
            Contracts.create_annex, AnnexRequest(self._in.order_id, worker_id, number), **VENDOR
        )
        self._view.annexes.append(annex)
        await self._record("annex_signed", SYSTEM_ACTOR, number=number, sha256=annex.document_sha256)

    # ------------------------------------------------------------------ disputes (every order)

    async def _handle_dispute(self) -> None:
        """A disputed fee list: open a case, hold payment until customer service resolves it."""
        dispute, fee_list = self._inbox.dispute, self._view.fee_list
        assert dispute is not None and fee_list is not None
        self._inbox.dispute = None
        fee_list.disputed, fee_list.disputes = True, fee_list.disputes + 1
        self._view.dispute_open = True
        await workflow.execute_activity_method(
            Billing.open_dispute,
            DisputeRequest(
                self._in.order_id,
                fee_list.fee_list_id,
                fee_list.disputes,
                dispute.reason,
                dispute.actor.user_id,
            ),
            **DATABASE,
        )
        await self._record("fee_list_disputed", dispute.actor, round=fee_list.disputes)
        await self._notify(Role.CUSTOMER_SERVICE, "platform", "fee_dispute_opened")
        await self._wait(
            "resolve_dispute", Role.CUSTOMER_SERVICE, None, lambda: self._inbox.resolution is not None
        )
        resolution = self._inbox.resolution
        assert resolution is not None
        self._inbox.resolution = None
        updated = await workflow.execute_activity_method(
            Billing.resolve_dispute,
            ResolutionRequest(
                fee_list.fee_list_id,
                fee_list.disputes,
                resolution.adjustment_fen,
                resolution.note,
                resolution.actor.user_id,
            ),
            **DATABASE,
        )
        fee_list.total_fen, fee_list.disputed = updated.total_fen, False
        self._view.dispute_open = False
        await self._record(
            "fee_list_dispute_resolved", resolution.actor, adjustment_fen=resolution.adjustment_fen
        )
        await self._notify(Role.CUSTOMER, self._in.customer_id, "fee_list_ready")

    # ------------------------------------------------------------------ the first run: check-in

    async def _long_service(self) -> None:
        """B-7.6 for cycle-billed orders: the first check-in starts the service and its first cycle."""
        contract = self._view.contract
        assert contract is not None and self._view.worker_id is not None
        await self._enter(Stage.SERVICE)
        await self._notify(Role.WORKER, self._view.worker_id, "service_scheduled")
        await self._check_in()
        started = workflow.now()
        first, end = cycle_period(PriceModel(contract.price_model), started, 1)
        self._view.service = ServiceView(
            price_model=contract.price_model,
            cycles_total=max(contract.months, 1),
            cycle=1,
            service_started_at=started,
            period_start=first,
            period_end=end,
            served_worker_id=self._view.worker_id,
        )
        self._saga.append(("settle_service", ""))
        await self._record("service_started", SYSTEM_ACTOR, cycles=self._svc().cycles_total)

    async def _check_in(self, grace: float | None = None) -> None:
        """The worker checks in (确认入户); by the start plus the grace, or within ``grace`` seconds."""
        if grace is None:
            start = max((self._in.starts_at - workflow.now()).total_seconds(), 0)
            grace = start + self._in.deadlines.check_in_grace
        if not await self._wait("check_in", Role.WORKER, grace, lambda: self._inbox.check_in is not None):
            raise self._deadline_cancel("worker_no_show")
        assert self._inbox.check_in is not None
        self._view.checked_in_at = workflow.now()
        await self._record("checked_in", self._inbox.check_in)
        self._inbox.check_in = None

    # ------------------------------------------------------------------ the cycles

    async def _cycles(self) -> str:
        """Run cycles until the term ends ('completed'), the customer terminates ('terminated_early') or a
        cycle stays unpaid ('payment_overdue'; 'overdue_settled' when its settlement is then paid).
        Continues as new between cycles."""
        try:
            while True:
                if not await self._bill_cycle():
                    if workflow.patched(COLLECT_PATCH):
                        paid = await self._finish("payment_overdue", collect=True)
                        return "overdue_settled" if paid else "payment_overdue"
                    await self._finish("payment_overdue", collect=False)
                    return "payment_overdue"
                await self._serve_cycle()
                if self._svc().cycle >= self._svc().cycles_total:
                    break
                await self._next_cycle()
        except Terminated:
            paid = await self._finish("terminated_early", collect=True)
            return "terminated_early" if paid else "payment_overdue"
        paid = await self._finish("completed", collect=True)
        return "completed" if paid else "payment_overdue"

    async def _bill_cycle(self) -> bool:
        st = self._svc()
        assert st.period_start is not None and st.period_end is not None
        money = st.money
        previous = None
        if st.cycle > 1:
            previous = ClosedCycle(
                st.cycle - 1,
                st.previous_cycle_days,
                st.previous_gap_days,
                st.previous_pause_days,
                st.previous_overtime_days,
                money.previous_billed_trial_days,
                money.previous_new_trial_days,
            )
        fee_list = await workflow.execute_activity_method(
            Billing.issue_cycle_fee_list,
            CycleFeeRequest(
                self._in.order_id,
                st.cycle,
                st.period_start,
                st.period_end,
                days_in(st.period_start, st.period_end),
                previous,
                money.billed_trial_days,
                list(money.late),
            ),
            **DATABASE,
        )
        money.late, money.confirmed_at = [], None  # the interest is on this list now
        self._view.fee_list, self._view.payment = fee_list, None
        await self._record("fee_list_issued", SYSTEM_ACTOR, cycle=st.cycle, total_fen=fee_list.total_fen)
        if fee_list.total_fen <= 0:
            st.paid_cycles.append(st.cycle)
            return True
        await self._notify(Role.CUSTOMER, self._in.customer_id, "fee_list_ready")
        return await self._collect(fee_list)

    async def _collect(self, fee_list: FeeListView) -> bool:
        """Confirm (or dispute, then confirm) → trusted payment, webhook-confirmed → e-invoice. A cycle's
        list neither confirmed nor disputed within the confirmation window counts as confirmed then
        (合同第六条, ``deemed-confirmation``), so its payment falls due and late interest can run."""
        deemed = fee_list.kind == "cycle" and workflow.patched(DEEMED_PATCH)
        answered = self._fee_list_answered
        while True:
            if deemed:  # the window is the payment deadline's 7 days (deadlines.payment)
                if not await self._wait(
                    "confirm_fee_list", Role.CUSTOMER, self._in.deadlines.payment, answered
                ):
                    break  # the window passed without an answer: the list counts as confirmed
            elif not await self._wait_with_reminder("confirm_fee_list", answered):
                return False
            if self._inbox.dispute is not None:
                await self._handle_dispute()
                continue
            break
        fee_list.confirmed = True
        self._svc().money.confirmed_at = workflow.now()  # payment is due 7 days later (合同第六条)
        confirmation, self._inbox.fee_confirmation = self._inbox.fee_confirmation, None
        if confirmation is not None:
            await self._record("fee_list_confirmed", confirmation.actor, cycle=fee_list.cycle)
        else:
            await self._record("fee_list_deemed_confirmed", SYSTEM_ACTOR, cycle=fee_list.cycle)
            await self._notify(Role.CUSTOMER, self._in.customer_id, "fee_list_deemed_confirmed")
        payment = await workflow.execute_activity_method(
            Billing.create_payment, PaymentRequest(self._in.order_id, fee_list.fee_list_id), **VENDOR
        )
        self._view.payment = payment
        self._deliver_early_events()
        await self._notify(Role.CUSTOMER, self._in.customer_id, "payment_requested")
        if not await self._wait_with_reminder("pay", lambda: payment.status == "succeeded"):
            if not await paid_at_close(self._in.order_id, payment):
                return False
        await workflow.execute_activity_method(Billing.mark_paid, payment.payment_id, **DATABASE)
        await self._record("payment_confirmed", SYSTEM_ACTOR, amount_fen=payment.amount_fen)
        late = self._late_days()
        if fee_list.kind == "cycle" and late and workflow.patched(LATE_PATCH):
            self._svc().money.late.append(LateItem(fee_list.cycle, payment.amount_fen, late))
            await self._record("payment_late", SYSTEM_ACTOR, cycle=fee_list.cycle, days=late)
        invoice_id = await workflow.execute_activity_method(
            Billing.issue_invoice, InvoiceRequest(self._in.order_id, payment.payment_id), **VENDOR
        )
        st = self._svc()
        st.paid_cycles.append(fee_list.cycle)
        if invoice_id:
            self._view.invoice_id = invoice_id
            st.invoices.append(invoice_id)
            await self._record("invoice_issued", SYSTEM_ACTOR, cycle=fee_list.cycle)
            await self._notify(Role.CUSTOMER, self._in.customer_id, "invoice_issued")
        return True

    def _fee_list_answered(self) -> bool:
        return self._inbox.fee_confirmation is not None or self._inbox.dispute is not None

    def _late_days(self) -> int:
        """Started days from the current list's due date (7 days after it was confirmed) until now."""
        confirmed = self._svc().money.confirmed_at
        if confirmed is None:
            return 0
        due = confirmed + timedelta(seconds=self._in.deadlines.payment)
        return started((workflow.now() - due).total_seconds(), DAY)

    def _request_pending(self) -> bool:
        box = self._inbox
        return bool(box.pause is not None or box.resume or box.overtime or box.replacement is not None)

    async def _serve_cycle(self) -> None:
        """The worker serves until the cycle's end; pauses, resumptions, replacements and rest days worked
        are handled as they come."""
        st = self._svc()
        assert st.period_end is not None
        while True:
            now = workflow.now()
            if now >= st.period_end and not self._request_pending():
                return
            due = min(st.period_end, st.paused_until) if st.paused_until else st.period_end
            seconds = (due - now).total_seconds()
            if seconds > 0 and not self._request_pending():
                action = "paused" if st.paused_until else "in_service"
                await self._wait(action, Role.WORKER, seconds, self._request_pending)
            if st.paused_until and (self._inbox.resume or workflow.now() >= st.paused_until):
                await self._end_pause(self._inbox.resume)
            if self._inbox.pause is not None:
                await self._pause()
            while self._inbox.overtime:
                step = self._inbox.overtime.pop(0)
                st.overtime_days += step.days
                await self._record("rest_days_worked", step.actor, days=step.days, cycle=st.cycle)
            if self._inbox.replacement is not None:
                await self._replace()

    async def _pause(self) -> None:
        step, st = self._inbox.pause, self._svc()
        assert step is not None
        self._inbox.pause = None
        now = workflow.now()
        st.paused_until = now + timedelta(days=step.days)
        st.intervals.append(Interval("pause", now))
        await self._record("service_paused", step.actor, days=step.days)
        if self._view.worker_id:
            await self._notify(Role.WORKER, self._view.worker_id, "service_paused")

    async def _end_pause(self, by_customer: bool) -> None:
        st = self._svc()
        self._inbox.resume = False
        end = min(workflow.now(), st.paused_until) if st.paused_until else workflow.now()
        st.paused_until = None
        for interval in st.intervals:
            if interval.kind == "pause" and interval.end is None:
                interval.end = end  # a pause that ran its course ends when planned, to the minute
        await self._record("service_resumed", SYSTEM_ACTOR, early=by_customer)
        if self._view.worker_id:
            await self._notify(Role.WORKER, self._view.worker_id, "service_resumed")

    async def _replace(self) -> None:
        """Model-contract replacement: the worker leaves now, the agency proposes others (3 days to staff),
        the customer chooses, a new annex names her; the days without a worker are not billed."""
        step = self._inbox.replacement
        assert step is not None
        self._inbox.replacement = None
        st = self._svc()
        if self._view.worker_id is not None:  # else released already: withdrawn while a list was billed
            await self._worker_leaves(step)
        while not await self._matching_and_interview():
            pass
        await self._enter(Stage.SERVICE)
        await self._check_in(self._in.deadlines.staffing)  # the replacement's 3 days, again for her arrival
        st.served_worker_id = self._view.worker_id
        for interval in st.intervals:
            if interval.kind == "gap" and interval.end is None:
                interval.end = workflow.now()
        st.replacing = False
        if workflow.patched(TRIAL_PATCH):  # her trial period starts now (model contract: trial restarts)
            st.money.trial_days = await workflow.execute_activity_method(
                MoneyClaims.contract_trial_days, self._in.order_id, **DATABASE
            )
            st.money.trial_started_at = workflow.now() if st.money.trial_days else None
        await self._record("replacement_completed", SYSTEM_ACTOR, worker=self._view.worker_id)

    async def _worker_leaves(self, step: ReplacementInput) -> None:
        """The first half of a replacement: the worker goes now and the unbilled gap opens."""
        st = self._svc()
        assert self._view.worker_id is not None and self._view.agency_id is not None
        old = self._view.worker_id
        st.replacing, st.replacements = True, st.replacements + 1
        st.intervals.append(Interval("gap", workflow.now()))
        if st.money.trial_started_at is not None:  # a trial ends with the worker: its days so far count
            st.money.earlier_trial_days += self._current_trial_days(workflow.now())
            st.money.trial_started_at = None
        if step.reason.startswith(WITHDRAWN):
            st.served_worker_id = None  # a withdrawn worker never becomes the order's worker again
        await self._record("replacement_requested", step.actor, worker=old)
        await self._release(old, "replaced")
        self._view.rejected_worker_ids.append(old)
        self._view.worker_id, self._view.checked_in_at = None, None
        await self._notify(Role.AGENCY, self._view.agency_id, "replacement_requested")

    def _new_trial_days(self, until: datetime) -> int:
        """Replacement trial days in the current cycle up to ``until`` not yet billed as trial days: those
        of a trial a later replacement cut short, and the current worker's."""
        return self._svc().money.earlier_trial_days + self._current_trial_days(until)

    def _current_trial_days(self, until: datetime) -> int:
        """The current replacement's trial days in the current cycle up to ``until`` that its prepaid list
        did not bill as trial days (those are its first days: the contract's trial, or a trial carried)."""
        st, money = self._svc(), self._svc().money
        ts = money.trial_started_at
        if ts is None or st.period_start is None or ts < st.period_start:
            return 0
        billed = money.billed_trial_days
        if billed is None:
            billed = money.trial_days if st.cycle == 1 else 0
        after_billed = max(st.period_start + timedelta(days=billed), ts)
        return trial_days_within(ts, money.trial_days, after_billed, min(until, st.period_end or until))

    def _settled_trial_days(self, ended: datetime) -> int | None:
        """Trial days among the cycle's served days (None: no replacement trial, the contract's rule)."""
        money = self._svc().money
        if money.trial_started_at is None and not money.earlier_trial_days:
            return None
        billed = money.billed_trial_days
        if billed is None:
            billed = money.trial_days if self._svc().cycle == 1 else 0
        return billed + self._new_trial_days(ended)

    async def _next_cycle(self) -> None:
        """Close the cycle (what it leaves unbilled, rest days worked), open the next, continue as new."""
        st = self._svc()
        assert st.period_start is not None and st.period_end is not None and st.service_started_at
        start, end = st.period_start, st.period_end
        spans = {
            kind: [(i.start, min(i.end or end, end)) for i in st.intervals if i.kind == kind]
            for kind in ("gap", "pause")
        }
        st.previous_gap_days = unbilled_days(spans["gap"], start, end)
        st.previous_pause_days = unbilled_days(spans["pause"], start, end)
        st.previous_cycle_days = days_in(start, end)
        st.previous_overtime_days, st.overtime_days = st.overtime_days, 0
        st.intervals = [Interval(i.kind, end, i.end) for i in st.intervals if i.end is None or i.end > end]
        money = st.money
        money.previous_billed_trial_days = money.billed_trial_days
        money.previous_new_trial_days, money.earlier_trial_days = self._new_trial_days(end), 0
        st.cycle += 1
        st.period_start, st.period_end = cycle_period(
            PriceModel(st.price_model), st.service_started_at, st.cycle
        )
        if money.trial_started_at is not None:  # what is left of her trial falls in the new cycle
            money.billed_trial_days = trial_days_within(
                money.trial_started_at, money.trial_days, st.period_start, st.period_end
            )
        await self._record("cycle_started", SYSTEM_ACTOR, cycle=st.cycle)
        st.max_history_length = max(st.max_history_length, workflow.info().get_current_history_length())
        await workflow.wait_condition(workflow.all_handlers_finished)  # no claim is left half-stored
        box = self._inbox
        busy = self._request_pending() or box.cancel is not None or box.terminate is not None
        if not busy and not box.fee_confirmation and not box.dispute and not box.check_in:
            st.runs += 1
            self._view.waiting = None
            workflow.continue_as_new(
                replace(self._in, resume=Resume(self._view, [[n, r] for n, r in self._saga]))
            )

    # ------------------------------------------------------------------ the end: settlement

    async def _finish(self, reason: str, collect: bool) -> bool:
        """End the service: the workers go, open damage claims are settled, the settlement refunds or asks
        for what is due. False: what it asked for was not paid by the deadline (recorded as a debt)."""
        st = self._svc()
        self._inbox.terminate = None
        if reason == "terminated_early" and st.terminated_at is None:
            st.terminated_at = workflow.now()
        self._view.worker_id = self._worker_at_end()
        await self._enter(Stage.BILLING, reason=reason)
        for name, ref in list(self._saga):
            if name == "release_worker":
                await self._release(ref, "service_done" if reason == "completed" else "terminated")
        if st.money.claims and workflow.patched(CLAIMS_PATCH):
            await self._close_claims()
        await self._settle()
        if collect and st.settlement is not None and st.settlement.amount_due_fen > 0:
            settlement = FeeListView(
                st.settlement.fee_list_id, st.settlement.amount_due_fen, cycle=0, kind="settlement"
            )
            self._view.fee_list, self._view.payment = settlement, None
            await self._notify(Role.CUSTOMER, self._in.customer_id, "fee_list_ready")
            if not await self._collect(settlement) and workflow.patched(COLLECT_PATCH):
                await self._record_debt(settlement)
                return False
        return True

    def _worker_at_end(self) -> str | None:
        """The order's worker from the settlement on (she sees the order, is rated): the current one; if
        the order ended during a replacement, the worker who served last — never a withdrawn worker."""
        view, box = self._view, self._inbox
        withdrawn = box.replacement is not None and box.replacement.reason.startswith(WITHDRAWN)
        if view.worker_id is not None and not withdrawn:
            return view.worker_id
        if not workflow.patched(SERVED_PATCH):  # as before: the last annex's worker (an activity argument)
            if view.worker_id is None and view.annexes:  # not one whose annex was voided before she started
                served = [a for a in view.annexes if not a.voided] or view.annexes
                return served[-1].worker_id
            return view.worker_id
        return None if withdrawn else self._svc().served_worker_id

    async def _record_debt(self, settlement: FeeListView) -> None:
        """The settlement stayed unpaid past its deadline: the debt is recorded for customer service's
        collection and shown to the agency and the customer."""
        assert self._view.agency_id is not None
        await workflow.execute_activity_method(
            MoneyClaims.record_debt,
            DebtRecord(self._in.order_id, settlement.fee_list_id, "settlement", settlement.total_fen),
            **DATABASE,
        )
        self._svc().money.debt_fen = settlement.total_fen
        await self._record("debt_recorded", SYSTEM_ACTOR, amount_fen=settlement.total_fen)
        await self._notify(Role.AGENCY, self._view.agency_id, "payment_overdue")

    def _overdue_now(self) -> list[LateItem]:
        """The current list, confirmed but unpaid at the end: interest from its due date until now."""
        st, fee_list = self._svc(), self._view.fee_list
        days = self._late_days()
        if fee_list is None or fee_list.kind != "cycle" or st.cycle in st.paid_cycles or not days:
            return []
        return [LateItem(fee_list.cycle, fee_list.total_fen, days)]

    async def _settle(self) -> None:
        st = self._svc()
        assert st.period_start is not None and st.period_end is not None
        now = workflow.now()
        for interval in st.intervals:
            interval.end = interval.end or now
        st.paused_until = None
        money = st.money
        money.claims_closed = True
        await workflow.wait_condition(workflow.all_handlers_finished)  # a claim being stored lands first
        if any(c.status not in FINAL_CLAIM_STATES for c in money.claims) and workflow.patched(LAPSE_PATCH):
            lapse_open_claims(money)  # as the settlement does in the database: no answer is taken now
        late = list(money.late)
        if self._overdue_now() and workflow.patched(LATE_PATCH):
            late += self._overdue_now()
        settlement = await workflow.execute_activity_method(
            Settlements.settle_service,
            SettleRequest(
                self._in.order_id,
                st.cycle,
                st.period_start,
                st.period_end,
                now,
                days_in(st.period_start, st.period_end),
                list(st.intervals),
                st.overtime_days,
                self._settled_trial_days(now),
                late,
            ),
            **VENDOR,
        )
        money.late = []
        st.settlement = settlement
        self._saga = [(n, r) for n, r in self._saga if n != "settle_service"]
        await self._record(
            "service_settled",
            SYSTEM_ACTOR,
            refunded_fen=settlement.refunded_fen,
            due_fen=settlement.amount_due_fen,
        )
        await self._notify(Role.CUSTOMER, self._in.customer_id, "settlement_ready")

"""Damage claims against the deposit: three updates of OrderWorkflow (a mixin of CycleService).

The agency files a claim (only on its own order, only while the deposit is held); the customer accepts it
or disputes it; customer service decides a disputed claim. The handlers store each step in
``damage_claims`` themselves (they run while the order serves, so the run loop need not stop), and keep
the workflow's view of the claims; the settlement (workflows/service_cycle.py) closes the claims, waits
for open ones, and takes the agreed amounts from the deposit. Each step is also an entry of the order's
hash-chained audit log (claim id and amounts; reasons and notes stay on the claim row), written by the
workflow's own activity: the database gives entries written concurrently by a handler and the run loop
consecutive places in the chain (``claims-audit``; orders that filed claims before it log only the
outcome at the settlement).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.claims import ClaimAnswer, ClaimRecord, MoneyClaims
    from domain.claims import AnswerClaimInput, FileClaimInput, ResolveClaimInput
    from domain.money_state import AGREED_CLAIM_STATES, FINAL_CLAIM_STATES, ClaimView, MoneyState
    from domain.orders import SYSTEM_ACTOR, Actor, OrderInput, OrderView, Refusal, Role, Stage
    from workflows import order_rules as rules
    from workflows.policies import DATABASE

MAX_CLAIM_FEN = 100_000_000
AUDIT_PATCH = "claims-audit"  # each claim step is an entry of the order's audit log
UNANSWERED = "客户未在期限内答复，转客服裁定"


def _refuse(kind: Refusal, message: str) -> NoReturn:
    raise ApplicationError(message, type=kind.value, non_retryable=True)


def _money(view: OrderView) -> MoneyState:
    if view.service is None:
        _refuse(Refusal.WRONG_STAGE, "damage claims are made against the deposit of a live-in or 月嫂 order")
    return view.service.money


def _claim(view: OrderView, claim_id: str) -> ClaimView:
    for claim in _money(view).claims:
        if claim.claim_id == claim_id:
            return claim
    _refuse(Refusal.INVALID, "no such claim on this order")


def check_file(view: OrderView, inbox: rules.Inbox, step: FileClaimInput) -> None:
    money = _money(view)
    actor = step.actor
    if actor.role != Role.AGENCY or actor.party_id != view.agency_id:
        _refuse(Refusal.NOT_PERMITTED, "only the order's agency may claim damages against the deposit")
    if inbox.cancel is not None or view.stage not in (Stage.SERVICE, Stage.MATCHING, Stage.INTERVIEW):
        _refuse(Refusal.WRONG_STAGE, "claims are made while the service runs and the deposit is held")
    if money.claims_closed or (view.service is not None and 1 not in view.service.paid_cycles):
        _refuse(Refusal.WRONG_STAGE, "no deposit is held for this order now")
    if not 1 <= step.amount_fen <= MAX_CLAIM_FEN:
        _refuse(Refusal.INVALID, "the amount is 1 fen to ¥1,000,000.00")
    if not step.reason.strip() or len(step.reason) > 500:
        _refuse(Refusal.INVALID, "say what was damaged (1-500 characters)")
    if any(c.claim_id == step.claim_id for c in money.claims):
        _refuse(Refusal.ALREADY_DONE, "this claim was already filed")


def check_answer(view: OrderView, customer_id: str, step: AnswerClaimInput) -> None:
    claim = _claim(view, step.claim_id)
    if not step.actor.acts_for_customer(customer_id):
        _refuse(Refusal.NOT_PERMITTED, "only the customer (or a point acting for them) answers a claim")
    if claim.status == "lapsed":
        _refuse(Refusal.WRONG_STAGE, "the order was settled; this claim lapsed")
    if claim.status != "filed":
        _refuse(Refusal.ALREADY_DONE, "this claim has already been answered")
    if len(step.note) > 500:
        _refuse(Refusal.INVALID, "the note may be at most 500 characters")


def check_resolve(view: OrderView, step: ResolveClaimInput) -> None:
    claim = _claim(view, step.claim_id)
    if step.actor.role != Role.CUSTOMER_SERVICE:
        _refuse(Refusal.NOT_PERMITTED, "only customer service decides a disputed claim")
    if claim.status == "lapsed":
        _refuse(Refusal.WRONG_STAGE, "the order was settled; this claim lapsed")
    if claim.status != "disputed":
        _refuse(Refusal.WRONG_STAGE, "only a disputed claim is decided by customer service")
    if not 0 <= step.amount_fen <= claim.amount_fen:
        _refuse(Refusal.INVALID, "the amount owed is between 0 and the amount claimed")
    if not step.note.strip() or len(step.note) > 500:
        _refuse(Refusal.INVALID, "explain the decision (1-500 characters)")


class DepositClaims:
    if TYPE_CHECKING:
        _in: OrderInput
        _view: OrderView
        _inbox: rules.Inbox

        async def _notify(self, role: Role, party_id: str, template: str) -> None: ...
        async def _record(self, event: str, actor: Actor, **detail: str | int | bool | None) -> None: ...
        async def _wait(
            self, action: str, party: Role, seconds: float | None, done: Callable[[], bool]
        ) -> bool: ...

    async def _store_answer(self, claim: ClaimView, status: str, agreed: int, note: str, who: Actor) -> None:
        await workflow.execute_activity_method(
            MoneyClaims.answer_claim,
            ClaimAnswer(claim.claim_id, status, agreed, note, who.user_id),
            **DATABASE,
        )

    async def _log_claim(self, event: str, actor: Actor, claim: ClaimView) -> None:
        if workflow.patched(AUDIT_PATCH):
            await self._record(
                event, actor, claim=claim.claim_id, amount_fen=claim.amount_fen, agreed_fen=claim.agreed_fen
            )

    @workflow.update
    async def file_claim(self, step: FileClaimInput) -> ClaimView:
        money = _money(self._view)
        if money.claims_closed:  # closed between the validator and now
            _refuse(Refusal.WRONG_STAGE, "no deposit is held for this order now")
        assert self._view.agency_id is not None
        claim = ClaimView(step.claim_id, step.amount_fen, status="filing")
        money.claims.append(claim)  # seen by concurrent validators at once: no duplicate filing
        try:
            await workflow.execute_activity_method(
                MoneyClaims.file_claim,
                ClaimRecord(
                    self._in.order_id,
                    step.claim_id,
                    self._view.agency_id,
                    step.amount_fen,
                    step.reason,
                    step.actor.user_id,
                ),
                **DATABASE,
            )
        except ActivityError as err:
            money.claims.remove(claim)
            _refuse(Refusal.WRONG_STAGE, f"the claim was refused: {err.cause or err}")
        claim.status = "filed"
        await self._log_claim("damage_claim_filed", step.actor, claim)
        await self._notify(Role.CUSTOMER, self._in.customer_id, "damage_claim_filed")
        return claim

    @file_claim.validator
    def _v_file_claim(self, step: FileClaimInput) -> None:
        check_file(self._view, self._inbox, step)

    @workflow.update
    async def answer_claim(self, step: AnswerClaimInput) -> ClaimView:
        claim = _claim(self._view, step.claim_id)
        if claim.status != "filed":
            _refuse(Refusal.ALREADY_DONE, "this claim has already been answered")
        if step.accept:
            claim.status, claim.agreed_fen = "accepted", claim.amount_fen
        else:
            claim.status = "disputed"
        await self._store_answer(claim, claim.status, claim.agreed_fen, step.note, step.actor)
        await self._log_claim(f"damage_claim_{claim.status}", step.actor, claim)
        if not step.accept:
            await self._notify(Role.CUSTOMER_SERVICE, "platform", "damage_claim_disputed")
        assert self._view.agency_id is not None
        await self._notify(Role.AGENCY, self._view.agency_id, "damage_claim_answered")
        return claim

    @answer_claim.validator
    def _v_answer_claim(self, step: AnswerClaimInput) -> None:
        check_answer(self._view, self._in.customer_id, step)

    @workflow.update
    async def resolve_claim(self, step: ResolveClaimInput) -> ClaimView:
        claim = _claim(self._view, step.claim_id)
        if claim.status != "disputed":
            _refuse(Refusal.WRONG_STAGE, "only a disputed claim is decided by customer service")
        claim.status, claim.agreed_fen = "resolved", step.amount_fen
        await self._store_answer(claim, "resolved", step.amount_fen, step.note, step.actor)
        await self._log_claim("damage_claim_resolved", step.actor, claim)
        assert self._view.agency_id is not None
        await self._notify(Role.CUSTOMER, self._in.customer_id, "damage_claim_resolved")
        await self._notify(Role.AGENCY, self._view.agency_id, "damage_claim_resolved")
        return claim

    @resolve_claim.validator
    def _v_resolve_claim(self, step: ResolveClaimInput) -> None:
        check_resolve(self._view, step)

    async def _close_claims(self) -> None:
        """No new claims; the customer answers open ones within the payment deadline (unanswered ones go
        to customer service), customer service decides the disputed ones; then the settlement may read
        them. The outcome goes into the audit log."""
        money = _money(self._view)
        money.claims_closed = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        if any(c.status == "filed" for c in money.claims):
            await self._notify(Role.CUSTOMER, self._in.customer_id, "damage_claims_pending")
            await self._wait(
                "answer_claims",
                Role.CUSTOMER,
                self._in.deadlines.payment,
                lambda: all(c.status != "filed" for c in money.claims),
            )
            await workflow.wait_condition(workflow.all_handlers_finished)
            for claim in money.claims:
                if claim.status == "filed":  # not answered in time: customer service decides
                    claim.status = "disputed"
                    await workflow.execute_activity_method(
                        MoneyClaims.answer_claim,
                        ClaimAnswer(claim.claim_id, "disputed", 0, UNANSWERED, "platform"),
                        **DATABASE,
                    )
                    await self._log_claim("damage_claim_unanswered", SYSTEM_ACTOR, claim)
        if any(c.status == "disputed" for c in money.claims):
            await self._notify(Role.CUSTOMER_SERVICE, "platform", "damage_claim_disputed")
            await self._wait(
                "resolve_claims",
                Role.CUSTOMER_SERVICE,
                None,
                lambda: all(c.status in FINAL_CLAIM_STATES for c in money.claims),
            )
            await workflow.wait_condition(workflow.all_handlers_finished)
        agreed = sum(c.agreed_fen for c in money.claims if c.status in AGREED_CLAIM_STATES)
        await self._record("damage_claims_settled", SYSTEM_ACTOR, claims=len(money.claims), agreed_fen=agreed)

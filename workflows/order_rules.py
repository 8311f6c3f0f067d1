"""Who may take which step, and when: the update validators of OrderWorkflow, as pure functions.

A refused step raises ApplicationError(type=Refusal.*) with a sentence a person understands; the API maps
the type to 409/403/422. Nothing here mutates state, so validators stay side-effect free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

from temporalio.exceptions import ApplicationError

from domain.orders import (
    Actor,
    AnnexView,
    CancelInput,
    ConfirmFeeListInput,
    ContractSigned,
    DeclineInput,
    DisputeFeeListInput,
    InterviewResultInput,
    OrderView,
    OvertimeInput,
    PauseInput,
    PaymentEvent,
    RateInput,
    Refusal,
    RejectWorkerInput,
    ReplacementInput,
    ResolveDisputeInput,
    Role,
    Scores,
    SelectWorkerInput,
    ServiceView,
    Stage,
    TerminateInput,
    WorkerWithdrawn,
)


@dataclass
class Inbox:
    """Steps accepted by update handlers and vendor events, waiting for the run loop to act on them."""

    decision: Actor | None = None
    declined: DeclineInput | None = None
    signatures: list[Actor] = field(default_factory=list)
    contract_event: ContractSigned | None = None
    choice: SelectWorkerInput | None = None
    rejection: RejectWorkerInput | None = None
    staffing_ready: bool = False
    interview: InterviewResultInput | None = None
    check_in: Actor | None = None
    check_out: Actor | None = None
    fee_confirmation: ConfirmFeeListInput | None = None
    payment_event: PaymentEvent | None = None
    rating: RateInput | None = None
    cancel: CancelInput | None = None
    seen_events: set[str] = field(default_factory=set)
    # vendor events that arrived before the contract or payment they concern was recorded here
    early_events: list[ContractSigned | PaymentEvent] = field(default_factory=list)
    dispute: DisputeFeeListInput | None = None
    resolution: ResolveDisputeInput | None = None
    replacement: ReplacementInput | None = None
    pause: PauseInput | None = None
    resume: bool = False
    terminate: TerminateInput | None = None
    overtime: list[OvertimeInput] = field(default_factory=list)
    annex_signature: Actor | None = None  # 中介制: the worker e-signed her assignment annex
    annex_event: ContractSigned | None = None  # the e-signature platform completed the annex's flow
    # workers the 安心码 sync withdrew from this order before their service started, by worker id
    withdrawals: dict[str, WorkerWithdrawn] = field(default_factory=dict)
    release_now: bool = False  # the worker serving was withdrawn: she goes whatever the order waits for


def refuse(kind: Refusal, message: str) -> NoReturn:
    raise ApplicationError(message, type=kind.value, non_retryable=True)


def _stage(view: OrderView, step: str, *stages: Stage) -> None:
    if view.stage not in stages:
        refuse(Refusal.WRONG_STAGE, f"'{step}' is not possible while the order is at stage '{view.stage}'")


def _not_cancelling(inbox: Inbox) -> None:
    if inbox.cancel is not None:
        refuse(Refusal.WRONG_STAGE, "the order is being cancelled")


def _customer(view: OrderView, customer_id: str, actor: Actor, step: str) -> None:
    if not actor.acts_for_customer(customer_id):
        refuse(Refusal.NOT_PERMITTED, f"only the customer (or a point acting for them) may {step}")


def check_decision(view: OrderView, inbox: Inbox, actor: Actor) -> None:
    _stage(view, "accept or decline", Stage.ACCEPTANCE)
    _not_cancelling(inbox)
    if actor.role == Role.AGENCY and view.agency_id is not None and actor.party_id == view.agency_id:
        refuse(Refusal.ALREADY_DONE, "the agency has already accepted this order")
    if actor.role != Role.AGENCY or actor.party_id != view.offered_agency_id:
        refuse(Refusal.NOT_PERMITTED, "only the agency the order is offered to may accept or decline it")
    if inbox.decision is not None or inbox.declined is not None:
        refuse(Refusal.ALREADY_DONE, "the agency has already answered this offer")


def check_decline(view: OrderView, inbox: Inbox, step: DeclineInput) -> None:
    check_decision(view, inbox, step.actor)
    if not step.reason.strip():
        refuse(Refusal.INVALID, "a reason is required to decline an order")


def signing_role(view: OrderView, customer_id: str, actor: Actor) -> Role | None:
    """The contract party ``actor`` signs for, or None if they are not a party."""
    if actor.acts_for_customer(customer_id):
        return Role.CUSTOMER
    if actor.role == Role.AGENCY and actor.party_id == view.agency_id:
        return Role.AGENCY
    if actor.role == Role.WORKER and actor.party_id == view.worker_id:
        return Role.WORKER
    return None


def check_sign(view: OrderView, inbox: Inbox, customer_id: str, actor: Actor) -> None:
    _stage(view, "sign the contract", Stage.CONTRACT)
    _not_cancelling(inbox)
    contract = view.contract
    if contract is None:
        refuse(Refusal.WRONG_STAGE, "the contract is still being generated; try again in a moment")
    party = signing_role(view, customer_id, actor)
    if party is None or party not in contract.parties:
        refuse(Refusal.NOT_PERMITTED, "only a party to the contract may sign it")
    pending = {signing_role(view, customer_id, a) for a in inbox.signatures}
    if party in contract.signed_by or party in pending:
        refuse(Refusal.ALREADY_DONE, f"the {party} has already signed this contract")


def pending_annex(view: OrderView) -> AnnexView | None:
    """The annex waiting for its worker's e-signature (中介制), if any."""
    annex = view.annexes[-1] if view.annexes else None
    if annex is None or not annex.worker_signs or annex.voided or annex.signed_document_sha256:
        return None
    return annex


def check_annex_sign(view: OrderView, inbox: Inbox, actor: Actor) -> None:
    """中介制: the worker named in the assignment annex e-signs it (and so the contract, as 丙方)."""
    _not_cancelling(inbox)
    if actor.role != Role.WORKER:
        refuse(Refusal.NOT_PERMITTED, "only the worker named in the assignment annex signs it")
    annex = pending_annex(view)
    if annex is None or actor.party_id != annex.worker_id:
        if any(a.worker_id == actor.party_id and Role.WORKER in a.signed_by for a in view.annexes):
            refuse(Refusal.ALREADY_DONE, "you have already signed your assignment annex")
        refuse(Refusal.WRONG_STAGE, "no assignment annex waits for your signature")
    if Role.WORKER in annex.signed_by or inbox.annex_signature is not None:
        refuse(Refusal.ALREADY_DONE, "you have already signed your assignment annex")
    if actor.party_id in inbox.withdrawals:
        refuse(Refusal.WRONG_STAGE, "you have been withdrawn from this order")


def _choosing(
    view: OrderView, inbox: Inbox, customer_id: str, actor: Actor, worker_id: str, step: str
) -> None:
    _stage(view, step, Stage.MATCHING)
    _not_cancelling(inbox)
    _customer(view, customer_id, actor, step)
    if inbox.choice is not None or inbox.rejection is not None:
        refuse(Refusal.ALREADY_DONE, "a choice about the proposed workers is already being processed")
    if worker_id not in view.proposed_worker_ids:
        refuse(Refusal.INVALID, "that worker is not among the workers proposed for this order")


def check_select(view: OrderView, inbox: Inbox, customer_id: str, step: SelectWorkerInput) -> None:
    _choosing(view, inbox, customer_id, step.actor, step.worker_id, "choose a worker")
    if step.interview_mode not in ("video", "voice"):
        refuse(Refusal.INVALID, "interview_mode must be 'video' or 'voice'")


def check_reject(view: OrderView, inbox: Inbox, customer_id: str, step: RejectWorkerInput) -> None:
    _choosing(view, inbox, customer_id, step.actor, step.worker_id, "ask for another worker")


def check_staffing(view: OrderView, inbox: Inbox, actor: Actor) -> None:
    _stage(view, "report new workers", Stage.MATCHING)
    _not_cancelling(inbox)
    if actor.role != Role.AGENCY or actor.party_id != view.agency_id:
        refuse(Refusal.NOT_PERMITTED, "only the order's agency may report new workers")
    if view.waiting is None or view.waiting.action != "add_workers":
        refuse(Refusal.WRONG_STAGE, "the order is not waiting for the agency to add workers")


def check_interview(view: OrderView, inbox: Inbox, customer_id: str, step: InterviewResultInput) -> None:
    _stage(view, "record the interview result", Stage.INTERVIEW)
    _not_cancelling(inbox)
    _customer(view, customer_id, step.actor, "record the interview result")
    if inbox.interview is not None:
        refuse(Refusal.ALREADY_DONE, "the interview result has already been recorded")


def _on_site(view: OrderView, customer_id: str, actor: Actor, step: str) -> None:
    assigned_worker = actor.role == Role.WORKER and actor.party_id == view.worker_id
    if not (assigned_worker or actor.acts_for_customer(customer_id)):
        refuse(Refusal.NOT_PERMITTED, f"only the assigned worker or the customer may {step}")


def check_check_in(view: OrderView, inbox: Inbox, customer_id: str, actor: Actor) -> None:
    _stage(view, "check in", Stage.SERVICE)
    _not_cancelling(inbox)
    _on_site(view, customer_id, actor, "check in")
    if inbox.check_in is not None or view.checked_in_at is not None:
        refuse(Refusal.ALREADY_DONE, "the worker has already checked in")
    if view.worker_id is None or view.worker_id in inbox.withdrawals:
        refuse(Refusal.WRONG_STAGE, "no one may check in now: the worker was withdrawn or is being replaced")


def check_check_out(view: OrderView, inbox: Inbox, customer_id: str, actor: Actor) -> None:
    _stage(view, "check out", Stage.SERVICE)
    _not_cancelling(inbox)
    _on_site(view, customer_id, actor, "check out")
    if view.service is not None:
        refuse(
            Refusal.WRONG_STAGE,
            "a cycle-billed order ends at the end of its term or by early termination, not by checking out",
        )
    if inbox.check_in is None and view.checked_in_at is None:
        refuse(Refusal.WRONG_STAGE, "the worker has not checked in yet")
    if inbox.check_out is not None:
        refuse(Refusal.ALREADY_DONE, "the worker has already checked out")


def _fee_list_step(
    view: OrderView, inbox: Inbox, customer_id: str, actor: Actor, fee_list_id: str, step: str
) -> None:
    """Confirm or dispute: at billing, or in service for a cycle-billed order (each cycle is prepaid)."""
    if view.service is not None:
        _stage(view, step, Stage.SERVICE, Stage.BILLING, Stage.MATCHING, Stage.INTERVIEW)
    else:
        _stage(view, step, Stage.BILLING)
    _not_cancelling(inbox)
    _customer(view, customer_id, actor, step)
    if view.fee_list is None or (view.waiting is not None and view.waiting.action == "pay"):
        if view.fee_list is not None and view.fee_list.fee_list_id == fee_list_id:
            refuse(Refusal.ALREADY_DONE, "the fee list has already been confirmed")
        refuse(Refusal.WRONG_STAGE, "no fee list waits for you; try again in a moment")
    if view.fee_list.fee_list_id != fee_list_id:
        refuse(Refusal.INVALID, "that is not the current fee list of this order")
    if view.fee_list.confirmed or inbox.fee_confirmation is not None:
        refuse(Refusal.ALREADY_DONE, "the fee list has already been confirmed")
    if view.fee_list.disputed or inbox.dispute is not None:
        refuse(Refusal.WRONG_STAGE, "the fee list is disputed; customer service is handling it")


def check_fee_confirmation(
    view: OrderView, inbox: Inbox, customer_id: str, step: ConfirmFeeListInput
) -> None:
    _fee_list_step(view, inbox, customer_id, step.actor, step.fee_list_id, "confirm the fee list")


def check_dispute(view: OrderView, inbox: Inbox, customer_id: str, step: DisputeFeeListInput) -> None:
    _fee_list_step(view, inbox, customer_id, step.actor, step.fee_list_id, "dispute the fee list")
    if not step.reason.strip() or len(step.reason) > 500:
        refuse(Refusal.INVALID, "say what is wrong with the fee list (1-500 characters)")


def check_resolution(view: OrderView, inbox: Inbox, step: ResolveDisputeInput) -> None:
    if step.actor.role != Role.CUSTOMER_SERVICE:
        refuse(Refusal.NOT_PERMITTED, "only customer service resolves fee-list disputes")
    if not view.dispute_open or view.fee_list is None or inbox.resolution is not None:
        refuse(Refusal.WRONG_STAGE, "no fee-list dispute is open on this order")
    if view.fee_list.fee_list_id != step.fee_list_id:
        refuse(Refusal.INVALID, "that is not the disputed fee list")
    if not 0 <= step.adjustment_fen <= view.fee_list.total_fen:
        refuse(Refusal.INVALID, "the adjustment must be between 0 and the fee list's total")
    if not step.note.strip() or len(step.note) > 500:
        refuse(Refusal.INVALID, "explain the resolution (1-500 characters)")


def _in_service(view: OrderView, inbox: Inbox, customer_id: str, actor: Actor, step: str) -> ServiceView:
    service = view.service
    if service is None:
        refuse(Refusal.WRONG_STAGE, f"only live-in, daytime and 月嫂 orders in service may {step}")
    _stage(view, step, Stage.SERVICE)
    _not_cancelling(inbox)
    _customer(view, customer_id, actor, step)
    if service.terminated_at is not None or inbox.terminate is not None:
        refuse(Refusal.WRONG_STAGE, "the service is ending")
    return service


def check_replacement(view: OrderView, inbox: Inbox, customer_id: str, step: ReplacementInput) -> None:
    service = _in_service(view, inbox, customer_id, step.actor, "ask for a replacement")
    if service.replacing or inbox.replacement is not None:
        refuse(Refusal.ALREADY_DONE, "a replacement is already under way")
    if service.paused_until is not None or inbox.pause is not None:
        refuse(Refusal.WRONG_STAGE, "the service is paused; resume it first")
    if view.checked_in_at is None:
        refuse(Refusal.WRONG_STAGE, "the worker has not checked in yet")


def check_pause(view: OrderView, inbox: Inbox, customer_id: str, step: PauseInput) -> None:
    service = _in_service(view, inbox, customer_id, step.actor, "pause the service")
    if service.paused_until is not None or inbox.pause is not None:
        refuse(Refusal.ALREADY_DONE, "the service is already paused")
    if service.replacing or inbox.replacement is not None:
        refuse(Refusal.WRONG_STAGE, "a replacement is under way")
    if not 1 <= step.days <= 30:
        refuse(Refusal.INVALID, "a pause lasts 1 to 30 days")


def check_resume(view: OrderView, inbox: Inbox, customer_id: str, actor: Actor) -> None:
    service = _in_service(view, inbox, customer_id, actor, "resume the service")
    if service.paused_until is None or inbox.resume:
        refuse(Refusal.WRONG_STAGE, "the service is not paused")


def check_terminate(view: OrderView, inbox: Inbox, customer_id: str, step: TerminateInput) -> None:
    service = view.service
    if service is None:
        refuse(Refusal.WRONG_STAGE, "only live-in, daytime and 月嫂 orders in service are terminated early")
    _stage(view, "terminate the service", Stage.SERVICE, Stage.MATCHING, Stage.INTERVIEW)
    _not_cancelling(inbox)
    if step.actor.role != Role.CUSTOMER_SERVICE:
        _customer(view, customer_id, step.actor, "terminate the service")
    if service.terminated_at is not None or inbox.terminate is not None:
        refuse(Refusal.ALREADY_DONE, "the service is already being terminated")
    if not step.reason.strip() or len(step.reason) > 500:
        refuse(Refusal.INVALID, "a reason is required to terminate the service (1-500 characters)")


def check_overtime(view: OrderView, inbox: Inbox, step: OvertimeInput) -> None:
    service = view.service
    if service is None:
        refuse(Refusal.WRONG_STAGE, "rest days worked are recorded for live-in and daytime orders only")
    _stage(view, "record rest days worked", Stage.SERVICE)
    _not_cancelling(inbox)
    agency = step.actor.role == Role.AGENCY and step.actor.party_id == view.agency_id
    worker = step.actor.role == Role.WORKER and step.actor.party_id == view.worker_id
    if not (agency or worker):
        refuse(Refusal.NOT_PERMITTED, "only the order's agency or its worker records rest days worked")
    pending = sum(o.days for o in inbox.overtime)
    if not 1 <= step.days or service.overtime_days + pending + step.days > 8:
        refuse(Refusal.INVALID, "1 to 8 rest days worked may be recorded per cycle")


def _scores_problem(scores: Scores) -> str | None:
    for name, value in scores.as_dict().items():
        if not 1 <= value <= 5:
            return f"score '{name}' must be between 1 and 5"
    return None


def check_rating(view: OrderView, inbox: Inbox, customer_id: str, step: RateInput) -> None:
    _stage(view, "rate the service", Stage.EVALUATION)
    _customer(view, customer_id, step.actor, "rate the service")
    if inbox.rating is not None or view.evaluated:
        refuse(Refusal.ALREADY_DONE, "this order has already been rated")
    problem = _scores_problem(step.agency) or _scores_problem(step.worker)
    if problem:
        refuse(Refusal.INVALID, problem)
    if len(step.comment) > 2000:
        refuse(Refusal.INVALID, "the comment may be at most 2000 characters")


_BEFORE_SERVICE = (Stage.DEMAND, Stage.ACCEPTANCE, Stage.CONTRACT, Stage.MATCHING, Stage.INTERVIEW)


def check_cancel(view: OrderView, inbox: Inbox, customer_id: str, step: CancelInput) -> None:
    if view.stage == Stage.CLOSED:
        refuse(Refusal.WRONG_STAGE, "the order is already closed")
    if view.stage == Stage.EVALUATION:
        refuse(
            Refusal.WRONG_STAGE,
            "the service is complete and paid; it can no longer be cancelled — "
            "customer service (客服) handles any complaint",
        )
    if inbox.cancel is not None:
        refuse(Refusal.ALREADY_DONE, "the order is already being cancelled")
    if not step.reason.strip():
        refuse(Refusal.INVALID, "a reason is required to cancel an order")
    actor = step.actor
    if actor.role == Role.CUSTOMER_SERVICE:
        return
    if view.stage not in _BEFORE_SERVICE:
        refuse(
            Refusal.NOT_PERMITTED, "once the service has started only customer service may cancel the order"
        )
    if actor.acts_for_customer(customer_id):
        return
    if actor.role == Role.AGENCY and view.agency_id is not None and actor.party_id == view.agency_id:
        return
    if actor.role == Role.AGENCY and actor.party_id == view.offered_agency_id:
        refuse(Refusal.NOT_PERMITTED, "an agency that has not accepted the order declines it instead")
    refuse(Refusal.NOT_PERMITTED, "only the customer, the order's agency or customer service may cancel it")

"""The order workflow's contract: its input, the human steps (updates), vendor events (signals) and its view.

Everything here crosses Temporal, so it is plain data and carries no personal data: people are opaque
ids, places are district codes. Names, phones, ID numbers and street addresses stay in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.catalogue import ServiceCategory, ServiceMode
from domain.money_state import MoneyState


class Stage(StrEnum):
    DEMAND = "demand"
    ACCEPTANCE = "acceptance"
    CONTRACT = "contract"
    MATCHING = "matching"
    INTERVIEW = "interview"
    SERVICE = "service"
    BILLING = "billing"
    EVALUATION = "evaluation"
    CLOSED = "closed"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class Outcome(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    UNFULFILLED = "unfulfilled"  # no agency accepted, or no worker could be found
    PAYMENT_OVERDUE = "payment_overdue"  # handed to customer service for collection


class Role(StrEnum):
    CUSTOMER = "customer"
    POINT_STAFF = "point_staff"  # community service point acting for a consenting customer
    AGENCY = "agency"
    WORKER = "worker"
    CUSTOMER_SERVICE = "customer_service"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    SYSTEM = "system"  # the platform itself: timers, vendors' callbacks


class Channel(StrEnum):
    WEB = "web"
    POINT = "point"
    API = "api"
    SYSTEM = "system"
    VENDOR = "vendor"


@dataclass(frozen=True)
class Actor:
    """Who performs a step. ``party_id`` is the customer, agency or worker the user acts for."""

    role: Role
    user_id: str
    party_id: str
    channel: Channel = Channel.API
    point_id: str | None = None  # set when a community point acts on a customer's behalf

    def acts_for_customer(self, customer_id: str) -> bool:
        return self.role in (Role.CUSTOMER, Role.POINT_STAFF) and self.party_id == customer_id


SYSTEM_ACTOR = Actor(role=Role.SYSTEM, user_id="platform", party_id="platform", channel=Channel.SYSTEM)


@dataclass(frozen=True)
class Deadlines:
    """How long each party has to act, in seconds. Defaults follow order-lifecycle.md."""

    acceptance: int = 24 * 3600
    signing: int = 72 * 3600
    worker_choice: int = 72 * 3600
    staffing: int = 72 * 3600
    interview: int = 7 * 24 * 3600
    check_in_grace: int = 24 * 3600  # after the scheduled start; then the order is a no-show
    service: int = 30 * 24 * 3600  # longest a visit may stay checked in before customer service is told
    payment: int = 7 * 24 * 3600  # after the fee list is issued; one reminder, then overdue
    evaluation: int = 14 * 24 * 3600
    annex_signing: int = 48 * 3600  # 中介制: the confirmed worker e-signs her annex, else she is released


@dataclass(frozen=True)
class OrderInput:
    order_id: str
    customer_id: str
    category: ServiceCategory
    mode: ServiceMode
    city: str  # administrative code of the city, e.g. 330100 (杭州)
    district: str  # administrative code of the district, e.g. 330106 (西湖区)
    starts_at: datetime
    created_by: Actor
    requested_agency_id: str | None = None
    deadlines: Deadlines = field(default_factory=Deadlines)
    resume: Resume | None = None  # set when a cycle-billed order continues as new at a cycle boundary


# ---------------------------------------------------------------- human steps (updates)


@dataclass(frozen=True)
class StepInput:
    """Accept, sign, check in/out, confirm staffing: steps that need only who acts."""

    actor: Actor


@dataclass(frozen=True)
class DeclineInput:
    actor: Actor
    reason: str


@dataclass(frozen=True)
class SelectWorkerInput:
    actor: Actor
    worker_id: str
    interview: bool = False
    interview_mode: str = "video"  # or "voice"


@dataclass(frozen=True)
class RejectWorkerInput:
    actor: Actor
    worker_id: str
    reason: str = ""


@dataclass(frozen=True)
class InterviewResultInput:
    actor: Actor
    passed: bool
    note: str = ""


@dataclass(frozen=True)
class ConfirmFeeListInput:
    actor: Actor
    fee_list_id: str


@dataclass(frozen=True)
class Scores:
    """1-5 on each dimension of B-7.7.1."""

    content: int
    range: int
    quality: int
    attitude: int
    punctuality: int

    def as_dict(self) -> dict[str, int]:
        return {
            "content": self.content,
            "range": self.range,
            "quality": self.quality,
            "attitude": self.attitude,
            "punctuality": self.punctuality,
        }


@dataclass(frozen=True)
class RateInput:
    actor: Actor
    agency: Scores
    worker: Scores
    comment: str = ""
    anonymous: bool = False


@dataclass(frozen=True)
class CancelInput:
    actor: Actor
    reason: str


@dataclass(frozen=True)
class DisputeFeeListInput:
    """The customer disputes a fee list: payment is held and a customer-service case opens."""

    actor: Actor
    fee_list_id: str
    reason: str


@dataclass(frozen=True)
class ResolveDisputeInput:
    """Customer service closes the case: ``adjustment_fen`` is taken off the list (0: the list stands)."""

    actor: Actor
    fee_list_id: str
    adjustment_fen: int
    note: str


@dataclass(frozen=True)
class ReplacementInput:
    """The customer asks for another worker; the agency has 3 days; the gap is not billed."""

    actor: Actor
    reason: str


@dataclass(frozen=True)
class PauseInput:
    actor: Actor
    days: int
    reason: str


@dataclass(frozen=True)
class TerminateInput:
    """The customer ends a cycle-billed order early: unserved fees and the deposit are refunded."""

    actor: Actor
    reason: str


@dataclass(frozen=True)
class OvertimeInput:
    """The agency (or the worker) records rest days the customer asked the worker to work."""

    actor: Actor
    days: int
    note: str = ""


# ---------------------------------------------------------------- vendor events (signals)


@dataclass(frozen=True)
class ContractSigned:
    flow_id: str
    event_id: str
    signed_document_sha256: str
    certificate_sha256: str


@dataclass(frozen=True)
class WorkerWithdrawn:
    """The 安心码 sync withdrew a worker (red code, background record, another agency) while she holds
    this order: ``key`` (from the flag's business ids) makes a repeated delivery harmless. Ids only."""

    key: str
    worker_id: str
    reason: str  # anxinma_red | background_record | agency_changed | criminal_record


@dataclass(frozen=True)
class PaymentEvent:
    event_id: str
    kind: str  # payment.succeeded | payment.failed | refund.succeeded
    payment_id: str
    amount_fen: int


# ---------------------------------------------------------------- the view (query) and the result


@dataclass
class ContractView:
    contract_id: str
    flow_id: str
    document_sha256: str
    parties: list[Role]
    signed_by: list[Role] = field(default_factory=list)
    completed: bool = False
    signed_document_sha256: str | None = None
    voided: bool = False
    price_model: str = ""  # the service item's price model (empty in orders made before it was kept)
    three_party: bool = False  # 中介制: the worker is a party, named in the assignment annex
    months: int = 0  # cycle-billed orders: how many cycles (months, or 26-day cycles for 月嫂)


@dataclass
class AnnexView:
    """An assignment annex: names the worker; a new one at each replacement."""

    number: int
    worker_id: str
    contract_id: str
    document_sha256: str
    signed_document_sha256: str | None = None
    # 中介制 (``worker-signs-annex``): the worker (丙方) e-signs it too; annexes the agency alone sealed
    # keep the defaults
    worker_signs: bool = False
    flow_id: str = ""
    signed_by: list[Role] = field(default_factory=list)
    voided: bool = False  # not signed in time, or the worker was withdrawn before signing


@dataclass
class FeeListView:
    fee_list_id: str
    total_fen: int
    confirmed: bool = False
    cycle: int = 1
    kind: str = "service"  # service (one visit) | cycle | settlement
    disputed: bool = False
    disputes: int = 0


@dataclass
class Interval:
    """Days not billed: ``gap`` (no worker, during a replacement) or ``pause``; open while ``end`` is None."""

    kind: str
    start: datetime
    end: datetime | None = None


@dataclass
class SettlementView:
    fee_list_id: str
    net_fen: int  # negative: money back to the customer
    service_refund_fen: int
    deposit_refund_fen: int
    amount_due_fen: int
    refunded_fen: int = 0
    claims_fen: int = 0  # damages taken from the deposit


@dataclass
class ServiceView:
    """A cycle-billed (live-in, daytime, 月嫂) order in service: its cycles and what is not billed."""

    price_model: str
    cycles_total: int
    cycle: int = 0
    service_started_at: datetime | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    intervals: list[Interval] = field(default_factory=list)  # of the current cycle
    previous_gap_days: int = 0  # what the previous cycle leaves to credit on this cycle's list
    previous_pause_days: int = 0
    previous_overtime_days: int = 0
    previous_cycle_days: int = 0
    overtime_days: int = 0  # rest days worked in the current cycle
    paused_until: datetime | None = None
    replacing: bool = False
    replacements: int = 0
    served_worker_id: str | None = None  # who checked in last, unless withdrawn: the worker at the end
    terminated_at: datetime | None = None
    termination_reason: str | None = None
    settlement: SettlementView | None = None
    paid_cycles: list[int] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    runs: int = 1  # workflow runs so far (the order continues as new at each cycle)
    max_history_length: int = 0  # the longest history of any run so far
    money: MoneyState = field(default_factory=MoneyState)  # claims, trial, late payments


@dataclass
class PaymentView:
    payment_id: str
    amount_fen: int
    status: str = "pending"  # pending | succeeded | refunded | closed (withdrawn unpaid)
    refunded_fen: int = 0


@dataclass
class Waiting:
    """What the order waits for now, from whom, and until when."""

    action: str
    party: Role
    due_at: datetime | None


@dataclass
class OrderView:
    order_id: str
    stage: Stage = Stage.DEMAND
    outcome: Outcome = Outcome.OPEN
    agency_id: str | None = None
    offered_agency_id: str | None = None  # the agency that must accept or decline now
    candidate_agency_ids: list[str] = field(default_factory=list)
    declined_agency_ids: list[str] = field(default_factory=list)
    contract: ContractView | None = None
    proposed_worker_ids: list[str] = field(default_factory=list)
    rejected_worker_ids: list[str] = field(default_factory=list)
    worker_id: str | None = None
    selected_worker_id: str | None = None  # chosen by the customer, reserved, interview pending
    wants_interview: bool = False
    interview_room_id: str | None = None
    interview_passed: bool | None = None
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    fee_list: FeeListView | None = None
    payment: PaymentView | None = None
    invoice_id: str | None = None
    evaluated: bool = False
    waiting: Waiting | None = None
    closed_reason: str | None = None
    cancelled_by: Role | None = None
    cancelled_at_stage: Stage | None = None
    compensations_done: list[str] = field(default_factory=list)
    events: int = 0  # transitions recorded so far (the audit log's length)
    annexes: list[AnnexView] = field(default_factory=list)
    service: ServiceView | None = None  # cycle-billed orders only
    dispute_open: bool = False  # a fee-list dispute waits for customer service


@dataclass
class Resume:
    """What a cycle-billed order carries into its next run (continue-as-new): its view and saga."""

    view: OrderView
    saga: list[list[str]] = field(default_factory=list)


class Refusal(StrEnum):
    """Why a human step was refused (the ApplicationError type the API maps to an HTTP status)."""

    WRONG_STAGE = "WrongStage"  # 409
    ALREADY_DONE = "AlreadyDone"  # 409
    NOT_PERMITTED = "NotPermitted"  # 403
    INVALID = "InvalidStep"  # 422

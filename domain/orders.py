"""The order workflow's contract: its input, the human steps (updates), vendor events (signals) and its view.

Everything here crosses Temporal, so it is plain data and carries no personal data: people are opaque
ids, places are district codes. Names, phones, ID numbers and street addresses stay in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.catalogue import ServiceCategory, ServiceMode


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


# ---------------------------------------------------------------- vendor events (signals)


@dataclass(frozen=True)
class ContractSigned:
    flow_id: str
    event_id: str
    signed_document_sha256: str
    certificate_sha256: str


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


@dataclass
class FeeListView:
    fee_list_id: str
    total_fen: int
    confirmed: bool = False


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


class Refusal(StrEnum):
    """Why a human step was refused (the ApplicationError type the API maps to an HTTP status)."""

    WRONG_STAGE = "WrongStage"  # 409
    ALREADY_DONE = "AlreadyDone"  # 409
    NOT_PERMITTED = "NotPermitted"  # 403
    INVALID = "InvalidStep"  # 422

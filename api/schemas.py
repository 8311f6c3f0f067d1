"""Request and response bodies. Create/step bodies validate every field with a message a person
understands; Public bodies are what callers may see (masked by role where personal data is involved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from devdata.market import DISTRICTS
from domain.catalogue import ServiceCategory, ServiceMode, SkillLevel
from domain.orders import OrderView


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkerRequirements(_Body):
    min_level: SkillLevel | None = Field(None, description="lowest acceptable skill level")
    age_min: int = Field(18, ge=16, le=70)
    age_max: int = Field(65, ge=16, le=80)
    languages: list[str] = Field(
        default_factory=list, max_length=10, description="any of these (e.g. 杭州话)"
    )
    certificates: list[str] = Field(default_factory=list, max_length=10, description="all of these")

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if self.age_min > self.age_max:
            raise ValueError("age_min must not be greater than age_max")
        return self


class DemandCreate(_Body):
    """B-7.2.3: what the customer wants, and where: one of the customer's addresses (the first by default)."""

    category: ServiceCategory
    mode: ServiceMode
    address_id: str | None = Field(
        None,
        max_length=36,
        description="one of the customer's addresses (GET /api/v1/customers/{id}); default: the first",
    )
    district: str | None = Field(
        None,
        pattern=r"^\d{6}$",
        description="administrative code, e.g. 330106 (西湖区); if given, it must be the address's district",
    )
    starts_at: AwareDatetime = Field(description="when the service starts (ISO 8601 with a time zone)")
    hours_per_visit: int = Field(0, ge=0, le=12, description="hourly mode: hours booked for the visit")
    months: int = Field(0, ge=0, le=24, description="live-in and daytime modes: length of the service")
    budget_fen: int = Field(gt=0, le=100_000_000, description="the customer's budget in fen")
    requirements: WorkerRequirements = Field(default_factory=WorkerRequirements)
    notes: str = Field("", max_length=500)
    agency_id: str | None = Field(
        None, description="an agency chosen by the customer; else the platform routes"
    )
    customer_id: str | None = Field(None, description="community point staff only: the customer they act for")

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.district is not None and self.district not in DISTRICTS:
            raise ValueError(f"district {self.district} is not served by the platform")
        now = datetime.now(UTC)
        if self.starts_at < now + timedelta(minutes=30):
            raise ValueError("starts_at must be at least 30 minutes from now")
        if self.starts_at > now + timedelta(days=365):
            raise ValueError("starts_at must be within a year")
        if self.mode == ServiceMode.HOURLY and self.hours_per_visit < 1:
            raise ValueError("hours_per_visit is required (1-12) for hourly service")
        if self.mode != ServiceMode.HOURLY and self.months < 1:
            raise ValueError("months is required (1-24) for live-in and daytime service")
        return self


class OrderPublic(BaseModel):
    id: str
    customer_id: str
    category: ServiceCategory
    mode: ServiceMode
    city: str
    district: str
    starts_at: datetime
    hours_per_visit: int
    months: int
    budget_fen: int
    requirements: dict[str, Any]
    notes: str
    channel: str
    stage: str
    outcome: str
    agency_id: str | None
    worker_id: str | None
    created_at: datetime
    updated_at: datetime


class OrderDetail(OrderPublic):
    address: str = Field(description="masked by role: agencies see the room only once a worker is confirmed")
    workflow: OrderView | None = Field(None, description="the live workflow state (None if unreachable)")


class OrderList(BaseModel):
    items: list[OrderPublic]
    total: int


class StepAccepted(BaseModel):
    accepted: Literal[True] = True
    order: OrderView


class DeclineBody(_Body):
    reason: str = Field(min_length=1, max_length=500)


class SelectWorkerBody(_Body):
    interview: bool = False
    interview_mode: Literal["video", "voice"] = "video"


class RejectWorkerBody(_Body):
    reason: str = Field("", max_length=500)


class InterviewResultBody(_Body):
    passed: bool
    note: str = Field("", max_length=500)


class ConfirmFeeListBody(_Body):
    fee_list_id: str


class ScoresBody(_Body):
    content: int = Field(ge=1, le=5)
    range: int = Field(ge=1, le=5)
    quality: int = Field(ge=1, le=5)
    attitude: int = Field(ge=1, le=5)
    punctuality: int = Field(ge=1, le=5)


class RateBody(_Body):
    agency: ScoresBody
    worker: ScoresBody
    comment: str = Field("", max_length=2000)
    anonymous: bool = False


class CancelBody(_Body):
    reason: str = Field(min_length=1, max_length=500)


class CardTraining(BaseModel):
    """A training record as the card shows it (SB/T 10848): no provider, date or other personal detail."""

    course: str
    hours: int
    result: str


class WorkerCard(BaseModel):
    """B-7.4.3: the card pushed to the customer, built from the worker record and her live 安心码."""

    worker_id: str
    name: str  # masked: 王*
    id_number: str  # masked: 3301**********1234
    level: SkillLevel
    categories: list[str]
    languages: list[str]
    live_in: bool
    years_experience: int
    service_count: int
    rating: float
    certificates: list[str]
    anxinma_colour: str
    health_exam_valid_until: str | None
    insurance_valid_until: str | None
    background_check: str
    verify_url: str  # the QR the customer scans to confirm entry (确认入户)
    photo_url: str | None  # GET it with the caller's token; None if she has no photo
    trainings: list[CardTraining]


class AuditEvent(BaseModel):
    seq: int
    stage: str
    event: str
    actor_role: str
    channel: str
    at: datetime
    detail: dict[str, Any]
    hash: str


class AuditLog(BaseModel):
    verified: bool
    first_broken_seq: int | None
    events: list[AuditEvent]

"""Bodies for workers (当家政), customers, their addresses and community-point consents.

Public bodies carry personal data masked by role (api/market/people.py decides which view a caller gets)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from api.market.schemas_agencies import Account, Body
from devdata.market import DISTRICTS
from domain.catalogue import ServiceCategory, SkillLevel
from domain.identity import id_number_problem

_ID_MESSAGES = {
    "身份证号码应为18位": "the ID number must have 18 characters",
    "身份证号码前17位应为数字，最后一位为数字或X": "the ID number must be 17 digits followed by a digit or X",
    "身份证号码中的出生日期无效": "the birth date inside the ID number does not exist",
    "身份证号码中的出生日期不合理": "the birth date inside the ID number is implausible",
    "身份证号码校验位不正确": "the ID number's check character is wrong (GB 11643 MOD 11-2)",
}
PHONE = re.compile(r"^1[3-9]\d{9}$")


def check_id_number(v: str) -> str:
    v = v.strip().upper()
    if problem := id_number_problem(v):
        raise ValueError(_ID_MESSAGES.get(problem, problem))
    return v


def check_phone(v: str) -> str:
    v = re.sub(r"[\s-]", "", v)
    if not PHONE.match(v):
        raise ValueError("a mainland mobile number has 11 digits and starts with 13-19")
    return v


def check_district(v: str) -> str:
    if v not in DISTRICTS:
        raise ValueError(f"district {v} is not served by the platform")
    return v


IdNumber = Annotated[str, AfterValidator(check_id_number), Field(description="resident ID number (GB 11643)")]
Phone = Annotated[str, AfterValidator(check_phone), Field(description="mobile number")]
District = Annotated[str, AfterValidator(check_district), Field(description="district code, e.g. 330106")]


class Identity(Body):
    name: str = Field(min_length=2, max_length=30, description="the real name, as on the ID card")
    id_number: IdNumber
    phone: Phone


# ------------------------------------------------------------------ workers


class CertificateCreate(Body):
    kind: Literal["health_exam", "skill", "other"]
    name: str = Field(min_length=2, max_length=50, description="e.g. 健康证, 育婴员四级")
    number: str = Field("", max_length=64)
    issuer: str = Field("", max_length=100)
    valid_until: date | None = Field(None, description="none: does not expire")

    @field_validator("valid_until")
    @classmethod
    def _not_expired(cls, v: date | None) -> date | None:
        if v is not None and v < date.today():
            raise ValueError("the certificate has already expired")
        return v


class TrainingCreate(Body):
    """A training record after SB/T 10848: course, hours, result; online or offline."""

    course: str = Field(min_length=2, max_length=100)
    provider: str = Field("", max_length=100)
    hours: int = Field(ge=1, le=2000)
    result: Literal["passed", "failed", "in_progress"]
    online: bool = False
    completed_on: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.completed_on is not None and self.completed_on > date.today():
            raise ValueError("completed_on must not be in the future")
        if self.result != "in_progress" and self.completed_on is None:
            raise ValueError("completed_on is required once the course has a result")
        return self


class Unavailable(Body):
    start: date
    end: date
    reason: str = Field("", max_length=100)

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Availability(Body):
    """The calendar: the periods she is not available (replaces the stored calendar)."""

    unavailable: list[Unavailable] = Field(default_factory=list, max_length=100)


def check_skills(v: dict[ServiceCategory, list[str]]) -> dict[ServiceCategory, list[str]]:
    if not v:
        raise ValueError("at least one category of skills is required")
    for skills in v.values():
        if len(skills) > 20 or any(not 1 <= len(s) <= 30 for s in skills):
            raise ValueError("at most 20 skills per category, each 1-30 characters")
    return v


Skills = Annotated[
    dict[ServiceCategory, list[str]],
    AfterValidator(check_skills),
    Field(description="category → skills, e.g. elderly_care → [助浴, 陪诊]"),
]


class WorkerProfile(Body):
    level: SkillLevel
    skills: Skills
    home_district: District
    languages: list[str] = Field(default_factory=list, max_length=10, description="languages and dialects")
    live_in: bool = False
    years_experience: int = Field(0, ge=0, le=60)


class WorkerCreate(Identity, WorkerProfile):
    """当家政: registration with identity (verified at the identity platform), 安心码, skills, papers."""

    anxinma_code: str = Field(pattern=r"^[A-Z0-9]{6,32}$", description="the worker's 安心码")
    certificates: list[CertificateCreate] = Field(default_factory=list, max_length=30)
    trainings: list[TrainingCreate] = Field(default_factory=list, max_length=100)
    account: Account | None = Field(None, description="a login for the worker (self-registration needs one)")


class WorkerJoin(Body):
    """An agency takes on a registered worker who belongs to no agency: she is named by her identity."""

    name: str = Field(min_length=2, max_length=30)
    id_number: IdNumber


class WorkerUpdate(Body):
    phone: Phone | None = None
    level: SkillLevel | None = None
    skills: Skills | None = None
    home_district: District | None = None
    languages: list[str] | None = Field(None, max_length=10)
    live_in: bool | None = None
    years_experience: int | None = Field(None, ge=0, le=60)
    withdrawn: bool | None = Field(None, description="agency only: withdraw from (or return to) matching")


class CertificatePublic(BaseModel):
    kind: str
    name: str
    number: str = ""
    issuer: str = ""
    valid_until: date | None = None
    valid: bool


class WorkerPublic(BaseModel):
    id: str
    agency_id: str | None
    name: str
    id_number: str = Field(description="masked: 3301**********1234")
    phone: str = Field(description="in full for the worker and her agency, else masked")
    identity_verified: bool
    has_photo: bool
    level: SkillLevel
    categories: list[str]
    skills: dict[str, list[str]]
    home_district: str
    languages: list[str]
    live_in: bool
    years_experience: int
    service_count: int
    rating: float
    anxinma_code: str
    anxinma_colour: str | None = Field(
        None, description="the 安心码 colour checked at registration / joining (green or yellow)"
    )
    anxinma_flags: list[str] = Field(
        default_factory=list, description="why a yellow code is yellow, e.g. health_exam_expired"
    )
    anxinma_checked_at: datetime | None = None
    certificates: list[CertificatePublic]
    trainings: list[TrainingCreate]
    unavailable: list[Unavailable]
    withdrawn: bool


class WorkerList(BaseModel):
    items: list[WorkerPublic]


# ------------------------------------------------------------------ customers


class AddressCreate(Body):
    label: str = Field("", max_length=20, description="e.g. 家, 父母家")
    district: District
    street: str = Field(min_length=2, max_length=200)
    building: str = Field(min_length=1, max_length=100)
    room: str = Field(min_length=1, max_length=50)


class AddressPublic(BaseModel):
    id: str
    position: int
    label: str
    district: str
    district_name: str
    street: str
    building: str
    room: str


class CustomerCreate(Identity):
    """Real-name registration (B-7.2.1): verified at the identity platform before anything is stored."""

    address: AddressCreate
    account: Account | None = Field(
        None, description="the customer's login; may be left out only when a community point registers them"
    )


class CustomerPublic(BaseModel):
    id: str
    name: str
    id_number: str = Field(description="masked: 3301**********1234")
    phone: str = Field(description="in full for the customer, else masked")
    identity_verified: bool
    addresses: list[AddressPublic]
    point_consents: list[str] = Field(description="community points that may act for the customer")
    created_at: datetime


class ConsentCreate(Body):
    point_id: str = Field(min_length=1, max_length=64, description="a 浙里好家政 service point id")


class ConsentPublic(BaseModel):
    id: str
    point_id: str
    granted_at: datetime
    revoked_at: datetime | None

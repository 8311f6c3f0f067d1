"""Bodies for agencies, their staff and service items, and for logins. Messages are in English (the API's
language); every field names what is wrong."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from devdata.market import CITY_NAMES, DISTRICTS
from domain.catalogue import EmploymentModel, PriceModel, ServiceCategory, ServiceMode
from domain.identity import uscc_problem


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def check_districts(districts: list[str], city: str | None = None) -> list[str]:
    for d in districts:
        if d not in DISTRICTS:
            raise ValueError(f"district {d} is not served by the platform")
        if city is not None and DISTRICTS[d][0] != city:
            raise ValueError(f"district {d} is not in city {city}")
    if len(set(districts)) != len(districts):
        raise ValueError("districts must not repeat")
    return districts


class Account(Body):
    username: str = Field(min_length=3, max_length=32, description="lowercase letters, digits, . _ -")
    password: str = Field(min_length=10, max_length=128, description="at least 10 characters, not all digits")


class Qualification(Body):
    """A permit or certification the agency holds (B-7.1.1), with its validity."""

    name: str = Field(min_length=1, max_length=100)
    number: str = Field("", max_length=64)
    issuer: str = Field("", max_length=100)
    valid_from: date | None = None
    valid_until: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")
        return self


class Honour(Body):
    title: str = Field(min_length=1, max_length=100)
    issuer: str = Field("", max_length=100)
    year: int = Field(ge=1980, le=2100)


class AgencyCreate(Body):
    """Registration: the agency and its owner's login. A credit code that fails its MOD 31 check is
    accepted for manual review; one with characters outside GB 32100's alphabet is refused."""

    name: str = Field(min_length=2, max_length=200)
    credit_code: str = Field(min_length=18, max_length=18, description="统一社会信用代码 (GB 32100)")
    employment_model: EmploymentModel
    city: str = Field(pattern=r"^\d{6}$", description="e.g. 330100 (杭州市)")
    districts: list[str] = Field(min_length=1, max_length=20, description="the districts served")
    address: str = Field("", max_length=200)
    phone: str = Field("", max_length=20, description="the service hotline")
    qualifications: list[Qualification] = Field(default_factory=list, max_length=20)
    honours: list[Honour] = Field(default_factory=list, max_length=20)
    owner: Account

    @field_validator("credit_code")
    @classmethod
    def _uscc(cls, v: str) -> str:
        v = v.upper()
        if problem := uscc_problem(v):
            raise ValueError(problem)
        return v

    @model_validator(mode="after")
    def _places(self) -> Self:
        if self.city not in CITY_NAMES:
            raise ValueError(f"city {self.city} is not served by the platform")
        check_districts(self.districts, self.city)
        return self


class AgencyUpdate(Body):
    name: str | None = Field(None, min_length=2, max_length=200)
    districts: list[str] | None = Field(None, min_length=1, max_length=20)
    address: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=20)
    qualifications: list[Qualification] | None = Field(None, max_length=20)
    honours: list[Honour] | None = Field(None, max_length=20)

    @field_validator("districts")
    @classmethod
    def _districts(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else check_districts(v)


class AgencyPublic(BaseModel):
    id: str
    name: str
    credit_code: str
    employment_model: EmploymentModel
    city: str
    districts: list[str]
    address: str
    phone: str
    qualifications: list[Qualification]
    honours: list[Honour]
    has_licence: bool
    approved: bool
    review_status: Literal["pending", "manual_review", "approved", "rejected"]
    review_note: str
    created_at: datetime


class AgencyList(BaseModel):
    items: list[AgencyPublic]


class ReviewBody(Body):
    decision: Literal["approve", "reject"]
    note: str = Field("", max_length=500)


class StaffCreate(Body):
    account: Account


class UserPublic(BaseModel):
    id: str
    username: str | None
    role: str
    party_id: str
    point_id: str | None
    agency_role: str | None
    active: bool


class UploadAnswer(BaseModel):
    file_id: str
    content_type: str
    size: int
    sha256: str


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def check_hours(hours: dict[str, list[str]]) -> dict[str, list[str]]:
    for day, span in hours.items():
        if day not in {"1", "2", "3", "4", "5", "6", "7"}:
            raise ValueError(f"hours: weekday {day!r} must be 1 (Monday) to 7 (Sunday)")
        if len(span) != 2 or not all(_HHMM.match(t) for t in span) or span[0] >= span[1]:
            raise ValueError(f'hours: weekday {day} must be ["HH:MM", "HH:MM"] with start before end')
    return hours


class ServiceItemCreate(Body):
    """B-7.1.2-3: a service after SB/T 10643, its price model, where and when it is offered."""

    title: str = Field("", max_length=100)
    category: ServiceCategory
    mode: ServiceMode
    price_model: PriceModel
    unit_price_fen: int = Field(gt=0, le=10_000_000, description="per hour, visit, month or 26-day cycle")
    min_hours: int = Field(0, ge=0, le=12)
    management_fee_fen: int = Field(0, ge=0, le=10_000_000)
    trial_days: int = Field(0, ge=0, le=30)
    deposit_fen: int = Field(0, ge=0, le=10_000_000)
    specification: str = Field(min_length=10, max_length=4000, description="the service specification")
    districts: list[str] = Field(default_factory=list, max_length=20, description="empty: all the agency's")
    hours: dict[str, list[str]] = Field(
        default_factory=dict, description='ISO weekday → ["08:00", "18:00"]; empty: by arrangement'
    )
    published: bool = True

    @field_validator("districts")
    @classmethod
    def _districts(cls, v: list[str]) -> list[str]:
        return check_districts(v)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        return check_hours(v)

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.price_model == PriceModel.HOURLY and self.min_hours < 1:
            raise ValueError("min_hours (1-12) is required for an hourly price")
        by_time = (PriceModel.HOURLY, PriceModel.PER_VISIT)
        if self.mode == ServiceMode.HOURLY and self.price_model not in by_time:
            raise ValueError("an hourly service is priced per hour or per visit")
        if self.price_model == PriceModel.CYCLE_26_DAYS and self.category != ServiceCategory.MATERNITY:
            raise ValueError("the 26-day cycle is for maternity (月嫂) services")
        return self


class ServiceItemUpdate(Body):
    title: str | None = Field(None, max_length=100)
    unit_price_fen: int | None = Field(None, gt=0, le=10_000_000)
    min_hours: int | None = Field(None, ge=0, le=12)
    management_fee_fen: int | None = Field(None, ge=0, le=10_000_000)
    trial_days: int | None = Field(None, ge=0, le=30)
    deposit_fen: int | None = Field(None, ge=0, le=10_000_000)
    specification: str | None = Field(None, min_length=10, max_length=4000)
    districts: list[str] | None = Field(None, max_length=20)
    hours: dict[str, list[str]] | None = None
    published: bool | None = None

    @field_validator("districts")
    @classmethod
    def _districts(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else check_districts(v)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        return None if v is None else check_hours(v)


class ServiceItemPublic(BaseModel):
    id: str
    agency_id: str
    title: str
    category: ServiceCategory
    mode: ServiceMode
    price_model: PriceModel
    unit_price_fen: int
    min_hours: int
    management_fee_fen: int
    trial_days: int
    deposit_fen: int
    specification: str
    districts: list[str]
    hours: dict[str, list[str]]
    published: bool


class SearchHit(ServiceItemPublic):
    agency_name: str
    employment_model: EmploymentModel


class SearchResult(BaseModel):
    items: list[SearchHit]
    total: int

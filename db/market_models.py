"""The market's tables: agencies, service items, workers, customers and their addresses, logins and tokens,
community-point consents, uploaded files. Re-exported by db/models.py.

Personal data (names, ID numbers, phones, street addresses) is stored sealed (domain/pii.py) in ``*_enc``
columns; the ``Sealed`` properties (``customer.name``, ``worker.id_number`` …) open and seal it, bound to the
row id, so code reads and writes plaintext while the database holds none. Exact lookups use the keyed HMAC
``*_hash`` columns (unique where a duplicate must be refused).
"""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from db.columns import json_field as _json
from db.columns import new_id, utcnow
from db.columns import text_field as _text
from db.columns import tz_field as _tz
from db.sealed import Sealed, SealedFile, put_files, take_files

# ------------------------------------------------------------------ agencies and their service items


class Agency(SQLModel, table=True):
    """B-7.1.1. ``approved`` is what routing reads; ``review_status`` is the admin's review:
    pending → approved | rejected, or manual_review when the credit code fails its MOD 31 check."""

    __tablename__ = "agencies"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    credit_code: str = Field(max_length=18, unique=True)
    credit_code_check_ok: bool = True
    employment_model: str = Field(max_length=16)
    city: str = Field(max_length=6, index=True)
    districts: list[str] = _json()
    address: str = Field(default="", max_length=200)  # the business address (not personal data)
    phone: str = Field(default="", max_length=20)  # the service hotline (not personal data)
    licence_file_id: str | None = Field(default=None, max_length=36)
    qualifications: list[dict[str, Any]] = _json()  # [{name, number, issuer, valid_from, valid_until}]
    honours: list[dict[str, Any]] = _json()  # [{title, issuer, year}]
    approved: bool = False
    review_status: str = Field(default="pending", max_length=16, index=True)
    review_note: str = _text()
    reviewed_by_user_id: str | None = Field(default=None, max_length=36)
    reviewed_at: datetime | None = _tz(nullable=True)
    created_at: datetime = _tz(default=utcnow)


class ServiceItem(SQLModel, table=True):
    """B-7.1.2-3: one service an agency offers, its price model, and where and when it is offered."""

    __tablename__ = "service_items"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    agency_id: str = Field(foreign_key="agencies.id", index=True, max_length=36)
    title: str = Field(default="", max_length=100)
    category: str = Field(max_length=32, index=True)
    mode: str = Field(max_length=16)
    price_model: str = Field(max_length=16)
    unit_price_fen: int
    min_hours: int = 0
    management_fee_fen: int = 0
    trial_days: int = 0
    deposit_fen: int = 0
    specification: str = _text()
    districts: list[str] = _json()  # a subset of the agency's districts
    hours: dict[str, list[str]] = _json()  # ISO weekday "1".."7" -> ["08:00", "18:00"]
    published: bool = True
    created_at: datetime = _tz(default=utcnow)


# ------------------------------------------------------------------ workers (当家政)


class Worker(SQLModel, table=True):
    """B-7.4.1. ``categories`` is the set of categories she has skills in (``skills`` holds them per
    category); ``certificates`` (a property) names the certificates valid today."""

    __tablename__ = "workers"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    agency_id: str | None = Field(default=None, foreign_key="agencies.id", index=True, max_length=36)
    name_enc: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    id_number_enc: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    id_number_hash: str = Field(default="", max_length=100, unique=True)
    phone_enc: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    phone_hash: str = Field(default="", max_length=100, index=True)
    identity_verified_at: datetime | None = _tz(nullable=True)
    photo_file_id: str | None = Field(default=None, max_length=36)
    level: str = Field(max_length=16)
    categories: list[str] = _json()
    skills: dict[str, list[str]] = _json()
    home_district: str = Field(max_length=6)
    languages: list[str] = _json()
    live_in: bool = False
    years_experience: int = 0
    service_count: int = 0
    rating_x10: int = 0
    anxinma_code: str = Field(max_length=32, unique=True)
    # the 安心码 as the platform showed it when she registered or last joined an agency (None: not checked)
    anxinma_colour: str | None = Field(default=None, max_length=8)
    anxinma_flags: list[str] = _json(server_default=sa.text("'[]'"))  # e.g. health_exam_expired
    anxinma_checked_at: datetime | None = _tz(nullable=True)
    certificate_records: list[dict[str, Any]] = _json()  # [{kind, name, number, issuer, valid_until}]
    trainings: list[dict[str, Any]] = _json()  # SB/T 10848: [{course, provider, hours, result, completed_on}]
    unavailable: list[dict[str, Any]] = _json()  # the calendar: [{start, end, reason}] (dates, inclusive)
    withdrawn: bool = False  # 安心码 red or agency withdrew the worker from matching
    created_at: datetime = _tz(default=utcnow)

    name = Sealed("name")  # type: ignore[pydantic-field]
    id_number = Sealed("id_number")  # type: ignore[pydantic-field]
    phone = Sealed("phone")  # type: ignore[pydantic-field]

    @property
    def certificates(self) -> list[str]:
        """The names of the certificates valid today (a certificate without an end date stays valid)."""
        today = date.today().isoformat()
        return [
            str(c["name"])
            for c in self.certificate_records
            if not c.get("valid_until") or str(c["valid_until"]) >= today
        ]

    def available_between(self, start: date, end: date) -> bool:
        """False if the calendar marks her unavailable on any day of [start, end]."""
        first, last = start.isoformat(), end.isoformat()
        return not any(str(u["start"]) <= last and first <= str(u["end"]) for u in self.unavailable)


class WorkerMembership(SQLModel, table=True):
    """Which agency a worker belonged to, when: at most one open membership per worker."""

    __tablename__ = "worker_memberships"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    worker_id: str = Field(foreign_key="workers.id", index=True, max_length=36)
    agency_id: str = Field(foreign_key="agencies.id", index=True, max_length=36)
    joined_at: datetime = _tz(default=utcnow)
    left_at: datetime | None = _tz(nullable=True)


# ------------------------------------------------------------------ customers


class Customer(SQLModel, table=True):
    """B-7.2.1: a real-name customer. ``district``/``street``/``building``/``room`` read the first address."""

    __tablename__ = "customers"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name_enc: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    id_number_enc: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    id_number_hash: str = Field(default="", max_length=100, unique=True)
    phone_enc: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    phone_hash: str = Field(default="", max_length=100, unique=True)
    identity_verified_at: datetime | None = _tz(nullable=True)
    created_at: datetime = _tz(default=utcnow)
    addresses: list["CustomerAddress"] = Relationship(
        sa_relationship_kwargs={"lazy": "selectin", "order_by": "CustomerAddress.position"}
    )

    name = Sealed("name")  # type: ignore[pydantic-field]
    id_number = Sealed("id_number")  # type: ignore[pydantic-field]
    phone = Sealed("phone")  # type: ignore[pydantic-field]

    def address(self, address_id: str | None = None) -> "CustomerAddress":
        """The address with this id, or the first one (the default)."""
        for a in self.addresses:
            if address_id is None or a.id == address_id:
                return a
        raise LookupError(f"customer {self.id} has no address {address_id}")

    @property
    def district(self) -> str:
        return self.address().district

    @property
    def street(self) -> str:
        return self.address().street

    @property
    def building(self) -> str:
        return self.address().building

    @property
    def room(self) -> str:
        return self.address().room


class CustomerAddress(SQLModel, table=True):
    """A service address: the district in clear (routing needs it), street, building and room sealed."""

    __tablename__ = "customer_addresses"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    position: int = 0
    label: str = Field(default="", max_length=20)
    district: str = Field(max_length=6)
    street_enc: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    building_enc: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    room_enc: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = _tz(default=utcnow)

    street = Sealed("street")  # type: ignore[pydantic-field]
    building = Sealed("building")  # type: ignore[pydantic-field]
    room = Sealed("room")  # type: ignore[pydantic-field]

    def line(self, *, with_room: bool = True, hidden: str = "（确认服务员后可见）") -> str:
        """Street, building and room (the district is named by the caller); ``hidden`` stands for the room."""
        return f"{self.street}{self.building}{self.room if with_room else hidden}"


class PointConsent(SQLModel, table=True):
    """A-6.5.2: the customer lets a community service point act for them; revoked_at ends it."""

    __tablename__ = "point_consents"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    point_id: str = Field(max_length=64, index=True)
    recorded_by_user_id: str = Field(max_length=36)
    granted_at: datetime = _tz(default=utcnow)
    revoked_at: datetime | None = _tz(nullable=True)


class PointAction(SQLModel, table=True):
    """Everything point staff do for a customer, with the point and the staff member."""

    __tablename__ = "point_actions"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    point_id: str = Field(max_length=64, index=True)
    staff_user_id: str = Field(max_length=36)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    action: str = Field(max_length=32)
    ref: str | None = Field(default=None, max_length=64)
    at: datetime = _tz(default=utcnow)


# ------------------------------------------------------------------ logins


class User(SQLModel, table=True):
    """A login. ``party_id`` is the customer, agency or worker the user acts for (the point id for point
    staff, "platform" for platform staff); ``agency_role`` is owner or staff for agency users."""

    __tablename__ = "users"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    username: str | None = Field(default=None, max_length=32, unique=True)
    password_hash: str | None = Field(default=None, max_length=200)
    role: str = Field(max_length=32)
    party_id: str = Field(max_length=64)
    point_id: str | None = Field(default=None, max_length=64)
    staff_ref: str | None = Field(default=None, max_length=64)  # point staff: their 浙里好家政 staff id
    agency_role: str | None = Field(default=None, max_length=16)
    active: bool = True
    created_at: datetime = _tz(default=utcnow)


class ApiToken(SQLModel, table=True):
    """A bearer token, kept as its SHA-256: an OAuth2 access token (kind ``access``, expires), a personal
    API key (``api_key``), or a development login (``dev``, refused in production)."""

    __tablename__ = "api_tokens"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=36)
    token_sha256: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=16)
    name: str = Field(default="", max_length=100)
    created_at: datetime = _tz(default=utcnow)
    expires_at: datetime | None = _tz(nullable=True)
    revoked_at: datetime | None = _tz(nullable=True)


class LoginThrottle(SQLModel, table=True):
    """Failed logins per username and per client address (api/market/throttle.py), kept only as keyed
    HMACs of the username or address: ``failures`` within the window since ``window_started_at``;
    ``locked_until`` while locked."""

    __tablename__ = "login_throttle"
    scope: str = Field(primary_key=True, max_length=8)  # user | client
    key: str = Field(primary_key=True, max_length=100)
    failures: int = 0
    window_started_at: datetime = _tz(default=utcnow)
    locked_until: datetime | None = _tz(nullable=True)
    updated_at: datetime = _tz(default=utcnow)


class StoredFile(SQLModel, table=True):
    """An upload (licence scan, photo, certificate), checked for type and size before it is stored, and
    sealed at rest (``data`` reads and writes the plaintext; ``sha256`` is the plaintext's)."""

    __tablename__ = "stored_files"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    owner_kind: str = Field(max_length=16)
    owner_id: str = Field(max_length=36, index=True)
    purpose: str = Field(max_length=16)
    content_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    data_enc: bytes = Field(default=b"", sa_column=sa.Column(sa.LargeBinary, nullable=False))
    uploaded_by_user_id: str = Field(max_length=36)
    created_at: datetime = _tz(default=utcnow)

    data = SealedFile("data")  # type: ignore[pydantic-field]

    def __init__(self, **values: Any) -> None:
        files = take_files(type(self), values)
        super().__init__(**values)
        put_files(self, files)

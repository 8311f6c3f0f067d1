"""The sandbox's own records, built from devdata.market: 安心码 codes, identity register, 浙里好家政 points.

Dates are offsets from the day the seed is built, so the seeded workers keep their colours whenever it runs:
王芳 (wang-fang) is green, 陈丽 (chen-li) yellow (health exam expired) and 赵红 (zhao-hong) red (record).
Codes also change over time (``TIMELINE``): on given days after the seed day, facts change as they do on the
real platform (an exam renewed, a police record reported, an insurance lapsing), so a sync sees changes —
whether real days pass or the sandbox clock is moved on (``PUT /admin/clock``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from devdata.market import AGENCY_BY_KEY, CITY_NAMES, CUSTOMERS, DISTRICTS, WORKERS
from domain.catalogue import EmploymentModel

GREEN = "green"
YELLOW = "yellow"
RED = "red"
BACKGROUNDS = ("clear", "record", "pending")


@dataclass(frozen=True)
class AnxinmaCode:
    code: str
    worker_key: str
    agency_credit_code: str
    identity_verified: bool
    health_exam_valid_until: date | None
    insurance_valid_until: date | None
    background: str  # clear | record | pending
    updated_at: datetime
    flexible_employment_code: str | None = None  # 灵活就业码, for workers not employed by their agency


@dataclass(frozen=True)
class CodeChange:
    """``day`` days after the seed day, the facts of ``code`` change (dates: offsets from the seed day)."""

    day: int
    code: str
    note: str
    background: str | None = None
    exam_valid_days: int | None = None
    insurance_valid_days: int | None = None

    def apply(self, code: AnxinmaCode, seed_day: date) -> AnxinmaCode:
        changed = dict(code.__dict__)
        if self.background is not None:
            changed["background"] = self.background
        if self.exam_valid_days is not None:
            changed["health_exam_valid_until"] = seed_day + timedelta(days=self.exam_valid_days)
        if self.insurance_valid_days is not None:
            changed["insurance_valid_until"] = seed_day + timedelta(days=self.insurance_valid_days)
        changed["updated_at"] = datetime.combine(
            seed_day + timedelta(days=self.day), datetime.min.time(), tzinfo=UTC
        )
        return AnxinmaCode(**changed)


TIMELINE: tuple[CodeChange, ...] = (
    CodeChange(3, "AXM3301060004", "陈丽 renews her health exam: yellow → green", exam_valid_days=368),
    CodeChange(10, "AXM3301080006", "刘艳: a police record is reported: green → red", background="record"),
    CodeChange(
        20, "AXM3301050002", "李秀英's liability insurance lapses: green → yellow", insurance_valid_days=19
    ),
)


def colour(code: AnxinmaCode, today: date) -> str:
    """docs/sandbox.md: red if unverified or a record; yellow if exam or insurance missing/expired."""
    if not code.identity_verified or code.background == "record":
        return RED
    for valid_until in (code.health_exam_valid_until, code.insurance_valid_until):
        if valid_until is None or valid_until < today:
            return YELLOW
    return GREEN


@dataclass(frozen=True)
class Person:
    """An entry of the identity register (the national real-name database, as far as the sandbox knows it)."""

    id_number: str
    name: str
    kind: str  # worker | customer
    key: str
    background: str = "clear"  # what the public-data criminal-record check finds


@dataclass(frozen=True)
class PointStaff:
    staff_id: str
    name: str
    phone: str
    role: str


@dataclass(frozen=True)
class ServicePoint:
    point_id: str
    name: str
    city: str
    district: str
    street: str
    address: str
    phone: str
    opening_hours: str
    staff: tuple[PointStaff, ...]

    def view(self) -> dict[str, object]:
        return {
            "point_id": self.point_id,
            "name": self.name,
            "city": self.city,
            "city_name": CITY_NAMES.get(self.city, ""),
            "district": self.district,
            "district_name": DISTRICTS[self.district][1] if self.district in DISTRICTS else "",
            "street": self.street,
            "address": self.address,
            "phone": self.phone,
            "opening_hours": self.opening_hours,
            "staff": [
                {"staff_id": s.staff_id, "name": s.name, "phone": s.phone, "role": s.role} for s in self.staff
            ],
        }


@dataclass(frozen=True)
class Seed:
    today: date
    codes: dict[str, AnxinmaCode] = field(default_factory=dict)
    register: dict[str, Person] = field(default_factory=dict)
    points: tuple[ServicePoint, ...] = ()


def _offset(today: date, days: int | None) -> date | None:
    return None if days is None else today + timedelta(days=days)


def _point(
    n: int, key: str, name: str, district: str, street: str, address: str, phone: str, *staff: str
) -> ServicePoint:
    members = tuple(
        PointStaff(
            f"{key}-{i + 1:02d}", person, f"1375710{n:02d}{i + 1:02d}", "站长" if i == 0 else "服务专员"
        )
        for i, person in enumerate(staff)
    )
    return ServicePoint(key, name, "330100", district, street, address, phone, "08:30-17:30", members)


POINTS: tuple[ServicePoint, ...] = (
    _point(
        1,
        "xihu-wensan",
        "文三街道浙里好家政服务站",
        "330106",
        "文三街道",
        "文三路 259 号",
        "0571-88210601",
        "吴晓燕",
        "钱丽华",
    ),
    _point(
        2,
        "xihu-cuiyuan",
        "翠苑街道浙里好家政服务站",
        "330106",
        "翠苑街道",
        "翠苑路 88 号",
        "0571-88210602",
        "郑丽",
    ),
    _point(
        3,
        "shangcheng-hubin",
        "湖滨街道浙里好家政服务站",
        "330102",
        "湖滨街道",
        "东坡路 12 号",
        "0571-87020101",
        "冯建英",
        "陈晓东",
    ),
    _point(
        4,
        "gongshu-mishixiang",
        "米市巷街道浙里好家政服务站",
        "330105",
        "米市巷街道",
        "湖墅南路 301 号",
        "0571-85030501",
        "朱美琴",
    ),
    _point(
        5,
        "binjiang-changhe",
        "长河街道浙里好家政服务站",
        "330108",
        "长河街道",
        "长河路 475 号",
        "0571-86080801",
        "何静",
        "沈立",
    ),
    _point(
        6,
        "yuhang-wuchang",
        "五常街道浙里好家政服务站",
        "330110",
        "五常街道",
        "五常大道 166 号",
        "0571-88611001",
        "俞佳",
    ),
)


def build_seed(today: date | None = None) -> Seed:
    day = today or date.today()
    stamp = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    codes: dict[str, AnxinmaCode] = {}
    register: dict[str, Person] = {}
    for w in WORKERS:
        agency = AGENCY_BY_KEY[w.agency_key]
        flexible = agency.employment_model == EmploymentModel.BROKER
        codes[w.anxinma_code] = AnxinmaCode(
            code=w.anxinma_code,
            worker_key=w.key,
            agency_credit_code=AGENCY_BY_KEY[w.agency_key].credit_code,
            identity_verified=w.identity_verified,
            health_exam_valid_until=_offset(day, w.exam_valid_days),
            insurance_valid_until=_offset(day, w.insurance_valid_days),
            background=w.background,
            updated_at=stamp,
            flexible_employment_code=f"LJ{w.anxinma_code[3:]}" if flexible else None,
        )
        register[w.id_number] = Person(w.id_number, w.name, "worker", w.key, w.background)
    for c in CUSTOMERS:
        register[c.id_number] = Person(c.id_number, c.name, "customer", c.key)
    return Seed(today=day, codes=codes, register=register, points=POINTS)

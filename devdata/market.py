"""A small, realistic market in Hangzhou and Ningbo: agencies, their service items, workers, customers.

The same records seed this platform's database (db/seed.py) and, for the parts that belong to external
platforms (安心码 codes, identity register), the sandbox (sandbox/seed.py). All people are fictitious;
their ID numbers are synthetic but pass the GB 11643 check so validation code can be exercised.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from domain.catalogue import EmploymentModel, PriceModel, ServiceCategory, ServiceMode, SkillLevel
from domain.identity import id_check_char, uscc_check_char

_NS = uuid.UUID("6f1c8a52-6a0e-4c59-9a8f-3b7d2f0c1e11")


def stable_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(_NS, f"{kind}:{key}"))


def make_id_number(region: str, birth: str, seq: str) -> str:
    first17 = f"{region}{birth}{seq}"
    return first17 + id_check_char(first17)


def make_uscc(body: str) -> str:
    return body + uscc_check_char(body)


CITY_NAMES = {"330100": "杭州市", "330200": "宁波市"}
DISTRICTS = {
    "330102": ("330100", "上城区"),
    "330105": ("330100", "拱墅区"),
    "330106": ("330100", "西湖区"),
    "330108": ("330100", "滨江区"),
    "330110": ("330100", "余杭区"),
    "330109": ("330100", "萧山区"),  # no demo agency serves these two yet: tests register their own there
    "330113": ("330100", "临平区"),
    "330203": ("330200", "海曙区"),
}


WEEKDAYS_8_TO_18 = {str(d): ["08:00", "18:00"] for d in range(1, 7)}
DEV_PASSWORD = "dev-password-2026"  # noqa: S105 - every dev login's password (development and tests only)


@dataclass(frozen=True)
class ServiceItemSeed:
    category: ServiceCategory
    mode: ServiceMode
    price_model: PriceModel
    unit_price_fen: int  # per hour, per visit, per month or per 26-day cycle
    min_hours: int = 0
    management_fee_fen: int = 0
    trial_days: int = 0
    deposit_fen: int = 0
    specification: str = ""
    hours: dict[str, list[str]] = field(default_factory=dict)  # ISO weekday -> [from, to]; {} by arrangement


@dataclass(frozen=True)
class AgencySeed:
    key: str
    name: str
    credit_code: str
    employment_model: EmploymentModel
    city: str
    districts: tuple[str, ...]
    items: tuple[ServiceItemSeed, ...]
    address: str = ""
    phone: str = ""
    qualifications: tuple[dict[str, str], ...] = ()
    honours: tuple[dict[str, str | int], ...] = ()

    @property
    def id(self) -> str:
        return stable_id("agency", self.key)


@dataclass(frozen=True)
class WorkerSeed:
    key: str
    name: str
    id_number: str
    phone: str
    agency_key: str
    level: SkillLevel
    categories: tuple[ServiceCategory, ...]
    home_district: str
    languages: tuple[str, ...]
    live_in: bool
    years_experience: int
    service_count: int
    rating_x10: int  # 4.8 → 48
    # 安心码 facts, held by the sandbox (the 安心码 platform), offsets in days from today
    anxinma_code: str
    identity_verified: bool = True
    exam_valid_days: int | None = 200
    insurance_valid_days: int | None = 300
    background: str = "clear"
    certificates: tuple[str, ...] = field(default=())
    trainings: tuple[dict[str, str | int | bool], ...] = ()

    @property
    def id(self) -> str:
        return stable_id("worker", self.key)


@dataclass(frozen=True)
class CustomerSeed:
    key: str
    name: str
    id_number: str
    phone: str
    district: str
    street: str
    building: str
    room: str
    # more addresses: (label, district, street, building, room)
    more_addresses: tuple[tuple[str, str, str, str, str], ...] = ()
    points: tuple[str, ...] = ()  # 浙里好家政 points the customer lets act for them

    @property
    def id(self) -> str:
        return stable_id("customer", self.key)

    @property
    def address_id(self) -> str:
        return stable_id("address", f"{self.key}:0")


_SPEC_HOURLY = "按SB/T 10643执行：居室清洁、厨卫清洁、衣物洗涤整理；服务员自带清洁工具，不含高空作业。"
_SPEC_LIVEIN = (
    "按SB/T 10643执行：住家服务，含家庭保洁、家庭餐制作、衣物洗涤；每月休息4天，每日工作不超过10小时。"
)
_SPEC_ELDER = "按SB/T 10643执行：老人生活照料、助餐、助浴、陪同就医；不含医疗护理操作。"
_SPEC_MATERNITY = "按SB/T 10643执行：产妇与新生儿护理，26天为一个服务周期，24小时住家。"

AGENCIES: tuple[AgencySeed, ...] = (
    AgencySeed(
        key="anxin",
        name="杭州安心家政服务有限公司",
        credit_code=make_uscc("91330106MA2CDE7K1"),
        employment_model=EmploymentModel.EMPLOYEE,
        city="330100",
        districts=("330102", "330105", "330106"),
        address="杭州市西湖区文二路 120 号",
        phone="0571-88001234",
        qualifications=(
            {"name": "家政服务机构备案", "number": "HZJZ-2021-0106", "issuer": "杭州市商务局"},
            {
                "name": "母婴护理服务资质",
                "number": "HZMY-2023-018",
                "issuer": "杭州市家庭服务业协会",
                "valid_until": "2028-12-31",
            },
        ),
        honours=({"title": "杭州市家政服务示范企业", "issuer": "杭州市商务局", "year": 2024},),
        items=(
            ServiceItemSeed(
                ServiceCategory.HOURLY,
                ServiceMode.HOURLY,
                PriceModel.HOURLY,
                4500,
                min_hours=4,
                specification=_SPEC_HOURLY,
                hours=WEEKDAYS_8_TO_18,
            ),
            ServiceItemSeed(
                ServiceCategory.CLEANING,
                ServiceMode.HOURLY,
                PriceModel.HOURLY,
                5000,
                min_hours=3,
                specification=_SPEC_HOURLY,
            ),
            ServiceItemSeed(
                ServiceCategory.HOUSEKEEPING,
                ServiceMode.LIVE_IN,
                PriceModel.MONTHLY,
                650000,
                management_fee_fen=80000,
                trial_days=7,
                deposit_fen=100000,
                specification=_SPEC_LIVEIN,
            ),
            ServiceItemSeed(
                ServiceCategory.ELDERLY_CARE,
                ServiceMode.DAYTIME,
                PriceModel.MONTHLY,
                580000,
                management_fee_fen=70000,
                trial_days=3,
                deposit_fen=100000,
                specification=_SPEC_ELDER,
            ),
            ServiceItemSeed(
                ServiceCategory.MATERNITY,
                ServiceMode.LIVE_IN,
                PriceModel.CYCLE_26_DAYS,
                1380000,
                management_fee_fen=150000,
                deposit_fen=200000,
                specification=_SPEC_MATERNITY,
            ),
        ),
    ),
    AgencySeed(
        key="linli",
        name="杭州邻里家政服务中心",
        credit_code=make_uscc("52330108MJ8765432"),
        employment_model=EmploymentModel.BROKER,
        city="330100",
        districts=("330106", "330108", "330110"),
        items=(
            ServiceItemSeed(
                ServiceCategory.HOURLY,
                ServiceMode.HOURLY,
                PriceModel.HOURLY,
                4000,
                min_hours=4,
                specification=_SPEC_HOURLY,
            ),
            ServiceItemSeed(
                ServiceCategory.HOME_COOKING,
                ServiceMode.HOURLY,
                PriceModel.PER_VISIT,
                12000,
                specification="按SB/T 10643执行：上门制作家庭餐，每次不超过3小时，食材由客户提供。",
            ),
            ServiceItemSeed(
                ServiceCategory.HOUSEKEEPING,
                ServiceMode.LIVE_IN,
                PriceModel.MONTHLY,
                600000,
                management_fee_fen=60000,
                trial_days=7,
                deposit_fen=100000,
                specification=_SPEC_LIVEIN,
            ),
        ),
    ),
    AgencySeed(
        key="yongcheng",
        name="宁波甬城家政服务有限公司",
        credit_code=make_uscc("91330203MA2GH3J4K"),
        employment_model=EmploymentModel.EMPLOYEE,
        city="330200",
        districts=("330203",),
        items=(
            ServiceItemSeed(
                ServiceCategory.HOURLY,
                ServiceMode.HOURLY,
                PriceModel.HOURLY,
                3800,
                min_hours=4,
                specification=_SPEC_HOURLY,
            ),
        ),
    ),
)

_H = ServiceCategory.HOURLY
_C = ServiceCategory.CLEANING
_HK = ServiceCategory.HOUSEKEEPING
_EL = ServiceCategory.ELDERLY_CARE
_MA = ServiceCategory.MATERNITY
_CK = ServiceCategory.HOME_COOKING

WORKERS: tuple[WorkerSeed, ...] = (
    WorkerSeed(
        "wang-fang",
        "王芳",
        make_id_number("330106", "19780312", "402"),
        "13805710001",
        "anxin",
        SkillLevel.LEVEL3,
        (_H, _C, _HK),
        "330106",
        ("普通话", "杭州话"),
        True,
        12,
        860,
        49,
        "AXM3301060001",
        certificates=("健康证", "家政服务员三级"),
    ),
    WorkerSeed(
        "li-xiuying",
        "李秀英",
        make_id_number("341122", "19820705", "228"),
        "13805710002",
        "anxin",
        SkillLevel.LEVEL4,
        (_H, _C),
        "330105",
        ("普通话", "安徽话"),
        False,
        6,
        410,
        47,
        "AXM3301050002",
        certificates=("健康证",),
    ),
    WorkerSeed(
        "zhang-min",
        "张敏",
        make_id_number("330102", "19750120", "144"),
        "13805710003",
        "anxin",
        SkillLevel.LEVEL2,
        (_EL, _HK, _MA),
        "330102",
        ("普通话", "杭州话"),
        True,
        18,
        1320,
        50,
        "AXM3301020003",
        certificates=("健康证", "养老护理员二级", "母婴护理师"),
    ),
    WorkerSeed(
        "chen-li",
        "陈丽",
        make_id_number("330106", "19900918", "326"),
        "13805710004",
        "anxin",
        SkillLevel.LEVEL5,
        (_H, _C),
        "330106",
        ("普通话",),
        False,
        2,
        95,
        45,
        "AXM3301060004",
        exam_valid_days=-12,
    ),  # exam expired: 安心码 yellow
    WorkerSeed(
        "zhao-hong",
        "赵红",
        make_id_number("330106", "19850203", "468"),
        "13805710005",
        "anxin",
        SkillLevel.LEVEL4,
        (_H, _HK),
        "330106",
        ("普通话",),
        True,
        8,
        500,
        46,
        "AXM3301060005",
        background="record",
    ),  # background record: 安心码 red
    WorkerSeed(
        "liu-yan",
        "刘艳",
        make_id_number("362401", "19800611", "222"),
        "13805710006",
        "linli",
        SkillLevel.LEVEL3,
        (_H, _CK, _HK),
        "330108",
        ("普通话", "江西话"),
        True,
        10,
        640,
        48,
        "AXM3301080006",
        certificates=("健康证", "中式烹调师"),
    ),
    WorkerSeed(
        "sun-jing",
        "孙静",
        make_id_number("330110", "19880825", "342"),
        "13805710007",
        "linli",
        SkillLevel.LEVEL4,
        (_H, _CK),
        "330110",
        ("普通话", "杭州话"),
        False,
        5,
        300,
        47,
        "AXM3301100007",
        certificates=("健康证",),
    ),
    WorkerSeed(
        "zhou-mei",
        "周梅",
        make_id_number("330203", "19790430", "264"),
        "13805740008",
        "yongcheng",
        SkillLevel.LEVEL3,
        (_H,),
        "330203",
        ("普通话", "宁波话"),
        False,
        9,
        520,
        48,
        "AXM3302030008",
        certificates=("健康证",),
    ),
)

CUSTOMERS: tuple[CustomerSeed, ...] = (
    CustomerSeed(
        "lin-xiaoyu",
        "林晓雨",
        make_id_number("330106", "19920514", "121"),
        "13905710101",
        "330106",
        "文三路 90 号",
        "东部软件园 3 幢",
        "1202 室",
        more_addresses=(("父母家", "330102", "清泰街 300 号", "清河坊小区 6 幢", "402 室"),),
        points=("xihu-wensan",),
    ),
    CustomerSeed(
        "he-jianguo",
        "何建国",
        make_id_number("330102", "19580922", "035"),
        "13905710102",
        "330102",
        "解放路 18 号",
        "金都华府 2 幢",
        "601 室",
    ),
    CustomerSeed(
        "xu-na",
        "徐娜",
        make_id_number("330203", "19950301", "082"),
        "13905740103",
        "330203",
        "中山西路 200 号",
        "天一家园 5 幢",
        "302 室",
    ),
)

AGENCY_BY_KEY = {a.key: a for a in AGENCIES}


@dataclass(frozen=True)
class DevUser:
    """A development login: the bearer token is the user's key, accepted only outside production. The same
    user logs in with the username (the token without ``dev-``) and DEV_PASSWORD (OAuth2 password flow)."""

    token: str
    role: str
    party_kind: str  # customer | agency | worker | point | platform
    party_key: str
    staff_ref: str | None = None  # point staff: their 浙里好家政 staff id

    @property
    def user_id(self) -> str:
        return stable_id("user", self.token)

    @property
    def username(self) -> str:
        return self.token.removeprefix("dev-")


DEV_USERS: tuple[DevUser, ...] = (
    *(DevUser(f"dev-customer-{c.key}", "customer", "customer", c.key) for c in CUSTOMERS),
    *(DevUser(f"dev-agency-{a.key}", "agency", "agency", a.key) for a in AGENCIES),
    *(DevUser(f"dev-worker-{w.key}", "worker", "worker", w.key) for w in WORKERS),
    DevUser("dev-point-xihu", "point_staff", "point", "xihu-wensan", staff_ref="xihu-wensan-01"),
    DevUser("dev-point-hubin", "point_staff", "point", "shangcheng-hubin", staff_ref="shangcheng-hubin-01"),
    DevUser("dev-customer-service", "customer_service", "platform", "platform"),
    DevUser("dev-supervisor", "supervisor", "platform", "platform"),
    DevUser("dev-admin", "admin", "platform", "platform"),
)

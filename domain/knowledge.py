"""知家政 (A-6.4): what a customer or a worker can learn on the platform — the service categories with their
standard content, reference price ranges per district, the policies and standards the trade follows, and
training courses (SB/T 10848). Reference data, versioned with the code; prices are indicative (standard.md,
"Facts from the field")."""

from __future__ import annotations

from dataclasses import dataclass

from domain.catalogue import CATEGORY_LABELS, PriceModel, ServiceCategory, ServiceMode

C = ServiceCategory


@dataclass(frozen=True)
class CategoryGuide:
    category: ServiceCategory
    content: tuple[str, ...]  # what the service covers (SB/T 10643)
    modes: tuple[ServiceMode, ...]
    usual_certificates: tuple[str, ...]

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self.category]


GUIDES: tuple[CategoryGuide, ...] = (
    CategoryGuide(
        C.HOUSEKEEPING,
        ("居室保洁", "衣物洗涤与整理", "家庭餐制作", "物品采购"),
        (ServiceMode.LIVE_IN, ServiceMode.DAYTIME),
        ("健康证",),
    ),
    CategoryGuide(
        C.INFANT_CARE,
        ("婴幼儿喂养", "生活照料", "睡眠与卫生护理", "常见问题观察与报告"),
        (ServiceMode.LIVE_IN, ServiceMode.DAYTIME),
        ("健康证", "育婴员"),
    ),
    CategoryGuide(
        C.INFANT_EDUCATION,
        ("早期启蒙游戏", "语言与动作训练", "生活习惯培养"),
        (ServiceMode.DAYTIME, ServiceMode.HOURLY),
        ("健康证", "育婴员"),
    ),
    CategoryGuide(
        C.MATERNITY,
        ("产妇饮食与起居护理", "新生儿喂养、洗浴、抚触", "产后恢复指导", "26天一个服务周期"),
        (ServiceMode.LIVE_IN,),
        ("健康证", "母婴护理师"),
    ),
    CategoryGuide(
        C.ELDERLY_CARE,
        ("生活照料", "助餐助浴", "陪同就医", "安全看护（不含医疗护理操作）"),
        (ServiceMode.LIVE_IN, ServiceMode.DAYTIME),
        ("健康证", "养老护理员"),
    ),
    CategoryGuide(
        C.PATIENT_CARE,
        ("住院与居家陪护", "协助进食与翻身", "病情观察与报告（不含医疗操作）"),
        (ServiceMode.LIVE_IN, ServiceMode.DAYTIME),
        ("健康证", "医疗护理员"),
    ),
    CategoryGuide(C.HOURLY, ("按小时的居室清洁", "厨卫清洁", "整理收纳"), (ServiceMode.HOURLY,), ("健康证",)),
    CategoryGuide(
        C.HOME_COOKING,
        ("按需上门制作家庭餐", "食材初加工", "厨房清洁"),
        (ServiceMode.HOURLY, ServiceMode.DAYTIME),
        ("健康证",),
    ),
    CategoryGuide(C.CLEANING, ("深度保洁", "开荒保洁", "家电清洗"), (ServiceMode.HOURLY,), ("健康证",)),
)


@dataclass(frozen=True)
class PriceRange:
    category: ServiceCategory
    price_model: PriceModel
    min_fen: int
    max_fen: int


# Hangzhou first; other cities are scaled (Ningbo ≈ 90 %).
_HANGZHOU: tuple[PriceRange, ...] = (
    PriceRange(C.HOURLY, PriceModel.HOURLY, 3500, 5000),
    PriceRange(C.CLEANING, PriceModel.HOURLY, 4000, 6000),
    PriceRange(C.HOME_COOKING, PriceModel.PER_VISIT, 10000, 15000),
    PriceRange(C.HOUSEKEEPING, PriceModel.MONTHLY, 500000, 700000),
    PriceRange(C.ELDERLY_CARE, PriceModel.MONTHLY, 550000, 750000),
    PriceRange(C.PATIENT_CARE, PriceModel.MONTHLY, 600000, 800000),
    PriceRange(C.INFANT_CARE, PriceModel.MONTHLY, 650000, 900000),
    PriceRange(C.INFANT_EDUCATION, PriceModel.MONTHLY, 600000, 850000),
    PriceRange(C.MATERNITY, PriceModel.CYCLE_26_DAYS, 900000, 2000000),
)
CITY_FACTOR_PCT = {"330100": 100, "330200": 90}


def price_ranges(city: str) -> list[PriceRange]:
    pct = CITY_FACTOR_PCT.get(city, 100)
    return [
        PriceRange(r.category, r.price_model, r.min_fen * pct // 100, r.max_fen * pct // 100)
        for r in _HANGZHOU
    ]


@dataclass(frozen=True)
class Policy:
    code: str
    title: str
    kind: str  # standard | law | model_contract


POLICIES: tuple[Policy, ...] = (
    Policy("SB/T 10643", "家政服务基本规范", "standard"),
    Policy("SB/T 10848", "家政服务员培训规范", "standard"),
    Policy("GB/T 31771", "家政服务 母婴生活护理服务质量规范", "standard"),
    Policy("GB 11643", "公民身份号码", "standard"),
    Policy("GB 32100", "法人和其他组织统一社会信用代码编码规则", "standard"),
    Policy("GB/T 22239", "信息安全技术 网络安全等级保护基本要求", "standard"),
    Policy("GB/T 38645", "信息安全技术 网络安全事件应急演练指南", "standard"),
    Policy("PIPL", "中华人民共和国个人信息保护法", "law"),
    Policy("ZJ-JZHT", "浙江省家政服务合同示范文本（员工制 / 中介制）", "model_contract"),
)


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    category: ServiceCategory | None  # None: for every worker
    hours: int
    online: bool
    level: str  # the skill level it prepares for, or "岗前"


COURSES: tuple[Course, ...] = (
    Course("pre-job", "家政服务员岗前培训（职业道德、安全、礼仪）", None, 24, True, "岗前"),
    Course("privacy", "客户隐私与个人信息保护", None, 4, True, "岗前"),
    Course("cleaning-5", "居家保洁与收纳（五级）", C.CLEANING, 40, False, "五级/初级"),
    Course("cooking-4", "家庭餐制作（四级）", C.HOME_COOKING, 60, False, "四级/中级"),
    Course("infant-4", "育婴员（四级）", C.INFANT_CARE, 80, False, "四级/中级"),
    Course("maternity-3", "母婴护理（三级）", C.MATERNITY, 120, False, "三级/高级"),
    Course("elderly-3", "养老护理员（三级）", C.ELDERLY_CARE, 120, False, "三级/高级"),
    Course("patient-4", "医疗护理员（陪护）", C.PATIENT_CARE, 80, False, "四级/中级"),
)

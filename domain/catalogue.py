"""The vocabulary of the trade: categories, modes, skill levels (standard.md, "Facts from the field")."""

from __future__ import annotations

from enum import StrEnum


class ServiceCategory(StrEnum):
    HOUSEKEEPING = "housekeeping"  # 普通家务
    INFANT_CARE = "infant_care"  # 婴幼儿照护
    INFANT_EDUCATION = "infant_education"  # 婴幼儿教育
    MATERNITY = "maternity"  # 产妇与新生儿护理 (月嫂)
    ELDERLY_CARE = "elderly_care"  # 老人照护
    PATIENT_CARE = "patient_care"  # 病人陪护
    HOURLY = "hourly"  # 计时服务
    HOME_COOKING = "home_cooking"  # 家庭餐制作
    CLEANING = "cleaning"  # 保洁


CATEGORY_LABELS: dict[ServiceCategory, str] = {
    ServiceCategory.HOUSEKEEPING: "普通家务",
    ServiceCategory.INFANT_CARE: "婴幼儿照护",
    ServiceCategory.INFANT_EDUCATION: "婴幼儿教育",
    ServiceCategory.MATERNITY: "产妇与新生儿护理（月嫂）",
    ServiceCategory.ELDERLY_CARE: "老人照护",
    ServiceCategory.PATIENT_CARE: "病人陪护",
    ServiceCategory.HOURLY: "计时服务",
    ServiceCategory.HOME_COOKING: "家庭餐制作",
    ServiceCategory.CLEANING: "保洁",
}


class ServiceMode(StrEnum):
    LIVE_IN = "live_in"  # 全日住家
    DAYTIME = "daytime"  # 日间照料
    HOURLY = "hourly"  # 计时


MODE_LABELS: dict[ServiceMode, str] = {
    ServiceMode.LIVE_IN: "全日住家",
    ServiceMode.DAYTIME: "日间照料",
    ServiceMode.HOURLY: "计时",
}


class SkillLevel(StrEnum):
    """National vocational skill levels, lowest first."""

    LEVEL5 = "level5"  # 五级/初级
    LEVEL4 = "level4"  # 四级/中级
    LEVEL3 = "level3"  # 三级/高级
    LEVEL2 = "level2"  # 二级/技师

    @property
    def rank(self) -> int:
        return list(SkillLevel).index(self)


LEVEL_LABELS: dict[SkillLevel, str] = {
    SkillLevel.LEVEL5: "五级/初级",
    SkillLevel.LEVEL4: "四级/中级",
    SkillLevel.LEVEL3: "三级/高级",
    SkillLevel.LEVEL2: "二级/技师",
}


class EmploymentModel(StrEnum):
    EMPLOYEE = "employee"  # 员工制: the agency employs the worker; two-party contract
    BROKER = "broker"  # 中介制: three-party contract (customer, worker, agency)


class PriceModel(StrEnum):
    HOURLY = "hourly"  # rate per hour, with a minimum number of hours per visit
    PER_VISIT = "per_visit"
    MONTHLY = "monthly"  # monthly wage + management fee
    CYCLE_26_DAYS = "cycle_26_days"  # 月嫂: price per 26-day cycle

"""Seeded public-data records (B-6.2.1) beyond the criminal-record check: social insurance (人社),
training and certificates (人社 / industry association), civil affairs (民政: elderly care). Derived from
devdata.market so they agree with the 安心码 and identity seeds; dates are offsets from the seed day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from devdata.market import AGENCY_BY_KEY, CUSTOMERS, WORKERS, CustomerSeed, WorkerSeed
from domain.catalogue import LEVEL_LABELS, EmploymentModel

HRSS = "杭州市人力资源和社会保障局"
ASSOCIATION = "浙江省家庭服务业协会"
SCHOOL = "杭州市家政服务职业技能培训学校"

# The customers the civil-affairs register knows as elderly people in its care programmes.
ELDERLY_CARE = {
    "he-jianguo": {"care_level": "轻度失能", "living_alone": True, "subsidy_monthly_fen": 30000},
}


def birth_date(id_number: str) -> date | None:
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def age_on(id_number: str, day: date) -> int | None:
    born = birth_date(id_number)
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _since(today: date, years: int) -> str:
    return (today - timedelta(days=365 * max(1, min(years, 10)))).isoformat()


def _worker_insurance(w: WorkerSeed, today: date) -> list[dict[str, Any]]:
    agency = AGENCY_BY_KEY[w.agency_key]
    since = _since(today, w.years_experience)
    if agency.employment_model == EmploymentModel.EMPLOYEE:
        unit: str | None = agency.name
        schemes: tuple[str, ...] = ("pension", "medical", "work_injury", "unemployment")
    else:  # brokered workers insure themselves as flexible employees (灵活就业人员)
        unit = None
        schemes = ("pension", "medical")
    return [{"scheme": s, "status": "active", "unit": unit, "since": since} for s in schemes]


def _customer_insurance(c: CustomerSeed, today: date) -> list[dict[str, Any]]:
    age = age_on(c.id_number, today) or 0
    if age >= 60:
        return [{"scheme": "pension", "status": "retired", "unit": None, "since": _since(today, age - 60)}]
    return [
        {"scheme": s, "status": "active", "unit": "(用人单位)", "since": _since(today, 5)}
        for s in ("pension", "medical")
    ]


def social_insurance(id_number: str, today: date) -> list[dict[str, Any]]:
    for w in WORKERS:
        if w.id_number == id_number:
            return _worker_insurance(w, today)
    for c in CUSTOMERS:
        if c.id_number == id_number:
            return _customer_insurance(c, today)
    return []


def training_records(id_number: str, today: date) -> list[dict[str, Any]]:
    worker = next((w for w in WORKERS if w.id_number == id_number), None)
    if worker is None:
        return []
    records: list[dict[str, Any]] = [
        {
            "record_id": f"TR-{worker.anxinma_code[-7:]}-01",
            "kind": "training",
            "title": "家政服务员岗前培训（SB/T 10848）",
            "issuer": SCHOOL,
            "level": None,
            "hours": 40,
            "result": "合格",
            "issued_on": (today - timedelta(days=365 * max(1, worker.years_experience))).isoformat(),
            "valid_until": None,
        },
        {
            "record_id": f"SK-{worker.anxinma_code[-7:]}",
            "kind": "skill_level",
            "title": f"家政服务员（{LEVEL_LABELS[worker.level]}）",
            "issuer": HRSS,
            "level": worker.level.value,
            "hours": None,
            "result": "合格",
            "issued_on": (today - timedelta(days=400)).isoformat(),
            "valid_until": None,
        },
    ]
    for i, certificate in enumerate(worker.certificates, start=1):
        health = certificate == "健康证"
        records.append(
            {
                "record_id": f"CT-{worker.anxinma_code[-7:]}-{i:02d}",
                "kind": "certificate",
                "title": certificate,
                "issuer": "杭州市疾病预防控制中心" if health else ASSOCIATION,
                "level": None,
                "hours": None,
                "result": "有效",
                "issued_on": (today - timedelta(days=165 if health else 700)).isoformat(),
                "valid_until": (today + timedelta(days=200 if health else 1095)).isoformat(),
            }
        )
    return records


def civil_affairs(id_number: str, today: date) -> dict[str, Any]:
    age = age_on(id_number, today)
    customer = next((c for c in CUSTOMERS if c.id_number == id_number), None)
    care = ELDERLY_CARE.get(customer.key) if customer is not None else None
    elderly = age is not None and age >= 60
    return {
        "elderly": elderly,
        "age": age,
        "care_level": care["care_level"] if care else None,
        "living_alone": care["living_alone"] if care else None,
        "subsidy": (
            {"kind": "居家养老服务补贴", "monthly_fen": care["subsidy_monthly_fen"]}
            if care and elderly
            else None
        ),
    }

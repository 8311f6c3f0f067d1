"""The data standard (activities/data_standard.py) as pure functions, and docs/data-sharing.md in step."""

from __future__ import annotations

import re
from collections import Counter

from activities.data_standard import (
    CERTIFICATE_FIELDS,
    EMPLOYMENT_FIELDS,
    STATISTICS_FIELDS,
    TRAINING_FIELDS,
    WORKER_RECORD_FIELDS,
    OrderFacts,
    WorkerFacts,
    statistics,
    worker_record,
)
from config import ROOT
from sandbox.platforms.regulator import personal_field

DOC = (ROOT / "docs" / "data-sharing.md").read_text()

FACTS = WorkerFacts(
    anxinma_code="AXM3301060001",
    agency_credit_code="91330106MA2CDE7K1X",
    employment_model="employee",
    withdrawn=False,
    level="level3",
    categories=["hourly", "cleaning"],
    service_count=860,
    years_experience=12,
    certificate_records=[
        {
            "kind": "health",
            "name": "健康证",
            "number": "JK-123",
            "issuer": "疾控中心",
            "valid_until": "2027-06-01",
        }
    ],
    trainings=[
        {
            "course": "岗前培训",
            "provider": "培训学校",
            "hours": 40,
            "result": "合格",
            "completed_on": "2020-01-01",
        }
    ],
    orders_completed_in_period=2,
    anxinma_colour="green",
)


def test_the_document_lists_every_field() -> None:
    documented = set(re.findall(r"`([a-z_]+)`", DOC))
    fields = (WORKER_RECORD_FIELDS, EMPLOYMENT_FIELDS, CERTIFICATE_FIELDS, TRAINING_FIELDS, STATISTICS_FIELDS)
    missing = {f for group in fields for f in group} - documented
    assert not missing, f"docs/data-sharing.md does not describe {sorted(missing)}"


def test_a_worker_record_carries_no_personal_identifier() -> None:
    record = worker_record(FACTS, "2026-11-27")
    assert tuple(record) == WORKER_RECORD_FIELDS
    assert record["certificates"] == [
        {"kind": "health", "title": "健康证", "issuer": "疾控中心", "valid_until": "2027-06-01"}
    ]  # the certificate's number stays with us
    assert record["skills"] == {"level": "level3", "categories": ["cleaning", "hourly"]}
    assert record["employment"]["status"] == "active"
    assert personal_field(record) is None  # what the regulator's interface checks
    unattached = WorkerFacts(**{**FACTS.__dict__, "agency_credit_code": None, "employment_model": None})
    assert worker_record(unattached, "2026-11-27")["employment"]["status"] == "unattached"


def test_statistics_are_counts_only() -> None:
    orders = [
        OrderFacts("hourly", "330106", "web", True, None),
        OrderFacts("hourly", "330106", "point", True, "completed"),
        OrderFacts("elderly_care", "330102", "web", False, "cancelled"),
    ]
    report = statistics(
        "2026-11-27", orders, (1, 18000, 0), 1, [4.8, 5.0], (8, 1, Counter({"level3": 3})), 3, 6
    )
    assert tuple(report) == STATISTICS_FIELDS
    assert report["orders"]["created"] == 2 and report["orders"]["by_district"] == {"330106": 2}
    assert report["orders"]["closed_by_outcome"] == {"cancelled": 1, "completed": 1}
    assert report["evaluations"] == {"count": 2, "average_worker_score": 4.9}
    assert personal_field(report) is None

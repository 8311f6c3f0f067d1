"""The data standard for sharing with the regulator (docs/data-sharing.md), as pure functions.

Two documents, both versioned ``jz-share/1``:

- a **worker record** per worker (B-6.1.3): employment, skill level, certificates and training — keyed by the
  worker's 安心码 code, which the regulator itself issues, so no name, ID number, phone, address, birth date,
  photo or rating is ever shared;
- **platform statistics** per day (B-6.2.2): counts and sums only, over orders, payments, evaluations,
  workers, agencies and community points.

Every field is listed in docs/data-sharing.md; ``WORKER_RECORD_FIELDS`` and ``STATISTICS_FIELDS`` pin the
top-level shape and a test compares them with the document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

STANDARD = "jz-share/1"

WORKER_RECORD_FIELDS = (
    "standard",
    "worker_ref",
    "as_of",
    "agency_credit_code",
    "employment",
    "skills",
    "certificates",
    "trainings",
    "anxinma_colour",
)
EMPLOYMENT_FIELDS = ("status", "employment_model", "orders_completed_in_period", "service_count", "years")
CERTIFICATE_FIELDS = ("kind", "title", "issuer", "valid_until")
TRAINING_FIELDS = ("course", "provider", "hours", "result", "completed_on")

STATISTICS_FIELDS = (
    "standard",
    "period",
    "orders",
    "payments",
    "invoices",
    "evaluations",
    "workers",
    "agencies",
    "community_points",
)


@dataclass(frozen=True)
class WorkerFacts:
    """What the record is built from (read by the activity; names and ID numbers are not among them)."""

    anxinma_code: str
    agency_credit_code: str | None
    employment_model: str | None
    withdrawn: bool
    level: str
    categories: list[str]
    service_count: int
    years_experience: int
    certificate_records: list[dict[str, Any]]
    trainings: list[dict[str, Any]]
    orders_completed_in_period: int
    anxinma_colour: str | None


def _pick(
    item: dict[str, Any], fields: Iterable[str], renames: dict[str, str] | None = None
) -> dict[str, Any]:
    renames = renames or {}
    return {f: item.get(renames.get(f, f)) for f in fields}


def worker_record(facts: WorkerFacts, period: str) -> dict[str, Any]:
    if facts.agency_credit_code is None:
        status = "unattached"
    else:
        status = "withdrawn" if facts.withdrawn else "active"
    return {
        "standard": STANDARD,
        "worker_ref": facts.anxinma_code,
        "as_of": period,
        "agency_credit_code": facts.agency_credit_code,
        "employment": {
            "status": status,
            "employment_model": facts.employment_model,
            "orders_completed_in_period": facts.orders_completed_in_period,
            "service_count": facts.service_count,
            "years": facts.years_experience,
        },
        "skills": {"level": facts.level, "categories": sorted(facts.categories)},
        # the certificate's own name becomes "title"; its number is not shared
        "certificates": [
            _pick(c, CERTIFICATE_FIELDS, {"title": "name"})
            for c in sorted(facts.certificate_records, key=lambda c: str(c.get("name")))
        ],
        "trainings": [
            _pick(t, TRAINING_FIELDS)
            for t in sorted(facts.trainings, key=lambda t: str(t.get("completed_on")))
        ],
        "anxinma_colour": facts.anxinma_colour,
    }


@dataclass(frozen=True)
class OrderFacts:
    category: str
    district: str
    channel: str
    created_in_period: bool
    closed_in_period_as: str | None  # the outcome, if the order closed in the period


def statistics(
    period: str,
    orders: list[OrderFacts],
    payments: tuple[int, int, int],  # succeeded count, amount fen, refunded fen
    invoices: int,
    scores: list[float],  # the average of each evaluation's worker scores
    workers: tuple[int, int, Counter[str]],  # registered, withdrawn, by level
    agencies: int,
    community_points: int,
) -> dict[str, Any]:
    created = [o for o in orders if o.created_in_period]
    closed = Counter(o.closed_in_period_as for o in orders if o.closed_in_period_as)
    registered, withdrawn, by_level = workers
    return {
        "standard": STANDARD,
        "period": period,
        "orders": {
            "created": len(created),
            "by_category": dict(sorted(Counter(o.category for o in created).items())),
            "by_district": dict(sorted(Counter(o.district for o in created).items())),
            "by_channel": dict(sorted(Counter(o.channel for o in created).items())),
            "closed_by_outcome": dict(sorted(closed.items())),
        },
        "payments": {"succeeded": payments[0], "amount_fen": payments[1], "refunded_fen": payments[2]},
        "invoices": {"issued": invoices},
        "evaluations": {
            "count": len(scores),
            "average_worker_score": round(sum(scores) / len(scores), 2) if scores else None,
        },
        "workers": {
            "registered": registered,
            "withdrawn": withdrawn,
            "by_level": dict(sorted(by_level.items())),
        },
        "agencies": {"registered": agencies},
        "community_points": {"active": community_points},
    }

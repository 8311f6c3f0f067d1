"""The sandbox's own controls: faults, counts for exactly-once assertions, reset, and a few test helpers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from sandbox.deps import State
from sandbox.faults import parse_faults
from sandbox.platforms.anxinma import code_view
from sandbox.seed import TIMELINE, AnxinmaCode
from sandbox.state import SandboxState, now

router = APIRouter(tags=["admin"])


def _count(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


@router.get("/faults")
async def get_faults(state: State) -> dict[str, Any]:
    return state.faults.snapshot()


@router.put("/faults")
async def put_faults(
    state: State,
    body: Annotated[
        dict[str, Any],
        Body(
            description='{"<platform>|*": {error_rate, timeout_rate, timeout_seconds, latency_ms, '
            "duplicate_webhook_rate, reorder_webhooks, reorder_window_ms}}; {} clears",
            examples=[{"payment": {"error_rate": 0.3, "duplicate_webhook_rate": 0.5}}],
        ),
    ],
) -> dict[str, Any]:
    state.faults.replace(parse_faults(body))
    return state.faults.snapshot()


def stats(state: SandboxState) -> dict[str, Any]:
    flows = list(state.flows.values())
    payments = list(state.payments.values())
    invoices = list(state.invoices.values())
    rooms = list(state.rooms.values())
    messages = list(state.messages.values())
    return {
        "esign": {
            "flows": len(flows),
            "completed": sum(1 for f in flows if f.completed_at is not None),
            "voided": sum(1 for f in flows if f.status == "voided"),
            "by_document_name": _count(f.document_name for f in flows),
        },
        "payment": {
            "payments": len(payments),
            "succeeded": sum(1 for p in payments if p.status == "succeeded"),
            "refunds": len(state.refunds),
            "by_merchant_order_no": _count(p.merchant_order_no for p in payments),
            "refunds_by_merchant_order_no": _count(
                state.payments[r.payment_id].merchant_order_no for r in state.refunds.values()
            ),
        },
        "einvoice": {
            "invoices": len(invoices),
            "voided": sum(1 for i in invoices if i.status == "voided"),
            "by_reference": _count(i.reference for i in invoices),
        },
        "video": {
            "rooms": len(rooms),
            "closed": sum(1 for r in rooms if r.status == "closed"),
            "by_reference": _count(r.reference for r in rooms),
        },
        "notify": {"messages": len(messages), "by_ref": _count(m.ref for m in messages)},
        "public-data": {
            "criminal_record_checks": len(state.checks),
            "social_insurance_queries": state.public_queries.get("social_insurance", 0),
            "training_records_queries": state.public_queries.get("training_records", 0),
            "civil_affairs_queries": state.public_queries.get("civil_affairs", 0),
        },
        "identity": {"verifications": state.identity_verifications},
        "regulator": {
            "worker_record_batches": len(state.worker_record_batches),
            "worker_records": len(state.worker_records),
            "statistics": len(state.statistics),
            "statistics_by_period": _count(s.period for s in state.statistics.values()),
        },
        "webhooks": state.webhooks.stats(),
        "faults": state.faults.counts(),
        "idempotency_keys": len(state.idempotency),
    }


@router.get("/stats")
async def get_stats(state: State) -> dict[str, Any]:
    return stats(state)


@router.post("/reset")
async def reset(state: State) -> dict[str, Any]:
    state.reset()
    return {"status": "reset"}


@router.get("/webhooks")
async def webhooks(state: State) -> dict[str, Any]:
    """Recent deliveries (newest last): event id, type, URL, attempts, outcome."""
    return {"items": [d.view() for d in state.webhooks.log]}


class CodeFacts(BaseModel):
    agency_credit_code: str = Field(min_length=18, max_length=18)
    identity_verified: bool = True
    health_exam_valid_until: date | None = None
    insurance_valid_until: date | None = None
    background: Literal["clear", "record", "pending"] = "clear"
    worker_key: str = ""
    flexible_employment_code: str | None = Field(None, max_length=32)


@router.put("/anxinma/codes/{code}")
async def put_code(code: str, body: CodeFacts, state: State) -> dict[str, Any]:
    """Create or replace a 安心码 (e.g. turn a worker red mid-order); ``/admin/reset`` restores the seed."""
    value = code.strip().upper()
    state.current_codes()  # due timeline changes first, so they do not overwrite this one later today
    state.codes[value] = AnxinmaCode(
        code=value,
        worker_key=body.worker_key,
        agency_credit_code=body.agency_credit_code.upper(),
        identity_verified=body.identity_verified,
        health_exam_valid_until=body.health_exam_valid_until,
        insurance_valid_until=body.insurance_valid_until,
        background=body.background,
        updated_at=now(),
        flexible_employment_code=body.flexible_employment_code,
    )
    return code_view(state.codes[value], state.today())


class Clock(BaseModel):
    offset_days: int = Field(ge=0, le=3650, description="days added to the real date")


def clock_view(state: SandboxState) -> dict[str, Any]:
    due = [
        {
            "day": c.day,
            "date": (state.seed.today + timedelta(days=c.day)).isoformat(),
            "code": c.code,
            "note": c.note,
        }
        for c in TIMELINE
    ]
    return {
        "today": state.today().isoformat(),
        "offset_days": state.clock_offset_days,
        "seed_day": state.seed.today.isoformat(),
        "timeline": due,
        "applied": sorted(state.timeline_applied),
    }


@router.get("/clock")
async def get_clock(state: State) -> dict[str, Any]:
    """The sandbox's day and the seeded timeline of 安心码 changes."""
    return clock_view(state)


@router.put("/clock")
async def put_clock(body: Clock, state: State) -> dict[str, Any]:
    """Move the sandbox's day on: validity dates expire, timeline changes fall due (reset restores it)."""
    state.clock_offset_days = body.offset_days
    state.current_codes()
    return clock_view(state)

"""Data sharing with the regulator: batches of worker records, and periodic statistics.

The regulator's data standard forbids direct personal identifiers in shared records (B-6.2.3): a record or a
report carrying a field named like one (name, ID number, phone, address, …) at any depth is refused with
``422 personal_data_not_allowed``. What was accepted can be read back.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandbox.deps import State
from sandbox.errors import ApiError
from sandbox.idempotency import IdempotencyKey
from sandbox.state import SharedRecord, StatisticsReport, WorkerRecordBatch, iso, new_id

PERSONAL_FIELDS = frozenset(
    {
        "name",
        "full_name",
        "id_number",
        "id_card",
        "phone",
        "mobile",
        "email",
        "address",
        "street",
        "building",
        "room",
        "birth_date",
        "date_of_birth",
        "photo",
        "photo_url",
    }
)


def personal_field(value: Any, path: str = "") -> str | None:
    """The path of the first field named like a direct personal identifier, or None."""
    if isinstance(value, dict):
        for key, inner in value.items():
            here = f"{path}.{key}" if path else str(key)
            if str(key).lower() in PERSONAL_FIELDS:
                return here
            found = personal_field(inner, here)
            if found:
                return found
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found = personal_field(inner, f"{path}[{i}]")
            if found:
                return found
    return None


def refuse_personal_data(payload: Any) -> None:
    found = personal_field(payload)
    if found is not None:
        raise ApiError(
            422,
            "personal_data_not_allowed",
            f"{found}: the data standard forbids direct personal identifiers in shared data",
        )


router = APIRouter(tags=["监管数据共享"])


class WorkerRecordsRequest(BaseModel):
    """Free-form records; ``worker_ref`` identifies the worker (a later record replaces an earlier one)."""

    records: list[dict[str, Any]] = Field(min_length=1, max_length=1000)

    @field_validator("records")
    @classmethod
    def _worker_refs(cls, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for i, record in enumerate(records):
            if not isinstance(record.get("worker_ref"), str) or not record["worker_ref"]:
                raise ValueError(f"records[{i}] needs a non-empty string worker_ref")
        return records


class StatisticsRequest(BaseModel):
    """``period`` (e.g. ``2025-06``) is required; every other field is kept as sent."""

    model_config = ConfigDict(extra="allow")

    period: str = Field(min_length=1, max_length=32)


@router.post("/worker-records", status_code=201)
async def submit_worker_records(body: WorkerRecordsRequest, state: State, key: IdempotencyKey) -> Any:
    refuse_personal_data({"records": body.records})

    async def create() -> dict[str, Any]:
        batch = WorkerRecordBatch(new_id("wrb"), list(body.records))
        state.worker_record_batches[batch.batch_id] = batch
        for record in batch.records:
            state.worker_records[str(record["worker_ref"])] = SharedRecord(
                record, batch.batch_id, batch.created_at
            )
        return {
            "batch_id": batch.batch_id,
            "status": "accepted",
            "accepted": len(batch.records),
            "created_at": iso(batch.created_at),
        }

    return await state.idempotency.run("regulator:worker-records", key, body.model_dump(), create)


@router.post("/statistics", status_code=201)
async def submit_statistics(body: StatisticsRequest, state: State, key: IdempotencyKey) -> Any:
    refuse_personal_data(body.model_dump())

    async def create() -> dict[str, Any]:
        report = StatisticsReport(new_id("stat"), body.period, body.model_dump())
        state.statistics[report.report_id] = report
        return {
            "report_id": report.report_id,
            "period": report.period,
            "status": "accepted",
            "created_at": iso(report.created_at),
        }

    return await state.idempotency.run("regulator:statistics", key, body.model_dump(), create)


@router.get("/worker-records/{worker_ref}")
async def get_worker_record(worker_ref: str, state: State) -> dict[str, Any]:
    """The regulator's current record for a worker (the latest one shared)."""
    shared = state.worker_records.get(worker_ref)
    if shared is None:
        raise ApiError(404, "record_not_found", f"no record for worker_ref {worker_ref!r}")
    return {"record": shared.record, "batch_id": shared.batch_id, "received_at": iso(shared.received_at)}


@router.get("/statistics")
async def list_statistics(
    state: State, period: Annotated[str | None, Query(description="only this period")] = None
) -> dict[str, Any]:
    reports = [r for r in state.statistics.values() if period is None or r.period == period]
    return {
        "items": [
            {
                "report_id": r.report_id,
                "period": r.period,
                "report": r.payload,
                "created_at": iso(r.created_at),
            }
            for r in reports
        ]
    }

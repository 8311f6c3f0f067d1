"""Data sharing with the regulator: batches of worker records, and periodic statistics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandbox.deps import State
from sandbox.idempotency import IdempotencyKey
from sandbox.state import StatisticsReport, WorkerRecordBatch, iso, new_id

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
    async def create() -> dict[str, Any]:
        batch = WorkerRecordBatch(new_id("wrb"), list(body.records))
        state.worker_record_batches[batch.batch_id] = batch
        for record in batch.records:
            state.worker_records[str(record["worker_ref"])] = record
        return {
            "batch_id": batch.batch_id,
            "status": "accepted",
            "accepted": len(batch.records),
            "created_at": iso(batch.created_at),
        }

    return await state.idempotency.run("regulator:worker-records", key, body.model_dump(), create)


@router.post("/statistics", status_code=201)
async def submit_statistics(body: StatisticsRequest, state: State, key: IdempotencyKey) -> Any:
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

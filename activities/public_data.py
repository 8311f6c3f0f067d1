"""Public data (B-6.2.1): the police criminal-record check, which answers asynchronously.

``check_criminal_record`` starts a check (idempotency key from the worker and the day, so a retried
attempt finds the same check) and polls it until it is done, heartbeating as it waits; the worker's
name and ID number are read here, from the database, and never enter a workflow. A ``record`` withdraws
the worker from matching (as a red 安心码 does) and returns the change, so the workflow flags her open
assignments.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.platform_client import PlatformClient
from activities.platform_sync import WorkerChange, screening_for, withdraw
from db.engine import session_scope
from db.models import Worker

FIRST_POLL_SECONDS = 0.5
MAX_POLL_SECONDS = 5.0


@dataclass(frozen=True)
class CriminalCheckRequest:
    worker_id: str
    as_of: str  # the day (YYYY-MM-DD) the check is for: one check per worker per day


@dataclass(frozen=True)
class CriminalCheckResult:
    result: str  # clear | record
    withdrawn: WorkerChange | None = None


class PublicData:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    @activity.defn
    async def check_criminal_record(self, req: CriminalCheckRequest) -> CriminalCheckResult:
        async with session_scope(self._engine) as s:
            worker = await s.get(Worker, req.worker_id)
            if worker is None:
                raise ApplicationError("worker not found", type="WorkerMissing", non_retryable=True)
            person = {"id_number": worker.id_number, "name": worker.name}
        check = await self._platforms.post(
            "/public-data/v1/criminal-record-checks",
            person,
            idempotency_key=f"criminal-check:{req.worker_id}:{req.as_of}",
        )
        check_id = str(check["check_id"])
        wait = FIRST_POLL_SECONDS
        while check.get("status") != "done":
            activity.heartbeat(check_id)
            await asyncio.sleep(wait)
            wait = min(wait * 2, MAX_POLL_SECONDS)
            check = await self._platforms.get(f"/public-data/v1/criminal-record-checks/{check_id}")
        result = str(check["result"])
        async with session_scope(self._engine) as s:
            screening = await screening_for(s, req.worker_id)
            screening.criminal_check_id, screening.criminal_record = check_id, result
            completed = check.get("completed_at")
            screening.criminal_checked_at = (
                datetime.fromisoformat(str(completed)) if completed else datetime.now(UTC)
            )
            change = None
            if result == "record":
                worker = await s.get(Worker, req.worker_id, with_for_update=True)
                assert worker is not None
                episode = f"criminal_record@{check_id}"
                if withdraw(worker, screening, "criminal_record", episode):
                    change = WorkerChange(req.worker_id, "criminal_record", episode)
        return CriminalCheckResult(result, change)

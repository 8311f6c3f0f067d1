"""Public data: criminal-record checks, answered asynchronously (pending first, done a moment later)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sandbox.deps import State
from sandbox.errors import ApiError
from sandbox.idempotency import IdempotencyKey
from sandbox.state import CriminalRecordCheck, iso, new_id, now

router = APIRouter(tags=["公共数据"])

CHECK_DELAY = timedelta(seconds=1)


class CheckRequest(BaseModel):
    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)


def check_view(check: CriminalRecordCheck) -> dict[str, Any]:
    done = check.completed_at is not None
    return {
        "check_id": check.check_id,
        "status": "done" if done else "pending",
        "result": check.result if done else None,
        "created_at": iso(check.created_at),
        "completed_at": iso(check.completed_at),
    }


@router.post("/criminal-record-checks", status_code=201)
async def create_check(body: CheckRequest, state: State, key: IdempotencyKey) -> Any:
    async def create() -> dict[str, Any]:
        id_number = body.id_number.strip().upper()
        person = state.seed.register.get(id_number)
        result = "record" if person is not None and person.background == "record" else "clear"
        check = CriminalRecordCheck(new_id("chk"), id_number, body.name.strip(), result)
        state.checks[check.check_id] = check
        return check_view(check)

    return await state.idempotency.run("public-data:criminal-record-checks", key, body.model_dump(), create)


@router.get("/criminal-record-checks/{check_id}")
async def get_check(check_id: str, state: State) -> dict[str, Any]:
    check = state.checks.get(check_id)
    if check is None:
        raise ApiError(404, "check_not_found", f"no criminal-record check {check_id!r}")
    check.reads += 1
    if check.completed_at is None and (check.reads >= 2 or now() - check.created_at >= CHECK_DELAY):
        check.completed_at = now()
    return check_view(check)

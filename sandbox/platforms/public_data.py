"""Public data (B-6.2.1): criminal-record checks, answered asynchronously (pending first, done a moment
later); social-insurance, training and civil-affairs queries, answered at once. Every request names a person
by ID number and name in the body (never in the URL); a person the register holds under another name is
refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from domain.identity import id_number_problem
from sandbox.deps import State
from sandbox.errors import ApiError
from sandbox.idempotency import IdempotencyKey
from sandbox.public_records import civil_affairs, social_insurance, training_records
from sandbox.state import CriminalRecordCheck, SandboxState, iso, new_id, now

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


class PersonQuery(BaseModel):
    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)


def _person(state: SandboxState, query: PersonQuery, kind: str) -> tuple[str, str]:
    """The query's normalised ID number and a fresh query id, after the identity checks."""
    state.public_queries[kind] = state.public_queries.get(kind, 0) + 1
    id_number = query.id_number.strip().upper()
    problem = id_number_problem(id_number)
    if problem is not None:
        raise ApiError(422, "invalid_id_number", problem)
    person = state.seed.register.get(id_number)
    if person is not None and person.name != query.name.strip():
        raise ApiError(422, "identity_mismatch", "姓名与身份证号码不一致")
    return id_number, new_id("q")


@router.post("/social-insurance/queries")
async def query_social_insurance(body: PersonQuery, state: State) -> dict[str, Any]:
    """人社: the person's social-insurance schemes (pension, medical, work injury, unemployment)."""
    id_number, query_id = _person(state, body, "social_insurance")
    schemes = social_insurance(id_number, state.today())
    return {
        "query_id": query_id,
        "insured": any(s["status"] in ("active", "retired") for s in schemes),
        "schemes": schemes,
        "as_of": state.today().isoformat(),
    }


@router.post("/training-records/queries")
async def query_training_records(body: PersonQuery, state: State) -> dict[str, Any]:
    """人社 / industry association: training completed, skill levels and certificates."""
    id_number, query_id = _person(state, body, "training_records")
    return {
        "query_id": query_id,
        "records": training_records(id_number, state.today()),
        "as_of": state.today().isoformat(),
    }


@router.post("/civil-affairs/queries")
async def query_civil_affairs(body: PersonQuery, state: State) -> dict[str, Any]:
    """民政: elderly-care data (age band, care level, living alone, home-care subsidy)."""
    id_number, query_id = _person(state, body, "civil_affairs")
    return {
        "query_id": query_id,
        **civil_affairs(id_number, state.today()),
        "as_of": state.today().isoformat(),
    }

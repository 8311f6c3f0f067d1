"""Real-name check (二要素): does this name belong to this resident ID number?

People in the register (seeded workers and customers) must match by name; a well-formed ID number the register
does not hold is taken to match, so new sign-ups work in development. A malformed number never matches.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from domain.identity import id_number_problem
from sandbox.deps import State

router = APIRouter(tags=["实名核验"])


class VerificationRequest(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=32)


@router.post("/verifications")
async def verify(body: VerificationRequest, state: State) -> dict[str, Any]:
    state.identity_verifications += 1
    id_number = body.id_number.strip().upper()
    problem = id_number_problem(id_number)
    if problem is not None:
        return {"match": False, "reason": "invalid_id_number", "detail": problem}
    person = state.seed.register.get(id_number)
    if person is not None and person.name != body.name.strip():
        return {"match": False, "reason": "name_mismatch", "detail": "姓名与身份证号码不一致"}
    return {"match": True, "reason": None, "detail": "一致"}

"""安心码: worker codes with their facts and the colour derived from them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from sandbox.deps import State
from sandbox.errors import ApiError
from sandbox.paging import DEFAULT_LIMIT, Cursor, Limit, paginate
from sandbox.seed import AnxinmaCode, colour
from sandbox.state import iso

router = APIRouter(tags=["安心码"])


def code_view(code: AnxinmaCode, today: date) -> dict[str, Any]:
    return {
        "code": code.code,
        "colour": colour(code, today),
        "agency_credit_code": code.agency_credit_code,
        "identity_verified": code.identity_verified,
        "health_exam_valid_until": iso(code.health_exam_valid_until),
        "insurance_valid_until": iso(code.insurance_valid_until),
        "background": code.background,
        "flexible_employment_code": code.flexible_employment_code,
        "updated_at": iso(code.updated_at),
    }


@router.get("/codes/{code}")
async def get_code(code: str, state: State) -> dict[str, Any]:
    found = state.current_codes().get(code.strip().upper())
    if found is None:
        raise ApiError(404, "code_not_found", f"no 安心码 {code!r}")
    return code_view(found, state.today())


@router.get("/codes")
async def list_codes(
    state: State,
    agency_credit_code: Annotated[str | None, Query(description="only this agency's workers")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    codes = [
        c
        for c in state.current_codes().values()
        if agency_credit_code is None or c.agency_credit_code == agency_credit_code.strip().upper()
    ]
    page, next_cursor = paginate(codes, lambda c: c.code, cursor, limit)
    today = state.today()
    return {"items": [code_view(c, today) for c in page], "next_cursor": next_cursor}

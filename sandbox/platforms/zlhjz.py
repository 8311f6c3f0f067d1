"""浙里好家政: the community service points (and their staff) that can act for customers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sandbox.deps import State
from sandbox.paging import DEFAULT_LIMIT, Cursor, Limit, paginate

router = APIRouter(tags=["浙里好家政"])


@router.get("/service-points")
async def list_service_points(
    state: State, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> dict[str, Any]:
    page, next_cursor = paginate(state.seed.points, lambda p: p.point_id, cursor, limit)
    return {"items": [p.view() for p in page], "next_cursor": next_cursor}

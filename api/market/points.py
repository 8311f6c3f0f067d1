"""A community service point's staff act for customers only while 浙里好家政 lists their point as active and
lists them among its staff (A-6.5.2, B-6.1.1).

What 浙里好家政 lists is what the points sync (workflows/platform_jobs.py PointSyncWorkflow,
activities/platform_sync.py) keeps in ``community_points``: one row per point, ``active`` cleared when a
sync run no longer sees it, its staff as ``[{staff_id, role}]``. Checked at login (``authenticate``), on every
bearer token (``user_for_token``), and again in ``record_point_action`` for every action on a customer's
behalf. A point the sync has never seen is not listed: refused too.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import ApiError
from db.market_models import User
from db.platform_models import CommunityPoint
from domain.orders import Role


async def point_refusal(
    session: AsyncSession, point_id: str | None, staff_ref: str | None
) -> ApiError | None:
    """Why this point's staff member may not act now (a 403 to raise), or None if they may."""
    point = await session.get(CommunityPoint, point_id) if point_id else None
    if point is None:
        return ApiError(
            403,
            "point_inactive",
            "this community service point is not listed on 浙里好家政: its staff cannot act for customers",
        )
    if not point.active:
        since = f" since {point.removed_at:%Y-%m-%d}" if point.removed_at else ""
        return ApiError(
            403,
            "point_inactive",
            f"this community service point is no longer active on 浙里好家政{since}: "
            "its staff cannot act for customers",
        )
    if staff_ref not in {str(m.get("staff_id")) for m in point.staff}:
        return ApiError(
            403,
            "point_staff_unlisted",
            "浙里好家政 no longer lists this staff member at the point: they cannot act for customers",
        )
    return None


async def require_active_point(session: AsyncSession, user: User | None) -> None:
    """403 for point staff whose point is not listed and active (or who are no longer its staff)."""
    if user is None or user.role != Role.POINT_STAFF.value:
        return
    refusal = await point_refusal(session, user.point_id, user.staff_ref)
    if refusal is not None:
        raise refusal

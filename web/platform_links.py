"""Links the customer follows to other platforms: her join link of the video interview room, and the
payment platform's pay URL (its cashier) of a payment waiting for her — a fee list's or a 跳单 penalty's.
Read live from the platform; an unreachable platform means no link now (the page says so), never an
error page."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from activities.platform_client import PlatformClient, PlatformUnavailable
from domain.orders import OrderView, Role


async def interview_link(platforms: PlatformClient, view: OrderView | None) -> str | None:
    if view is None or not view.interview_room_id:
        return None
    try:
        room = await platforms.get(f"/video/v1/rooms/{view.interview_room_id}")
    except (PlatformUnavailable, ApplicationError):
        return None
    link = room.get("join_urls", {}).get(Role.CUSTOMER.value)
    return str(link) if link else None


async def pay_link(platforms: PlatformClient, view: OrderView | None) -> str | None:
    if view is None or view.payment is None or view.payment.status != "pending":
        return None
    return await cashier_link(platforms, view.payment.payment_id)


async def cashier_link(platforms: PlatformClient, payment_id: str) -> str | None:
    """The cashier (收银台) URL of a payment at the payment platform, while it waits to be paid."""
    try:
        payment = await platforms.get(f"/payment/v1/payments/{payment_id}")
    except (PlatformUnavailable, ApplicationError):
        return None
    link = payment.get("pay_url")
    return str(link) if link and payment.get("status") == "pending" else None

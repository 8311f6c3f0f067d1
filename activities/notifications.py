"""Notifications (SMS / in-app messages). The workflow names a party by role and id; this activity looks
up how to reach them, so no phone number ever enters a workflow's history."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity

from activities.platform_client import PlatformClient
from domain.orders import Role


@dataclass(frozen=True)
class Notice:
    order_id: str
    recipient_role: Role
    recipient_id: str
    template: str
    room_id: str | None = None  # interview notices: the recipient gets their own join link


class Notifications:
    def __init__(self, platforms: PlatformClient) -> None:
        self._platforms = platforms

    @activity.defn
    async def notify(self, notice: Notice) -> None:
        info = activity.info()
        params: dict[str, str] = {}
        if notice.room_id:
            room = await self._platforms.get(f"/video/v1/rooms/{notice.room_id}")
            link = room.get("join_urls", {}).get(notice.recipient_role.value)
            params = {
                "room_id": notice.room_id,
                "mode": str(room.get("mode", "")),
                "join_url": str(link or ""),
            }
        await self._platforms.post(
            "/notify/v1/messages",
            {
                "ref": notice.order_id,
                "recipient_kind": notice.recipient_role.value,
                "recipient_ref": notice.recipient_id,
                "template": notice.template,
                "params": params,
            },
            # one message per scheduled notification, however often the activity is retried
            idempotency_key=f"notify:{info.workflow_id}:{info.workflow_run_id}:{info.activity_id}",
        )

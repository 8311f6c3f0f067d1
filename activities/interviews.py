"""Video/voice interviews (B-7.5.3) through the video platform."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity

from activities.platform_client import PlatformClient


@dataclass(frozen=True)
class RoomRequest:
    order_id: str
    worker_id: str
    mode: str  # video | voice


class Interviews:
    def __init__(self, platforms: PlatformClient) -> None:
        self._platforms = platforms

    @activity.defn
    async def open_room(self, req: RoomRequest) -> str:
        room = await self._platforms.post(
            "/video/v1/rooms",
            {
                "reference": f"{req.order_id}:{req.worker_id}",
                "mode": req.mode,
                "participants": ["customer", "worker", "agency"],
                "scheduled_at": None,
            },
            idempotency_key=f"interview:{req.order_id}:{req.worker_id}",
        )
        return str(room["room_id"])

    @activity.defn
    async def close_room(self, room_id: str) -> None:
        await self._platforms.post(f"/video/v1/rooms/{room_id}/close")

"""Video interview: a room per interview with a join link per participant."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from sandbox.deps import State, base_url
from sandbox.errors import ApiError
from sandbox.idempotency import IdempotencyKey
from sandbox.state import Room, iso, new_id, now

router = APIRouter(tags=["视频面试"])


class RoomRequest(BaseModel):
    reference: str = Field(min_length=1, max_length=128)
    mode: Literal["video", "voice"] = "video"
    participants: list[str] = Field(min_length=1, max_length=10)
    scheduled_at: datetime | None = None

    @field_validator("participants")
    @classmethod
    def _distinct(cls, participants: list[str]) -> list[str]:
        if any(not p for p in participants) or len(set(participants)) != len(participants):
            raise ValueError("participants must be distinct, non-empty parties")
        return participants


def room_view(room: Room) -> dict[str, Any]:
    return {
        "room_id": room.room_id,
        "reference": room.reference,
        "mode": room.mode,
        "participants": room.participants,
        "scheduled_at": iso(room.scheduled_at),
        "join_urls": room.join_urls,
        "status": room.status,
        "created_at": iso(room.created_at),
        "closed_at": iso(room.closed_at),
    }


def _room(state: State, room_id: str) -> Room:
    room = state.rooms.get(room_id)
    if room is None:
        raise ApiError(404, "room_not_found", f"no room {room_id!r}")
    return room


@router.post("/rooms", status_code=201)
async def create_room(body: RoomRequest, request: Request, state: State, key: IdempotencyKey) -> Any:
    async def create() -> dict[str, Any]:
        room_id = new_id("room")
        base = base_url(request)
        join_urls = {
            party: f"{base}/video/v1/rooms/{room_id}/join?party={party}&token={secrets.token_urlsafe(12)}"
            for party in body.participants
        }
        room = Room(room_id, body.reference, body.mode, list(body.participants), body.scheduled_at, join_urls)
        state.rooms[room_id] = room
        return room_view(room)

    return await state.idempotency.run("video:rooms", key, body.model_dump(mode="json"), create)


@router.get("/rooms/{room_id}")
async def get_room(room_id: str, state: State) -> dict[str, Any]:
    return room_view(_room(state, room_id))


@router.post("/rooms/{room_id}/close")
async def close(room_id: str, state: State) -> dict[str, Any]:
    room = _room(state, room_id)
    if room.status != "closed":
        room.status = "closed"
        room.closed_at = now()
    return room_view(room)

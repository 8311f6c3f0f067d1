"""Video interview: a room per interview with a join link per participant, and its outcome.

The join links are what people open in a browser: they carry their own token and need no API key
(``public_router``). Closing a room records its outcome: ``held`` if at least two parties joined, else
``no_show``.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, field_validator

from sandbox.deps import State, base_url
from sandbox.errors import ApiError
from sandbox.idempotency import IdempotencyKey
from sandbox.state import Room, iso, new_id, now

router = APIRouter(tags=["视频面试"])
public_router = APIRouter(tags=["视频面试"])


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
        "joined": {party: iso(at) for party, at in room.joined.items()},
        "status": room.status,
        "outcome": room.outcome,
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
        tokens = {party: secrets.token_urlsafe(12) for party in body.participants}
        join_urls = {
            party: f"{base}/video/v1/rooms/{room_id}/join?party={party}&token={token}"
            for party, token in tokens.items()
        }
        room = Room(
            room_id, body.reference, body.mode, list(body.participants), body.scheduled_at, join_urls, tokens
        )
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
        room.outcome = "held" if len(room.joined) >= 2 else "no_show"
    return room_view(room)


@public_router.get("/rooms/{room_id}/join")
async def join(
    room_id: str,
    state: State,
    party: Annotated[str, Query(description="the participant")],
    token: Annotated[str, Query(description="the token of the join link")],
) -> dict[str, Any]:
    """Open a join link (what a participant's browser does): records that the party joined."""
    room = _room(state, room_id)
    expected = room.join_tokens.get(party)
    if expected is None or not secrets.compare_digest(expected, token):
        raise ApiError(403, "invalid_join_link", "this join link is not valid for the room")
    if room.status == "closed":
        raise ApiError(409, "room_closed", "the room is closed")
    room.joined.setdefault(party, now())
    return {"room_id": room.room_id, "party": party, "mode": room.mode, "joined_at": iso(room.joined[party])}

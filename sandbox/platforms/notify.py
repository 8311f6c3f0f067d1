"""SMS / in-app messages: record what was sent, list it per reference (tests and the demo read it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from sandbox.deps import State
from sandbox.idempotency import IdempotencyKey
from sandbox.state import Message, iso, new_id

router = APIRouter(tags=["消息通知"])


class MessageRequest(BaseModel):
    ref: str = Field(min_length=1, max_length=128)
    recipient_kind: str = Field(min_length=1, max_length=32)
    recipient_ref: str = Field(min_length=1, max_length=128)
    template: str = Field(min_length=1, max_length=128)
    params: dict[str, Any] = Field(default_factory=dict)


def message_view(message: Message) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "ref": message.ref,
        "recipient_kind": message.recipient_kind,
        "recipient_ref": message.recipient_ref,
        "template": message.template,
        "params": message.params,
        "status": message.status,
        "created_at": iso(message.created_at),
    }


@router.post("/messages", status_code=201)
async def send(body: MessageRequest, state: State, key: IdempotencyKey) -> Any:
    async def create() -> dict[str, Any]:
        message = Message(
            new_id("msg"), body.ref, body.recipient_kind, body.recipient_ref, body.template, dict(body.params)
        )
        state.messages[message.message_id] = message
        return message_view(message)

    return await state.idempotency.run("notify:messages", key, body.model_dump(), create)


@router.get("/messages")
async def list_messages(
    state: State,
    ref: Annotated[str | None, Query(description="the business reference, e.g. an order id")] = None,
) -> dict[str, Any]:
    items = [m for m in state.messages.values() if ref is None or m.ref == ref]
    return {"items": [message_view(m) for m in items]}

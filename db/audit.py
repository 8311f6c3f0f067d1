"""The order audit log's hash chain: each event's hash covers its content and the previous hash,
so editing, deleting or reordering a stored event is detected by ``first_broken_link``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from db.models import OrderEvent

GENESIS = "0" * 64


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def hashed_fields(e: OrderEvent) -> dict[str, Any]:
    at: datetime = e.at if e.at.tzinfo is not None else e.at.replace(tzinfo=UTC)  # SQLite drops the zone
    return {
        "order_id": e.order_id,
        "seq": e.seq,
        "stage": e.stage,
        "event": e.event,
        "actor_role": e.actor_role,
        "actor_id": e.actor_id,
        "channel": e.channel,
        "point_id": e.point_id,
        "at": at.astimezone(UTC).isoformat(),
        "detail": e.detail,
    }


def first_broken_link(events: Sequence[OrderEvent]) -> int | None:
    """The seq of the first event whose chain does not verify, or None if the whole log verifies."""
    prev = GENESIS
    for expected_seq, e in enumerate(events, start=1):
        if e.seq != expected_seq or e.prev_hash != prev or e.hash != event_hash(prev, hashed_fields(e)):
            return e.seq
        prev = e.hash
    return None

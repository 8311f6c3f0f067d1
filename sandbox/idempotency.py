"""The Idempotency-Key rule for every create (docs/sandbox.md, "Conventions").

Keys are scoped per platform and endpoint (``payment:refunds`` …); what identifies the request is its
JSON body plus any path parameters, so reusing a key for a different payment's refund is a 409 too.
Only successful creates are remembered: a refused create may be retried with the same key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header
from fastapi.responses import JSONResponse

from sandbox.errors import ApiError

MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"


def idempotency_key(
    key: Annotated[
        str | None, Header(alias="Idempotency-Key", description="required on every create")
    ] = None,
) -> str:
    """Dependency: the header, or ``400 idempotency_key_required``."""
    if key is None or not key.strip():
        raise ApiError(400, "idempotency_key_required", "this create needs an Idempotency-Key header")
    if len(key) > MAX_KEY_LENGTH:
        raise ApiError(400, "idempotency_key_invalid", f"Idempotency-Key is longer than {MAX_KEY_LENGTH}")
    return key.strip()


IdempotencyKey = Annotated[str, Depends(idempotency_key)]


def fingerprint(request: Any) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class _Record:
    fingerprint: str
    body: dict[str, Any]


Create = Callable[[], Awaitable[dict[str, Any]]]


class IdempotencyStore:
    def __init__(self) -> None:
        self._records: dict[tuple[str, str], _Record] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def reset(self) -> None:
        self._records.clear()
        self._locks.clear()

    def __len__(self) -> int:
        return len(self._records)

    async def run(self, scope: str, key: str, request: Any, create: Create) -> JSONResponse:
        """``201`` with what ``create`` returns; the stored body with ``200`` on a replay; 409 on reuse."""
        slot = (scope, key)
        print_ = fingerprint(request)
        lock = self._locks.setdefault(slot, asyncio.Lock())
        async with lock:
            record = self._records.get(slot)
            if record is not None:
                if record.fingerprint != print_:
                    raise ApiError(
                        409,
                        "idempotency_key_reused",
                        f"Idempotency-Key {key!r} was already used for a different {scope} request",
                    )
                return JSONResponse(record.body, status_code=200, headers={REPLAY_HEADER: "true"})
            body = await create()
            self._records[slot] = _Record(print_, body)
            return JSONResponse(body, status_code=201)

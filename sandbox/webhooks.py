"""At-least-once webhook delivery: background tasks, HMAC-signed, retried with backoff until a 2xx.

Each logical event has one ``event_id``; an injected duplicate is a second delivery of the very same event.
With ``reorder_webhooks`` an event is held (up to ``reorder_window_ms``) so that the next event for the same
URL overtakes it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from domain.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from sandbox.faults import FaultConfig, Faults

BASE_DELAY_SECONDS = 0.2
MAX_TRIES = 8
ATTEMPT_TIMEOUT_SECONDS = 5.0
DUPLICATE_DELAY_SECONDS = 0.05


@dataclass
class Delivery:
    event_id: str
    type: str
    url: str
    body: bytes
    duplicate: bool = False
    attempts: int = 0
    status: str = "pending"  # pending | delivered | failed
    last_status_code: int | None = None
    last_error: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.type,
            "url": self.url,
            "duplicate": self.duplicate,
            "attempts": self.attempts,
            "status": self.status,
            "last_status_code": self.last_status_code,
            "last_error": self.last_error,
        }


@dataclass
class _Held:
    delivery: Delivery
    release: asyncio.Event = field(default_factory=asyncio.Event)


class WebhookDispatcher:
    def __init__(
        self,
        secret: str,
        faults: Faults,
        *,
        base_delay: float = BASE_DELAY_SECONDS,
        max_tries: int = MAX_TRIES,
        attempt_timeout: float = ATTEMPT_TIMEOUT_SECONDS,
    ) -> None:
        self._secret = secret
        self._faults = faults
        self._base_delay = base_delay
        self._max_tries = max_tries
        self._attempt_timeout = attempt_timeout
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._held: dict[str, list[_Held]] = {}
        self.log: deque[Delivery] = deque(maxlen=2000)
        self.counters: dict[str, int] = {}
        self.reset()

    # ------------------------------------------------------------------ public

    def emit(self, platform: str, url: str | None, event_type: str, data: dict[str, Any]) -> str | None:
        """Queue one event for ``url`` (nothing when the create had no notify_url); returns its event_id."""
        if not url:
            return None
        event_id = "evt_" + secrets.token_hex(12)
        event = {
            "event_id": event_id,
            "type": event_type,
            "created_at": datetime.now(UTC).isoformat(),
            "data": data,
        }
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        self.counters["events"] += 1
        cfg = self._faults.for_platform(platform)
        self._dispatch(Delivery(event_id, event_type, url, body), cfg)
        if cfg is not None and self._faults.roll(cfg.duplicate_webhook_rate):
            self._spawn(
                self._deliver(
                    Delivery(event_id, event_type, url, body, duplicate=True), delay=DUPLICATE_DELAY_SECONDS
                )
            )
        return event_id

    def stats(self) -> dict[str, int]:
        return {**self.counters, "pending": sum(1 for t in self._tasks if not t.done())}

    def reset(self) -> None:
        """Forget everything and abandon deliveries in flight (POST /admin/reset)."""
        for task in self._tasks:
            task.cancel()
        self._tasks = set()
        self._held = {}
        self.log.clear()
        self.counters = {"events": 0, "deliveries": 0, "attempts": 0, "failed": 0, "duplicates": 0}

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # ------------------------------------------------------------------ delivery

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _dispatch(self, delivery: Delivery, cfg: FaultConfig | None) -> None:
        if cfg is None or not cfg.reorder_webhooks:
            self._spawn(self._deliver(delivery))
            return
        waiting = self._held.pop(delivery.url, [])
        if waiting:

            def release() -> None:
                for held in waiting:
                    held.release.set()

            self._spawn(self._deliver(delivery, after_first_attempt=release))
            return
        held = _Held(delivery)
        self._held[delivery.url] = [held]
        self._spawn(self._deliver_held(held, cfg.reorder_window_ms / 1000))

    async def _deliver_held(self, held: _Held, window: float) -> None:
        try:
            await asyncio.wait_for(held.release.wait(), window)
        except TimeoutError:
            pass
        waiting = self._held.get(held.delivery.url)
        if waiting is not None and held in waiting:
            waiting.remove(held)
            if not waiting:
                del self._held[held.delivery.url]
        await self._deliver(held.delivery)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(trust_env=False, timeout=self._attempt_timeout)
        return self._client

    async def _deliver(
        self, delivery: Delivery, delay: float = 0.0, after_first_attempt: Callable[[], None] | None = None
    ) -> None:
        self.log.append(delivery)
        if delivery.duplicate:
            self.counters["duplicates"] += 1
        if delay:
            await asyncio.sleep(delay)
        wait = self._base_delay
        for attempt in range(1, self._max_tries + 1):
            delivery.attempts = attempt
            self.counters["attempts"] += 1
            ok = await self._attempt(delivery)
            if after_first_attempt is not None:
                after_first_attempt()
                after_first_attempt = None
            if ok:
                delivery.status = "delivered"
                self.counters["deliveries"] += 1
                return
            if attempt < self._max_tries:
                await asyncio.sleep(wait)
                wait *= 2
        delivery.status = "failed"
        self.counters["failed"] += 1

    async def _attempt(self, delivery: Delivery) -> bool:
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, delivery.body),
            "X-Sandbox-Event-Id": delivery.event_id,
            "X-Sandbox-Delivery-Attempt": str(delivery.attempts),
        }
        try:
            response = await self._http().post(delivery.url, content=delivery.body, headers=headers)
        except httpx.HTTPError as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"
            return False
        delivery.last_status_code = response.status_code
        delivery.last_error = None if response.is_success else response.text[:200]
        return response.is_success

"""Automatic heartbeats: a worker process that dies mid-activity is noticed within the heartbeat timeout.

Every activity scheduled with a ``heartbeat_timeout`` (the policies in workflows/policies.py set one) gets a
background task that heartbeats at a third of that timeout while the activity runs. A live worker thus keeps
even a slow vendor call alive up to its start-to-close timeout, while a SIGKILLed worker stops heartbeating
and Temporal retries the attempt elsewhere after ``heartbeat_timeout`` instead of after the much longer
``start_to_close_timeout``. No activity here relies on heartbeat details: a retried attempt finds its work
through idempotency keys, so these detail-less heartbeats lose nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

MIN_INTERVAL_SECONDS = 0.5


async def _beat(interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        activity.heartbeat()


class _AutoHeartbeat(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        if info.heartbeat_timeout is None or info.is_local:
            return await super().execute_activity(input)
        interval = max(info.heartbeat_timeout.total_seconds() / 3, MIN_INTERVAL_SECONDS)
        beating = asyncio.create_task(_beat(interval))
        try:
            return await super().execute_activity(input)
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating


class AutoHeartbeat(Interceptor):
    """Worker interceptor: ``Worker(..., interceptors=[AutoHeartbeat()])``."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _AutoHeartbeat(next)

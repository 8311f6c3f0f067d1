"""Timeouts and retry policies per kind of activity, as keyword arguments for execute_activity_method.

- DATABASE: our own database; quick, retried until it works (a down database must not lose an order).
- VENDOR: an external platform over HTTP; each call has its own HTTP timeout (PLATFORM_TIMEOUT_SECONDS,
  10 s) below start_to_close, retried with backoff until it works, except business refusals
  (non-retryable ApplicationError ``PlatformRefusal`` from the client). Idempotency keys from business ids
  make every retry safe.
- NOTIFY: messages; a few tries, then the workflow moves on (a lost SMS must not hold up an order).
- SCHEDULED: a scheduled job's platform call (sync, data sharing): retried with backoff for up to 10
  minutes, then the run fails and the next scheduled run starts over (nothing is lost: the jobs are
  idempotent and re-read everything).
- POLL: an activity that polls an asynchronous answer (a criminal-record check): long start_to_close,
  heartbeats while it polls.

Every policy has a heartbeat timeout. Activities do not heartbeat by hand: the worker's AutoHeartbeat
interceptor (activities/heartbeat.py) does it while they run, so a worker process killed mid-activity is
noticed after HEARTBEAT rather than after start_to_close, and the attempt is retried on a live worker.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy

HEARTBEAT = timedelta(seconds=10)

DATABASE: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=30)
    ),
}

VENDOR: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(milliseconds=500),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=2),
        non_retryable_error_types=["PlatformRefusal"],
    ),
}

NOTIFY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=20),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5),
}

SCHEDULED: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "schedule_to_close_timeout": timedelta(minutes=10),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=30),
        non_retryable_error_types=["PlatformRefusal"],
    ),
}

POLL: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=5),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=30),
        non_retryable_error_types=["PlatformRefusal"],
    ),
}

"""Timeouts and retry policies per kind of activity, as keyword arguments for execute_activity_method.

- DATABASE: our own database; quick, retried until it works (a down database must not lose an order).
- VENDOR: an external platform over HTTP; each call has its own HTTP timeout below start_to_close, retried
  with backoff until it works, except business refusals (non-retryable ApplicationError from the client).
- NOTIFY: messages; a few tries, then the workflow moves on (a lost SMS must not hold up an order).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy

DATABASE: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=30)
    ),
}

VENDOR: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(milliseconds=500),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=2),
        non_retryable_error_types=["PlatformRefusal"],
    ),
}

NOTIFY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=20),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5),
}

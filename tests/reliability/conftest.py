"""Reliability runs: real Temporal, real PostgreSQL, the sandbox over real HTTP with faults switched on.

Each test builds what it breaks (its own sandbox, API and worker on its own task queue, on the session's dev
server and database) and reports its counts — orders, faults injected, duplicates found — which are printed
as it goes (with ``-s``) and at the end of the run, in the ``reliability counts`` section.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from sandbox.app import create_app as create_sandbox
from sandbox.testing import ServerThread
from tests.support.orders import events
from tests.support.stack import Stack, platform_settings, running_stack

REPORT: dict[str, dict[str, Any]] = {}

# What an order does at most once, whatever the faults: each transition in its audit log…
ONCE = ("contract_completed", "worker_assigned", "checked_in", "payment_confirmed", "invoice_issued", "rated")
# … and each object at the platforms, counted per business reference by GET /admin/stats.
PER_REFERENCE = (
    ("esign", "by_document_name"),
    ("payment", "by_merchant_order_no"),
    ("payment", "refunds_by_merchant_order_no"),
    ("einvoice", "by_reference"),
    ("video", "by_reference"),
)


def report(name: str, **counts: Any) -> None:
    REPORT[name] = counts
    print(f"\nreliability {name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REPORT:
        return
    terminalreporter.section("reliability counts")
    for name, counts in REPORT.items():
        terminalreporter.write_line(f"{name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def duplicate_objects(stats: dict[str, Any]) -> int:
    """Objects that exist more than once for one business reference at the platforms."""
    return sum(
        count - 1 for platform, key in PER_REFERENCE for count in stats[platform][key].values() if count > 1
    )


async def duplicate_transitions(stack: Stack, order_ids: list[str]) -> int:
    extra = 0
    for order_id in order_ids:
        log = await events(stack, order_id)
        extra += sum(max(log.count(event) - 1, 0) for event in ONCE)
    return extra


async def sandbox_stats(stack: Stack) -> dict[str, Any]:
    async with stack.sandbox() as sandbox:
        response = await sandbox.get("/admin/stats")
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
    return stats


async def put_faults(stack: Stack, faults: dict[str, Any]) -> None:
    async with stack.sandbox() as sandbox:
        (await sandbox.put("/admin/faults", json=faults)).raise_for_status()


@pytest.fixture
def own_stack(dev_stack: Stack, database_url: str) -> Callable[..., Any]:
    """``async with own_stack("queue", platform_timeout_seconds=1.0) as stack``: a sandbox of its own, an API
    and an in-process worker on their own task queue (settings overrides apply to both)."""

    @asynccontextmanager
    async def build(task_queue: str, **overrides: object) -> AsyncIterator[Stack]:
        sandbox = ServerThread(create_sandbox(platform_settings()))
        sandbox.start()
        try:
            async with running_stack(
                dev_stack.env, database_url, sandbox.url, task_queue, **overrides
            ) as stack:
                yield stack
        finally:
            sandbox.stop()

    return build

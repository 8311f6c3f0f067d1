"""A worker process SIGKILLed while an activity is in flight at a platform (made slow by injected latency),
and started again: the attempt is retried after the heartbeat timeout, the order resumes, and the platform
holds the contract's signing flow and the payment once each (the retry reuses the idempotency key)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import WorkflowHandle

from api.main import create_app
from sandbox.app import create_app as create_sandbox
from sandbox.testing import ServerThread
from scripts.order_journey import OrderJourney
from tests.reliability.conftest import (
    duplicate_objects,
    duplicate_transitions,
    put_faults,
    report,
    sandbox_stats,
)
from tests.support.processes import WorkerProcess, worker_env
from tests.support.stack import API_KEY, Stack, platform_settings

QUEUE = "reliability-kill"
SLOW_MS = 4000


@pytest.fixture
def kill_stack(dev_stack: Stack, tmp_path: Path) -> Iterator[tuple[Stack, WorkerProcess]]:
    """A sandbox of its own, an API in a thread and the worker as a *process*, on their own task queue."""
    sandbox = ServerThread(create_sandbox(platform_settings())).start()
    api = ServerThread()
    settings = platform_settings(
        database_url=dev_stack.settings.database_url,
        platforms_url=sandbox.url,
        public_api_url=api.url,
        task_queue=QUEUE,
        temporal_address=dev_stack.settings.temporal_address,
    )
    api.start(create_app(settings))
    env = worker_env(settings)
    worker = WorkerProcess(env, tmp_path / "worker.log")
    worker.start()
    try:
        yield Stack(dev_stack.env, settings, api.url, sandbox.url, dev_stack.engine), worker
    finally:
        worker.stop()
        api.stop()
        sandbox.stop()


async def wait_in_flight(handle: WorkflowHandle[Any, Any], activity_type: str) -> None:
    """Return once a worker has started ``activity_type``."""
    for _ in range(300):
        description = await handle.describe()
        for pending in description.raw_description.pending_activities:
            started = pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            if pending.activity_type.name == activity_type and started:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{activity_type} never started")


async def attempts(handle: WorkflowHandle[Any, Any]) -> dict[str, int]:
    """The attempt that completed each activity type (the highest)."""
    scheduled: dict[int, str] = {}
    found: dict[str, int] = {}
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[event.event_id] = event.activity_task_scheduled_event_attributes.activity_type.name
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attrs = event.activity_task_started_event_attributes
            name = scheduled[attrs.scheduled_event_id]
            found[name] = max(found.get(name, 0), attrs.attempt)
    return found


async def kill_during(
    stack: Stack, worker: WorkerProcess, handle: WorkflowHandle[Any, Any], endpoint: str, activity_type: str
) -> None:
    """Make ``endpoint`` slow, wait until ``activity_type`` is at the platform, SIGKILL the worker and
    start it again."""
    await put_faults(stack, {endpoint: {"latency_ms": SLOW_MS}})
    await wait_in_flight(handle, activity_type)
    await asyncio.sleep(1.0)  # the request is now waiting inside the sandbox
    worker.kill()
    worker.start()


@pytest.mark.slow
async def test_a_worker_killed_mid_activity_resumes_without_duplicates(
    kill_stack: tuple[Stack, WorkerProcess],
) -> None:
    stack, worker = kill_stack
    j = OrderJourney(stack.api_url, stack.sandbox_url, API_KEY, timeout=90.0)
    await j.post_demand()
    handle = stack.client.get_workflow_handle(f"order-{j.order_id}")
    await j.wait_for("accept_or_decline")

    killing = asyncio.create_task(kill_during(stack, worker, handle, "POST esign/flows", "create_contract"))
    await j.accept()
    await killing
    await j.wait_for("sign_contract")
    await put_faults(stack, {})
    await j.sign()
    await j.choose_worker(interview=False)
    await j.serve()

    wf = await j.wait_for("confirm_fee_list")
    killing = asyncio.create_task(
        kill_during(stack, worker, handle, "POST payment/payments", "create_payment")
    )
    await j.step(j.customer_token, "fee-list/confirm", {"fee_list_id": wf["fee_list"]["fee_list_id"]})
    await killing
    wf = await j.wait_for("pay")
    await put_faults(stack, {})
    async with stack.sandbox() as sandbox:
        (await sandbox.post(f"/payment/v1/payments/{wf['payment']['payment_id']}/pay")).raise_for_status()
    await j.wait_for("rate")
    final = await j.rate()

    assert final["outcome"] == "completed"
    tried = await attempts(handle)
    assert tried["create_contract"] >= 2 and tried["create_payment"] >= 2  # retried after each kill
    stats = await sandbox_stats(stack)
    assert stats["esign"]["by_document_name"][f"contract-{final['contract']['contract_id']}"] == 1
    assert stats["payment"]["by_merchant_order_no"][final["fee_list"]["fee_list_id"]] == 1
    duplicates = duplicate_objects(stats) + await duplicate_transitions(stack, [j.order_id])
    report(
        "worker_killed",
        orders=1,
        kills=worker.kills,
        create_contract_attempts=tried["create_contract"],
        create_payment_attempts=tried["create_payment"],
        duplicates_found=duplicates,
    )
    assert duplicates == 0

"""Durability: the worker process is killed (SIGKILL) mid-order and started again; the order resumes
where it was and completes, with every side effect exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from api.main import create_app
from sandbox.testing import ServerThread
from tests.support.orders import events, journey
from tests.support.processes import WorkerProcess, worker_env
from tests.support.stack import Stack, platform_settings

QUEUE = "orders-restart"


@pytest.fixture
def restart_stack(dev_stack: Stack) -> Iterator[tuple[Stack, WorkerProcess]]:
    """An API and a worker *process* on their own task queue, on the dev server of ``dev_stack``."""
    api = ServerThread()
    settings = platform_settings(
        database_url=dev_stack.settings.database_url,
        platforms_url=dev_stack.sandbox_url,
        public_api_url=api.url,
        task_queue=QUEUE,
        temporal_address=dev_stack.settings.temporal_address,
    )
    api.start(create_app(settings))
    env = worker_env(settings)
    worker = WorkerProcess(env)
    worker.start()
    stack = Stack(dev_stack.env, settings, api.url, dev_stack.sandbox_url, dev_stack.engine)
    try:
        yield stack, worker
    finally:
        worker.stop()
        api.stop()


async def test_a_killed_worker_restarted_resumes_the_order(
    restart_stack: tuple[Stack, WorkerProcess],
) -> None:
    stack, worker = restart_stack
    j = journey(stack)
    await j.post_demand()
    await j.accept()
    await j.wait_for("sign_contract")

    worker.kill()  # mid-order: the contract is out for signing
    # A step taken while no worker runs waits for one, and is taken when the worker is back.
    signing = asyncio.create_task(j.step(j.customer_token, "contract/sign"))
    await asyncio.sleep(1.0)
    assert not signing.done()
    worker.start()
    await signing

    await j.step(j.agency_token, "contract/sign")
    await j.wait_for("choose_worker")
    await j.choose_worker(interview=False)
    await j.wait_for("check_in")
    worker.kill()  # again, in service
    worker.start()
    await j.serve()
    await j.bill()
    final = await j.rate()

    assert final["outcome"] == "completed"
    log = await events(stack, j.order_id)
    assert log.count("contract_completed") == 1 and log.count("payment_confirmed") == 1
    async with stack.sandbox() as sandbox:
        stats = (await sandbox.get("/admin/stats")).json()
    assert stats["payment"]["by_merchant_order_no"][final["fee_list"]["fee_list_id"]] == 1
    assert stats["esign"]["by_document_name"][f"contract-{final['contract']['contract_id']}"] == 1

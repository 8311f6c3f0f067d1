"""Durability: the worker process is killed (SIGKILL) mid-order and started again; the order resumes
where it was and completes, with every side effect exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from api.main import create_app
from config import ROOT
from sandbox.testing import ServerThread
from tests.support.orders import events, journey
from tests.support.stack import API_KEY, WEBHOOK_SECRET, Stack, platform_settings

QUEUE = "orders-restart"


class WorkerProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "worker.py"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


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
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "PLATFORMS_URL": settings.platforms_url,
        "PLATFORMS_API_KEY": API_KEY,
        "PLATFORMS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PUBLIC_API_URL": api.url,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TASK_QUEUE": QUEUE,
    }
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

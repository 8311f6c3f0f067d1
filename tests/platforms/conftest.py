"""A stack of its own for the platform jobs: its own sandbox (so moving its clock or turning codes red touches
no other test), an API and a worker on their own task queue, on the session's dev server and database.
Workers the jobs withdrew are put back afterwards, so the rest of the suite sees the seeded market."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from db.engine import session_scope
from db.models import Worker
from db.platform_models import WorkerScreening
from sandbox.app import create_app as create_sandbox
from sandbox.testing import ServerThread
from tests.support.stack import Stack, platform_settings, running_stack

QUEUE = "platform-jobs"


@pytest.fixture(scope="module")
async def jobs_stack(dev_stack: Stack, database_url: str) -> AsyncIterator[Stack]:
    sandbox = ServerThread(create_sandbox(platform_settings()))
    sandbox.start()
    try:
        async with running_stack(dev_stack.env, database_url, sandbox.url, task_queue=QUEUE) as stack:
            yield stack
            await restore_workers(stack)
    finally:
        sandbox.stop()


async def restore_workers(stack: Stack) -> None:
    async with session_scope(stack.engine) as s:
        screenings = (await s.exec(select(WorkerScreening))).all()
        withdrawn = [sc.worker_id for sc in screenings if sc.withdrawn_by_sync]
        for worker in (await s.exec(select(Worker).where(col(Worker.id).in_(withdrawn)))).all():
            worker.withdrawn = False
        for screening in screenings:
            await s.delete(screening)

"""One place that starts what the tests need, once per session:

- ``database_url``: a fresh PostgreSQL database (DATABASE_URL's server), migrated and seeded;
- ``sandbox_url``: the sandbox of external platforms over real HTTP;
- ``dev_stack``: Temporal dev server (updates, search attributes) + API over HTTP + worker;
- ``skip_stack``: the time-skipping test server (deadlines) + API over HTTP + worker.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from sandbox.app import create_app as create_sandbox
from sandbox.testing import ServerThread
from tests.support.stack import (
    Stack,
    migrated_database,
    platform_settings,
    running_stack,
    seed,
    start_dev_server,
    start_time_skipping,
)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    with migrated_database() as url:
        await seed(url)
        yield url


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    saved = os.environ.pop("SANDBOX_FAULTS", None)
    server = ServerThread()
    try:
        server.start(create_sandbox(platform_settings()))
    finally:
        if saved is not None:
            os.environ["SANDBOX_FAULTS"] = saved
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
async def dev_stack(database_url: str, sandbox_url: str) -> AsyncIterator[Stack]:
    env = await start_dev_server()
    try:
        async with running_stack(env, database_url, sandbox_url, task_queue="orders-dev") as stack:
            yield stack
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def skip_stack(database_url: str, sandbox_url: str) -> AsyncIterator[Stack]:
    env = await start_time_skipping()
    try:
        async with running_stack(env, database_url, sandbox_url, task_queue="orders-skip") as stack:
            yield stack
    finally:
        await env.shutdown()

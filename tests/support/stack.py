"""The running system for tests: a migrated PostgreSQL database, the sandbox, Temporal (dev server or
time-skipping server), the API over real HTTP and a worker. Nothing is faked."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.platform_client import PlatformClient
from api.main import create_app
from config import ROOT, Settings
from db.engine import make_engine, session_scope
from db.seed import seed_demo_market
from sandbox.testing import ServerThread
from temporal_support.client import converter
from worker import build_worker

PG_SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
API_KEY = "test-platform-key"
WEBHOOK_SECRET = "test-webhook-secret"
BIN = Path(sys.executable).parent


def binary(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: pip install the project's dev extras")
    return path


@contextmanager
def migrated_database() -> Iterator[str]:
    """A fresh database on the PostgreSQL server of DATABASE_URL, migrated with Alembic, dropped after."""
    base, _, _ = PG_SERVER.rpartition("/")
    name = f"jz_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{base}/{name}"
    try:
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "heads"],
            cwd=ROOT,
            check=True,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
        )
        yield url
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def seed(url: str) -> None:
    engine = make_engine(url)
    async with session_scope(engine) as session:
        await seed_demo_market(session)
    await engine.dispose()


def platform_settings(**overrides: object) -> Settings:
    base = {"environment": "test", "platforms_api_key": API_KEY, "platforms_webhook_secret": WEBHOOK_SECRET}
    return Settings.model_validate({**base, **overrides})


async def start_dev_server() -> WorkflowEnvironment:
    from workflows.search_attributes import ALL

    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        search_attributes=ALL,
        data_converter=converter(platform_settings()),
        dev_server_log_level="error",
    )


async def start_time_skipping() -> WorkflowEnvironment:
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    from workflows.search_attributes import ALL

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"),
        data_converter=converter(platform_settings()),
    )
    keyword = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(namespace="default", search_attributes={k.name: keyword for k in ALL})
    )
    return env


@dataclass
class Stack:
    env: WorkflowEnvironment
    settings: Settings
    api_url: str
    sandbox_url: str
    engine: AsyncEngine

    @property
    def client(self) -> Client:
        return self.env.client

    def http(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.api_url, headers=headers, timeout=30.0)

    def sandbox(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.sandbox_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10.0
        )


@asynccontextmanager
async def running_stack(
    env: WorkflowEnvironment, database_url: str, sandbox_url: str, task_queue: str, **overrides: object
) -> AsyncIterator[Stack]:
    """The API (real HTTP, its own Temporal connection) and one worker, wired to ``env``; ``overrides`` are
    further settings (e.g. ``platform_timeout_seconds``)."""
    api = ServerThread()
    settings = platform_settings(
        database_url=database_url,
        platforms_url=sandbox_url,
        public_api_url=api.url,
        task_queue=task_queue,
        temporal_address=env.client.service_client.config.target_host,
        **overrides,
    )
    api.start(create_app(settings))
    engine = make_engine(database_url)
    platforms = PlatformClient(settings)
    worker = build_worker(env.client, settings, engine, platforms)
    try:
        async with worker:
            yield Stack(env, settings, api.url, sandbox_url, engine)
    finally:
        api.stop()
        await platforms.aclose()
        await engine.dispose()
        await asyncio.sleep(0)

"""Fixtures for the sandbox tests: the sandbox and a webhook receiver, both served by real uvicorn."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from config import Settings
from sandbox.app import create_app
from sandbox.testing import Receiver, ServerThread

API_KEY = "k"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(environment="test", platforms_api_key=API_KEY, platforms_webhook_secret="s")


@pytest.fixture(scope="session")
def sandbox_url(settings: Settings) -> Iterator[str]:
    saved = os.environ.pop("SANDBOX_FAULTS", None)
    try:
        server = ServerThread(create_app(settings))
    finally:
        if saved is not None:
            os.environ["SANDBOX_FAULTS"] = saved
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ServerThread(receiver.app())
    server.start()
    receiver.url = server.url
    yield receiver
    server.stop()


@pytest.fixture(autouse=True)
def _fresh(sandbox_url: str, receiver: Receiver) -> None:
    """Every test starts from the seed, without faults, with an empty receiver."""
    httpx.post(f"{sandbox_url}/admin/reset", headers=AUTH, timeout=5.0).raise_for_status()
    receiver.clear()


@pytest.fixture
async def client(sandbox_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox_url, headers=AUTH, timeout=5.0) as client:
        yield client

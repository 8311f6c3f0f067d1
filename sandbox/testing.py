"""Test helpers: serve an app (the sandbox, or anything) with real uvicorn in a thread, and capture webhooks.

Used by tests/sandbox; usable by any test that needs the sandbox over real HTTP or wants to see its webhooks::

    server = ServerThread(create_app(settings)); server.start(); ...; server.stop()
    receiver = Receiver(); hooks = ServerThread(receiver.app()); hooks.start(); receiver.url = hooks.url
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response


class ServerThread:
    """``uvicorn.Server`` on a free 127.0.0.1 port, in a daemon thread with its own event loop.

    The port is bound at construction, so ``url`` is known before the app is built (an API whose
    settings must name its own public URL); pass the app here or to ``start``.
    """

    def __init__(self, app: FastAPI | None = None) -> None:
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on such sockets (else ~40 ms per request)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._app = app
        self.server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, app: FastAPI | None = None, timeout: float = 15.0) -> ServerThread:
        app = app or self._app
        if app is None:
            raise ValueError("no app to serve")
        config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
        server = self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.started:
                try:
                    if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.02)
        raise RuntimeError(f"server at {self.url} did not start within {timeout} s")

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        self._sock.close()


@dataclass(frozen=True)
class Hook:
    name: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """Captures webhooks POSTed to ``<url>/hooks/<name>``; ``fail_first[name] = n`` fails n times first."""

    url: str = ""
    hooks: list[Hook] = field(default_factory=list)
    fail_first: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hook_url(self, name: str) -> str:
        return f"{self.url}/hooks/{name}"

    def clear(self) -> None:
        with self._lock:
            self.hooks.clear()
            self.fail_first.clear()

    def received(self, name: str) -> list[Hook]:
        with self._lock:
            return [h for h in self.hooks if h.name == name]

    async def wait_for(self, name: str, count: int = 1, within: float = 5.0) -> list[Hook]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            hooks = self.received(name)
            if len(hooks) >= count:
                return hooks
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} webhook(s) at {name!r}, got {len(self.received(name))}")

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/healthz")
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}

        @app.post("/hooks/{name}")
        async def hook(name: str, request: Request) -> Response:
            body = await request.body()
            with self._lock:
                if self.fail_first.get(name, 0) > 0:
                    self.fail_first[name] -= 1
                    return Response(status_code=500)
                self.hooks.append(Hook(name, dict(request.headers), body))
            return Response(status_code=204)

        return app

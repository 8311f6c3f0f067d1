"""The API application: `uvicorn api.main:app` (or `python -m api`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.client import Client

import web
from activities.platform_client import PlatformClient
from api import errors
from api.routes import (
    agencies,
    auth,
    claims,
    codec,
    customers,
    knowledge,
    meta,
    money,
    orders,
    steps,
    webhooks,
    workers,
)
from config import Settings, get_settings
from db.engine import make_engine
from temporal_support.client import connect

DESCRIPTION = """
家政服务数字化平台 — every order is one durable Temporal workflow:
demand → acceptance → contract → matching → interview → service → billing → evaluation.

Authenticate with `Authorization: Bearer <token>`. Errors are JSON `{"code", "message", "errors"}`:
404 for what does not exist or you may not see, 409 for a step at the wrong stage or taken twice,
403 for a step that is not yours, 422 for invalid fields, 503 when a dependency is down (retry).
"""


class CodecCORS:
    """CORS for the codec endpoint only: the Temporal UI (another origin) calls ``/codec`` with a bearer
    token. Every other path, the cookie-authenticated web front above all, answers no cross-origin request."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith("/codec/"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, temporal: Client | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = make_engine(settings.database_url)
        app.state.temporal = temporal or await connect(settings)
        app.state.platforms = PlatformClient(settings)
        yield
        await app.state.platforms.aclose()
        await app.state.engine.dispose()

    app = FastAPI(title="家政服务数字化平台 API", version="1", description=DESCRIPTION, lifespan=lifespan)
    errors.install(app, web_page=web.not_found_page)  # unknown web paths: a Chinese page
    app.add_middleware(
        CodecCORS,
        allow_origins=settings.codec_cors_origins,
        allow_methods=["POST"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        allow_credentials=True,
    )
    for module in (
        meta,
        orders,
        steps,
        webhooks,
        codec,
        auth,
        agencies,
        workers,
        customers,
        knowledge,
        money,
    ):
        app.include_router(module.router)
    app.include_router(claims.debts_router)  # the debts of every order the caller may see (issue 5)
    app.include_router(web.router)  # the customer web front at / (web/, docs/web.md)
    return app


def __getattr__(name: str) -> FastAPI:  # `uvicorn api.main:app` builds the app on first use
    if name == "app":
        return create_app()
    raise AttributeError(name)

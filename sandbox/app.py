"""The sandbox app: every external platform behind one FastAPI service (docs/sandbox.md)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from config import Settings, get_settings
from sandbox import admin
from sandbox.deps import require_api_key
from sandbox.errors import ApiError, install_error_handlers
from sandbox.faults import FaultMiddleware, faults_from_env
from sandbox.platforms import (
    anxinma,
    einvoice,
    esign,
    identity,
    notify,
    payment,
    public_data,
    regulator,
    video,
    zlhjz,
)
from sandbox.state import SandboxState

PLATFORM_ROUTERS: tuple[tuple[str, APIRouter], ...] = (
    ("anxinma", anxinma.router),
    ("zlhjz", zlhjz.router),
    ("identity", identity.router),
    ("public-data", public_data.router),
    ("esign", esign.router),
    ("payment", payment.router),
    ("einvoice", einvoice.router),
    ("video", video.router),
    ("regulator", regulator.router),
    ("notify", notify.router),
)


def platform_document(document: dict[str, Any], platform: str) -> dict[str, Any]:
    """The sandbox's OpenAPI document cut down to one platform's paths (the schemas are all kept)."""
    prefix = f"/{platform}/v1/"
    paths = {path: item for path, item in document.get("paths", {}).items() if path.startswith(prefix)}
    info = {**document.get("info", {}), "title": f"{platform} (sandbox)"}
    return {**document, "info": info, "paths": paths, "servers": [{"url": "/"}]}


def create_app(settings: Settings | None = None) -> FastAPI:
    """A fresh sandbox with its own state; faults start from ``SANDBOX_FAULTS`` if set."""
    state = SandboxState(settings or get_settings(), faults=faults_from_env(os.environ.get("SANDBOX_FAULTS")))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await state.webhooks.aclose()

    app = FastAPI(
        title="家政平台外部系统沙箱",
        summary="安心码, 浙里好家政, 实名核验, 公共数据, 电子签章, 可信支付, 电子发票, 视频面试, 监管, 消息",
        version="1.0",
        lifespan=lifespan,
    )
    app.state.sandbox = state
    install_error_handlers(app)
    app.add_middleware(FaultMiddleware, faults=state.faults)
    auth = [Depends(require_api_key)]
    for name, router in PLATFORM_ROUTERS:
        app.include_router(router, prefix=f"/{name}/v1", dependencies=auth)
    app.include_router(video.public_router, prefix="/video/v1")  # join links carry their own token
    app.include_router(payment.cashier_router, prefix="/payment/v1")  # so do the payers' cashier links
    app.include_router(admin.router, prefix="/admin", dependencies=auth)

    @app.get("/healthz", tags=["admin"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/openapi/{platform}.json", tags=["admin"], summary="One platform's own OpenAPI document")
    async def platform_openapi(platform: str) -> dict[str, Any]:
        if platform not in dict(PLATFORM_ROUTERS):
            raise ApiError(404, "unknown_platform", f"no platform {platform!r}")
        return platform_document(app.openapi(), platform)

    return app

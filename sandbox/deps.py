"""Dependencies shared by the routers: the app's state and the bearer-key check."""

from __future__ import annotations

import hmac
from typing import Annotated, cast

from fastapi import Depends, Header, Request

from sandbox.errors import ApiError
from sandbox.state import SandboxState


def get_state(request: Request) -> SandboxState:
    return cast(SandboxState, request.app.state.sandbox)


State = Annotated[SandboxState, Depends(get_state)]


def require_api_key(
    state: State,
    authorization: Annotated[str | None, Header(description="Bearer <PLATFORMS_API_KEY>")] = None,
) -> None:
    scheme, _, token = (authorization or "").partition(" ")
    expected = state.settings.platforms_api_key
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise ApiError(
            401,
            "unauthorized",
            "missing or wrong API key (Authorization: Bearer <PLATFORMS_API_KEY>)",
            headers={"WWW-Authenticate": "Bearer"},
        )


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")

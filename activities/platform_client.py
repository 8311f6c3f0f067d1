"""One HTTP client for the external platforms (docs/sandbox.md): auth, timeouts, idempotency keys, errors.

A 4xx answer is a business refusal: it becomes a non-retryable ApplicationError(type="PlatformRefusal")
carrying the vendor's code. Anything else (5xx, timeouts, connection errors) raises a retryable
PlatformUnavailable, and the activity's retry policy tries again with the same idempotency key.

Reads (GET) are retried here first, a couple of times at short intervals: an activity that reads several
things at once (matching reads every candidate's 安心码) would otherwise fail as a whole whenever any one
read hits a transient fault. Writes are left to the activity's retry policy.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from temporalio.exceptions import ApplicationError

from config import Settings


class PlatformUnavailable(Exception):
    """A transient failure: retry."""


READ_ATTEMPTS = 3
READ_RETRY_SECONDS = 0.2


def refusal_code(err: BaseException) -> str | None:
    """The vendor's refusal code carried by a PlatformRefusal, or None."""
    if isinstance(err, ApplicationError) and err.type == "PlatformRefusal" and err.details:
        code = err.details[0]
        return code if isinstance(code, str) else None
    return None


class PlatformClient:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._http = httpx.AsyncClient(
            base_url=settings.platforms_url,
            headers={"Authorization": f"Bearer {settings.platforms_api_key}"},
            timeout=httpx.Timeout(settings.platform_timeout_seconds, connect=5.0),
            transport=transport,
        )

    @property
    def settings(self) -> Settings:
        return self._settings

    def callback_url(self, path: str) -> str:
        return self._settings.public_api_url.rstrip("/") + path

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        return await self._request("GET", path, params=params or None)

    async def get_bytes(self, path: str) -> bytes:
        response = await self._send("GET", path)
        return response.content

    async def post(
        self, path: str, body: dict[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return await self._request("POST", path, json=body or {}, headers=headers)

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._send(method, path, **kwargs)
        data = response.json()
        if not isinstance(data, dict):
            raise PlatformUnavailable(f"{method} {path}: unexpected answer")
        return data

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if method != "GET":
            return await self._send_once(method, path, **kwargs)
        for attempt in range(1, READ_ATTEMPTS):
            try:
                return await self._send_once(method, path, **kwargs)
            except PlatformUnavailable:
                await asyncio.sleep(READ_RETRY_SECONDS * attempt)
        return await self._send_once(method, path, **kwargs)

    async def _send_once(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as err:  # timeouts, refused connections, broken streams
            raise PlatformUnavailable(f"{method} {path}: {type(err).__name__}") from err
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise PlatformUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            code, message = _error(response)
            raise ApplicationError(
                f"{method} {path} refused: {message}", code, type="PlatformRefusal", non_retryable=True
            )
        return response


def _error(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return f"http_{response.status_code}", response.text[:200]
    if isinstance(body, dict):
        return str(body.get("code", f"http_{response.status_code}")), str(body.get("message", ""))
    return f"http_{response.status_code}", str(body)[:200]

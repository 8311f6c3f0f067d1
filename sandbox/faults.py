"""Fault injection per platform: errors, timeouts, latency (here, as ASGI middleware) and webhook chaos.

The configuration maps a key to a :class:`FaultConfig`. A key is ``*`` (every platform), a platform name (the
URL prefix without slashes: ``payment``, ``public-data`` …), or one endpoint of a platform:
``payment/payments/*/pay`` (the path after ``/<platform>/v1/``; ``*`` matches one path segment), optionally
preceded by a method, ``POST payment/payments``. The most specific entry that matches a request wins as a
whole (fields are not merged): method + endpoint, then endpoint, then platform, then ``*``. Webhook faults are
read from the emitting platform's own entry (or ``*``).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.errors import ApiError

PLATFORMS: tuple[str, ...] = (
    "anxinma",
    "zlhjz",
    "identity",
    "public-data",
    "esign",
    "payment",
    "einvoice",
    "video",
    "regulator",
    "notify",
)
ALL = "*"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class FaultConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    error_rate: float = Field(
        0.0, ge=0.0, le=1.0, description="share of requests answered 503 injected_fault"
    )
    timeout_rate: float = Field(0.0, ge=0.0, le=1.0, description="share of requests answered late")
    timeout_seconds: float = Field(30.0, ge=0.0, le=600.0, description="how late an injected timeout answers")
    latency_ms: int = Field(0, ge=0, le=600_000, description="added before every request")
    duplicate_webhook_rate: float = Field(0.0, ge=0.0, le=1.0, description="share of events delivered twice")
    reorder_webhooks: bool = Field(False, description="hold each event until the next one has gone out")
    reorder_window_ms: int = Field(
        500, ge=0, le=60_000, description="longest an event is held for reordering"
    )


def parse_faults(raw: object) -> dict[str, FaultConfig]:
    """Validate a whole configuration; raises ApiError(422) naming what is wrong."""
    if not isinstance(raw, Mapping):
        raise ApiError(422, "invalid_request", "the fault configuration must be a JSON object")
    parsed: dict[str, FaultConfig] = {}
    for name, value in raw.items():
        _check_key(str(name))
        try:
            parsed[str(name)] = FaultConfig.model_validate(value)
        except ValidationError as exc:
            problems = "; ".join(
                f"{name}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ApiError(422, "invalid_request", problems) from exc
    return parsed


def _split_key(key: str) -> tuple[str | None, str, tuple[str, ...]]:
    """``"POST payment/payments/*/pay"`` → ``("POST", "payment", ("payments", "*", "pay"))``."""
    method: str | None = None
    rest = key.strip()
    if " " in rest:
        method, rest = rest.split(" ", 1)
        rest = rest.strip()
    platform, _, path = rest.partition("/")
    return method, platform, tuple(seg for seg in path.split("/") if seg)


def _check_key(key: str) -> None:
    if key == ALL:
        return
    method, platform, segments = _split_key(key)
    if platform not in PLATFORMS:
        known = ", ".join((ALL, *PLATFORMS))
        raise ApiError(
            422,
            "unknown_platform",
            f"unknown platform in {key!r}; expected one of {known}, optionally followed by /<endpoint path>",
        )
    if method is not None and (method not in METHODS or not segments):
        raise ApiError(
            422, "invalid_request", f"{key!r}: expected '<METHOD> <platform>/<path>' with one of {METHODS}"
        )


def _matches(pattern: tuple[str, ...], segments: tuple[str, ...]) -> bool:
    return len(pattern) == len(segments) and all(
        p in ("*", s) for p, s in zip(pattern, segments, strict=True)
    )


def faults_from_env(value: str | None) -> dict[str, FaultConfig]:
    """``SANDBOX_FAULTS``: the same JSON as ``PUT /admin/faults``. A bad value stops the sandbox at start."""
    if not value or not value.strip():
        return {}
    try:
        raw: Any = json.loads(value)
        return parse_faults(raw)
    except (json.JSONDecodeError, ApiError) as exc:
        raise ValueError(f"SANDBOX_FAULTS is not a valid fault configuration: {exc}") from exc


class Faults:
    """The live configuration (one per app) and the random source that rolls the dice."""

    def __init__(
        self, initial: Mapping[str, FaultConfig] | None = None, rng: random.Random | None = None
    ) -> None:
        self._config: dict[str, FaultConfig] = {}
        self._endpoints: list[tuple[str | None, str, tuple[str, ...], FaultConfig]] = []
        self.rng = rng or random.Random()
        self.injected: dict[str, dict[str, int]] = {}
        self.replace(initial or {})

    def replace(self, config: Mapping[str, FaultConfig]) -> None:
        self._config = dict(config)
        self._endpoints = []
        for key, cfg in self._config.items():
            if key != ALL and ("/" in key or " " in key):
                method, platform, segments = _split_key(key)
                self._endpoints.append((method, platform, segments, cfg))
        # method-specific entries first: the most specific match wins
        self._endpoints.sort(key=lambda e: e[0] is None)

    def clear(self) -> None:
        self.replace({})

    def reset_counts(self) -> None:
        self.injected = {}

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {name: cfg.model_dump() for name, cfg in self._config.items()}

    def for_platform(self, platform: str) -> FaultConfig | None:
        return self._config.get(platform) or self._config.get(ALL)

    def for_request(self, platform: str, method: str, path: str) -> FaultConfig | None:
        """The entry for one request: the most specific endpoint entry, else the platform's, else ``*``."""
        if self._endpoints:
            prefix = f"/{platform}/v1/"
            endpoint = path[len(prefix) :] if path.startswith(prefix) else ""
            segments = tuple(seg for seg in endpoint.split("/") if seg)
            for want_method, want_platform, pattern, cfg in self._endpoints:
                if (
                    want_platform == platform
                    and want_method in (None, method)
                    and _matches(pattern, segments)
                ):
                    return cfg
        return self.for_platform(platform)

    def count(self, platform: str, kind: str) -> None:
        """One injected fault (``errors`` or ``timeouts``) for the stats."""
        per = self.injected.setdefault(platform, {"errors": 0, "timeouts": 0})
        per[kind] += 1

    def counts(self) -> dict[str, Any]:
        errors = sum(p["errors"] for p in self.injected.values())
        timeouts = sum(p["timeouts"] for p in self.injected.values())
        return {
            "errors": errors,
            "timeouts": timeouts,
            "by_platform": {name: dict(c) for name, c in sorted(self.injected.items())},
        }

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate


def platform_of(path: str) -> str | None:
    """``/payment/v1/payments`` → ``payment``; admin, health and docs are never faulted."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in PLATFORMS else None


_INJECTED = json.dumps({"code": "injected_fault", "message": "fault injected by the sandbox"}).encode()


class FaultMiddleware:
    """Latency first, then an injected 503 (before processing) or timeout (processed, answered late)."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        platform = platform_of(scope["path"]) if scope["type"] == "http" else None
        cfg = self.faults.for_request(platform, scope["method"], scope["path"]) if platform else None
        if cfg is None or platform is None:
            await self.app(scope, receive, send)
            return
        if cfg.latency_ms:
            await asyncio.sleep(cfg.latency_ms / 1000)
        if self.faults.roll(cfg.error_rate):
            self.faults.count(platform, "errors")
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_INJECTED)).encode()),
            ]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": _INJECTED})
            return
        if not self.faults.roll(cfg.timeout_rate):
            await self.app(scope, receive, send)
            return
        self.faults.count(platform, "timeouts")
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        await asyncio.sleep(cfg.timeout_seconds)
        for message in held:
            await send(message)

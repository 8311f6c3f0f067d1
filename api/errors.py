"""Every error the API returns is JSON: {"code", "message", "errors": [{"field", "message"}]}.

Never a 500 for bad input: validation errors are 422 with the fields named, refused steps 409/403/422,
unknown or invisible things 404, an unavailable dependency 503 (retry with the same Idempotency-Key).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("api")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: list[dict[str, str]] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors or []
        self.headers = headers or {}  # e.g. Retry-After on 429


def not_found(what: str = "order") -> ApiError:
    return ApiError(404, "not_found", f"no such {what}")


def field_error(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_request", message, [{"field": field, "message": message}])


def _body(code: str, message: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "errors": errors or []}


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "body"


# What is the API's (JSON errors) rather than the web front's (Chinese pages): a 404 or 405 under these paths
# stays the API's JSON; on any other path it is the web front's page (``install(..., web_page=…)``).
API_PATHS = ("/api", "/docs", "/redoc", "/openapi.json", "/codec", "/healthz")


def is_api_path(path: str) -> bool:
    return any(path == p or path.startswith(f"{p}/") for p in API_PATHS)


def install(app: FastAPI, web_page: Callable[[int], Response] | None = None) -> None:
    """The JSON error handlers; ``web_page`` renders a 404 (no such page) or 405 (a form's address opened
    as a link) of a path outside the API: the web front's."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            _body(exc.code, exc.message, exc.errors), status_code=exc.status, headers=exc.headers or None
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return JSONResponse(_body("invalid_request", f"invalid request: {summary}", errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405) and web_page is not None and not is_api_path(request.url.path):
            return web_page(exc.status_code)
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}.get(
            exc.status_code, "error"
        )
        return JSONResponse(
            _body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(IntegrityError)
    async def _duplicate(_: Request, exc: IntegrityError) -> JSONResponse:
        # the last line of defence: the checks before a write answer 409 with the field; this is the
        # concurrent request that passed the same check at the same moment and lost at the unique index
        log.info("a write lost a race at a unique constraint")  # never the row's values
        return JSONResponse(
            _body(
                "conflict",
                "this conflicts with a record stored a moment ago (a duplicate); nothing was saved",
            ),
            status_code=409,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(
            _body("internal_error", "something went wrong on our side; nothing was lost, please try again"),
            status_code=500,
        )

"""HTTP at the edge only: every error leaves as {"error": {"code", "message", "detail"}}."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.access import Forbidden, JustificationRequired, RateLimited, Unauthenticated
from kg.errors import (
    GraphChanged,
    IndexError_,
    IndexNotFound,
    InvalidRequest,
    KgError,
    NotFound,
    QueryRejected,
    QueryTimeout,
    StoreUnavailable,
)
from kg.validation import plain_problem

log = logging.getLogger(__name__)

STATUS: dict[type[KgError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    RateLimited: 429,
    JustificationRequired: 400,
    InvalidRequest: 422,
    QueryRejected: 400,
    NotFound: 404,
    QueryTimeout: 408,
    IndexNotFound: 503,
    IndexError_: 503,
    StoreUnavailable: 503,
    GraphChanged: 503,
}
# Seconds a client should wait before retrying (sent as Retry-After), by error.
RETRY_AFTER: dict[type[KgError], int] = {GraphChanged: 1, IndexNotFound: 5, RateLimited: 1}


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    """The one JSON error shape."""
    return {"error": {"code": code, "message": message, "detail": detail}}


def status_for(error: KgError) -> int:
    """HTTP status for a KgError: the most specific class listed, else 500."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


# Absolute filesystem paths in a message (socket, log or data folders): never sent to a client.
_PATH = re.compile(r"(?<![\w.:/])/(?:[\w.@+-]+/)+[\w.@+-]*")


def scrub_paths(message: str) -> str:
    """The message with absolute paths replaced by <path>."""
    return _PATH.sub("<path>", message)


def _validation_message(errors: Sequence[Mapping[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    problems = [plain_problem(e) for e in errors]
    detail = [{"parameter": p, "message": m} for p, m in problems]
    return "; ".join(m for _, m in problems) or "invalid request", detail


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(KgError)
    async def kg_error(_: Request, exc: KgError) -> JSONResponse:
        status = status_for(exc)
        message, detail = exc.message, exc.detail
        if status >= 500:
            log.error("%s: %s", exc.code, exc.message)
            # Store and index failures may name sockets, logs or folders: not for clients.
            message = scrub_paths(message)
            detail = json.loads(scrub_paths(json.dumps(jsonable_encoder(detail))))
        retry = next((s for t, s in RETRY_AFTER.items() if isinstance(exc, t)), None)
        headers = {"Retry-After": str(retry)} if retry is not None else None
        if status == 401:
            headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
        return JSONResponse(
            error_body(exc.code, message, detail), status_code=status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, detail = _validation_message(exc.errors())
        return JSONResponse(error_body("invalid_request", message, detail), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(error_body("internal_error", "internal error"), status_code=500)

"""HTTP at the edge only: every error leaves as {"error": {"code", "message", "detail"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.errors import (
    IndexError_,
    IndexNotFound,
    InvalidRequest,
    KgError,
    NotFound,
    QueryRejected,
    QueryTimeout,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

STATUS: dict[type[KgError], int] = {
    InvalidRequest: 422,
    QueryRejected: 400,
    NotFound: 404,
    QueryTimeout: 408,
    IndexNotFound: 503,
    IndexError_: 503,
    StoreUnavailable: 503,
}


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    """The one JSON error shape."""
    return {"error": {"code": code, "message": message, "detail": detail}}


def status_for(error: KgError) -> int:
    """HTTP status for a KgError: the most specific class listed, else 500."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for e in errors:
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "body", "path"))
        parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(KgError)
    async def kg_error(_: Request, exc: KgError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.error("%s: %s", exc.code, exc.message)
        return JSONResponse(error_body(exc.code, exc.message, exc.detail), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = jsonable_encoder(exc.errors(), exclude={"url", "ctx", "input"})
        return JSONResponse(
            error_body("invalid_request", _validation_message(errors), errors), status_code=422
        )

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

"""Logging set-up: JSON lines for the server, plain text for the command line.

Every record carries the request id of the request it belongs to (a context variable set by
the API's access-log middleware), so the lines one request produced can be found together.
"""

from __future__ import annotations

import contextvars
import logging
import sys
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

# The id of the request being served on this task or thread ("-" outside any request).
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

NOISY = ("sentence_transformers", "faiss", "httpx", "transformers", "uvicorn.access")


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


def configure(level: str | int, fmt: Literal["json", "text"]) -> None:
    """Send every logger's records to stderr, as JSON lines or as text."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestId())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="timestamp",
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(int(numeric), logging.WARNING))
    # uvicorn's own loggers propagate to the root handler instead of their own.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True

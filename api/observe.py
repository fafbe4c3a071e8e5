"""Request ids, one JSON access-log line per request, and GET /metrics.

Metrics: request counts and latency histograms per route template come from
prometheus-fastapi-instrumentator; the service's own counters (graph store errors, query
timeouts, store resets) from kg.metrics; index runs and failed documents from the counts the
indexer keeps beside the index (every `kg index` run adds to them, whichever process ran it).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator

from api.access import require
from kg import metrics
from kg.access import Principal
from kg.logs import REQUEST_ID
from kg.stats import read_index_stats

log = logging.getLogger("kg.access")

_GIVEN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class IndexStats(Collector):
    """kg_index_runs_total and kg_documents_failed_total, read from the index folder."""

    def __init__(self, index_dir: Path) -> None:
        self._index_dir = index_dir

    def collect(self) -> Iterator[Metric]:
        """The counts as they are on disk now."""
        stats = read_index_stats(self._index_dir)
        yield CounterMetricFamily(
            "kg_index_runs", "Runs of kg index over this data directory.", value=stats.runs
        )
        yield CounterMetricFamily(
            "kg_documents_failed",
            "Documents kg index could not read, summed over its runs.",
            value=stats.documents_failed,
        )


def install(app: FastAPI, index_dir: Path) -> None:
    """Add the request-id and access-log middleware and the /metrics route."""
    registry = CollectorRegistry(auto_describe=True)
    Instrumentator(registry=registry, excluded_handlers=["/metrics"]).instrument(app)
    registry.register(IndexStats(index_dir))

    @app.middleware("http")
    async def access_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-request-id", "")
        request_id = given if _GIVEN_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            route = request.scope.get("route")
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "route": getattr(route, "path", None) or "(unmatched)",
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    # Who the bearer credential belongs to (api.access signed them in).
                    "caller": _caller(request),
                },
            )
            REQUEST_ID.reset(token)

    @app.get(
        "/metrics",
        include_in_schema=True,
        tags=["health"],
        dependencies=[Depends(require("admin"))],
    )
    def prometheus_metrics() -> Response:
        """Prometheus text format: requests per route, latency, and the service's counters."""
        body = generate_latest(registry) + generate_latest(metrics.REGISTRY)
        return Response(body, media_type=CONTENT_TYPE)


def _caller(request: Request) -> str | None:
    principal = request.scope.get("state", {}).get("principal")
    return principal.subject if isinstance(principal, Principal) else None

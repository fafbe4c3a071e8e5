"""GET /health, /health/live and /health/ready: none shows a filesystem path or a secret."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api import errors
from api.access import require
from api.deps import ServicesDep
from api.schemas import Health
from kg.access import Principal
from kg.errors import IndexNotFound, KgError

router = APIRouter(tags=["health"])


class Live(BaseModel):
    """Body of GET /health/live."""

    status: str = "alive"


class ReadyChecks(BaseModel):
    """Each part /health/ready checks, as "ok" or what is wrong in words."""

    index: str = Field(description='The current index generation: "ok" or why not.')
    graph: str = Field(description='The graph store, by a real round trip: "ok" or why not.')
    model: str = Field(description='The embedding model: "ok" once loaded, else "loading".')


class Ready(BaseModel):
    """Body of GET /health/ready when ready (a 503 carries the same in error.detail)."""

    status: str = Field(description='"ready", or "not_ready" in a 503.')
    checks: ReadyChecks
    warmUp: str = Field(
        description='Background warm-up: "not started", "running", "done" or "failed".'
    )
    generation: str | None = Field(description="The index generation served.")


@router.get("/health", response_model=Health, response_model_exclude_none=True)
def health(services: ServicesDep, request: Request) -> Health:
    """Whether the service is up; a signed-in caller also gets what index it serves."""
    principal = _signed_in(request)
    try:
        snapshot = services.snapshot()
    except IndexNotFound:
        if principal is None:
            return Health(status="no_index")
        model = services.encoder.display_name
        return Health(status="no_index", documents=0, chunks=0, index=None, model=model)
    if principal is None:
        return Health(status="ok")
    index = snapshot.view(principal.clearance).index
    return Health(
        status="ok",
        documents=len(index.documents),
        chunks=index.size,
        index=index.name,
        model=services.encoder.display_name,
    )


def _signed_in(request: Request) -> Principal | None:
    """The caller, when /health (open to all) was sent a valid credential."""
    header = request.headers.get("authorization")
    if not header:
        return None
    try:
        principal: Principal = request.app.state.gate.authenticate(header)
    except KgError:
        return None
    return principal


@router.get("/health/live", response_model=Live)
def live() -> Live:
    """Answers whenever the process runs (it touches nothing else)."""
    return Live()


@router.get(
    "/health/ready",
    dependencies=[Depends(require("read"))],
    response_model=Ready,
    responses={503: {"description": "Not ready: error.detail names the failing parts."}},
)
def ready(services: ServicesDep) -> Any:
    """Ready when the index generation loads, the graph store answers and the model is loaded."""
    state = services.readiness()
    body = Ready(
        status="ready" if state.ready else "not_ready",
        checks=ReadyChecks(index=state.index, graph=state.graph, model=state.model),
        warmUp=state.warm_up,
        generation=state.generation,
    )
    if state.ready:
        return body
    parts = {"index": "the index", "graph": "the graph store", "model": "the embedding model"}
    message = "not ready: " + "; ".join(
        f"{parts[p]} is {getattr(state, p).split(':')[0]}" for p in state.failing
    )
    return JSONResponse(errors.error_body("not_ready", message, body.model_dump()), status_code=503)

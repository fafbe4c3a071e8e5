"""GET /health."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServicesDep
from api.schemas import Health
from kg.errors import IndexNotFound

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(services: ServicesDep) -> Health:
    """Whether the service is up and what index it serves."""
    try:
        index = services.search.index
    except IndexNotFound:
        return Health(
            status="no_index", documents=0, chunks=0, index=None, model=services.encoder.name
        )
    return Health(
        status="ok",
        documents=len(index.documents),
        chunks=len(index.chunks),
        index=index.name,
        model=services.encoder.name,
    )

"""GET /search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ServicesDep
from api.schemas import Expansion, SearchParams, SearchResponse, SearchResult
from api.search import Filters
from kg.errors import InvalidRequest

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResponse)
def search(params: Annotated[SearchParams, Query()], services: ServicesDep) -> SearchResponse:
    """Hybrid (dense + BM25) search over passages, with citations and highlighted snippets."""
    limits = services.settings.search
    if len(params.q) > limits.max_query_chars:
        raise InvalidRequest(
            f"q: query is {len(params.q)} characters; the limit is {limits.max_query_chars}"
        )
    k = limits.default_k if params.k is None else params.k
    if k > limits.max_k:
        raise InvalidRequest(f"k: must be between 1 and {limits.max_k}, got {k}")
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise InvalidRequest("date_from is after date_to")
    filters = Filters(tuple(params.doc), params.date_from, params.date_to)
    service = services.search
    hits = service.search(params.q, k, filters, params.mode)
    expansions = service.analyse(params.q).expansions
    return SearchResponse(
        results=[SearchResult.from_hit(h) for h in hits],
        query=params.q,
        mode=params.mode,
        expansions=[Expansion(acronym=a, expansion=e) for a, e in expansions],
    )

"""GET /search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ModelLoadingDep, SettingsDep, SnapshotDep
from api.request import Filters, check_request
from api.schemas import Expansion, SearchParams, SearchResponse, SearchResult

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResponse)
def search(
    params: Annotated[SearchParams, Query()],
    read: SnapshotDep,
    settings: SettingsDep,
    model_loading: ModelLoadingDep,
) -> SearchResponse:
    """Hybrid (dense + BM25) search over passages, with citations and highlighted snippets."""
    filters = Filters(tuple(params.doc), params.date_from, params.date_to)
    query, k = check_request(settings.search, params.q, params.k, filters)
    service = read().search
    mode = params.mode
    if mode == "hybrid" and model_loading:
        mode = "keyword"  # the model is still loading: answer now, and say how
    hits = service.search(query, k, filters, mode)
    expansions = service.analyse(query).expansions
    return SearchResponse(
        results=[SearchResult.from_hit(h) for h in hits],
        query=query,
        mode=mode,
        expansions=[Expansion(acronym=a, expansion=e) for a, e in expansions],
    )

"""GET /export/graph.graphml, /export/i2/{entities,links}.csv, /export/timeline.csv (read);
POST /export/graphml and /export/csv (query).

Each export is what the JSON route it mirrors would show the caller: an entity's neighbourhood
or the whole graph from their view of the snapshot, a Cypher result from their clearance's
graph. Errors are raised before the first byte is streamed, so they keep the one error shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from api import export_sheets, exports
from api.access import audit_shown, require
from api.cleared import ClearedCypher
from api.cypher import CypherService
from api.deps import GENERATION_HEADER, CypherDep, SettingsDep, SnapshotDep
from api.entities import MAX_NEIGHBOUR_DEPTH
from api.routes.cypher import CypherRequest
from api.snapshot import ReadSnapshot
from graph.store import QueryResult
from kg.settings import Settings

router = APIRouter(prefix="/export", tags=["exports"])
QueryRight = Depends(require("query"))

MAX_ENTITY_ID_CHARS = 500
TRUNCATED_HEADER = "X-KG-Truncated"


# -- requests ------------------------------------------------------------------------------


class SubgraphParams(BaseModel):
    """Query string of the subgraph exports: an entity's neighbourhood, or the whole graph."""

    model_config = ConfigDict(extra="forbid")

    entity: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_ENTITY_ID_CHARS,
        description="The entity whose neighbourhood to export; without it, the whole graph "
        "the caller may see.",
    )
    depth: int | None = Field(
        None,
        ge=1,
        le=MAX_NEIGHBOUR_DEPTH,
        description="Hops from the entity (1..3, default 1), as GET /entities/{id}/neighbours.",
    )

    @field_validator("depth")
    @classmethod
    def _needs_entity(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and not info.data.get("entity"):
            raise ValueError("needs entity: it counts the hops around that entity")
        return value


class TimelineParams(BaseModel):
    """Query string of GET /export/timeline.csv."""

    model_config = ConfigDict(extra="forbid")

    entity: str = Field(
        ..., min_length=1, max_length=MAX_ENTITY_ID_CHARS, description="The entity's id."
    )


class ExportQueryRequest(BaseModel):
    """A read-only Cypher query, or a named query of cypher/, with its parameters."""

    model_config = ConfigDict(extra="forbid")

    query: str | None = Field(
        None,
        min_length=1,
        max_length=1_000_000,
        description="One read-only Cypher statement (at most KG_GRAPH__MAX_QUERY_CHARS).",
    )
    name: str | None = Field(
        None, min_length=1, max_length=200, description="A named query of cypher/ (GET /queries)."
    )
    params: dict[str, Any] = Field(default_factory=dict, description="$parameters by name.")
    timeoutMs: int | None = Field(
        None, ge=1, description="Time limit; clamped to KG_GRAPH__MAX_QUERY_TIMEOUT_MS."
    )
    maxRows: int | None = Field(
        None, ge=1, description="Row cap; clamped to KG_GRAPH__MAX_ROWS_LIMIT."
    )

    @model_validator(mode="after")
    def _one_query(self) -> ExportQueryRequest:
        if (self.query is None) == (self.name is None):
            raise ValueError(
                "must give either query (Cypher) or name (a named query of cypher/), not both"
                if self.query is not None
                else "must give query (Cypher) or name (a named query of cypher/)"
            )
        return self


# -- helpers -------------------------------------------------------------------------------


def _filename(*parts: str) -> str:
    """A file name safe in a Content-Disposition header: ASCII letters, digits, . _ -."""
    stem = "-".join(re.sub(r"[^A-Za-z0-9._]+", "-", p).strip("-.") for p in parts if p)
    return stem[:150] or "export"


def _download(
    body: Iterator[str] | Iterator[bytes],
    media_type: str,
    filename: str,
    truncated: bool,
    generation: str | None = None,
) -> StreamingResponse:
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        TRUNCATED_HEADER: "true" if truncated else "false",
    }
    if generation is not None:
        headers[GENERATION_HEADER] = generation
    return StreamingResponse(body, media_type=media_type, headers=headers)


def _result_rows(result: QueryResult) -> dict[str, Any]:
    """A result as the audit reads it: rows keyed by column, so a column named docId or
    chunkId is found as well as the provenance inside nodes and relationships."""
    return {"rows": [dict(zip(result.columns, row, strict=True)) for row in result.rows]}


def _markings(view: ReadSnapshot, settings: Settings) -> dict[str, str]:
    """The protective marking of every document the caller may see."""
    return exports.document_markings(view.index.documents.values(), settings.access.default_marking)


def _subgraph(
    view: ReadSnapshot, params: SubgraphParams, markings: dict[str, str]
) -> exports.Subgraph:
    entities = view.entities
    if params.entity is None:
        return exports.whole_graph(entities.index, markings)
    hood = entities.neighbours(params.entity, params.depth or 1)
    return exports.neighbourhood_graph(hood, markings)


def _subgraph_name(params: SubgraphParams) -> str:
    if params.entity is None:
        return "graph"
    return _filename("graph", params.entity, f"depth{params.depth or 1}")


def _fetch(cypher: CypherService | ClearedCypher, settings: Settings) -> exports.Fetch:
    """Read nodes back by store id, through the same gates and graph as the query."""
    text = exports.nodes_by_store_id(settings.graph.store)

    def fetch(ids: list[Any]) -> list[list[Any]]:
        return cypher.run(text, {"ids": ids}, max_rows=len(ids)).rows

    return fetch


def _run(cypher: CypherService | ClearedCypher, body: ExportQueryRequest) -> QueryResult:
    if body.name is not None:
        return cypher.run_named(
            body.name, body.params, timeout_ms=body.timeoutMs, max_rows=body.maxRows
        )
    assert body.query is not None  # the model admits one of the two
    return cypher.run(body.query, body.params, timeout_ms=body.timeoutMs, max_rows=body.maxRows)


# -- routes --------------------------------------------------------------------------------


@router.get(
    "/graph.graphml",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/graphml+xml": {}}}},
)
def graph_graphml(
    request: Request,
    params: Annotated[SubgraphParams, Query()],
    read: SnapshotDep,
    settings: SettingsDep,
) -> StreamingResponse:
    """GraphML of an entity's neighbourhood (as /entities/{id}/neighbours), or of the whole
    graph the caller may see."""
    view = read()
    sub = _subgraph(view, params, _markings(view, settings))
    audit_shown(
        request,
        {
            "nodes": [{"id": n.key} for n in sub.nodes],
            "edges": [{"docId": e.doc_id} for e in sub.edges],
        },
    )
    return _download(
        exports.graphml(sub),
        exports.GRAPHML_TYPE,
        f"{_subgraph_name(params)}.graphml",
        sub.truncated,
        view.generation,
    )


@router.get(
    "/i2/entities.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def i2_entities(
    request: Request,
    params: Annotated[SubgraphParams, Query()],
    read: SnapshotDep,
    settings: SettingsDep,
) -> StreamingResponse:
    """The i2 Analyst's Notebook entity sheet of the same subgraph as /export/graph.graphml."""
    view = read()
    markings = _markings(view, settings)
    sub = _subgraph(view, params, markings)
    entities = view.entities
    mentions = export_sheets.first_mentions(entities.cypher, [n.key for n in sub.nodes])
    known = entities.index.entities
    labels = {n.key: known[n.key].display for n in sub.nodes if n.key in known}
    audit_shown(
        request,
        {
            "rows": [
                {"id": n.key, "docId": m.doc_id, "chunkId": m.chunk_id}
                for n in sub.nodes
                for m in [mentions.get(n.key, export_sheets.Mention(None, None, None, None))]
            ]
        },
    )
    return _download(
        export_sheets.i2_entities(sub, mentions, markings, labels),
        export_sheets.CSV_TYPE,
        f"i2-entities-{_subgraph_name(params)}.csv",
        sub.truncated,
        view.generation,
    )


@router.get(
    "/i2/links.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def i2_links(
    request: Request,
    params: Annotated[SubgraphParams, Query()],
    read: SnapshotDep,
    settings: SettingsDep,
) -> StreamingResponse:
    """The i2 Analyst's Notebook link sheet of the same subgraph as /export/graph.graphml."""
    view = read()
    markings = _markings(view, settings)
    sub = _subgraph(view, params, markings)
    audit_shown(
        request,
        {"rows": [{"id": export_sheets.link_identity(e), "docId": e.doc_id} for e in sub.edges]},
    )
    return _download(
        export_sheets.i2_links(sub, markings),
        export_sheets.CSV_TYPE,
        f"i2-links-{_subgraph_name(params)}.csv",
        sub.truncated,
        view.generation,
    )


@router.get(
    "/timeline.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def timeline_csv(
    request: Request, params: Annotated[TimelineParams, Query()], read: SnapshotDep
) -> StreamingResponse:
    """A person's posts and ranks over time, or any other entity's facts, oldest first."""
    view = read()
    entities = view.entities
    card = entities.card(params.entity)
    rows = export_sheets.timeline(card)
    # A person's timeline is their history; anything else's is its facts, which the card caps.
    facts = len(entities.index.by_source.get(card.entity.id, [])) + len(
        entities.index.by_target.get(card.entity.id, [])
    )
    audit_shown(request, {"rows": [{"docId": r.doc_id} for r in rows]})
    return _download(
        export_sheets.timeline_csv(rows),
        export_sheets.CSV_TYPE,
        _filename("timeline", params.entity) + ".csv",
        card.entity.type != "Person" and facts > len(card.facts),
        view.generation,
    )


@router.post(
    "/graphml",
    dependencies=[QueryRight],
    response_class=StreamingResponse,
    responses={200: {"content": {"application/graphml+xml": {}}}},
)
def query_graphml(
    request: Request, body: CypherRequest, cypher: CypherDep, settings: SettingsDep
) -> StreamingResponse:
    """GraphML of the nodes and relationships a read-only Cypher query returns (with the end
    nodes of its relationships)."""
    result = cypher.run(body.query, body.params, timeout_ms=body.timeoutMs, max_rows=body.maxRows)
    sub = exports.result_graph(result, _fetch(cypher, settings))
    audit_shown(request, _result_rows(result))
    return _download(exports.graphml(sub), exports.GRAPHML_TYPE, "query.graphml", sub.truncated)


@router.post(
    "/csv",
    dependencies=[QueryRight],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def query_csv(
    request: Request, body: ExportQueryRequest, cypher: CypherDep, settings: SettingsDep
) -> StreamingResponse:
    """CSV of a read-only Cypher query or a named query: a header of its columns, a line per
    row; nodes as their ids, relationships as start-[:TYPE]->end."""
    result = _run(cypher, body)
    parts = exports.result_parts(result, _fetch(cypher, settings))
    audit_shown(request, _result_rows(result))
    return _download(
        export_sheets.result_csv(result, parts.keys),
        export_sheets.CSV_TYPE,
        _filename(body.name or "query") + ".csv",
        result.truncated,
    )

"""POST /cypher, GET /queries, POST /queries/{name}."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CypherDep
from graph.store import QueryResult

router = APIRouter(tags=["cypher"])


class CypherRequest(BaseModel):
    """An analyst's read-only Cypher query with its parameters."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(
        ...,
        min_length=1,
        max_length=1_000_000,
        description="One read-only Cypher statement (at most KG_GRAPH__MAX_QUERY_CHARS).",
    )
    params: dict[str, Any] = Field(default_factory=dict, description="$parameters by name.")
    timeoutMs: int | None = Field(
        None, ge=1, description="Time limit; clamped to KG_GRAPH__MAX_QUERY_TIMEOUT_MS."
    )
    maxRows: int | None = Field(
        None, ge=1, description="Row cap; clamped to KG_GRAPH__MAX_ROWS_LIMIT."
    )


class NamedQueryRequest(BaseModel):
    """Parameters for a named query."""

    model_config = ConfigDict(extra="forbid")

    params: dict[str, Any] = Field(default_factory=dict, description="$parameters by name.")
    timeoutMs: int | None = Field(None, ge=1, description="Time limit in milliseconds.")
    maxRows: int | None = Field(None, ge=1, description="Row cap.")


class CypherResponse(BaseModel):
    """Columns and rows of a query (nodes and relationships as JSON objects)."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = Field(description="True when the row cap cut the result short.")

    @classmethod
    def of(cls, result: QueryResult) -> CypherResponse:
        """Build from a store result."""
        return cls(columns=result.columns, rows=result.rows, truncated=result.truncated)


class NamedQueryInfo(BaseModel):
    """A named query: what it answers, its parameters and its columns."""

    name: str
    summary: str
    answers: str
    parameters: dict[str, str]
    returns: list[str]
    example: dict[str, Any]
    text: str


@router.post("/cypher", response_model=CypherResponse)
def cypher(body: CypherRequest, service: CypherDep) -> CypherResponse:
    """Run one read-only Cypher statement; writes, LOAD CSV and USE are refused."""
    result = service.run(body.query, body.params, timeout_ms=body.timeoutMs, max_rows=body.maxRows)
    return CypherResponse.of(result)


@router.get("/queries", response_model=list[NamedQueryInfo])
def queries(cypher: CypherDep) -> list[NamedQueryInfo]:
    """The named queries of cypher/, with their headers."""
    return [
        NamedQueryInfo(
            name=q.name,
            summary=q.summary,
            answers=q.answers,
            parameters=q.parameters,
            returns=q.returns,
            example=q.example,
            text=q.text,
        )
        for q in cypher.queries.values()
    ]


@router.post("/queries/{name}", response_model=CypherResponse)
def run_query(name: str, body: NamedQueryRequest, cypher: CypherDep) -> CypherResponse:
    """Run a named query with its parameters."""
    result = cypher.run_named(name, body.params, timeout_ms=body.timeoutMs, max_rows=body.maxRows)
    return CypherResponse.of(result)

"""The graph store port: one narrow interface, two adapters, chosen by settings.graph.store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kg.errors import InvalidRequest

if TYPE_CHECKING:
    from kg.settings import GraphSettings, Settings


@dataclass(frozen=True)
class QueryResult:
    """Rows of plain JSON-able values (nodes, relationships and paths as dicts).

    truncated is True when the query produced more rows than its row cap; rows then holds the
    first max_rows of them.
    """

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False


class GraphStore(Protocol):
    """What the indexer and the API need from a graph database, and nothing more."""

    def read(
        self,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run a read-only query under the store's read-only mode, a time limit and a row cap.

        Raises QueryRejected if the store finds the query is not read-only (or invalid),
        QueryTimeout past the time limit, StoreUnavailable if the store cannot be reached.
        """
        ...

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        """Run one write query in its own transaction."""
        ...

    def write_batch(
        self, query: str, rows: Sequence[Mapping[str, Any]], batch_size: int | None = None
    ) -> int:
        """Run `query` (which starts `UNWIND $rows AS row`) once per batch; return rows sent."""
        ...

    def ensure_schema(self) -> None:
        """Create a unique `id` constraint (and its index) for every node label; idempotent."""
        ...

    def clear(self) -> None:
        """Delete every node, relationship, constraint and index; ensure_schema() before loading."""
        ...

    def close(self) -> None:
        """Release connections (and stop an embedded server this process started)."""
        ...


@dataclass(frozen=True)
class QueryBounds:
    """Per-query time and row limits: defaults and the ceilings requests are clamped to."""

    default_timeout_ms: int
    max_timeout_ms: int
    default_rows: int
    max_rows: int

    @classmethod
    def from_settings(cls, graph: GraphSettings) -> QueryBounds:
        """The bounds configured in settings.graph."""
        return cls(
            default_timeout_ms=graph.query_timeout_ms,
            max_timeout_ms=graph.max_query_timeout_ms,
            default_rows=graph.max_rows,
            max_rows=graph.max_rows_limit,
        )

    def timeout_ms(self, requested: int | None) -> int:
        """The time limit for a query that asked for `requested` milliseconds (None: default)."""
        if requested is None:
            return self.default_timeout_ms
        if requested < 1:
            raise InvalidRequest("timeout_ms must be at least 1", {"timeout_ms": requested})
        return min(requested, self.max_timeout_ms)

    def rows(self, requested: int | None) -> int:
        """The row cap for a query that asked for `requested` rows (None: default)."""
        if requested is None:
            return self.default_rows
        if requested < 1:
            raise InvalidRequest("max_rows must be at least 1", {"max_rows": requested})
        return min(requested, self.max_rows)


def batches(
    rows: Sequence[Mapping[str, Any]], batch_size: int
) -> list[Sequence[Mapping[str, Any]]]:
    """Split rows into consecutive slices of at most batch_size."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    return [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]


def check_batch_query(query: str) -> None:
    """Refuse a batch query that does not read its rows from $rows (a programming error)."""
    if "$rows" not in query:
        raise ValueError("a write_batch query must read its rows from $rows (UNWIND $rows AS row)")


def open_store(settings: Settings) -> GraphStore:
    """Open the store settings.graph.store names (the embedded FalkorDB starts if needed)."""
    if settings.graph.store == "neo4j":
        from graph.neo4j import open_neo4j

        return open_neo4j(settings)
    from graph.falkordb import open_falkordb

    return open_falkordb(settings)

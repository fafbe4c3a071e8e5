"""The graph store port: one narrow interface, two adapters, chosen by settings.graph.store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kg.errors import InvalidRequest, QueryRejected

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

    def ping(self, timeout_s: float) -> None:
        """One real round trip through the query engine, on a fresh connection.

        Raises StoreUnavailable when the store does not answer within timeout_s.
        """
        ...

    def reset(self) -> None:
        """Recover a store that stopped answering: the embedded FalkorDB is restarted, a Neo4j
        driver is rebuilt. Raises StoreUnavailable when that fails."""
        ...

    def graph(self, name: str) -> GraphStore:
        """Another graph of the same server (one per clearance level), sharing its connections;
        closing it closes nothing. Raises StoreUnavailable where the store holds one graph."""
        ...


@dataclass(frozen=True)
class QueryBounds:
    """Per-query time and row limits: defaults and the ceilings requests are clamped to."""

    default_timeout_ms: int
    max_timeout_ms: int
    default_rows: int
    max_rows: int
    max_result_bytes: int = 50_000_000

    @classmethod
    def from_settings(cls, graph: GraphSettings) -> QueryBounds:
        """The bounds configured in settings.graph."""
        return cls(
            default_timeout_ms=graph.query_timeout_ms,
            max_timeout_ms=graph.max_query_timeout_ms,
            default_rows=graph.max_rows,
            max_rows=graph.max_rows_limit,
            max_result_bytes=graph.max_result_bytes,
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


def take_rows(
    rows: Iterable[Sequence[Any]],
    cap: int,
    max_bytes: int,
    convert: Callable[[Any], Any],
) -> tuple[list[list[Any]], bool]:
    """Convert rows one at a time until the row cap or the size budget is reached.

    Returns (rows, truncated). Each converted row is measured (its approximate JSON size), so
    neither the conversion nor the response can grow past max_bytes: the rows before the one
    that would cross it are kept and marked truncated. A first row larger than the budget is
    refused (QueryRejected), since no part of it can be returned.
    """
    out: list[list[Any]] = []
    used = 0
    for row in rows:
        if len(out) == cap:
            return out, True
        plain = [convert(v) for v in row]
        used += json_size(plain, max_bytes - used + 1)
        if used > max_bytes:
            if not out:
                raise QueryRejected(
                    f"the first row of the result is larger than the {max_bytes:,} bytes one "
                    "result may take; return fewer or smaller values",
                    {"max_result_bytes": max_bytes},
                )
            return out, True
        out.append(plain)
    return out, False


def json_size(value: Any, limit: int) -> int:
    """The approximate JSON size of a plain value, counted no further than just past limit
    (the scalars of one list are counted together)."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v) + 2
        elif isinstance(v, Mapping):
            total += 2
            for k, item in v.items():
                total += len(str(k)) + 4
                stack.append(item)
        elif isinstance(v, list | tuple):
            total += 2 + len(v)
            # Scalars are counted here rather than pushed: a row is mostly scalars, and this
            # loop ran once per value of every row read (300k facts load the graph index).
            for item in v:
                kind = type(item)
                if kind is str:
                    total += len(item) + 2
                elif item is None or kind in _NUMBERS:
                    total += 8
                else:
                    stack.append(item)
        else:
            total += 8
    return total


_NUMBERS = frozenset({int, float, bool})


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

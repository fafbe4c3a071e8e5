"""Analysts' Cypher and the named queries of cypher/, through the three gates.

1. The allowlist (graph.cypher_gate): one statement, no writes, no LOAD CSV or USE, CALL only
   to named read procedures; before any store sees the text.
2. The store's read-only mode (FalkorDB GRAPH.RO_QUERY; Neo4j EXPLAIN + READ transaction).
3. Bounds: a time limit and a row cap per query, clamped to the server-wide ceilings.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.cypher_gate import check_cypher
from graph.named_queries import NamedQuery, get_named_query, load_named_queries
from graph.store import GraphStore, QueryResult
from kg.errors import InvalidRequest
from kg.settings import Settings

_MAX_PARAMS = 64


class CypherService:
    """Runs read-only Cypher for analysts and named queries for everyone."""

    def __init__(self, settings: Settings, store: GraphStore, queries_dir: Path) -> None:
        self._settings = settings
        self._store = store
        self.queries: dict[str, NamedQuery] = load_named_queries(queries_dir)

    def run(
        self,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run an analyst's query through the gate, read-only, within bounds."""
        params = dict(params or {})
        if len(params) > _MAX_PARAMS:
            raise InvalidRequest(f"params: at most {_MAX_PARAMS} parameters, got {len(params)}")
        statement = check_cypher(query, max_chars=self._settings.graph.max_query_chars)
        return self._store.read(statement, params, timeout_ms=timeout_ms, max_rows=max_rows)

    def run_named(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run a named query; its declared parameters must all be given, and no others."""
        named = get_named_query(self.queries, name)
        given = dict(params or {})
        missing = sorted(set(named.parameters) - set(given))
        unknown = sorted(set(given) - set(named.parameters))
        if missing or unknown:
            raise InvalidRequest(
                f"params of {name}: "
                + "; ".join(
                    part
                    for part in (
                        f"missing {', '.join(missing)}" if missing else "",
                        f"unknown {', '.join(unknown)}" if unknown else "",
                    )
                    if part
                ),
                {"expected": named.parameters},
            )
        return self.run(named.text, given, timeout_ms=timeout_ms, max_rows=max_rows)

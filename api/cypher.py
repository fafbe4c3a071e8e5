"""Analysts' Cypher and the named queries of cypher/, through the three gates.

1. The allowlist (graph.cypher_gate): one statement, no writes, no LOAD CSV or USE, CALL only
   to named read procedures; before any store sees the text.
2. The store's read-only mode (FalkorDB GRAPH.RO_QUERY; Neo4j EXPLAIN + READ transaction).
3. Bounds: a time limit and a row cap per query, clamped to the server-wide ceilings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from graph.cypher_gate import check_cypher
from graph.named_queries import NamedQuery, get_named_query, load_named_queries
from graph.store import GraphStore, QueryResult
from kg.errors import InvalidRequest
from kg.settings import Settings

_MAX_PARAMS = 64


class NamedQueries(Protocol):
    """What the graph index and the entity service read through: named queries only."""

    def run_named(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run a named query with exactly its declared parameters."""
        ...


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
        graph = self._settings.graph
        statement = check_cypher(
            query, max_chars=graph.max_query_chars, max_nesting=graph.max_nesting
        )
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
        for key, value in given.items():
            check_param_type(name, key, named.parameters[key], value)
        return self.run(named.text, given, timeout_ms=timeout_ms, max_rows=max_rows)


# The types a named query's header may declare, and what a value of each must be.
_TYPES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "string": ("text", lambda v: isinstance(v, str)),
    "integer": ("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "float": ("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool)),
    "boolean": ("true or false", lambda v: isinstance(v, bool)),
    "list of strings": (
        "a list of text values",
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    ),
    "list of integers": (
        "a list of whole numbers",
        lambda v: (
            isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
        ),
    ),
}


def declared_type(declaration: str) -> str | None:
    """The type a header line declares ("string, the id of ..." -> "string"), if known."""
    head = declaration.split(",", 1)[0].strip().lower()
    return head if head in _TYPES else None


def check_param_type(query: str, name: str, declaration: str, value: Any) -> None:
    """Refuse a value whose type is not the one the query's header declares."""
    kind = declared_type(declaration)
    if kind is None:
        return
    accepted, ok = _TYPES[kind]
    if not ok(value):
        raise InvalidRequest(
            f"params.{name} of {query} must be {accepted} ({kind}); got {_shown(value)}",
            {"parameter": name, "expected": kind, "got": type(value).__name__},
        )


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."

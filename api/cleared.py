"""Analysts' Cypher for a caller below the top clearance: run on their level's own graph.

The indexer keeps one graph per clearance level that must not see every document, built from
the documents at or below it alone (indexer.graph_step), so the query needs no rewriting: a
node of a document above the caller's clearance is not in the graph it runs on. Which graph
that is comes from the generation served; the graph state is checked before and after the
query (as api.snapshot.MatchingGraph does), so a run that adds a more highly marked document
meanwhile gives GraphChanged (503, retry) rather than a read of the wrong graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graph.named_queries import NamedQuery
from graph.store import QueryResult

if TYPE_CHECKING:
    from api.cypher import CypherService
    from api.deps import Services
    from api.snapshot import ReadSnapshot


class ClearedCypher:
    """CypherService's face (run, run_named, queries) over the caller's clearance's graph."""

    def __init__(self, services: Services, clearance: str) -> None:
        self._services = services
        self._clearance = clearance
        self.queries: dict[str, NamedQuery] = services.cypher.queries

    def _target(self) -> tuple[CypherService, ReadSnapshot]:
        snapshot = self._services.snapshot()
        self._check(snapshot)
        if self._clearance not in snapshot.level_graphs:
            return self._services.cypher, snapshot  # this clearance sees every document
        return self._services.cypher_for(self._clearance), snapshot

    def _check(self, snapshot: ReadSnapshot) -> None:
        self._services.snapshots.directory.require_graph(snapshot.generation)

    def run(
        self,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """An analyst's query through the gates, on the caller's graph."""
        service, snapshot = self._target()
        result = service.run(query, params, timeout_ms=timeout_ms, max_rows=max_rows)
        self._check(snapshot)
        return result

    def run_named(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """A named query on the caller's graph."""
        service, snapshot = self._target()
        result = service.run_named(name, params, timeout_ms=timeout_ms, max_rows=max_rows)
        self._check(snapshot)
        return result

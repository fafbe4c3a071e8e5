"""Every statement the graph loader sends passes Neo4j's own linter.

The loader (graph/load.py) writes to whichever store is configured, Neo4j included, so its
Cypher is checked like the files in cypher/: a real load on the embedded store is recorded
and each distinct statement is linted with Neo4j's grammar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from graph_fixtures import falkordb_settings
from test_cypher_lint import lint
from test_named_queries import named_query_graph

from graph.load import load_graph, loaded_documents, remove_documents
from graph.store import GraphStore, QueryResult, open_store

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class RecordingStore:
    """A real store that also keeps the text of every statement sent through it."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.statements: list[str] = []

    def read(
        self, query: str, params: Mapping[str, Any] | None = None, **bounds: Any
    ) -> QueryResult:
        self.statements.append(query)
        return self.store.read(query, params, **bounds)

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        self.statements.append(query)
        return self.store.write(query, params)

    def write_batch(
        self, query: str, rows: Sequence[Mapping[str, Any]], batch_size: int | None = None
    ) -> int:
        self.statements.append(query)
        return self.store.write_batch(query, rows, batch_size)

    def ensure_schema(self) -> None:
        self.store.ensure_schema()

    def clear(self) -> None:
        self.store.clear()

    def close(self) -> None:
        self.store.close()

    def graph(self, name: str) -> Any:
        return RecordingStore(self.store.graph(name))


def test_every_statement_the_loader_sends_passes_neo4j_lint(
    tmp_path_factory: Any, tmp_path: Path
) -> None:
    store = open_store(falkordb_settings(tmp_path_factory.mktemp("loadlint")))
    recording = RecordingStore(store)
    try:
        data = named_query_graph()
        load_graph(recording, data, signature="lint")  # type: ignore[arg-type]
        loaded_documents(recording)  # type: ignore[arg-type]
        remove_documents(recording, [data.documents[0].id])  # type: ignore[arg-type]
    finally:
        store.close()
    statements = sorted(set(recording.statements))
    assert len(statements) >= 5
    files = []
    for i, statement in enumerate(statements):
        header = "".join(f"//   ${name}: any\n" for name in sorted(set(_PARAM.findall(statement))))
        files.append(tmp_path / f"load{i}.cypher")
        files[-1].write_text(f"// A loader statement.\n{header}{statement}\n")
    returncode, report = lint(*files)
    problems = {
        statements[int(Path(f["file"]).stem[4:])]: f["diagnostics"]
        for f in report["files"]
        if f["diagnostics"]
    }
    assert problems == {}
    assert returncode == 0

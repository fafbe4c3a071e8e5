"""Every cypher/ file: documented, passes Neo4j's own linter, passes the gate, runs on FalkorDB.

The linter (tools/cypher-lint, @neo4j-cypher/language-support under Node.js) is installed by
`npm ci --prefix tools/cypher-lint`; these tests fail rather than skip without it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graph_fixtures import falkordb_settings
from test_named_queries import named_query_graph

from graph import writes
from graph.cypher_gate import check_cypher
from graph.cypher_tokens import Kind, tokenize
from graph.load import load_graph
from graph.named_queries import NamedQuery, load_named_queries, parse_named_query
from graph.store import GraphStore, open_store

ROOT = Path(__file__).resolve().parents[1]
CYPHER_DIR = ROOT / "cypher"
LINT = ROOT / "tools" / "cypher-lint" / "lint.mjs"
QUERIES = load_named_queries(CYPHER_DIR)


def lint(*files: Path) -> tuple[int, dict[str, Any]]:
    node = shutil.which("node")
    assert node, "Node.js is needed to lint Cypher (tools/cypher-lint)"
    assert (LINT.parent / "node_modules").is_dir(), "run: npm ci --prefix tools/cypher-lint"
    done = subprocess.run(
        [node, str(LINT), *map(str, files)], capture_output=True, text=True, timeout=120
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_there_are_queries_to_check() -> None:
    assert len(QUERIES) >= 2


def test_every_cypher_file_passes_neo4j_lint() -> None:
    files = sorted(CYPHER_DIR.glob("*.cypher"))
    returncode, report = lint(*files)
    problems = {Path(f["file"]).name: f["diagnostics"] for f in report["files"] if f["diagnostics"]}
    assert problems == {}
    assert returncode == 0


def test_statements_the_neo4j_adapter_sends_pass_neo4j_lint(tmp_path: Path) -> None:
    statements = [
        *writes.neo4j_schema_statements(),
        *writes.neo4j_drop_statements(),
        writes.NEO4J_AWAIT_INDEXES,
        writes.NEO4J_DELETE_BATCH,
    ]
    files = []
    for i, statement in enumerate(statements):
        files.append(tmp_path / f"s{i}.cypher")
        files[-1].write_text(statement + "\n")
    returncode, report = lint(*files)
    assert [f["diagnostics"] for f in report["files"] if f["diagnostics"]] == []
    assert returncode == 0


def test_lint_reports_broken_undeclared_and_multiple_statements(tmp_path: Path) -> None:
    cases = {
        "broken.cypher": "// Broken.\nMATCH (n RETURN n\n",
        "undeclared.cypher": "// Uses an undeclared parameter.\nMATCH (n {id: $id}) RETURN n\n",
        "two.cypher": "// Two statements.\nMATCH (n) RETURN n;\nMATCH (m) RETURN m\n",
        "unbound.cypher": "// An unbound variable.\nMATCH (n) RETURN m\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    returncode, report = lint(*(tmp_path / name for name in cases))
    assert returncode == 1
    messages = {
        Path(f["file"]).name: [d["message"] for d in f["diagnostics"] if d["severity"] == "error"]
        for f in report["files"]
    }
    assert "Invalid input 'RETURN'" in messages["broken.cypher"][0]
    assert messages["undeclared.cypher"] == ["Parameter $id is not defined."]
    assert "exactly one statement" in messages["two.cypher"][0]
    assert "Variable `m` not defined" in messages["unbound.cypher"][0]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_cypher_file_is_documented(name: str) -> None:
    query = QUERIES[name]
    assert query.summary and query.answers and query.returns
    used = set(_parameters_in(query.text))
    assert used == set(query.parameters), "header must declare exactly the $parameters used"
    assert set(query.example) == set(query.parameters), "Example must give every parameter"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_cypher_file_passes_the_gate(name: str) -> None:
    check_cypher(QUERIES[name].text, max_chars=10_000)


def test_header_without_returns_is_refused() -> None:
    with pytest.raises(ValueError, match="Returns"):
        parse_named_query("x", "// Lists.\n// Answers: what?\n// Parameters: none\nRETURN 1\n")


# --- run on the embedded store -------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    opened = open_store(falkordb_settings(tmp_path_factory.mktemp("named")))
    opened.ensure_schema()
    # The graph the named queries' Examples are written for (before the rows below: a load
    # drops entities no chunk mentions).
    load_graph(opened, named_query_graph())
    opened.write_batch(
        "UNWIND $rows AS row MERGE (d:Document {id: row.id}) "
        "SET d.title = row.title, d.date = row.date",
        [
            {"id": "a.txt", "title": "Plan A", "date": "2024-01-02"},
            {"id": "b.txt", "title": "Plan B", "date": "2023-05-06"},
        ],
    )
    opened.write_batch(
        "UNWIND $rows AS row MATCH (d:Document {id: row.doc}) "
        "MERGE (c:Chunk {id: row.id}) SET c.start = row.start, c.end = row.end "
        "MERGE (c)-[:FROM_DOCUMENT]->(d) "
        "MERGE (p:Person {id: 'person:example'}) MERGE (p)-[:MENTIONED_IN]->(c)",
        [
            {"id": "a#1", "doc": "a.txt", "start": 0, "end": 10},
            {"id": "b#1", "doc": "b.txt", "start": 5, "end": 20},
        ],
    )
    opened.write(
        "MATCH (p:Person {id: 'person:example'}) SET p.name = 'Jo Example', p.surname = 'Example' "
        "MERGE (t:Theme {id: 'theme:example'}) SET t.name = 'example theme' "
        "MERGE (p)-[r:LEADS {docId: 'a.txt'}]->(t) "
        "SET r.chunkId = 'a#1', r.start = 0, r.end = 10, r.quote = 'Jo Example leads it.', "
        "r.asOf = '2024-01-02', r.confidence = 0.9"
    )
    yield opened
    opened.close()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_cypher_file_runs_on_the_embedded_store(store: GraphStore, name: str) -> None:
    # The Examples name things in the bundled corpus; tests/test_named_examples.py requires
    # rows there. Here: the query runs and returns its documented columns.
    query: NamedQuery = QUERIES[name]
    result = store.read(query.text, query.example)
    assert result.columns == query.returns


def test_documents_query_lists_newest_first(store: GraphStore) -> None:
    query = QUERIES["documents"]
    assert store.read(query.text, {"limit": 2}).rows == [
        ["a.txt", "Plan A", "2024-01-02"],
        ["b.txt", "Plan B", "2023-05-06"],
    ]


def _parameters_in(text: str) -> list[str]:
    return [t.text[1:].strip("`") for t in tokenize(text) if t.kind is Kind.PARAM]

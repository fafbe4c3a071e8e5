"""The write path's Cypher lives in graph/writes.py, documented, and passes Neo4j's linter.

The read queries are cypher/ files (tests/test_cypher_lint.py); every statement that writes
the graph or manages its schema is a named constant or template in graph/writes.py, so that
no module builds write Cypher of its own.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from test_cypher_lint import lint

from graph import writes
from graph.model import ENTITY_TYPES, RELATIONSHIP_TYPES

ROOT = Path(__file__).resolve().parents[1]
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_CLAUSE = re.compile(r"^\s*(UNWIND|MATCH|OPTIONAL MATCH|MERGE|CREATE|CALL|WITH)\s", re.IGNORECASE)
_WRITE = re.compile(r"\b(MERGE|CREATE|DELETE|SET|REMOVE|DROP)\b")
# SQLite's DDL (the key store, the audit log), which is not Cypher.
_SQL = re.compile(r"^\s*CREATE\s+(TABLE|(UNIQUE\s+)?INDEX\s+\w+\s+ON\s+\w+\s*\()", re.I)


def _statements_both_stores_or_neo4j_run() -> list[str]:
    """Every statement of graph/writes.py that Neo4j may be sent, templates for every name."""
    fixed = [
        writes.LOADED_DOCUMENTS,
        writes.DELETE_DOCUMENT_FACTS,
        writes.DELETE_DOCUMENT_CHUNKS,
        writes.DELETE_DOCUMENTS,
        writes.MERGE_DOCUMENTS,
        writes.MERGE_CHUNKS,
        writes.MARK_DOCUMENTS_LOADED,
        writes.NEO4J_DELETE_BATCH,
        writes.NEO4J_AWAIT_INDEXES,
        *writes.neo4j_schema_statements(),
        *writes.neo4j_drop_statements(),
    ]
    per_label = [
        template(label)
        for label in ENTITY_TYPES
        for template in (writes.merge_entities, writes.merge_mentions, writes.drop_orphans)
    ]
    facts = [writes.merge_facts("Person", rel, "Unit") for rel in RELATIONSHIP_TYPES]
    return [*fixed, *per_label, *facts]


def test_every_write_statement_passes_neo4j_lint(tmp_path: Path) -> None:
    statements = _statements_both_stores_or_neo4j_run()
    files = []
    for i, statement in enumerate(statements):
        header = "".join(f"//   ${name}: any\n" for name in sorted(set(_PARAM.findall(statement))))
        files.append(tmp_path / f"w{i}.cypher")
        files[-1].write_text(f"// A write-path statement.\n{header}{statement}\n")
    returncode, report = lint(*files)
    problems = {
        statements[int(Path(f["file"]).stem[1:])]: f["diagnostics"]
        for f in report["files"]
        if f["diagnostics"]
    }
    assert problems == {}
    assert returncode == 0


def test_every_write_constant_is_documented_with_its_parameters() -> None:
    source = (ROOT / "graph" / "writes.py").read_text(encoding="utf-8").splitlines()
    for name in dir(writes):
        value = getattr(writes, name)
        defined = [i for i, line in enumerate(source) if line.startswith(f"{name} = ")]
        if not name.isupper() or not isinstance(value, str) or not defined:
            continue  # a tuple of names, or a name imported from graph.model
        at = defined[0]
        comment: list[str] = []
        for line in reversed(source[:at]):
            if not line.startswith("#"):
                break
            comment.insert(0, line)
        text = "\n".join(comment)
        assert comment and "Returns:" in text, f"{name} needs a header comment"
        for parameter in _PARAM.findall(value):
            assert f"${parameter}:" in text, f"{name}: ${parameter} is not documented"
        if not _PARAM.findall(value):
            assert "Parameters: none" in text, f"{name}: say 'Parameters: none'"


def test_no_module_builds_write_cypher_outside_graph_writes() -> None:
    found = []
    for folder in ("graph", "indexer", "api", "kg", "cli"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "graph" / "writes.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and _CLAUSE.match(node.value)
                    and _WRITE.search(node.value)
                    and not _SQL.match(node.value)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]}")
    assert found == []

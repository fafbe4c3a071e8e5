"""Every named query's header Example names things in the bundled corpus and finds rows there,
so that a newcomer who copies one from `kg queries` gets an answer.

The graph is the one `kg index` builds from corpus/ (the pipeline's own load, clean, chunk and
acronym steps, then extract, resolve and load), without embedding: the graph does not need
vectors, and this keeps the test to seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graph_fixtures import falkordb_settings

from api.cypher import CypherService, declared_type
from cli.main import main
from graph.load import load_graph
from graph.named_queries import load_named_queries
from graph.store import open_store
from indexer import load
from indexer.chunk import Chunker
from indexer.clean import clean
from indexer.glossary import merge_definitions
from indexer.pipeline import Indexer, fingerprint
from indexer.resolve import build_graph
from indexer.segment import segment
from kg.errors import InvalidRequest
from kg.settings import Settings
from vectors.encoder import ModelEncoder

ROOT = Path(__file__).resolve().parents[1]
CYPHER_DIR = ROOT / "cypher"
CORPUS_DIR = ROOT / "corpus"
QUERIES = load_named_queries(CYPHER_DIR)


@pytest.fixture(scope="module")
def corpus_graph(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[CypherService]:
    settings = falkordb_settings(tmp_path_factory.mktemp("corpus_graph"))
    indexer = Indexer(Settings(corpus_dir=CORPUS_DIR), encoder, graph=False)
    chunker = Chunker(
        encoder.count_tokens,
        settings.chunk.size_tokens,
        settings.chunk.overlap_tokens,
        encoder.max_text_tokens,
    )
    items, definitions = [], []
    for path, doc_id in load.discover([CORPUS_DIR]):
        document = load.load_document(path, doc_id)
        prepared = indexer._prepare(document, fingerprint(path), chunker)
        view = clean(document.text)
        items.append((document, view, segment(view.text), prepared.chunks))
        definitions += [a.definition for a in prepared.acronyms]
    store = open_store(settings)
    load_graph(store, build_graph(items, merge_definitions(definitions)))
    yield CypherService(settings, store, CYPHER_DIR)
    store.close()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_header_example_finds_rows_in_the_bundled_corpus(
    corpus_graph: CypherService, name: str
) -> None:
    query = QUERIES[name]
    result = corpus_graph.run_named(name, query.example)
    assert result.columns == query.returns
    assert result.rows, f"{name}: its Example {query.example} finds nothing in corpus/"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_parameter_declares_a_type_the_service_checks(name: str) -> None:
    for parameter, declaration in QUERIES[name].parameters.items():
        assert declared_type(declaration), f"{name}: ${parameter} has no known type"


@pytest.mark.parametrize(
    ("name", "params", "says"),
    [
        ("who_leads", {"entityId": 3}, "params.entityId of who_leads must be text (string)"),
        ("documents", {"limit": "10"}, "params.limit of documents must be a whole number"),
        ("documents", {"limit": True}, "must be a whole number"),
        (
            "entity_neighbours",
            {"ids": "theme:child-sexual-exploitation", "limit": 5},
            "params.ids of entity_neighbours must be a list of text values",
        ),
    ],
)
def test_wrong_parameter_types_are_refused_not_answered_with_nothing(
    corpus_graph: CypherService, name: str, params: dict[str, object], says: str
) -> None:
    with pytest.raises(InvalidRequest, match="must be") as raised:
        corpus_graph.run_named(name, params)
    assert says in raised.value.message


def test_kg_queries_lists_every_query_with_a_runnable_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["queries"]) == 0
    out = capsys.readouterr().out
    for name in QUERIES:
        assert f"{name}: " in out and f"kg cypher --named {name}" in out
    assert "--param entityId=theme:child-sexual-exploitation" in out
    assert main(["queries", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [q["name"] for q in listed] == sorted(QUERIES)
    assert all(set(q) >= {"summary", "parameters", "example"} for q in listed)


def test_graph_index_reads_the_same_graph_in_small_pages_and_ranges(
    corpus_graph: CypherService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.graph_index as graph_index

    whole = graph_index.GraphIndex.load(corpus_graph)
    assert len(whole.facts) > 50 and whole.findings and len(whole.entities) > 100
    # A page must hold the most rows one entity has; ranges of 64 ids overflow it and split.
    per_source: dict[str, int] = {}
    for fact in whole.facts:
        per_source[fact.source] = per_source.get(fact.source, 0) + 1
    biggest = max([*per_source.values(), *(len(e) for e in whole.findings.values())])
    monkeypatch.setattr(graph_index, "_PAGE", biggest)
    monkeypatch.setattr(graph_index, "_IDS_PER_RANGE", 64)
    calls: list[str] = []
    run_named = corpus_graph.run_named

    def counting(name: str, params: dict[str, Any], **kw: Any) -> Any:
        calls.append(name)
        return run_named(name, params, **kw)

    monkeypatch.setattr(corpus_graph, "run_named", counting)
    ranged = graph_index.GraphIndex.load(corpus_graph)
    assert calls.count("graph_facts") > len(whole.entities) // 64  # ranges were split
    assert ranged.entities == whole.entities
    assert ranged.facts == whole.facts
    assert ranged.findings == whole.findings


@pytest.mark.parametrize("name", ["graph_entities", "graph_facts", "graph_findings"])
def test_the_graph_index_queries_page_by_id_never_by_skip(name: str) -> None:
    text = (ROOT / "cypher" / f"{name}.cypher").read_text("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("//"))
    assert "SKIP" not in body.upper() and "$after" in body

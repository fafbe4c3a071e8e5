"""graph.load on the real embedded FalkorDB: idempotent loads and per-document replacement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graph_fixtures import falkordb_settings
from test_extract import make_item
from test_resolve import DOC_A, DOC_B

from graph.load import load_graph, remove_documents
from graph.store import GraphStore, open_store
from indexer.resolve import build_graph


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    store = open_store(falkordb_settings(tmp_path_factory.mktemp("load")))
    yield store
    store.close()


@pytest.fixture
def store(opened: GraphStore) -> GraphStore:
    opened.clear()
    opened.ensure_schema()
    return opened


def counts(store: GraphStore) -> tuple[int, int]:
    nodes = store.read("MATCH (n) RETURN count(n)").rows[0][0]
    rels = store.read("MATCH ()-[r]->() RETURN count(r)").rows[0][0]
    return int(nodes), int(rels)


def test_loading_twice_leaves_counts_unchanged(store: GraphStore) -> None:
    data = build_graph([make_item("a.txt", DOC_A), make_item("b.txt", DOC_B)])
    load_graph(store, data)
    first = counts(store)
    load_graph(store, data)
    assert counts(store) == first
    assert first[0] > 10 and first[1] > 10


def test_provenance_on_relationships_and_mentions(store: GraphStore) -> None:
    load_graph(store, build_graph([make_item("a.txt", DOC_A), make_item("b.txt", DOC_B)]))
    rows = store.read(
        "MATCH (p:Person)-[r:CHAIRS]->(u) RETURN p.name, u.name, r.docId, r.quote, r.asOf, "
        "r.rule, r.confidence, r.chunkId, r.start, r.end"
    ).rows
    assert rows and rows[0][0] == "Jo Bloggs" and rows[0][2] == "b.txt"
    assert rows[0][4] == "2021-03-04" and rows[0][5] and 0 < rows[0][6] <= 1
    mentions = store.read(
        "MATCH (p:Person {id: 'person:jo-bloggs'})-[m:MENTIONED_IN]->(c:Chunk)"
        "-[:FROM_DOCUMENT]->(d:Document) RETURN DISTINCT d.id ORDER BY d.id"
    ).rows
    assert [r[0] for r in mentions] == ["a.txt", "b.txt"]


def test_a_fact_from_two_documents_keeps_both_sources(store: GraphStore) -> None:
    twice = "1. The Harbour Board is chaired by Supt Ivo Brannock.\n"
    load_graph(store, build_graph([make_item("x.txt", twice), make_item("y.txt", twice)]))
    docs = store.read("MATCH (:Person)-[r:CHAIRS]->(:Unit) RETURN r.docId ORDER BY r.docId").rows
    assert [r[0] for r in docs] == ["x.txt", "y.txt"]


def test_reloading_one_document_replaces_only_its_facts(store: GraphStore) -> None:
    a, b = make_item("a.txt", DOC_A), make_item("b.txt", DOC_B)
    load_graph(store, build_graph([a, b]))
    b_rels = store.read("MATCH ()-[r]->() WHERE r.docId = 'b.txt' RETURN count(r)").rows[0][0]
    changed = make_item("a.txt", "Update\n\n1. The Quay Board is chaired by Supt Ivo Brannock.\n")
    load_graph(store, build_graph([changed]))
    assert (
        store.read("MATCH ()-[r]->() WHERE r.docId = 'b.txt' RETURN count(r)").rows[0][0] == b_rels
    )
    heads = store.read("MATCH (p:Person)-[r:CHAIRS]->(u:Unit) RETURN p.name, u.name, r.docId").rows
    assert ["Ivo Brannock", "Quay Board", "a.txt"] in heads
    assert not store.read("MATCH (i:Initiative {id: 'initiative:beacon'}) RETURN i").rows
    remove_documents(store, ["a.txt"])
    assert not store.read("MATCH (d:Document {id: 'a.txt'}) RETURN d").rows
    assert store.read("MATCH (d:Document {id: 'b.txt'}) RETURN d").rows

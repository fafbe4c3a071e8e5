"""kg.graph_eval on a tiny gold file written for the test, over the embedded FalkorDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from graph_fixtures import falkordb_settings
from test_extract import make_item
from test_resolve import DOC_A, DOC_B

from graph.load import load_graph
from graph.store import GraphStore, open_store
from indexer.resolve import build_graph
from kg.graph_eval import endpoint_match, evaluate_graph, format_graph_report

DOC_C = (
    "Findings\n\n"
    "1. A key risk to the project is the loss of volunteer drivers.\n"
    "Recommendation 1: All districts should appoint a cycle patrol coordinator.\n"
)
GOLD = {
    "people": [
        {
            "name": "Jo Bloggs",
            "ranks": ["ACC"],
            "mentions": ["ACC Bloggs"],
            "docs": ["a.txt", "b.txt"],
        },
        {"name": "Zed Nobody", "ranks": [], "mentions": [], "docs": ["a.txt"]},
    ],
    "initiatives": [{"name": "Operation Beacon", "aliases": [], "docs": ["a.txt"]}],
    "units": [{"name": "Estuary Partnership Forum", "aliases": [], "docs": ["a.txt", "b.txt"]}],
    "relations": [
        {
            "source": "Jo Bloggs",
            "type": "CHAIRS",
            "target": "Estuary Partnership Forum",
            "doc": "b.txt",
        },
        {
            "source": "Jo Bloggs",
            "type": "CHAIRS",
            "target": "Estuary Partnership Forum",
            "doc": "a.txt",
        },
    ],
    "risks": [
        {
            "title": "Losing drivers",
            "about": "project",
            "doc": "c.txt",
            "evidence": [
                {
                    "doc": "c.txt",
                    "quote": "A key risk to the project is the loss of volunteer drivers.",
                }
            ],
        },
    ],
    "recommendations": [
        {
            "id": "R1",
            "text": "Appoint coordinators",
            "owner": None,
            "doc": "c.txt",
            "evidence": [
                {
                    "doc": "c.txt",
                    "quote": "All districts should appoint a cycle patrol coordinator.",
                }
            ],
        },
    ],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    opened = open_store(falkordb_settings(tmp_path_factory.mktemp("eval")))
    opened.clear()
    items = [make_item("a.txt", DOC_A), make_item("b.txt", DOC_B), make_item("c.txt", DOC_C)]
    load_graph(opened, build_graph(items, {"CSU": ["Coastal Safety Unit"]}))
    yield opened
    opened.close()


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(GOLD), encoding="utf-8")
    return path


def test_recall_and_precision(store: GraphStore, gold: Path) -> None:
    result = evaluate_graph(store, gold, precision_docs=["b.txt"])
    people = result["entities"]["people"]
    assert (people["found"], people["gold"], people["recall"]) == (1, 2, 0.5)
    assert people["precision"] is not None and people["correct"] >= 1
    assert result["entities"]["initiatives"]["recall"] == 1.0
    assert result["entities"]["units"]["recall"] == 1.0
    chairs = result["relations"]["CHAIRS"]
    assert (chairs["found"], chairs["gold"]) == (1, 2)  # the document must be among the sources
    assert chairs["precision"] == 1.0
    assert result["risks"]["recall"] == 1.0
    assert result["recommendations"]["recall"] == 1.0
    assert "Zed Nobody" in result["missed"]["people"]


def test_report_is_a_table(store: GraphStore, gold: Path) -> None:
    text = format_graph_report(evaluate_graph(store, gold, precision_docs=["b.txt"]))
    assert "people" in text and "LEADS+HEADS+CHAIRS" in text and "b.txt" in text


def test_endpoint_rule() -> None:
    assert endpoint_match(["Harbour Board"], ["the Harbour Board of the port"])
    assert endpoint_match(["review of the use of cycle patrol"], ["review of cycle patrol"])
    assert not endpoint_match(["knife crime"], ["vehicle theft"])


def test_precision_docs_default_to_the_gold_files_documents(store: GraphStore, gold: Path) -> None:
    result = evaluate_graph(store, gold)
    assert result["precision_docs"] == ["a.txt", "b.txt", "c.txt"]
    full = json.loads(gold.read_text("utf-8"))
    gold.write_text(json.dumps({**full, "docs_full": ["b.txt"]}), encoding="utf-8")
    assert evaluate_graph(store, gold)["precision_docs"] == ["b.txt"]

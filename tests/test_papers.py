"""The graph of tests/papers/: eight papers in layouts and from forces the rules were not
written from (minutes with attendance tables, panels, inspection reports, delivery plans, a
saved web page), scored against their gold file with kg.graph_eval's matching rules.

The floors are below the figures measured when the papers were written (see the README), so
the test fails on a real regression, not on noise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import load
from indexer.clean import clean
from indexer.resolve import build_graph
from indexer.segment import segment
from kg.graph_eval import default_precision_docs, load_gold, score_graph, system_from_data
from kg.types import Chunk

PAPERS = Path(__file__).parent / "papers"


@pytest.fixture(scope="module")
def scores() -> dict:  # type: ignore[type-arg]
    items = []
    for path, doc_id in load.discover([PAPERS]):
        document = load.load_document(path, doc_id)
        view = clean(document.text)
        whole = Chunk(f"{doc_id}-0", doc_id, 0, 0, len(document.text), view.text)
        items.append((document, view, segment(view.text), [whole]))
    gold = load_gold(PAPERS / "gold_graph.json")
    return score_graph(system_from_data(build_graph(items)), gold, default_precision_docs(gold))


def test_every_paper_has_its_force_from_the_sidecar() -> None:
    forces = {load.load_document(p, d).force for p, d in load.discover([PAPERS])}
    assert "Kent Police" in forces and "Avon and Somerset Police" in forces and None not in forces


def test_people_on_unseen_layouts(scores: dict) -> None:  # type: ignore[type-arg]
    people = scores["entities"]["people"]
    assert people["recall"] >= 0.95 and people["precision"] >= 0.95


def test_lead_head_chair_facts_on_unseen_layouts(scores: dict) -> None:  # type: ignore[type-arg]
    roles = scores["relations"]["LEADS+HEADS+CHAIRS"]
    assert roles["recall"] >= 0.72, scores["missed"]
    assert roles["precision"] >= 0.85


def test_posts_from_attendance_lists(scores: dict) -> None:  # type: ignore[type-arg]
    posts = scores["relations"]["HOLDS_POST"]
    assert posts["recall"] >= 0.7 and posts["precision"] >= 0.85

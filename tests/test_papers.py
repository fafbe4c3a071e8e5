"""The graphs of tests/papers*/: nineteen papers in layouts and from forces the rules were not
written from (minutes with attendance tables and lists, panels, inspection
reports, delivery plans, a saved web page, markdown and HTML), each set written blind to the
rules and scored against its gold file with kg.graph_eval's matching rules.

The floors are below the figures measured (see the README), so the test fails on a real
regression, not on noise.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gold_check import problems_of

from indexer import load
from indexer.clean import clean
from indexer.resolve import build_graph
from indexer.segment import segment
from kg.graph_eval import default_precision_docs, load_gold, score_graph, system_from_data
from kg.types import Chunk

PAPERS = Path(__file__).parent / "papers"
SETS = [PAPERS, Path(__file__).parent / "papers2", Path(__file__).parent / "papers3"]


@pytest.mark.parametrize("folder", SETS, ids=lambda p: p.name)
def test_gold_quotes_are_exact_and_name_the_papers(folder: Path) -> None:
    problems, quotes = problems_of(folder)
    assert problems == [] and quotes > 100


@pytest.fixture(scope="module", params=SETS, ids=lambda p: p.name)
def scores(request: pytest.FixtureRequest) -> dict:  # type: ignore[type-arg]
    folder = request.param
    items = []
    for path, doc_id in load.discover([folder]):
        document = load.load_document(path, doc_id)
        view = clean(document.text)
        whole = Chunk(f"{doc_id}-0", doc_id, 0, 0, len(document.text), view.text)
        items.append((document, view, segment(view.text), [whole]))
    gold = load_gold(folder / "gold_graph.json")
    return score_graph(system_from_data(build_graph(items)), gold, default_precision_docs(gold))


def test_every_paper_has_its_force_from_the_sidecar() -> None:
    forces = {load.load_document(p, d).force for p, d in load.discover([PAPERS])}
    assert "Kent Police" in forces and "Avon and Somerset Police" in forces and None not in forces


def test_people_on_unseen_layouts(scores: dict) -> None:  # type: ignore[type-arg]
    people = scores["entities"]["people"]
    assert people["recall"] >= 0.95 and people["precision"] >= 0.95


def test_lead_head_chair_facts_on_unseen_layouts(scores: dict) -> None:  # type: ignore[type-arg]
    roles = scores["relations"]["LEADS+HEADS+CHAIRS"]
    assert roles["recall"] >= 0.75, scores["missed"]
    assert roles["precision"] >= 0.85


def test_posts_from_attendance_lists(scores: dict) -> None:  # type: ignore[type-arg]
    posts = scores["relations"]["HOLDS_POST"]
    assert posts["recall"] >= 0.7 and posts["precision"] >= 0.72

"""One snapshot per request: generations swapped under load never mix within a response."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import bearer, make_settings, write_corpus
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import GENERATION_HEADER, Services
from indexer.pipeline import Indexer
from kg.errors import GraphChanged, StoreUnavailable
from kg.settings import Settings
from vectors.encoder import ModelEncoder
from vectors.generations import IndexDirectory

# Two corpora with disjoint document ids, so every cited id says which one it came from.
FIRST = {
    "north-roads.txt": """Northern District Roads Board
4 May 2019

1. Inspector Mara Quill leads the speed enforcement work across the northern district.
2. Average speed cameras were installed on four routes near the harbour.
""",
    "north-cadets.txt": """Northern Youth Update
9 May 2019

3. The volunteer cadet scheme recruited forty young people this spring.
""",
}
SECOND = {
    "south-roads.txt": """Southern District Roads Board
2 June 2021

1. Sergeant Tomas Reed leads the speed enforcement work across the southern district.
2. Mobile speed cameras were deployed on six roads near the ferry terminal.
""",
    "south-cadets.txt": """Southern Youth Update
7 June 2021

3. The volunteer cadet scheme opened a second unit in the market town.
""",
}


def _set_corpus(folder: Path, documents: dict[str, str]) -> None:
    for path in folder.glob("*.txt"):
        path.unlink()
    write_corpus(folder, documents)


def _cited(path: str, body: dict[str, Any]) -> set[str]:
    """Every document id a response cites."""
    if path == "/search":
        return {r["doc"] for r in body["results"]}
    docs = {p["doc"] for p in body["passages"]}
    docs |= {f["doc"] for f in body["facts"]}
    return docs


@pytest.fixture(scope="module")
def swapping(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[tuple[Settings, Services]]:
    root = tmp_path_factory.mktemp("swap")
    settings = make_settings(root)
    _set_corpus(settings.corpus_dir, FIRST)
    Indexer(settings, encoder).run()
    services = Services(settings, encoder)
    yield settings, services
    services.close()


def test_generations_swapped_under_load_never_mix(
    swapping: tuple[Settings, Services], encoder: ModelEncoder
) -> None:
    settings, services = swapping
    directory = IndexDirectory(settings.index_dir)
    corpus_of: dict[str, set[str]] = {}
    assert directory.current is not None
    corpus_of[directory.current.name] = set(FIRST)
    responses: list[tuple[str, str, set[str]]] = []
    failures: list[str] = []
    stop = threading.Event()

    def read(client: TestClient, path: str, params: dict[str, str]) -> None:
        while not stop.is_set():
            response = client.get(path, params=params)
            if response.status_code != 200:
                failures.append(f"{path}: {response.status_code} {response.text[:200]}")
                continue
            responses.append(
                (path, response.headers[GENERATION_HEADER], _cited(path, response.json()))
            )

    with TestClient(create_app(settings, services), headers=bearer(settings)) as client:
        asks = {"q": "who leads speed enforcement"}
        readers = [
            threading.Thread(target=read, args=(client, "/search", {"q": "speed cameras"})),
            threading.Thread(target=read, args=(client, "/ask", asks)),
        ]
        for reader in readers:
            reader.start()
        try:
            for documents in (SECOND, FIRST, SECOND):
                _set_corpus(settings.corpus_dir, documents)
                Indexer(settings, encoder).run()
                assert directory.current is not None
                corpus_of[directory.current.name] = set(documents)
                # Let the readers see the new generation before the next swap.
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and not any(
                    g == directory.current.name for _, g, _ in responses[-4:]
                ):
                    time.sleep(0.05)
        finally:
            stop.set()
            for reader in readers:
                reader.join()

    assert not failures, failures[:3]
    seen = {g for _, g, _ in responses}
    assert len(seen) >= 3, f"readers saw only {seen}"
    for path, generation, cited in responses:
        assert cited, f"{path} cited nothing"
        assert cited <= corpus_of[generation], (path, generation, cited)
    # /ask answered from the graph of the generation it read, not just from passages.
    answers = [cited for path, _, cited in responses if path == "/ask"]
    assert answers


def test_a_run_rewriting_the_graph_stops_live_reads(swapping: tuple[Settings, Services]) -> None:
    settings, services = swapping
    snapshot = services.refresh()
    assert snapshot.graph is not None
    entity = snapshot.entities.find("speed enforcement")[0].entity
    snapshot.entities.card(entity.id)  # the store holds this generation's graph: allowed
    directory = IndexDirectory(settings.index_dir)
    directory.mark_graph(snapshot.generation, writing=True)
    try:
        with pytest.raises(GraphChanged):
            snapshot.entities.card(entity.id)
        # The in-memory graph is this generation's and still answers.
        assert snapshot.entities.find("speed enforcement")
    finally:
        directory.mark_graph(snapshot.generation, writing=False)
    snapshot.entities.card(entity.id)


def test_a_graph_of_another_generation_is_not_served(swapping: tuple[Settings, Services]) -> None:
    settings, services = swapping
    directory = IndexDirectory(settings.index_dir)
    generation = services.refresh().generation
    directory.mark_graph("gen-0", writing=False)  # as if the last run's graph step failed
    try:
        snapshot = services.refresh()
        assert snapshot.generation == generation and snapshot.graph is None
        assert "gen-0" in (snapshot.graph_problem or "")
        with pytest.raises(StoreUnavailable):
            snapshot.entities.find("speed")
        assert snapshot.search.search("speed cameras", k=1)  # search still answers
        answer = snapshot.ask.ask("who leads speed enforcement")
        assert not answer.facts and answer.passages
    finally:
        directory.mark_graph(generation, writing=False)
    assert services.refresh().graph is not None

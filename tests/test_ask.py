"""/ask and `kg ask`: intents, cited answers, and the fall back to passages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import bearer
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import Services


@pytest.fixture(scope="module")
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(
        create_app(services.settings, services), headers=bearer(services.settings)
    ) as c:
        yield c


def test_a_question_with_no_graph_answer_falls_back_to_cited_passages(client: TestClient) -> None:
    r = client.get(
        "/ask", params={"q": "How much did the Lanes Collision Partnership reduce collisions?"}
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"answer", "intent", "entities", "facts", "passages"}
    assert "12%" in body["answer"]
    assert "Quayside Patrol Review" in body["answer"]  # the citation: the document's title
    assert body["passages"] and body["passages"][0]["doc"] == "harbour.txt"
    assert {"doc", "chunkId", "text", "start", "end", "score", "title", "date"} <= set(
        body["passages"][0]
    )


def test_the_intent_is_reported(client: TestClient) -> None:
    body = client.get("/ask", params={"q": "Who leads the speed enforcement work?"}).json()
    assert body["intent"] == "who_leads" and body["target"] == "speed enforcement work"
    assert "Quill" in body["answer"]
    assert body["answered"] is True and 0.5 <= body["confidence"] <= 1.0


def test_a_question_the_papers_do_not_answer_says_so_with_the_nearest_evidence(
    client: TestClient,
) -> None:
    body = client.get("/ask", params={"q": "What is the recipe for banana bread?"}).json()
    assert body["answered"] is False and body["confidence"] < 0.5
    assert body["answer"].startswith("The indexed documents do not answer this.")
    assert body["passages"]  # the nearest evidence is still there, marked as such


def test_a_who_question_answered_from_a_passage_leads_with_the_person(client: TestClient) -> None:
    # No graph fact says who, but the passage names the inspector: the span comes first.
    body = client.get("/ask", params={"q": "Which officer works across the northern district?"})
    answer = body.json()["answer"]
    assert answer.startswith("Inspector Mara Quill"), answer
    assert "Source: “" in answer


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 513}, {"q": "who", "k": 3}],
)
def test_ask_validation_errors_are_4xx_with_the_error_shape(
    client: TestClient, params: dict[str, object]
) -> None:
    r = client.get("/ask", params=params)
    assert 400 <= r.status_code < 500
    assert r.json()["error"]["message"]

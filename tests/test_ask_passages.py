"""Typed answers read from passages when the graph has no fact: a plural question lists the
spans of the sentence that lists them, a sentence that points back ("These are ...") finishes
the one before, a "who" question with an action verb may be answered by a body, and a span
never comes from a sentence that is not about the question. The papers are written here, in
an inspection report's layout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import index_of

from api.ask import Answer
from api.deps import Services
from vectors.encoder import ModelEncoder

PAPERS = {
    "marrow_inspection_2021.txt": """MARROWDALE CONSTABULARY
Inspection of safeguarding arrangements
12 October 2021

Summary of findings

1. The triage model for mental health calls began as a pilot in one district in 2019. There
are now four districts that have adopted the triage model. These are Eastholme, Carrow,
Pellam Vale and Sturbridge. The remaining districts will follow in 2022.

2. Operation Lantern ran from March to September 2021 across the force area. Staff were
briefed on how to record each crime type correctly before it began. Lantern targeted
domestic abuse, child sexual exploitation and modern day slavery, with weekly action days.

3. The street pastor scheme in the town centre is funded by the Harbour Churches Trust and
staffed by volunteers on Friday and Saturday nights.

4. Governance of the estate is strong. The Estates Board is chaired by Mrs Jo Danvers,
who reports to the chief officer group each month.

5. The Fleet Unit is headed by Inspector Dan Pike, who joined it from roads policing.

6. Inspectors visited the control room and listened to calls. Call handlers were courteous
and knowledgeable about the services available to vulnerable callers.
""",
    "marrow_inspection_2021.txt.meta.yaml": 'force: "Marrowdale Constabulary"\n',
}


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("passages")
    built = Services(index_of(root, encoder, PAPERS), encoder)
    yield built
    built.close()


def passage_answer(services: Services, question: str) -> Answer:
    _, _, answers = services.ask.candidates(question)
    return next(a for a in answers if a.support is not None and a.support.route == "passage")


def claim(answer: Answer) -> str:
    return answer.answer.split(" Source:", 1)[0]


def test_a_plural_place_question_lists_the_places_of_the_sentence_that_finishes_it(
    services: Services,
) -> None:
    answer = passage_answer(services, "Which districts have adopted the triage model?")
    assert claim(answer).startswith("Eastholme, Carrow, Pellam Vale and Sturbridge (")
    assert answer.support is not None and answer.support.typed == 1.0


def test_a_plural_theme_question_lists_the_themes_of_the_sentence_that_lists_them(
    services: Services,
) -> None:
    answer = passage_answer(services, "Which crime types did Operation Lantern target?")
    # Not "crime type" from the sentence about recording: the sentence that lists them.
    assert claim(answer).startswith(
        "domestic abuse, child sexual exploitation and modern day slavery ("
    )


def test_who_with_an_action_verb_may_be_answered_by_a_body(services: Services) -> None:
    answer = passage_answer(services, "Who funds the street pastor scheme?")
    assert claim(answer).startswith("Harbour Churches Trust (")


def test_who_is_a_post_is_never_answered_by_a_body(services: Services) -> None:
    # Nobody in the papers holds the post: no body stands in for its holder.
    answer = passage_answer(services, "Who is the control room manager?")
    assert answer.support is not None and answer.support.typed == 0.0


def test_a_who_chairs_answer_from_a_sentence_about_another_body_is_less_sure(
    services: Services,
) -> None:
    named = passage_answer(services, "Who chairs the Estates Board?")
    assert claim(named).startswith("Mrs Jo Danvers (")
    assert named.support is not None and named.support.typed == 1.0
    other = passage_answer(services, "Who chairs the Vetting Board?")
    assert other.support is not None and other.support.typed < 1.0
    assert other.confidence < named.confidence


def test_a_fact_of_another_role_than_the_question_asks_is_less_sure(services: Services) -> None:
    _, _, heads = services.ask.candidates("Who heads the Fleet Unit?")
    _, _, chairs = services.ask.candidates("Who chairs the Fleet Unit?")
    graph_heads, graph_chairs = heads[0], chairs[0]
    assert graph_heads.support is not None and graph_heads.support.route == "fact"
    assert "Dan Pike" in graph_heads.answer and "Dan Pike" in graph_chairs.answer
    assert graph_heads.support.typed == 1.0
    assert graph_chairs.support is not None and graph_chairs.support.typed < 1.0

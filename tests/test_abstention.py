"""/ask says "the documents do not say" for questions the shipped corpus cannot answer.

The questions are written in tests/unanswerable.py (near misses and off-topic ones); the
corpus is the repository's corpus/ (the five West Midlands papers), indexed once here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_settings
from unanswerable import UNANSWERABLE

from api.deps import Services
from indexer.pipeline import Indexer
from vectors.encoder import ModelEncoder

_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def corpus_services(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("shipped")
    settings = make_settings(root).model_copy(update={"corpus_dir": _CORPUS})
    report = Indexer(settings, encoder).run()
    assert not report.failed and len(report.added) == 5
    services = Services(settings, encoder)
    yield services
    services.close()


def test_the_set_is_big_enough_and_half_near_misses() -> None:
    kinds = [kind for kind, _ in UNANSWERABLE]
    assert len(kinds) >= 40
    assert kinds.count("near_miss") >= len(kinds) / 2
    assert set(kinds) == {"near_miss", "off_topic"}


def test_nine_in_ten_questions_the_corpus_cannot_answer_are_not_answered(
    corpus_services: Services,
) -> None:
    answered = []
    threshold = corpus_services.ask.calibration.threshold
    for kind, question in UNANSWERABLE:
        answer = corpus_services.ask.ask(question)
        assert 0.0 <= answer.confidence <= 1.0
        assert answer.answered == (answer.confidence >= threshold)
        if answer.answered:
            answered.append((kind, question, answer.answer[:80]))
        else:
            assert answer.answer.startswith(
                ("The documents do not", "The indexed documents", "No indexed paper")
            )
    assert len(answered) <= 0.1 * len(UNANSWERABLE), answered
    # Off-topic questions are never answered: their nearest passages are about policing.
    assert not [a for a in answered if a[0] == "off_topic"], answered


def test_a_question_the_corpus_answers_is_answered_with_the_person_first(
    corpus_services: Services,
) -> None:
    # Written for this test from the 2006 inspection's text, not from the evaluation set.
    answer = corpus_services.ask.ask("Who is the force solicitor?")
    assert answer.answered, answer.answer
    assert "Kilbey" in answer.answer.split("Source:")[0]

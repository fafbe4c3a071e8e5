"""Intent recognition: every intent on questions written here, targets, and the fallbacks."""

from __future__ import annotations

import pytest

from api.intents import SEARCH, IntentRecogniser
from vectors.encoder import ModelEncoder


@pytest.fixture(scope="module")
def rules_only() -> IntentRecogniser:
    return IntentRecogniser()


@pytest.mark.parametrize(
    ("question", "intent", "target"),
    [
        ("Who leads the Harbour Watch project?", "who_leads", "Harbour Watch project"),
        ("who heads the Dog Section", "who_leads", "Dog Section"),
        ("Who chaired the Estates Board in 2011?", "who_leads", "Estates Board"),
        ("Who is responsible for cyber crime?", "who_leads", "cyber crime"),
        ("Who is the Gold lead for knife crime?", "who_leads", "knife crime"),
        ("Who is the force's Silver Lead for stalking?", "who_leads", "stalking"),
        ("Which superintendent runs Operation Lantern?", "who_leads", "Operation Lantern"),
        ("drones bronze lead", "who_leads", "drones"),
        ("Head of Professional Standards", "who_leads", "Professional Standards"),
        ("assistant chief constable 2012", "who_leads", "assistant chief constable"),
        ("What does Project Quay depend on?", "depends_on", "Project Quay"),
        ("What underpins the Night Safe strategy?", "depends_on", "Night Safe strategy"),
        ("Which projects depend on the Data Platform?", "dependents", "Data Platform"),
        ("What does the triage model enable?", "dependents", "triage model"),
        ("What are the key risks to the Fleet Programme?", "risks", "Fleet Programme"),
        ("risks to custody", "risks", "custody"),
        ("What did HMIC recommend about stop and search?", "recommendations", "stop and search"),
        ("recommendations on vetting", "recommendations", "vetting"),
        ("What does ZQX stand for?", "define", "ZQX"),
        ("What is BWV?", "define", "BWV"),
        ("PNDX meaning", "define", "PNDX"),
        ("Which initiatives tackle county lines?", "addresses", "county lines"),
        ("Who works with the Fire Service?", "partners", "Fire Service"),
        ("Who are the partners of the Night Safe scheme?", "partners", "Night Safe scheme"),
    ],
)
def test_rules_recognise_intent_and_target(
    rules_only: IntentRecogniser, question: str, intent: str, target: str
) -> None:
    found = rules_only.recognise(question)
    assert (found.name, found.target, found.matched_by) == (intent, target, "rule")


def test_recommendations_owned_by_someone(rules_only: IntentRecogniser) -> None:
    found = rules_only.recognise("Which recommendations are assigned to ACC Mara Quill?")
    assert found.name == "recommendations" and found.owner == "ACC Mara Quill"


@pytest.mark.parametrize(
    "question",
    [
        "How many cameras were installed on the ring road?",
        "What does recommendation 4 ask the director to do?",
        "Which staff networks sit on the ethics board?",
    ],
)
def test_questions_no_rule_covers_are_searches(rules_only: IntentRecogniser, question: str) -> None:
    assert rules_only.recognise(question).name == SEARCH


def test_examples_catch_paraphrases_the_rules_miss(encoder: ModelEncoder) -> None:
    recogniser = IntentRecogniser(encoder)
    found = recogniser.recognise("Which person is accountable for this work stream")
    assert (found.name, found.matched_by) == ("who_leads", "examples")
    assert recogniser.recognise("Total tonnage of seized cannabis").name == SEARCH

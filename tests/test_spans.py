"""Typed spans for short answers, the confidence model's file, and how an answer's date fits
the period a question names. Sentences are written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.ask import _period_fit
from api.confidence import Calibration, Support, default_calibration, load_calibration
from api.graph_index import GraphEntity, GraphIndex
from api.query import Forces, periods
from api.spans import (
    BODY,
    DATE,
    FORCE,
    NUMBER,
    PERSON,
    PLACE,
    POST,
    THEME,
    SpanFinder,
    question_types,
)
from kg.errors import KgError
from kg.vocab import default_vocabulary


@pytest.fixture(scope="module")
def finder() -> SpanFinder:
    return SpanFinder(default_vocabulary())


@pytest.mark.parametrize(
    ("question", "types"),
    [
        ("Who chairs the harbour panel?", (PERSON, POST)),
        ("Which senior officer signed the report?", (PERSON, POST)),
        ("What post did Ann Vale hold in 2012?", (POST,)),
        ("When will the new custody suite open?", (DATE,)),
        ("In what year was the unit formed?", (DATE,)),
        ("How many officers joined the scheme?", (NUMBER,)),
        ("What share of calls was answered in time?", (NUMBER,)),
        ("Which team took over the review?", (BODY,)),
        ("Which neighbouring force runs the helicopter?", (FORCE, BODY)),
        ("In March 2019, which team took over the review?", (BODY,)),
        ("Which crime types did the operation target?", (THEME,)),
        ("What kinds of offending does the hub deal with?", (THEME,)),
        ("Which boroughs have a neighbourhood desk?", (PLACE,)),
        ("Which areas of business carry risk?", ()),
        ("What is Project Kestrel?", ()),
        ("cycle patrol review", ()),
    ],
)
def test_the_question_sets_the_type_of_span(question: str, types: tuple[str, ...]) -> None:
    assert question_types(question) == types


@pytest.mark.parametrize(
    ("kind", "sentence", "expected"),
    [
        (
            PERSON,
            "The review is led by DI Sara Penhaligon of the harbour team.",
            "DI Sara Penhaligon",
        ),
        (PERSON, "Councillor Ruth Amos chairs the panel.", "Councillor Ruth Amos"),
        (POST, "The lead for roads policing is the ACC (operations).", "ACC (operations)"),
        (POST, "The scheme reports to the DCC each quarter.", "DCC"),
        (DATE, "Work will start in late summer 2021 on the new site.", "late summer 2021"),
        (DATE, "The board met on 14 March 2018 to agree it.", "14 March 2018"),
        (NUMBER, "The area covers 348 square miles of the county.", "348 square miles"),
        (NUMBER, "Arrests rose by 12.5% over the year.", "12.5%"),
        (BODY, "Since then the Business Change team has run the project.", "Business Change team"),
        (THEME, "Patrols focused on knife crime and Domestic Abuse.", "Domestic Abuse"),
        (PLACE, "The desks opened in Eastholme and Pellam Vale last year.", "Pellam Vale"),
    ],
)
def test_spans_of_each_type_are_found(
    finder: SpanFinder, kind: str, sentence: str, expected: str
) -> None:
    assert expected in [s.text for s in finder.find(kind, sentence)]


def test_a_span_that_only_repeats_the_question_is_no_answer(finder: SpanFinder) -> None:
    post = GraphEntity("p1", "Post", "MAPPA co-ordinator")
    with_graph = SpanFinder(default_vocabulary(), GraphIndex({"p1": post}, []))
    sentence = "The MAPPA co-ordinator monitors attendance at the meetings."
    assert [s.text for s in with_graph.find(POST, sentence)] == ["MAPPA co-ordinator"]
    asked = ["who", "is", "the", "mappa", "co", "ordinator"]
    assert with_graph.find(POST, sentence, asked) == []
    # "PCC" spelt out is what the question asked about.
    commissioner = ["who", "is", "the", "police", "and", "crime", "commissioner"]
    assert finder.find(POST, "The PCC opened the consultation.", commissioner) == []


def test_a_post_the_force_has_several_of_needs_its_portfolio(finder: SpanFinder) -> None:
    assert finder.find(POST, "The ACC agreed the plan.") == []
    assert [s.text for s in finder.find(POST, "ACC Crime agreed the plan.")] == ["ACC Crime"]


def test_a_lone_year_or_list_number_is_not_a_figure(finder: SpanFinder) -> None:
    assert finder.find(NUMBER, "In 2014 the plan was agreed.") == []
    assert [s.text for s in finder.find(NUMBER, "It recruited 40 people.")] == ["40 people"]


def test_the_period_fit_falls_with_distance_and_allows_a_report_on_the_year_before() -> None:
    assert _period_fit("2006-10-01", periods("in 2006")) == 1.0
    assert _period_fit("2006-10-01", periods("in 2005")) == 1.0  # reports on the year before
    assert _period_fit("2006-10-01", periods("in 1985")) == 0.0
    assert 0.0 < _period_fit("2014-07-01", periods("in 2016")) < 1.0
    assert _period_fit(None, periods("in 2016")) == 0.0


def test_a_force_no_indexed_paper_comes_from_is_named() -> None:
    forces = Forces.of(["West Midlands Police"])
    assert forces.elsewhere("Who is Kent Police's deputy chief constable?") == "Kent Police"
    assert forces.elsewhere("Who is the Thames Valley DCC?") == "Thames Valley Police"
    assert forces.elsewhere("Who is the DCC of West Midlands Police?") is None
    assert forces.elsewhere("Whose wages does West Midlands Police pay for Warwickshire?") is None
    assert forces.elsewhere("Who leads CSE?") is None


def test_confidence_is_a_probability_scaled_by_the_fit() -> None:
    calibration = default_calibration()
    strong = Support("fact", 2.5, 0.7, 1.0)
    weak = Support("passage", 0.1, 0.1, 0.1)
    assert 0.0 < calibration.confidence(weak) < calibration.confidence(strong) < 1.0
    assert calibration.confidence(Support("fact", 2.5, 0.7, 1.0, typed=0.0)) == 0.0
    assert calibration.confidence(Support("fact", 2.5, 0.7, 1.0, force=0.0)) == 0.0
    assert calibration.confidence(None) == 0.0
    assert 0.0 < calibration.threshold < 1.0


def test_a_calibration_file_round_trips_and_a_bad_one_names_what_is_wrong(
    tmp_path: Path,
) -> None:
    calibration = Calibration(
        {"post": 0.1, "fact": -1.0, "define": 0.0, "related": 0.2, "passage": -2.0},
        {"score": 1.0, "similarity": 2.0, "coverage": 0.5},
        0.6,
    )
    path = tmp_path / "confidence.yaml"
    path.write_text(calibration.to_yaml("fitted for a test"), encoding="utf-8")
    assert load_calibration(path) == calibration
    assert path.read_text("utf-8").startswith("# fitted for a test\n")
    path.write_text("threshold: 0.5\n", encoding="utf-8")
    with pytest.raises(KgError, match="intercepts"):
        load_calibration(path)
    path.write_text(calibration.to_yaml("").replace("0.6", "1.5"), encoding="utf-8")
    with pytest.raises(KgError, match="between 0 and 1"):
        load_calibration(path)


def test_a_force_span_is_another_force_than_the_question_names(finder: SpanFinder) -> None:
    asked = ["which", "force", "s", "payroll", "does", "west", "midlands", "police", "run"]
    sentence = "WMP runs the payroll for Warwickshire Police and for Staffordshire."
    found = [s.text for s in finder.find(FORCE, sentence, asked)]
    assert found == ["Warwickshire Police", "Staffordshire"]


def test_a_place_is_no_rank_month_body_or_first_word(finder: SpanFinder) -> None:
    sentence = "Eastholme opened a desk in May and the Chief Constable visited Carrow City Council."
    assert [s.text for s in finder.find(PLACE, sentence)] == []
    said = ["which", "towns", "have", "a", "desk", "like", "carrow"]
    listed = "Desks are open in Eastholme, Carrow and Sturbridge."
    assert [s.text for s in finder.find(PLACE, listed, said)] == ["Eastholme", "Sturbridge"]

"""/ask answered from the graph: every intent, resolution, ambiguity, posts and their holders
at the right date, and history between documents. The corpus is written here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import index_of

from api.ask import Answer
from api.deps import Services
from api.graph_answer import GraphAnswerer
from api.graph_index import Evidence, GraphEntity, GraphFact, GraphIndex
from kg.evaluation import answer_claim
from vectors.encoder import ModelEncoder

BOARD_2010 = """COMMUNITY SAFETY BOARD
4th May 2010

Leadership Update

1. Chief Superintendent Alan Marsh is the Head of Crime Support.

2. The Harbour Watch programme is led by Superintendent Ruth Ellery.

3. Child Criminal Exploitation (CCE): DI Priya Sandhu is the Bronze Lead.

4. The Night Safety Forum (NSF) is chaired by Inspector Tom Granger.
"""

BOARD_2015 = """COMMUNITY SAFETY BOARD
7th July 2015

Leadership Update

1. Chief Superintendent Helen Okafor is the Head of Crime Support.

2. Project Lantern is a dependency for the Harbour Watch programme.

3. The key risk to the Harbour Watch programme is the loss of partner funding from the councils.

4. The Harbour Watch programme works in partnership with the Port Authority.

5. The National Standards Framework (NSF) is led by Superintendent Omar Reid.
"""


def services_of(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder, papers: dict[str, str]
) -> Iterator[Services]:
    """Read-side services over an index of `papers`, closed afterwards."""
    services = Services(index_of(tmp_path_factory.mktemp("ask"), encoder, papers), encoder)
    yield services
    services.close()


@pytest.fixture(scope="module")
def ask_services(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[Services]:
    papers = {"board-2010.txt": BOARD_2010, "board-2015.txt": BOARD_2015}
    yield from services_of(tmp_path_factory, encoder, papers)


def ask(services: Services, question: str) -> Answer:
    return services.ask.ask(question)


def test_who_leads_a_theme_named_by_its_acronym(ask_services: Services) -> None:
    answer = ask(ask_services, "Who leads CCE?")
    assert answer.intent == "who_leads"
    assert "Priya Sandhu" in answer.answer
    fact = answer.facts[0]
    assert fact.relation == "LEADS" and fact.evidence.as_of == "2010-05-04"
    assert fact.evidence.doc_id == "board-2010.txt" and "Bronze Lead" in fact.evidence.quote
    assert answer.entities[0].name == "Child Criminal Exploitation"


def test_keyword_question_with_the_long_form(ask_services: Services) -> None:
    assert "Sandhu" in ask(ask_services, "child criminal exploitation bronze lead").answer


def test_fuzzy_spelling_of_the_target(ask_services: Services) -> None:
    answer = ask(ask_services, "Who leads Harbour Wach?")
    assert "Ruth Ellery" in answer.answer and answer.entities[0].name == "Harbour Watch"


def test_who_chairs_uses_the_chair_fact(ask_services: Services) -> None:
    answer = ask(ask_services, "Who chairs the Night Safety Forum?")
    assert "Tom Granger" in answer.answer and answer.facts[0].relation == "CHAIRS"


def test_a_post_is_answered_with_its_holder_most_recent_first_with_history(
    ask_services: Services,
) -> None:
    answer = ask(ask_services, "Who is the Head of Crime Support?")
    assert answer.answer.index("Helen Okafor") < answer.answer.index("Alan Marsh")
    assert [f.evidence.as_of for f in answer.facts] == ["2015-07-07", "2010-05-04"]
    assert "History" in answer.answer


def test_a_post_at_a_date_gives_the_holder_then(ask_services: Services) -> None:
    answer = ask(ask_services, "Who was Head of Crime Support in 2010?")
    assert answer.answer.startswith("Chief Superintendent Alan Marsh")
    assert answer.facts[0].evidence.as_of == "2010-05-04"


def test_an_ambiguous_acronym_returns_the_candidates(ask_services: Services) -> None:
    answer = ask(ask_services, "Who chairs the NSF?")
    names = {c.name for c in answer.candidates}
    assert "Night Safety Forum" in names and len(names) >= 2
    assert "may mean" in answer.answer
    assert "Tom Granger" in answer.answer  # the chair fact still answers


def test_what_an_initiative_depends_on_and_what_depends_on_it(ask_services: Services) -> None:
    depends = ask(ask_services, "What does Harbour Watch depend on?")
    assert depends.intent == "depends_on" and "Project Lantern" in depends.answer
    dependents = ask(ask_services, "What depends on Project Lantern?")
    assert dependents.intent == "dependents" and "Harbour Watch" in dependents.answer


def test_risks_to_an_initiative(ask_services: Services) -> None:
    answer = ask(ask_services, "What are the risks to the Harbour Watch programme?")
    assert answer.intent == "risks" and "partner funding" in answer.answer
    assert answer.facts[0].relation == "HAS_RISK"


def test_who_works_with_an_organisation(ask_services: Services) -> None:
    answer = ask(ask_services, "Who works with the Port Authority?")
    assert answer.intent == "partners" and "Harbour Watch" in answer.answer


def test_what_an_acronym_means_lists_every_meaning_with_its_document(
    ask_services: Services,
) -> None:
    answer = ask(ask_services, "What does NSF stand for?")
    assert answer.intent == "define"
    assert {f.object for f in answer.facts} == {
        "Night Safety Forum",
        "National Standards Framework",
    }
    assert {f.evidence.doc_id for f in answer.facts} == {"board-2010.txt", "board-2015.txt"}


def test_an_acronym_in_the_period_asked_about_comes_first(ask_services: Services) -> None:
    answer = ask(ask_services, "What does NSF stand for in 2015?")
    assert answer.facts[0].object == "National Standards Framework"


def test_no_graph_answer_falls_back_to_passages(ask_services: Services) -> None:
    answer = ask(ask_services, "How is the councils' partner funding at risk?")
    assert answer.facts == []
    assert answer.passages and "partner funding" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "Who leads on wildlife crime?",
        "Who leads the dog unit?",
        "Who chairs the rural crime partnership?",
        "Who heads the marine unit?",
        # Named in the papers, but never with a lead:
        "Who leads Project Lantern?",
        "Who chairs the Port Authority?",
        "Who chairs the Community Safety Board?",  # (not the Night Safety Forum's chair)
    ],
)
def test_a_lead_for_a_target_the_papers_never_name_is_not_a_neighbours_lead(
    ask_services: Services, question: str
) -> None:
    # The papers name no lead for the target, only leads of other things: none answers it.
    answer = ask(ask_services, question)
    assert answer.intent == "who_leads"
    assert answer.facts == []
    for wrong in ("Ruth Ellery", "Priya Sandhu", "Tom Granger", "Omar Reid", "Helen Okafor"):
        assert f"{wrong} leads" not in answer.answer and f"{wrong} chairs" not in answer.answer
    # And it says so.
    assert not answer.answered, answer.answer
    assert answer.answer.startswith("The documents do not name who")
    assert answer.confidence < ask_services.ask.calibration.threshold


@pytest.mark.parametrize(
    ("question", "holder"),
    [
        ("Who is the Head of Crime Support?", "Helen Okafor"),
        ("Who leads the Harbour Watch programme?", "Ruth Ellery"),
        ("Who chairs the Night Safety Forum?", "Tom Granger"),
        ("Who is the bronze lead for child criminal exploitation?", "Priya Sandhu"),
    ],
)
def test_an_answer_the_papers_give_is_answered_with_its_confidence(
    ask_services: Services, question: str, holder: str
) -> None:
    answer = ask(ask_services, question)
    assert answer.answered, answer.answer
    assert ask_services.ask.calibration.threshold <= answer.confidence <= 1.0
    assert holder in answer_claim(answer.answer)[:40]  # the claim leads with the holder


def test_a_question_about_a_force_no_paper_comes_from_is_not_answered(
    ask_services: Services,
) -> None:
    answer = ask(ask_services, "Who is Kent Police's Head of Crime Support?")
    assert not answer.answered and answer.confidence == 0.0
    assert answer.answer.startswith("No indexed paper comes from Kent Police.")
    assert "Nearest evidence:" in answer.answer  # what the papers do say, marked as such


def test_a_question_about_a_year_long_before_the_papers_is_not_answered(
    ask_services: Services,
) -> None:
    answer = ask(ask_services, "Who was the Head of Crime Support in 1990?")
    assert not answer.answered
    now = ask(ask_services, "Who was the Head of Crime Support in 2015?")
    assert now.answered and "Helen Okafor" in now.answer


LIST_2019 = """COMMUNITY SAFETY BOARD
2nd April 2019

Programme Update

Harbour Watch Programme: report of Superintendent Ruth Ellery

1. Project Lantern is a dependency for the Harbour Watch programme.

2. Operation Kestrel is a dependency for the Harbour Watch programme.

3. The Harbour Watch programme depends on the Coastal Data Hub.

4. A key risk to the Harbour Watch programme is the loss of trained volunteers.

5. The head of training leads the volunteer learning review.
"""


@pytest.fixture(scope="module")
def list_services(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[Services]:
    papers = {"board-2015.txt": BOARD_2015, "board-2019.txt": LIST_2019}
    yield from services_of(tmp_path_factory, encoder, papers)


def test_a_list_gives_every_fact_once_newest_first_each_cited(list_services: Services) -> None:
    answer = ask(list_services, "What does the Harbour Watch programme depend on?")
    assert answer.intent == "depends_on" and answer.answered
    claim = answer_claim(answer.answer)
    for item in ("Project Lantern", "Kestrel", "Coastal Data Hub"):
        assert item in claim, answer.answer  # every item is in the answer's own claim
    objects = [f.object for f in answer.facts]
    assert len(objects) == len(set(objects))  # Project Lantern, named by both papers, once
    lantern = next(f for f in answer.facts if f.object == "Project Lantern")
    assert lantern.evidence.as_of == "2019-04-02"  # the newest document's
    assert claim.count("as of ") == len(answer.facts)  # each item cited


def test_the_risks_to_an_initiative_are_listed_from_every_paper(list_services: Services) -> None:
    answer = ask(list_services, "What are the risks to the Harbour Watch programme?")
    claim = answer_claim(answer.answer)
    assert "partner funding" in claim and "trained volunteers" in claim, answer.answer


@pytest.mark.parametrize(
    "question",
    [
        # The paper's title names her, but no sentence says she chairs anything.
        "Who chairs the Harbour Watch programme?",
        # The papers name the post, never its holder: repeating the post is no answer.
        "Who is the head of training?",
    ],
)
def test_a_name_or_post_that_does_not_answer_the_role_asked_is_not_an_answer(
    list_services: Services, question: str
) -> None:
    answer = ask(list_services, question)
    assert not answer.answered, answer.answer


def test_a_person_who_held_several_posts_is_named_without_a_rank_in_a_dated_answer() -> None:
    person = GraphEntity("p", "Person", "Ann Vale", ranks=("Chief Constable",))
    dcc = GraphEntity("d", "Post", "Deputy Chief Constable")
    chief = GraphEntity("c", "Post", "Chief Constable")
    said = Evidence("a.txt", None, 0, 10, "quote", "2010-01-01")
    holds = [GraphFact("p", "HOLDS_POST", "d", said), GraphFact("p", "HOLDS_POST", "c", said)]
    index = GraphIndex({"p": person, "d": dcc, "c": chief}, holds)
    answerer = GraphAnswerer(index, None, None)  # type: ignore[arg-type]
    assert answerer.shown(person) == "Ann Vale"  # not "Chief Constable Ann Vale" for 2010
    one_post = GraphIndex({"p": person, "d": dcc}, holds[:1])
    assert GraphAnswerer(one_post, None, None).shown(person) == "Chief Constable Ann Vale"  # type: ignore[arg-type]


PANEL_2024 = """Essex Police, Fire and Crime Panel – Minutes
21 March 2024

Present:
Ms Jane Doe, Police, Fire and Crime Commissioner for Essex
Councillor Ian Pike, Chair of the Panel

1. The Coastal Roads Partnership is chaired by the Police and Crime Commissioner.

2. Action: Produce a costed option for the coastal patrol pilot.
Owner: Head of Roads Policing

3. Supt Omar Reid – Head of Roads Policing

4. The Coastal Patrol Pilot is a Home Office led initiative.

5. The Coastal Patrol Pilot is headed by Inspector Ada Brook.
"""


@pytest.fixture(scope="module")
def panel_services(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[Services]:
    yield from services_of(tmp_path_factory, encoder, {"panel-2024.txt": PANEL_2024})


def test_a_post_held_fact_leads_with_the_person_who_held_the_office(
    panel_services: Services,
) -> None:
    # The office is named generically in the fact and for its area where its holder is named.
    answer = ask(panel_services, "Who chairs the Coastal Roads Partnership?")
    assert answer.answered, answer.answer
    assert answer.answer.startswith("Ms Jane Doe")
    # The fact left on the post names her too, first.
    assert "Ms Jane Doe, Police and Crime Commissioner, chairs" in answer.answer


def test_who_heads_names_the_person_before_a_body_that_leads_it(panel_services: Services) -> None:
    answer = ask(panel_services, "Who heads the Coastal Patrol Pilot?")
    assert answer.answered and "Ada Brook" in answer_claim(answer.answer)[:40], answer.answer


def test_the_post_a_person_held_then(ask_services: Services) -> None:
    answer = ask(ask_services, "What post did Alan Marsh hold in 2010?")
    assert answer.intent == "post_of" and answer.answered, answer.answer
    assert "Alan Marsh holds the post of Head of Crime Support" in answer_claim(answer.answer)
    assert answer.facts[0].evidence.as_of == "2010-05-04"


def test_a_fact_held_only_by_the_post_the_question_names_repeats_it() -> None:
    post = GraphEntity("h", "Post", "Head of Estates")
    review = GraphEntity("r", "Objective", "estates review")
    said = Evidence("a.txt", None, 0, 10, "The head of estates leads the review.", "2020-01-01")
    leads = GraphFact("h", "LEADS", "r", said)
    index = GraphIndex({"h": post, "r": review}, [leads])
    answerer = GraphAnswerer(index, None, None)  # type: ignore[arg-type]
    assert answerer._repeats(leads, "Who is the head of estates?")
    assert not answerer._repeats(leads, "Who leads the estates review?")
    person = GraphEntity("p", "Person", "Ann Vale")
    held = GraphFact("p", "HOLDS_POST", "h", said)
    known = GraphIndex({"h": post, "r": review, "p": person}, [leads, held])
    assert not GraphAnswerer(known, None, None)._repeats(leads, "Who is the head of estates?")  # type: ignore[arg-type]
